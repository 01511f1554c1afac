"""The command line: every command has Chinese help, and the rule list covers every id of DESIGN §4."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from xxgk.cli import main

DESIGN_IDS = [
    "T2-VALUE", "T2-REG-AUTHORITY", "T2-STOCK-XYEAR", "T3-VALUE", "T3-ROW-TOTAL", "T3-RESULT-SUM", "T3-BALANCE",
    "T3-CARRY-XYEAR", "T4-VALUE", "T4-SUM", "TXT-T3", "TXT-T4", "FMT-SECTIONS", "FMT-OVERVIEW-5", "FMT-VERSION",
    "S5-PRESENT", "S5-IMPROVE", "S6-FEE", "YEAR-MISMATCH", "TAMPER-PROTECTION", "CELL-TEXT-NUMBER", "CELL-BLANK",
    "ROSTER-MISSING", "ROSTER-DUPLICATE", "ROSTER-UNKNOWN",
]


@pytest.mark.parametrize("command", sorted(main.commands))
def test_every_command_has_chinese_help(command):
    result = CliRunner().invoke(main, [command, "--help"])
    assert result.exit_code == 0
    assert any("\u4e00" <= ch <= "\u9fff" for ch in result.output), result.output


def test_rules_lists_every_design_rule_with_a_hint():
    result = CliRunner().invoke(main, ["rules", "--json"])
    cat = json.loads(result.output)
    assert set(DESIGN_IDS) <= set(cat)
    assert any(k.startswith("FILE-") for k in cat) and any(k.startswith("TAMPER-") for k in cat)
    assert all(e["hint"] and e["severity"] in ("error", "warning", "info") for e in cat.values())


def test_usage_errors_exit_2():
    runner = CliRunner()
    assert runner.invoke(main, ["check", "/nonexistent/folder"]).exit_code == 2
    assert runner.invoke(main, ["generate", "--year", "2024"]).exit_code == 2
