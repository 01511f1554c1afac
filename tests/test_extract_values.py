"""Values read from a filled workbook: numbers, text numbers, placeholders, blanks and totals."""

from __future__ import annotations

import pytest

from test_read_helpers import UNIT, YEAR, edit, fill, generated, replace_cell, set_cells, sheet_part, style_of
from xxgk.check.extract import parse_number_text
from xxgk.check.load import read_bytes
from xxgk.document import get_path
from xxgk.form.definition import load_form

FORM = load_form()
T3 = "三、收到和处理政府信息公开申请情况"


def doc_of(data: bytes) -> tuple[dict, list]:
    loaded = read_bytes(data, "小浪底镇.xlsx")
    assert loaded.document is not None, [f.message for f in loaded.findings]
    return loaded.document, loaded.findings


def test_fresh_workbook_document() -> None:
    doc, findings = doc_of(generated())
    assert findings == []
    assert doc["form"] == {"id": "annual-report", "version": "2021"}
    assert doc["unit"] == {"name": UNIT.name, "code": UNIT.code, "level": UNIT.level, "parent": UNIT.parent}
    assert doc["year"] == YEAR and isinstance(doc["year"], int)
    assert doc["requests"]["granted"]["natural_person"] == 0
    assert doc["requests"]["total_processed"]["total"] == 0  # recomputed, the cache is empty
    assert doc["overview"]["proactive"] is None  # text inputs start blank, not ""
    assert doc["other"]["fee_charged"] is None
    src = doc["source"]
    assert src["kind"] == "workbook" and src["file"] == "小浪底镇.xlsx" and len(src["sha256"]) == 64
    assert src["template_version"] == "2021" and src["template_hash"] == FORM.template_hash


def test_every_field_has_a_location() -> None:
    loaded = read_bytes(generated(), "a.xlsx")
    assert set(loaded.locations) == {f.path for f in FORM.fields}
    f = FORM.field("requests.granted.commercial")
    assert loaded.locations[f.path] == (T3, f.cell, None)


def test_totals_are_recomputed_not_read_from_the_cache() -> None:
    data = fill(generated(), {"requests.new_received.natural_person": 5,
                              "requests.new_received.commercial": 7,
                              "requests.granted.natural_person": 3,
                              "requests.partially_granted.natural_person": 2,
                              "review_litigation.review.upheld": 4,
                              "review_litigation.review.pending": 1})
    # a stale cached result, as LibreOffice keeps when it does not recalculate
    total = FORM.field("requests.new_received.total")
    part = sheet_part(data, T3)
    formula = "SUM(" + FORM.field("requests.new_received.natural_person").cell + ":" + \
        FORM.field("requests.new_received.other").cell + ")"
    data = edit(data, part, lambda s: replace_cell(
        s, total.cell, f'<c r="{total.cell}"{style_of(s, total.cell)}><f>{formula}</f><v>999</v></c>'))
    doc, findings = doc_of(data)
    assert findings == []
    assert doc["requests"]["new_received"]["total"] == 12
    assert doc["requests"]["total_processed"]["natural_person"] == 5
    assert doc["requests"]["total_processed"]["total"] == 5
    assert doc["review_litigation"]["review"]["total"] == 5


def test_decimal_amounts_sum_exactly() -> None:
    doc, _ = doc_of(fill(generated(), {"proactive.fees": 0.1, "other.fee_amount_yuan": 12.5}))
    assert doc["proactive"]["fees"] == 0.1
    assert doc["other"]["fee_amount_yuan"] == 12.5


@pytest.mark.parametrize(("raw", "value"), [
    ("12", 12), ("１２", 12), (" 12 ", 12), ("1,234", 1234), ("１，２３４", 1234), ("−3", -3), ("ー3", -3),
    ("－3", -3), ("12.50", 12.5), ("１２．５", 12.5), ("12.0", 12), ("\u30001\u3000", 1),
])
def test_parse_number_text(raw: str, value: float) -> None:
    assert parse_number_text(raw) == value


@pytest.mark.parametrize("raw", ["/", "无", "-", "—", "", "12件", "1,2", "1.2.3", "一", "3-", "1e3"])
def test_not_numbers(raw: str) -> None:
    assert parse_number_text(raw) is None


def test_number_typed_as_text_is_read_and_is_an_error() -> None:
    f = FORM.field("requests.granted.commercial")
    doc, findings = doc_of(fill(generated(), {f.path: "１２"}))
    assert get_path(doc, f.path) == 12
    assert doc["requests"]["granted"]["total"] == 12
    (w,) = findings
    assert (w.rule, w.severity, w.sheet, w.cell, w.path) == ("CELL-TEXT-NUMBER", "error", T3, f.cell, f.path)
    assert "１２" in w.message and "12" in w.message and "商业企业" in w.message


def test_placeholders_are_kept_and_totals_are_not_guessed() -> None:
    doc, findings = doc_of(fill(generated(), {"requests.granted.commercial": "/",
                                              "requests.granted.research": "无"}))
    assert findings == []  # reporting "/" is the schema step's job (T3-VALUE)
    assert doc["requests"]["granted"]["commercial"] == "/"
    assert doc["requests"]["granted"]["research"] == "无"
    assert doc["requests"]["granted"]["total"] is None
    assert doc["requests"]["total_processed"]["commercial"] is None


def test_blank_stays_blank() -> None:
    f = FORM.field("proactive.licensing")
    part = sheet_part(generated(), f.sheet)
    data = edit(generated(), part, lambda s: replace_cell(s, f.cell, f'<c r="{f.cell}"{style_of(s, f.cell)}/>'))
    doc, _ = doc_of(data)
    assert get_path(doc, f.path) is None


def test_text_fields_and_yes_no() -> None:
    doc, findings = doc_of(fill(generated(), {
        "overview.proactive": "本年度主动公开政府信息120条。", "other.fee_charged": "已收取",
        "contact.phone": 13800138000, "problems.problems": "  "}))
    assert findings == []
    assert doc["overview"]["proactive"] == "本年度主动公开政府信息120条。"
    assert doc["other"]["fee_charged"] is True
    assert doc["contact"]["phone"] == "13800138000"
    assert doc["problems"]["problems"] is None
    doc, _ = doc_of(fill(generated(), {"other.fee_charged": "未收取"}))
    assert doc["other"]["fee_charged"] is False
    doc, _ = doc_of(fill(generated(), {"other.fee_charged": "不知道"}))
    assert doc["other"]["fee_charged"] == "不知道"


def test_shared_strings_rich_text_and_escapes() -> None:
    f = FORM.field("overview.requests")
    data = set_cells(generated(), f.sheet, {f.cell: "x"})
    data = edit(data, sheet_part(data, f.sheet), lambda s: s.replace(
        "<is><t>x</t></is>", '<is><r><t>收到申请</t></r><r><rPr><b/></rPr><t xml:space="preserve">3件_x000D_\n</t></r>'
        "<rPh sb=\"0\" eb=\"1\"><t>ぴ</t></rPh></is>"))
    doc, _ = doc_of(data)
    assert doc["overview"]["requests"] == "收到申请3件\r\n"


def test_cells_without_r_attribute() -> None:
    """Some writers omit r= on cells: positions follow from the order."""
    f = FORM.field("requests.granted.natural_person")  # D column, first input of the row
    data = fill(generated(), {f.path: 4, "requests.granted.commercial": 6})
    part = sheet_part(data, f.sheet)
    row = f.cell[1:]
    data = edit(data, part, lambda s: s.replace(f'<c r="D{row}"', "<c", 1).replace(f'<c r="E{row}"', "<c", 1))
    doc, _ = doc_of(data)
    assert doc["requests"]["granted"]["natural_person"] == 4
    assert doc["requests"]["granted"]["commercial"] == 6
    assert doc["requests"]["granted"]["total"] == 10


def test_wps_dimension_is_ignored() -> None:
    data = fill(generated(), {"requests.carried_forward.other": 9})
    part = sheet_part(data, T3)
    data = edit(data, part, lambda s: s.replace('<dimension ref="A1:J30"/>', '<dimension ref="A1:A1"/>'))
    doc, _ = doc_of(data)
    assert doc["requests"]["carried_forward"]["other"] == 9
