"""The 校验 sheet agrees with the checker, through a real LibreOffice (issue 10 §1).

Generated workbooks get random fills *with* the defects a unit makes (text in number cells as a
paste leaves it, negatives, fractions, blanks, no fee choice, empty texts, unbalanced tables),
typed and saved by LibreOffice (scripts/lo_fill.py, one soffice start for all of them), which
recalculates the 校验 formulas. Then, file by file, the rules the saved 校验 sheet marks ✘ must be
exactly the formula-checkable rules the checker reports (a finding that is not "无法检查"), and
the number of failing places must agree too.
"""

from __future__ import annotations

import random
from collections import Counter
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from conftest import lo_fill, requires_libreoffice
from xxgk.check.run import check_file
from xxgk.form.definition import CHECK_SHEET, Form
from xxgk.generate.check_sheet import county_rule_ids, formula_rule_ids
from xxgk.generate.roster import Unit
from xxgk.generate.workbook import build_workbook

ROOT = Path(__file__).resolve().parents[1]
SUBMISSIONS = ROOT / "samples" / "submissions"
ARTIFACTS = Path(__file__).resolve().parent / "artifacts" / "check_sheet"
FILLS = 210
UNITS = [
    Unit("小浪底镇", "410308101", "乡镇", "孟津区人民政府"),
    Unit("孟津区财政局", "410308202", "县级部门", "孟津区人民政府"),
    Unit("洛阳市人民政府", "4103", "市级政府", "河南省人民政府"),  # may make 规章: no T2-REG-AUTHORITY
    Unit("城关镇东关社区", "", "村社区", "城关镇人民政府"),
]
# what a unit types or pastes into a number cell, and how the checker judges it
BAD_NUMBERS: list[tuple[Any, str]] = [
    ("3", "text number"), ("12", "text number"), ("0", "text number"), (" 7 ", "text number"),
    ("-2", "negative text"), ("2.5", "fraction text"), ("无", "not a number"), ("/", "not a number"),
    ("12件", "not a number"), (-1, "negative"), (2.5, "fraction"), (None, "blank"),
    ("３", "full-width text number"), ("１２", "full-width text number"), ("－2", "full-width minus"),
    ("1 234", "text number with a space"), ("1,234", "grouped text number"), ("1e3", "not a number"),
    ("50%", "not a number"), ("2024-1-1", "not a number"),
]
GOOD_TEXT = "本年度依法依规开展该项工作，取得了预期成效。"
IMPROVE_TEXT = "下一步将加强培训，持续改进工作。"


def read_check_sheet(path: Path) -> dict[str, Any]:
    """The recalculated 校验 sheet: headline, per rule (count, ✔/✘), the county list."""
    ws = openpyxl.load_workbook(path, data_only=True)[CHECK_SHEET]
    rules: dict[str, tuple[Any, str]] = {}
    county: list[str] = []
    in_county = False
    for row in ws.iter_rows(min_row=5, max_col=6, values_only=True):
        a, _b, c, _d, _e, f = row
        if isinstance(a, str) and a.startswith("报送后由区县检查"):
            in_county = True
            continue
        if not a:
            continue
        if in_county:
            county.append(a)
        else:
            rules[a] = (c, f)
    return {"headline": ws["B2"].value, "count": ws["M1"].value, "rules": rules, "county": county}


def checker_rules(path: Path) -> Counter:
    """Formula-checkable rules the checker reports (not the 'cannot assess' notes), with counts."""
    result = check_file(path)
    return Counter(f.rule for f in result.findings if f.outcome != "not_assessable")


# ---------------------------------------------------------------- random fills


def _balanced_requests(form: Form, rnd: random.Random) -> dict[str, int]:
    values: dict[str, int] = {}
    rows = [r["key"] for r in form.grid_rows("requests") if "formula" not in r]
    results = form.groups["requests"]["results"]
    for col in (c["key"] for c in form.grid_columns("requests") if "formula" not in c):
        for r in rows:
            values[f"requests.{r}.{col}"] = 0
        if rnd.random() < 0.5:
            continue
        for r in rnd.sample(results, rnd.randint(1, 3)):
            values[f"requests.{r}.{col}"] = rnd.randint(0, 4)
        done = sum(values[f"requests.{r}.{col}"] for r in results)
        forward = rnd.randint(0, 2)
        carried = rnd.randint(0, done + forward)
        values[f"requests.carried_over.{col}"] = carried
        values[f"requests.new_received.{col}"] = done + forward - carried
        values[f"requests.carried_forward.{col}"] = forward
    return values


def random_fill(form: Form, rnd: random.Random, unit: Unit) -> list[dict[str, Any]]:
    values: dict[str, Any] = _balanced_requests(form, rnd)
    numeric = [f for f in form.fields if f.kind == "input" and form.field_types[f.type].numeric]
    for f in numeric:
        if f.path in values or f.section == "other":
            continue
        if f.section == "review_litigation":
            values[f.path] = 0
        elif f.type == "amount_wan_yuan":
            values[f.path] = rnd.choice([0, 12.5, 125.3625])
        else:
            values[f.path] = rnd.choice([0, 0, 1, 3, 17])
    for block in ("review", "litigation_direct", "litigation_after_review"):
        if rnd.random() < 0.3:
            upheld, pending = rnd.randint(0, 2), rnd.randint(0, 1)
            values[f"review_litigation.{block}.upheld"] = upheld
            values[f"review_litigation.{block}.pending"] = pending
    if unit.level == "市级政府" and rnd.random() < 0.5:
        values["proactive.regulations.issued"] = 1
        values["proactive.regulations.in_force"] = 5
    elif rnd.random() < 0.1:
        values["proactive.regulations.in_force"] = 2  # T2-REG-AUTHORITY for a township or department
    # an unbalanced table 三: one figure off by one
    if rnd.random() < 0.25:
        col = rnd.choice(form.groups["requests"]["applicants"])
        key = f"requests.{rnd.choice(['new_received', 'granted', 'carried_forward'])}.{col}"
        values[key] = values[key] + 1
    # a number typed over a total (the checker reports TAMPER-FORMULA and judges the typed figure)
    totals = [f for f in form.fields if f.kind == "formula"]
    typed_totals = {}
    if rnd.random() < 0.2:
        for f in rnd.sample(totals, rnd.randint(1, 2)):
            typed_totals[f.path] = rnd.choice([0, 1, 4, 9])
    if rnd.random() < 0.05:  # table 四 has 3 totals among 36: give them a chance of their own
        typed_totals[f"review_litigation.{rnd.choice(['review', 'litigation_direct'])}.total"] = 3
    # defects in number cells, as a paste leaves them
    if rnd.random() < 0.6:
        for f in rnd.sample(numeric, rnd.randint(1, 3)):
            values[f.path] = rnd.choice(BAD_NUMBERS)[0]
    # texts: filled, blank, or only "无"
    for f in form.raw["text_blocks"]["overview"]["fields"]:
        if f.get("topic"):
            values[f["path"]] = rnd.choices([GOOD_TEXT, None, "无", " 无 "], [8, 1, 1, 0.5])[0]
    values["problems.problems"] = rnd.choices(
        [GOOD_TEXT, None, "无", GOOD_TEXT + IMPROVE_TEXT, "暂无"], [6, 1, 1, 2, 1])[0]
    values["problems.improvements"] = rnd.choices([IMPROVE_TEXT, None, "无"], [7, 2, 1])[0]
    choice = rnd.choices(["未收取", "已收取", None], [6, 2, 2])[0]
    values["other.fee_charged"] = choice
    values["other.fee_amount_yuan"] = rnd.choice([0, 0, 150, None, "80", -5])
    ops: list[dict[str, Any]] = []
    for path, value in {**values, **typed_totals}.items():
        f = form.field(path)
        if value is None:
            ops.append({"op": "clear", "sheet": f.sheet, "cell": f.cell})
        else:
            ops.append({"op": "set", "sheet": f.sheet, "cell": f.cell, "value": value})
    return ops


@pytest.fixture(scope="module")
def filled(form: Form, tmp_path_factory) -> list[Path]:
    work = tmp_path_factory.mktemp("parity")
    rnd = random.Random(20241205)
    blanks = []
    for i, unit in enumerate(UNITS):
        blank = work / f"blank-{i}.xlsx"
        blank.write_bytes(build_workbook(form, unit, 2024))
        blanks.append((blank, unit))
    jobs, outs = [], []
    for n in range(FILLS):
        blank, unit = blanks[n % len(blanks)]
        out = work / f"fill-{n:03d}.xlsx"
        jobs.append({"in": str(blank), "out": str(out), "ops": random_fill(form, rnd, unit)})
        outs.append(out)
    lo_fill(jobs, work)
    return outs


# ---------------------------------------------------------------- tests


@requires_libreoffice
def test_check_sheet_fails_exactly_when_the_checker_reports_the_rule(form: Form, filled: list[Path]) -> None:
    formula_ids = set(formula_rule_ids(form))
    failed_somewhere: Counter = Counter()
    passed_somewhere: Counter = Counter()
    mismatches = []
    for path in filled:
        sheet = read_check_sheet(path)
        checker = checker_rules(path)
        shown_fail = {rid for rid, (_c, mark) in sheet["rules"].items() if mark == "✘"}
        reported = {rid for rid in checker if rid in formula_ids}
        if shown_fail != reported:
            mismatches.append((path.name, sorted(shown_fail - reported), sorted(reported - shown_fail)))
            continue
        for rid, (count, mark) in sheet["rules"].items():
            assert mark in ("✔", "✘"), (path.name, rid, mark)
            (failed_somewhere if mark == "✘" else passed_somewhere)[rid] += 1
            # places: one finding per failing cell/instance (CELL-BLANK may be one finding per table)
            if rid != "CELL-BLANK":
                assert count == checker[rid], (path.name, rid, count, checker[rid])
        # the headline counts and names the failing rules
        assert sheet["count"] == len(shown_fail), path.name
        if shown_fail:
            assert sheet["headline"].startswith(f"{len(shown_fail)}项未通过"), sheet["headline"]
            named = sheet["headline"].split("：", 1)[1].split("。")[0].split("、")
            assert set(named) == shown_fail
        else:
            assert sheet["headline"].startswith("0项")
    assert not mismatches, mismatches[:10]
    # the fills really exercised every rule both ways
    for rid in formula_ids:
        assert failed_somewhere[rid] >= 3 and passed_somewhere[rid] >= 3, (rid, failed_somewhere, passed_somewhere)
    assert len(filled) >= 200


@requires_libreoffice
def test_county_rules_are_listed_under_their_own_heading(form: Form, filled: list[Path]) -> None:
    sheet = read_check_sheet(filled[0])
    assert sheet["county"] == county_rule_ids(form)
    assert {"FMT-VERSION", "TAMPER-FORMULA", "TXT-T3", "YEAR-MISMATCH", "T3-CARRY-XYEAR"} <= set(sheet["county"])
    assert not set(sheet["county"]) & set(sheet["rules"])


SAMPLE_DEFECTS = {
    "410308002_康乐街道_2024年度报告填报表.xlsx": {"S6-FEE"},
    "410308202_孟津区财政局_2024年度报告填报表.xlsx": {"CELL-TEXT-NUMBER"},
    "410308104_平乐镇_2024年度报告填报表.xlsx": {"T3-BALANCE"},
}


@pytest.mark.parametrize("name", sorted(SAMPLE_DEFECTS))
def test_samples_show_a_non_zero_headline_naming_the_checkers_rules(form: Form, name: str) -> None:
    # the samples were typed and saved by LibreOffice (scripts/make_samples.py): the values read
    # here are LibreOffice's own recalculation of the 校验 formulas
    path = SUBMISSIONS / name
    sheet = read_check_sheet(path)
    reported = {rid for rid in checker_rules(path) if rid in set(formula_rule_ids(form))}
    failing = {rid for rid, (_c, mark) in sheet["rules"].items() if mark == "✘"}
    assert failing == reported == SAMPLE_DEFECTS[name]
    assert sheet["count"] == len(failing) > 0
    assert sheet["headline"].startswith(f"{len(failing)}项未通过") and all(r in sheet["headline"] for r in failing)


def test_old_format_wording_is_named_for_the_county_and_still_fails() -> None:
    path = SUBMISSIONS / "410308106_朝阳镇_2024年度报告填报表.xlsx"
    sheet = read_check_sheet(path)
    assert "FMT-VERSION" in sheet["county"]
    result = check_file(path)
    assert result.status == "fail" and any(f.rule == "FMT-VERSION" and f.severity == "error" for f in result.findings)
