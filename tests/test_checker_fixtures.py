"""The checker on files saved by a real LibreOffice (tests/fixtures/libreoffice/README.md):
no false TAMPER finding on a plain open-and-save, and each edit made through LibreOffice is
reported with the right rule and cell."""

from __future__ import annotations

from pathlib import Path

import pytest

from xxgk.check.run import check_file
from xxgk.document import figures
from xxgk.form.definition import load_form

FIXTURES = Path(__file__).parent / "fixtures" / "libreoffice"
T3 = "三、收到和处理政府信息公开申请情况"


def failing(result) -> list[tuple[str, str | None, str | None]]:
    return [(f.rule, f.sheet, f.cell) for f in result.findings if f.outcome == "fail"]


def test_filled_pair_passes_including_cross_year_rules():
    prev = check_file(FIXTURES / "suqian-2023.xlsx", year=2023)
    assert prev.status == "pass", failing(prev)
    this = check_file(FIXTURES / "suqian-2024.xlsx", year=2024, previous=prev.document)
    assert this.status == "pass", failing(this)
    assert this.document["requests"]["total_processed"]["total"] == 3521


def test_cross_year_rules_fire_when_last_year_disagrees():
    prev = check_file(FIXTURES / "suqian-2023.xlsx", year=2023).document
    prev["requests"]["carried_forward"]["natural_person"] = 100
    prev["proactive"]["regulations"]["in_force"] = 10
    this = check_file(FIXTURES / "suqian-2024.xlsx", year=2024, previous=prev)
    assert ("T3-CARRY-XYEAR", T3, "D7") in failing(this)
    assert ("T2-STOCK-XYEAR", "二、主动公开政府信息情况", "D5") in failing(this)


def test_resaved_blank_has_no_tamper_or_file_finding():
    rules = {r for r, _, _ in failing(check_file(FIXTURES / "resaved-blank.xlsx", year=2024))}
    assert rules == {"FMT-OVERVIEW-5", "S5-PRESENT", "S6-FEE"}


@pytest.mark.parametrize(("name", "expected"), [
    ("tampered-total.xlsx", ("TAMPER-FORMULA", T3, "J6")),
    ("tampered-inserted-row.xlsx", ("TAMPER-ROWS", T3, "B9")),
    ("tampered-renamed-sheet.xlsx", ("TAMPER-SHEET-RENAMED", "四、行政复议和行政诉讼情况", None)),
    ("tampered-unprotected.xlsx", ("TAMPER-PROTECTION", "二、主动公开政府信息情况", None)),
])
def test_edit_through_libreoffice_is_reported_where_it_was_made(name, expected):
    result = check_file(FIXTURES / name, year=2024)
    assert expected in failing(result)
    assert result.status == ("warn" if name == "tampered-unprotected.xlsx" else "fail")


def test_inserted_row_figures_are_read_where_their_labels_moved():
    form = load_form()
    moved = check_file(FIXTURES / "tampered-inserted-row.xlsx", year=2024)
    original = check_file(FIXTURES / "suqian-2024.xlsx", year=2024)
    assert failing(moved) == [("TAMPER-ROWS", T3, "B9")]
    assert figures(moved.document, form) == figures(original.document, form)


def test_an_invalid_count_does_not_feed_the_recomputed_totals(tmp_path):
    """A huge or negative count is reported once (T3-VALUE); the totals computed from it are not
    assessable, instead of a balance error with a meaningless left side."""
    from xxgk.generate.fill import set_cells

    data = set_cells((FIXTURES / "suqian-2024.xlsx").read_bytes(), {T3: {"D6": -5}})
    path = tmp_path / "negative.xlsx"
    path.write_bytes(data)
    result = check_file(path, year=2024)
    assert failing(result) == [("T3-VALUE", T3, "D6")]
    skipped = {(f.rule, f.cell) for f in result.findings if f.outcome == "not_assessable"}
    assert ("T3-BALANCE", "J30") in skipped and ("T3-ROW-TOTAL", "J6") in skipped
