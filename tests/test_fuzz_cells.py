"""Cell-level fuzzing: random values typed into random input, total and identity cells.

Properties, per case: one result with a status in pass/warn/fail/error, no exception, no internal
error, never "unreadable" (the values are valid XML), and the finding lands where the user typed:
- a total (formula) typed over -> TAMPER-FORMULA at that cell;
- a negative or non-finite number in a count/amount cell -> an error at that cell;
- a whole number 0 ≤ n < 10^9 in a count cell -> no value finding at that cell;
- non-blank text or TRUE/FALSE in a numeric cell -> a finding at that cell (text number, or invalid value);
- a changed unit name -> TAMPER-IDENTITY.
Then the whole lot goes through the three summary writers, which must round-trip every unit name.
"""

from __future__ import annotations

import json
import math
import time
from pathlib import Path
from typing import Any

import openpyxl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hostile.corpus import passing
from xxgk.check.load import read_bytes
from xxgk.check.run import check_loaded
from xxgk.form.definition import load_form
from xxgk.generate.fill import set_cells
from xxgk.report.model import FileResult, RunResult
from xxgk.report.writers import write_summaries

FORM = load_form()
BASE = passing("城关镇")
UNIT = "城关镇"
FIELDS = [f for f in FORM.fields if f.kind in ("input", "formula") or f.path == "unit.name"]
VALUE_RULES = {"T2-VALUE", "T3-VALUE", "T4-VALUE", "DOC-SCHEMA", "CELL-BLANK", "CELL-TEXT-NUMBER"}

NASTY = ["NaN", "nan", "Infinity", "-inf", "1e309", "1e-400", "#DIV/0!", "#N/A", "=SUM(A1:A2)", "+1", "-1",
         "@SUM(1+1)", '=HYPERLINK("http://x","y")', "+cmd|' /C calc'!A0", "１２", "１２．５", "−5", "ー3", "1,234",
         "1,23", " 7 ", "0x10", "1_000", "٣", "²", "Ⅻ", "\u3000１\u3000", "TRUE", "", " ", "/", "无", "——", "12件",
         "1e3", ".5", "5.", "+0", "-0", "00012", "9" * 30, "9" * 400, "9" * 5000,
         "<script>alert(1)</script>", "&amp;", "]]>",
         "\t=1", "一二三" * 2000, "😀", "\u202e3", "0" * 101 + "1"]

values = st.one_of(
    st.integers(-(10**12), 10**12),
    st.integers(0, 10**9 - 1),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(NASTY),
    st.text(st.characters(exclude_categories=("Cs", "Cc")) | st.sampled_from("\t\n"), max_size=40),
    st.booleans(),
    st.none(),
)
edits = st.dictionaries(st.sampled_from(range(len(FIELDS))), values, min_size=1, max_size=5)


def _at(r: FileResult, sheet: str, cell: str, rules: set[str] | None = None) -> list[str]:
    return [f.rule for f in r.findings if f.sheet == sheet and f.cell == cell and (rules is None or f.rule in rules)
            and f.outcome == "fail"]


def expect(r: FileResult, path: str, value: Any) -> None:
    f = FORM.field(path)
    numeric = f.kind != "identity" and FORM.field_types[f.type].numeric
    here = _at(r, f.sheet, f.cell)
    if path == "unit.name":
        shown = "" if value is None else ("TRUE" if value is True else "FALSE" if value is False else (
            str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)))
        if shown.strip() != UNIT:
            assert "TAMPER-IDENTITY" in here, (value, r.findings)
        return
    if f.kind == "formula":
        assert "TAMPER-FORMULA" in here, (value, here)
        return
    if not numeric:
        return
    if isinstance(value, bool):  # TRUE/FALSE typed into a count
        assert [x for x in here if x in VALUE_RULES], (path, value, r.findings)
    elif isinstance(value, (int, float)):
        if not math.isfinite(value) or value < 0:
            assert [x for x in here if x in VALUE_RULES], (path, value, r.findings)
        elif isinstance(value, int) and value < 10**9:
            assert not _at(r, f.sheet, f.cell, VALUE_RULES), (path, value, r.findings)
    elif isinstance(value, str) and value.strip():
        assert [x for x in here if x in VALUE_RULES], (path, value, r.findings)


def test_random_values_in_random_cells(tmp_path: Path) -> None:
    results: list[FileResult] = []
    names: list[str] = []
    worst = [0.0]

    @settings(max_examples=900, deadline=None, derandomize=True, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(edits)
    def one(case: dict[int, Any]) -> None:
        changes: dict[str, dict[str, Any]] = {}
        for i, v in case.items():
            f = FIELDS[i]
            changes.setdefault(f.sheet, {})[f.cell] = v
        data = set_cells(BASE, changes)
        t = time.perf_counter()
        r = check_loaded(Path(f"fuzz-{len(results)}.xlsx"), read_bytes(data, f"fuzz-{len(results)}.xlsx"))
        worst[0] = max(worst[0], time.perf_counter() - t)
        assert r.status in ("pass", "warn", "fail"), (case, r.findings)  # values are valid XML: never unreadable
        assert not [f for f in r.findings if f.rule == "CHECK-INTERNAL" or "内部错误" in f.message], case
        for i, v in case.items():
            expect(r, FIELDS[i].path, v)
        r.document = None if r.status == "error" else {"unit": r.document.get("unit")}
        results.append(r)
        names.append(r.unit or "")

    one()
    assert len(results) >= 900
    assert worst[0] < 5, worst[0]  # the per-file limit is 60 s; a normal case takes ~10 ms
    print(f"\ncell fuzz: {len(results)} cases, max {worst[0] * 1000:.0f} ms")

    # every result through the writers: nothing raises, and the unit names survive as plain text
    run = RunResult(files=results, year=2024)
    write_summaries(run, tmp_path)
    data = json.loads((tmp_path / "summary.json").read_text(encoding="utf-8"))
    assert [f["unit"] or "" for f in data["files"]] == names
    wb = openpyxl.load_workbook(tmp_path / "summary.xlsx")
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                assert c.data_type != "f", (ws.title, c.coordinate, c.value)
    units = [c.value or "" for c in wb["概览"]["B"][1:]]  # worst first, so compared as a multiset
    assert sorted(units) == sorted(n if len(n) <= 32767 else n[:32767] for n in names)
    assert "<script>alert(1)</script>" not in (tmp_path / "summary.html").read_text(encoding="utf-8")
