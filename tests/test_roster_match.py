"""Matching report units to the roster."""

from __future__ import annotations

import pytest

from xxgk.check.roster import RosterIndex, apply_roster, core
from xxgk.generate.roster import Unit
from xxgk.report.model import FileResult, RunResult

ROSTER = [Unit("小浪底镇", "410322101", "乡镇", "孟津区"), Unit("城关镇"), Unit("孟津区教育局"),
          Unit("会盟街道"), Unit("东风社区"), Unit("平乐村")]


@pytest.mark.parametrize(("name", "expected"), [
    ("小浪底镇", "小浪底镇"),
    ("孟津区小浪底镇人民政府", "小浪底镇"),
    ("洛阳市孟津区小浪底镇人民政府", "小浪底镇"),
    ("小浪底镇 人民政府", "小浪底镇"),
    ("孟津区小浪底镇人民政府2024年政府信息公开工作年度报告", "小浪底镇"),
    ("会盟街道办事处", "会盟街道"),
    ("教育局", "孟津区教育局"),
    ("东风社区居民委员会", "东风社区"),
    ("平乐村村民委员会", "平乐村"),
    ("城关镇政府", "城关镇"),
    ("ＸＸ县城关镇", "城关镇"),
])
def test_names_match(name: str, expected: str) -> None:
    i = RosterIndex(ROSTER).match(name)
    assert i is not None and ROSTER[i].name == expected


@pytest.mark.parametrize("name", ["小浪底", "白鹤镇", "市场监督管理局", "", "镇"])
def test_names_that_must_not_match(name: str) -> None:
    assert RosterIndex(ROSTER).match(name) is None


def test_code_decides_before_name() -> None:
    idx = RosterIndex(ROSTER)
    assert ROSTER[idx.match("别的名字", "410322101")].name == "小浪底镇"


def test_ambiguous_core_is_no_match() -> None:
    idx = RosterIndex([Unit("甲县城关镇"), Unit("乙县城关镇")])
    assert idx.match("城关镇") is None
    assert idx.match("甲县城关镇人民政府") == 0


def test_core_strips_suffix_and_title() -> None:
    assert core("孟津区小浪底镇人民政府2024年政府信息公开工作年度报告") == "孟津区小浪底镇"
    assert core("会盟街道办事处") == "会盟街道"


def test_apply_roster_missing_duplicate_unknown_and_unreadable_by_file_name() -> None:
    run = RunResult(files=[
        FileResult(path="a/小浪底镇.xlsx", unit="孟津区小浪底镇人民政府", document={}),
        FileResult(path="a/小浪底镇-2.xlsx", unit="小浪底镇", document={}),
        FileResult(path="a/白鹤镇.xlsx", unit="白鹤镇", document={}),
        FileResult(path="a/城关镇填报表.xlsx"),  # unreadable: no unit, matched by its file name
        FileResult(path="a/~$x.xlsx", skipped=True),
    ])
    apply_roster(run, ROSTER)
    rules = [[f.rule for f in r.findings] for r in run.files]
    assert rules == [["ROSTER-DUPLICATE"], ["ROSTER-DUPLICATE"], ["ROSTER-UNKNOWN"], [], []]
    assert "2份文件" in run.files[0].findings[0].message and "小浪底镇-2.xlsx" in run.files[0].findings[0].message
    assert [u["name"] for u in run.roster_missing] == ["孟津区教育局", "会盟街道", "东风社区", "平乐村"]
    assert all(f.rule == "ROSTER-MISSING" for f in run.roster_findings) and len(run.roster_findings) == 4
    assert run.exit_code == 1
