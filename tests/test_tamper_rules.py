"""Tamper rules on workbooks edited the way a user, a script or another application would."""

from __future__ import annotations

import re

from test_read_helpers import (
    edit,
    fill,
    generated,
    parts,
    replace_cell,
    rezip,
    set_cells,
    sheet_part,
    style_of,
    text_cell,
)
from xxgk.check.load import read_bytes
from xxgk.check.rules import evaluate
from xxgk.form.definition import META_SHEET, load_form

FORM = load_form()
COVER = "填报说明"
T2 = "二、主动公开政府信息情况"
T3 = "三、收到和处理政府信息公开申请情况"
T4 = "四、政府信息公开行政复议、行政诉讼情况"


def read(data: bytes):
    return read_bytes(data, "小浪底镇.xlsx")


def by_rule(loaded, rule: str) -> list:
    return [f for f in loaded.findings if f.rule == rule]


def tamper_rules(loaded) -> list[str]:
    return [f.rule for f in loaded.findings if f.rule.startswith("TAMPER")]


def test_clean_file_has_no_tamper_finding() -> None:
    assert read(generated()).findings == []


def test_total_overwritten_with_a_number() -> None:
    data = fill(generated(), {"requests.granted.natural_person": 3, "requests.granted.commercial": 4})
    total = FORM.field("requests.granted.total")
    data = set_cells(data, T3, {total.cell: 10})
    loaded = read(data)
    (f,) = by_rule(loaded, "TAMPER-FORMULA")
    assert (f.severity, f.sheet, f.cell, f.path) == ("error", T3, total.cell, total.path)
    assert "10" in f.message and "=SUM(" in f.message and "予以公开" in f.message
    # the document takes the typed value, so the arithmetic rule shows the difference
    assert loaded.document["requests"]["granted"]["total"] == 10
    fails = [r for r in evaluate(FORM, loaded.document) if r.rule == "T3-ROW-TOTAL" and r.outcome == "fail"]
    assert len(fails) == 1 and fails[0].left == 10 and fails[0].right == 7


def test_total_overwritten_with_text_and_another_formula() -> None:
    t1, t2 = FORM.field("requests.granted.total"), FORM.field("review_litigation.review.total")
    data = set_cells(generated(), T3, {t1.cell: "１０"})
    data = edit(data, sheet_part(data, T4), lambda s: replace_cell(
        s, t2.cell, f'<c r="{t2.cell}"{style_of(s, t2.cell)}><f>A6+B6</f><v>0</v></c>'))
    loaded = read(data)
    found = {(f.sheet, f.cell) for f in by_rule(loaded, "TAMPER-FORMULA")}
    assert found == {(T3, t1.cell), (T4, t2.cell)}
    assert loaded.document["requests"]["granted"]["total"] == 10
    assert any(f.rule == "CELL-TEXT-NUMBER" and f.cell == t1.cell for f in loaded.findings)
    assert "=A6+B6" in by_rule(loaded, "TAMPER-FORMULA")[1].message


def test_total_cleared() -> None:
    total = FORM.field("requests.total_processed.other")
    data = edit(generated(), sheet_part(generated(), T3), lambda s: replace_cell(s, total.cell, ""))
    (f,) = by_rule(read(data), "TAMPER-FORMULA")
    assert f.cell == total.cell and "空白" in f.message


def test_formula_written_differently_is_accepted() -> None:
    """`$`, lower case and spaces are how other applications may write the same formula."""
    total = FORM.field("requests.granted.total")
    data = edit(generated(), sheet_part(generated(), T3), lambda s: re.sub(
        r"<f>SUM\(D(\d+):I(\d+)\)</f>", r"<f>sum($D\1 : $I$\2)</f>", s))
    loaded = read(fill(data, {"requests.granted.research": 2}))
    assert loaded.findings == []
    assert loaded.document["requests"]["granted"]["total"] == 2
    assert total.cell


def test_shared_formulas_are_resolved() -> None:
    """LibreOffice and Excel may store a column of similar formulas as one shared formula."""
    rows = [FORM.field(f"requests.{r}.total").cell for r in ("new_received", "carried_over")]
    part = sheet_part(generated(), T3)

    def share(s: str) -> str:
        a, b = rows
        s = re.sub(rf'(<c r="{a}"[^>]*>)<f>([^<]+)</f>', rf'\1<f t="shared" ref="{a}:{b}" si="0">\2</f>', s)
        return re.sub(rf'(<c r="{b}"[^>]*>)<f>[^<]+</f>', r'\1<f t="shared" si="0"/>', s)

    data = fill(edit(generated(), part, share), {"requests.carried_over.commercial": 6})
    loaded = read(data)
    assert loaded.findings == []
    assert loaded.document["requests"]["carried_over"]["total"] == 6


def test_label_changed() -> None:
    lab = next(lab for lab in FORM.labels if lab.sheet == T3 and lab.text == "（一）予以公开")
    data = set_cells(generated(), T3, {lab.cell: "（一）全部公开"})
    loaded = read(data)
    assert tamper_rules(loaded) == ["TAMPER-LABEL"]
    f = loaded.findings[0]
    assert (f.sheet, f.cell) == (T3, lab.cell) and "予以公开" in f.message and "全部公开" in f.message


def test_label_spacing_and_full_width_do_not_count_as_changes() -> None:
    lab = next(lab for lab in FORM.labels if lab.sheet == T2 and lab.text == "行政规范性文件")
    data = set_cells(generated(), T2, {lab.cell: " 行政规范性\n文件 "})
    assert tamper_rules(read(data)) == []


def _shift_rows(xml: str, from_row: int, by: int) -> str:
    """Move every cell at or below `from_row` down by `by` rows (what inserting rows does)."""

    def row(m: re.Match[str]) -> str:
        r = int(m.group(2))
        return f"{m.group(1)}{r + by if r >= from_row else r}"

    xml = re.sub(r'(<row r=")(\d+)', row, xml)
    return re.sub(r'(<c r="[A-Z]+)(\d+)', row, xml)


def test_inserted_row_is_reported_once_per_sheet() -> None:
    first = FORM.field("requests.withheld_state_secret.natural_person")
    row = int(first.cell[1:])
    data = edit(generated(), sheet_part(generated(), T3), lambda s: _shift_rows(s, row, 1))
    loaded = read(data)
    rows = by_rule(loaded, "TAMPER-ROWS")
    assert len(rows) == 1
    f = rows[0]
    assert f.sheet == T3 and f.cell == f"B{row}" and f"B{row + 1}" in f.message and "下移了1行" in f.message
    assert by_rule(loaded, "TAMPER-FORMULA") == [] and by_rule(loaded, "TAMPER-LABEL") == []


def test_deleted_row_is_reported() -> None:
    data = generated()
    part = sheet_part(data, T2)
    r = int(FORM.field("proactive.licensing").cell[1:])

    def delete(s: str) -> str:
        s = re.sub(rf'<row r="{r}"[^>]*>.*?</row>', "", s, flags=re.S)
        return _shift_rows(s, r + 1, -1)

    loaded = read(edit(data, part, delete))
    (f,) = by_rule(loaded, "TAMPER-ROWS")
    assert f.sheet == T2 and "上移了1行" in f.message


def test_sheet_renamed() -> None:
    data = edit(generated(), "xl/workbook.xml", lambda s: s.replace(f'name="{T4}"', 'name="表四"'))
    loaded = read(data)
    assert tamper_rules(loaded) == ["TAMPER-SHEET-RENAMED"]
    f = loaded.findings[0]
    assert f.sheet == "表四" and T4 in f.message and "表四" in f.message
    # the renamed sheet is still read
    assert loaded.locations["review_litigation.review.upheld"][0] == "表四"


def test_sheet_deleted_and_sheet_added() -> None:
    data = edit(generated(), "xl/workbook.xml", lambda s: re.sub(
        rf'<sheet name="{re.escape(T4)}"[^>]*/>', "", s))
    loaded = read(data)
    assert tamper_rules(loaded) == ["TAMPER-SHEET-MISSING"]
    assert loaded.findings[0].sheet == T4
    assert loaded.document["review_litigation"]["review"]["total"] is None

    def add(s: str) -> str:
        return s.replace("</sheets>", '<sheet name="草稿" sheetId="20" r:id="rId9"/></sheets>')

    loaded = read(edit(generated(), "xl/workbook.xml", add))
    assert tamper_rules(loaded) == ["TAMPER-SHEET-EXTRA"]
    assert loaded.findings[0].sheet == "草稿"


def test_protection_removed_is_a_warning_for_that_sheet() -> None:
    part = sheet_part(generated(), T3)
    loaded = read(edit(generated(), part, lambda s: re.sub(r"<sheetProtection[^>]*/>", "", s)))
    assert [(f.rule, f.severity, f.sheet) for f in loaded.findings] == [("TAMPER-PROTECTION", "warning", T3)]


def test_protection_as_libreoffice_writes_it_is_accepted() -> None:
    part = sheet_part(generated(), T3)
    loaded = read(edit(generated(), part, lambda s: re.sub(
        r"<sheetProtection[^>]*/>", '<sheetProtection sheet="true" password="daa7" objects="true"/>', s)))
    assert loaded.findings == []


def test_year_changed_on_the_cover() -> None:
    year = FORM.field("year")
    loaded = read(set_cells(generated(), COVER, {year.cell: 2023}))
    (f,) = by_rule(loaded, "TAMPER-IDENTITY")
    assert (f.sheet, f.cell, f.path) == (COVER, year.cell, "year")
    assert "2024" in f.message and "2023" in f.message
    assert loaded.document["year"] == 2023


def test_unit_name_changed_on_the_cover() -> None:
    name = FORM.field("unit.name")
    loaded = read(set_cells(generated(), COVER, {name.cell: "白鹤镇"}))
    assert [(f.rule, f.cell) for f in loaded.findings] == [("TAMPER-IDENTITY", name.cell)]


def test_hidden_sheet_deleted() -> None:
    data = edit(generated(), "xl/workbook.xml", lambda s: re.sub(r'<sheet name="_xxgk"[^>]*/>', "", s))
    loaded = read(data)
    assert [(f.rule, f.sheet) for f in loaded.findings] == [("TAMPER-SHEET-MISSING", META_SHEET)]
    assert loaded.form_version == "2021"  # still identified by the document properties


def test_no_template_identity_at_all() -> None:
    members = parts(edit(generated(), "xl/workbook.xml", lambda s: re.sub(r'<sheet name="_xxgk"[^>]*/>', "", s)))
    del members["docProps/custom.xml"]
    loaded = read(rezip(members))
    assert tamper_rules(loaded) == ["TAMPER-TEMPLATE"]
    assert loaded.document is not None  # the sheets match: values are still read


def test_unknown_template_version() -> None:
    data = edit(generated(), "docProps/custom.xml", lambda s: s.replace(">2021<", ">2019<"))
    data = edit(data, "xl/sharedStrings.xml", lambda s: s.replace("<t>2021</t>", "<t>2019</t>"))
    loaded = read(data)
    assert tamper_rules(loaded) == ["TAMPER-TEMPLATE"]
    assert "2019" in loaded.findings[0].message and loaded.document is not None


def test_hidden_sheet_and_properties_disagree() -> None:
    data = edit(generated(), "docProps/custom.xml", lambda s: s.replace(">2021<", ">2019<"))
    loaded = read(data)
    assert tamper_rules(loaded) == ["TAMPER-TEMPLATE"]
    assert "不一致" in loaded.findings[0].message


def test_outdated_template_hash_is_a_warning() -> None:
    h = FORM.template_hash
    data = edit(generated(), "docProps/custom.xml", lambda s: s.replace(h, "0" * 64))
    data = edit(data, "xl/sharedStrings.xml", lambda s: s.replace(h, "0" * 64))
    loaded = read(data)
    assert [(f.rule, f.severity) for f in loaded.findings] == [("TAMPER-TEMPLATE", "warning")]


def test_another_tools_workbook_is_not_a_report() -> None:
    import io

    import xlsxwriter

    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True})
    wb.add_worksheet("Sheet1").write("A1", "工资表")
    wb.close()
    loaded = read(buf.getvalue())
    assert [f.rule for f in loaded.findings] == ["FILE-NOT-REPORT"]
    assert loaded.document is None


def test_libreoffice_style_changes_raise_nothing() -> None:
    """What a LibreOffice save changes, applied by hand: veryHidden -> hidden, empty workbookProtection,
    no fullCalcOnLoad, inline strings instead of shared ones, explicit t="n" on numbers."""
    data = edit(generated(), "xl/workbook.xml", lambda s: s.replace('state="veryHidden"', 'state="hidden"')
                .replace('fullCalcOnLoad="1"', "").replace("<bookViews>", "<workbookProtection/><bookViews>"))
    lab = next(lab for lab in FORM.labels if lab.sheet == T3 and lab.text == "（七）总计")
    data = edit(data, sheet_part(data, T3), lambda s: replace_cell(
        s, lab.cell, text_cell(lab.cell, lab.text, style_of(s, lab.cell))).replace("<v>0</v>", '<v>0</v>'))
    data = edit(data, sheet_part(data, T3), lambda s: s.replace('"><v>0</v>', '" t="n"><v>0</v>'))
    assert read(data).findings == []
