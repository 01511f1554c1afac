"""The generated workbook, read back with openpyxl and as raw XML.

Expectations about the official tables come from tests/official_grid.py (typed in from the
reference document), not from the form definition the generator reads.
"""

from __future__ import annotations

import io
import re
import unicodedata
import zipfile
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from lxml import etree
from openpyxl.utils.cell import coordinate_from_string, get_column_letter, range_boundaries
from openpyxl.worksheet.cell_range import CellRange

import xxgk
from official_grid import (
    OFFICIAL,
    SECTION_SHEETS,
    SHEET_T2,
    SHEET_T3,
    SHEET_T4,
    T2_COUNT_INPUTS,
    T2_FEE_INPUT,
    T2_INPUT_MERGES,
    on_sheet,
    t3_formulas,
    t3_inputs,
    t4_formulas,
    t4_inputs,
)
from xxgk.cli import main as cli
from xxgk.generate.check_sheet import _builders, county_rule_ids, formula_rule_ids, plan_mirror
from xxgk.generate.roster import Unit
from xxgk.generate.workbook import GenerateOptions, build_workbook
from xxgk.report.model import catalogue

ROOT = Path(__file__).resolve().parents[1]
NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
      "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships"}
COVER = "填报说明"
CHECK = "校验"
META = "_xxgk"

# Free-text sections: label in column A, the input in one wide cell B on the same row.
TEXT_BLOCKS = {
    "一、总体情况": ["概述（可选）", "（一）主动公开", "（二）依申请公开", "（三）政府信息管理",
                 "（四）政府信息公开平台建设", "（五）监督保障"],
    "五、存在的主要问题及改进情况": ["（一）存在的主要问题", "（二）改进情况"],
    "六、其他需要报告的事项": ["是否收取信息处理费", "收取金额（元）", "其他需要报告的事项"],
}
COVER_IDENTITY = {"B3": "单位名称", "B4": "单位代码", "B5": "单位层级", "B6": "上级单位", "B7": "报告年度"}
COVER_INPUTS = {"B8": "填报人", "B9": "联系电话"}


def has_cjk(text: str | None) -> bool:
    return bool(text) and any("CJK" in unicodedata.name(ch, "") for ch in text)


def expected_inputs() -> dict[str, set[str]]:
    """Sheet -> top-left cells of every input, in sheet coordinates."""
    out = {
        COVER: set(COVER_INPUTS),
        SHEET_T2: {on_sheet(c) for c in [*T2_COUNT_INPUTS, T2_FEE_INPUT]},
        SHEET_T3: {on_sheet(c) for c in t3_inputs()},
        SHEET_T4: {on_sheet(c) for c in t4_inputs()},
    }
    for sheet, labels in TEXT_BLOCKS.items():
        out[sheet] = {f"B{3 + i}" for i in range(len(labels))}
    return out


def expected_formulas() -> dict[str, dict[str, str]]:
    def shift_formula(f: str) -> str:
        return re.sub(r"([A-Z])(\d+)", lambda m: f"{m.group(1)}{int(m.group(2)) + 2}", f)

    return {
        SHEET_T3: {on_sheet(c): shift_formula(f) for c, f in t3_formulas().items()},
        SHEET_T4: {on_sheet(c): shift_formula(f) for c, f in t4_formulas().items()},
    }


def input_areas(ws) -> set[str]:
    """Every cell an input covers, including the rest of a merged input (e.g. B9:D9)."""
    tops = expected_inputs().get(ws.title, set())
    cells = set()
    for top in tops:
        merged = next((r for r in ws.merged_cells.ranges if top in r), None)
        cells |= {c.coordinate for row in ws[merged.coord] for c in row} if merged else {top}
    return cells


def norm_formula(text: str) -> str:
    return text.lstrip("=").replace("$", "").replace(" ", "").upper()


def referenced_cells(formula: str) -> set[str]:
    """Cells a formula adds up (ranges expanded); enough for the SUM/+ formulas the generator writes."""
    cells: set[str] = set()
    for ref in re.findall(r"\$?([A-Z]+\$?\d+(?::\$?[A-Z]+\$?\d+)?)", formula.replace("$", "")):
        c1, r1, c2, r2 = range_boundaries(ref)
        cells |= {f"{get_column_letter(c)}{r}" for r in range(r1, r2 + 1) for c in range(c1, c2 + 1)}
    return cells


def sheet_parts(data: bytes) -> dict[str, str]:
    """Sheet name -> raw XML of its worksheet part (resolved through the workbook relationships)."""
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        book = etree.fromstring(z.read("xl/workbook.xml"))
        rels = etree.fromstring(z.read("xl/_rels/workbook.xml.rels"))
        target = {r.get("Id"): r.get("Target") for r in rels}
        out = {}
        for s in book.iterfind("m:sheets/m:sheet", NS):
            part = target[s.get(f"{{{NS['r']}}}id")].lstrip("/")
            out[s.get("name")] = z.read(part if part.startswith("xl/") else "xl/" + part).decode("utf-8")
        return out


# ---------------------------------------------------------------- structure


def test_sheets_in_report_order_with_hidden_meta_sheet(wb):
    assert wb.sheetnames == [COVER, *SECTION_SHEETS, CHECK, META]
    assert [ws.sheet_state for ws in wb] == ["visible"] * 8 + ["veryHidden"]
    assert wb.active.title == COVER


@pytest.mark.parametrize("sheet", [SHEET_T2, SHEET_T3, SHEET_T4])
def test_official_labels_at_their_places(wb, sheet):
    ws = wb[sheet]
    for ref, text in OFFICIAL[sheet]:
        cell = on_sheet(ref).split(":")[0]
        assert ws[cell].value == text, f"{sheet}!{cell}"


@pytest.mark.parametrize("sheet", [SHEET_T2, SHEET_T3, SHEET_T4])
def test_official_merges_and_no_others(wb, sheet):
    ws = wb[sheet]
    expected = {on_sheet(ref) for ref, _ in OFFICIAL[sheet] if ":" in ref}
    if sheet == SHEET_T2:
        expected |= {on_sheet(r) for r in T2_INPUT_MERGES}
    table_merges = {r.coord for r in ws.merged_cells.ranges if r.min_row >= 3}
    assert table_merges == expected


def test_table_three_corner_note_and_result_block(wb):
    """The spans a person checks first: the corner note, 三、本年度办理结果 over 22 rows, （三） over 8."""
    merges = {r.coord for r in wb[SHEET_T3].merged_cells.ranges}
    assert {"A3:C5", "A8:A29", "B10:B17", "B18:B20", "B21:B25", "B26:B28", "B29:C29", "A30:C30"} <= merges
    assert wb[SHEET_T3]["A3"].value.startswith("（本列数据的勾稽关系为：第一项加第二项之和")


def test_sheet_headings_and_text_block_labels(wb):
    for sheet in SECTION_SHEETS:
        assert wb[sheet]["A1"].value == sheet  # the heading printed above each section
    for sheet, labels in TEXT_BLOCKS.items():
        ws = wb[sheet]
        assert [ws[f"A{3 + i}"].value for i in range(len(labels))] == labels
        # one wide input cell, not merged, with no fixed height (but the one-line choice and amount
        # of 六): the row grows with the text in Excel, WPS and LibreOffice
        assert not [r for r in ws.merged_cells.ranges if r.min_row >= 3]
        for i, label in enumerate(labels):
            row = ws.row_dimensions[3 + i]
            assert ws[f"B{3 + i}"].alignment.wrap_text
            assert (row.customHeight, label) in ((False, label), (True, "是否收取信息处理费"), (True, "收取金额（元）"))
        assert ws.column_dimensions["B"].width >= 40


def test_cover_identity_written_and_locked(wb, township):
    ws = wb[COVER]
    for cell, label in {**COVER_IDENTITY, **COVER_INPUTS}.items():
        _, row = coordinate_from_string(cell)
        assert ws[f"A{row}"].value == label
    assert [ws[c].value for c in ("B3", "B4", "B5", "B6")] == [
        township.name, township.code, township.level, township.parent]
    assert str(ws["B7"].value) == "2024"
    assert all(ws[c].protection.locked for c in COVER_IDENTITY)
    assert ws["A1"].value == "孟津区小浪底镇人民政府2024年政府信息公开工作年度报告"  # the full organ name
    assert "孟津区人民政府" in "".join(str(c.value) for row in ws.iter_rows() for c in row if c.value)


# ---------------------------------------------------------------- locking and protection


@pytest.mark.parametrize("sheet", [COVER, *SECTION_SHEETS, CHECK])
def test_inputs_unlocked_everything_else_locked(wb, sheet):
    ws = wb[sheet]
    inputs = input_areas(ws)
    c1, r1, c2, r2 = range_boundaries(ws.dimensions)
    wrong = []
    for row in ws.iter_rows(min_row=r1, max_row=r2, min_col=c1, max_col=c2):
        for cell in row:
            if cell.protection.locked == (cell.coordinate in inputs):
                wrong.append(cell.coordinate)
    assert not wrong, f"{sheet}: wrong lock state at {wrong[:10]}"
    assert inputs <= {c.coordinate for row in ws.iter_rows(min_row=r1, max_row=r2) for c in row}


def test_every_sheet_protected(wb):
    for ws in wb:
        assert ws.protection.sheet, ws.title
        # no structural edits allowed on a protected sheet
        assert ws.protection.insertRows and ws.protection.deleteRows, ws.title


def test_password_option_sets_a_hash(form, township):
    ws = openpyxl.load_workbook(io.BytesIO(
        build_workbook(form, township, 2024, xxgk.generate.workbook.GenerateOptions(password="abc"))))[SHEET_T3]
    assert ws.protection.sheet and ws.protection.password


# ---------------------------------------------------------------- values, formulas, cached results


def test_numeric_inputs_start_at_zero_text_inputs_empty(wb):
    for sheet, cells in expected_inputs().items():
        for cell in cells:
            v = wb[sheet][cell].value
            if sheet in (SHEET_T2, SHEET_T3, SHEET_T4):
                assert v == 0 and not isinstance(v, bool), f"{sheet}!{cell}={v!r}"
            elif (sheet, cell) != ("六、其他需要报告的事项", "B4"):  # 收取金额（元） is a number
                assert v is None, f"{sheet}!{cell}={v!r}"


@pytest.mark.parametrize("sheet", [SHEET_T3, SHEET_T4])
def test_totals_are_formulas(wb, sheet):
    ws = wb[sheet]
    for cell, formula in expected_formulas()[sheet].items():
        got = ws[cell].value
        assert isinstance(got, str) and got.startswith("="), f"{sheet}!{cell} is {got!r}"
        if cell == "J29":  # （七）总计 of the 总计 column: across or down, both are right
            assert norm_formula(got) in ("SUM(D29:I29)", "SUM(J8:J28)")
        else:
            assert norm_formula(got) == formula, f"{sheet}!{cell}"
    # and nothing else on the table is a formula
    formulas = {c.coordinate for row in ws.iter_rows() for c in row if c.data_type == "f"}
    assert formulas == set(expected_formulas()[sheet])


def test_formula_cached_values_are_empty(workbook_bytes):
    parts = sheet_parts(workbook_bytes)
    for sheet in (SHEET_T3, SHEET_T4, CHECK):
        root = etree.fromstring(parts[sheet].encode("utf-8"))
        cells = root.findall(".//m:c[m:f]", NS)
        assert cells, sheet
        for c in cells:
            v = c.find("m:v", NS)
            assert v is None or not (v.text or "").strip(), f"{sheet}!{c.get('r')} caches {v.text!r}"
    for sheet in (SHEET_T3, SHEET_T4):
        found = {c.get("r") for c in etree.fromstring(parts[sheet].encode()).findall(".//m:c[m:f]", NS)}
        assert found == set(expected_formulas()[sheet])


def test_unrecalculated_totals_read_as_empty(workbook_bytes):
    """A viewer without a calculation engine must not show a plausible-looking 0."""
    ws = openpyxl.load_workbook(io.BytesIO(workbook_bytes), data_only=True)[SHEET_T3]
    assert ws["J6"].value is None and ws["D29"].value is None


# ---------------------------------------------------------------- validation and formatting


def _dv_for(ws, cell: str):
    hits = [dv for dv in ws.data_validations.dataValidation if cell in dv.sqref]
    assert len(hits) == 1, f"{ws.title}!{cell}: {len(hits)} validations"
    return hits[0]


def test_counts_validated_as_whole_numbers_at_least_zero(wb):
    for sheet in (SHEET_T2, SHEET_T3, SHEET_T4):
        ws = wb[sheet]
        cells = expected_inputs()[sheet] - {on_sheet(T2_FEE_INPUT)}
        for cell in cells:
            dv = _dv_for(ws, cell)
            assert (dv.type, dv.operator, dv.formula1) == ("whole", "greaterThanOrEqual", "0"), f"{sheet}!{cell}"
            assert dv.showErrorMessage and dv.errorStyle in (None, "stop")
            assert has_cjk(dv.error) and has_cjk(dv.prompt) and "整数" in dv.error
        for cell in expected_formulas().get(sheet, {}):
            assert not any(cell in dv.sqref for dv in ws.data_validations.dataValidation)


def test_fee_validated_as_decimal_in_wan_yuan(wb):
    dv = _dv_for(wb[SHEET_T2], on_sheet(T2_FEE_INPUT))
    assert (dv.type, dv.operator, dv.formula1) == ("decimal", "greaterThanOrEqual", "0")
    assert "万元" in dv.error and "万元" in dv.prompt
    assert wb[SHEET_T2][on_sheet(T2_FEE_INPUT)].number_format == "0.0000"


def test_fee_choice_is_a_drop_down(wb):
    dv = _dv_for(wb["六、其他需要报告的事项"], "B3")
    assert dv.type == "list" and dv.formula1 == '"未收取,已收取"'
    assert has_cjk(dv.error) and has_cjk(dv.prompt)


def test_text_inputs_carry_a_chinese_prompt(wb):
    for sheet, labels in TEXT_BLOCKS.items():
        for i in range(len(labels)):
            assert has_cjk(_dv_for(wb[sheet], f"B{3 + i}").prompt)


def test_balance_highlight_on_table_three(wb):
    ws = wb[SHEET_T3]
    rules = [(str(cf.sqref), rule) for cf in ws.conditional_formatting for rule in cf.rules]
    for col in "DEFGHIJ":
        four = {f"{col}6", f"{col}7", f"{col}29", f"{col}30"}  # 一, 二, （七）总计, 四
        match = [r for sq, r in rules if four <= set(sq.split())]
        assert len(match) == 1, col
        assert match[0].type == "expression" and match[0].dxf is not None
        formula = norm_formula(match[0].formula[0])
        assert formula == f"{col}6+{col}7<>{col}29+{col}30"


# ---------------------------------------------------------------- identity and provenance


def test_custom_properties_and_hidden_sheet_carry_identity(form, wb, township):
    expected = {"form_id": "annual-report", "form_version": "2021", "template_hash": form.template_hash,
                "unit_name": township.name, "unit_code": township.code, "unit_level": "乡镇",
                "unit_parent": township.parent, "year": "2024", "generator_version": xxgk.__version__}
    props = {p.name: p.value for p in wb.custom_doc_props.props}
    assert {k: props.get(f"xxgk_{k}") for k in expected} == expected
    assert re.fullmatch(r"[0-9a-f]{64}", props["xxgk_template_hash"])
    meta = {r[0]: r[1] for r in wb[META].iter_rows(values_only=True)}
    assert {k: meta.get(k) for k in expected} == expected


def test_print_setup_a4_landscape_tables_fit_to_width(wb):
    for ws in wb:
        if ws.sheet_state != "visible":
            continue
        assert int(ws.page_setup.paperSize) == 9, ws.title
        assert ws.sheet_properties.pageSetUpPr.fitToPage, ws.title
        assert int(ws.page_setup.fitToWidth if ws.page_setup.fitToWidth is not None else 1) == 1
        assert int(ws.page_setup.fitToHeight) == 0, ws.title  # as many pages down as needed
    for sheet in (SHEET_T3, SHEET_T4):
        assert wb[sheet].page_setup.orientation == "landscape"
    assert wb[SHEET_T2].page_setup.orientation != "landscape"


def test_identical_inputs_give_identical_bytes(form, township, workbook_bytes):
    assert build_workbook(form, township, 2024) == workbook_bytes
    other = Unit(name="城关镇", code="410308102", level="乡镇", parent="孟津区人民政府")
    assert build_workbook(form, other, 2024) != workbook_bytes
    assert build_workbook(form, township, 2023) != workbook_bytes


# ---------------------------------------------------------------- 校验 sheet


def _check_rows(ws) -> list[tuple[int, str | None, str | None]]:
    """(row, column A, column F formula) of the rule lines, above the 报送后由区县检查 block."""
    out = []
    for r in range(5, ws.max_row + 1):
        a = ws.cell(row=r, column=1).value
        if (isinstance(a, str) and a.startswith("报送后由区县检查")) or ws.cell(row=r, column=6).value is None:
            break
        out.append((r, a, ws.cell(row=r, column=6).value))
    return out


def test_check_sheet_lists_every_formula_rule_in_rules_order(form, wb):
    ws = wb[CHECK]
    ids = [a for _r, a, _f in _check_rows(ws) if a]
    cat = catalogue()
    expected = sorted({k for k, e in cat.items() if e.get("check_sheet") == "formula"}
                      | {r.id for r in form.rules if not r.needs_previous})
    assert ids == expected == formula_rule_ids(form)  # sorted like `xxgk rules`
    assert {"CELL-BLANK", "CELL-TEXT-NUMBER", "S6-FEE", "S5-PRESENT", "S5-IMPROVE", "FMT-OVERVIEW-5",
            "T2-VALUE", "T3-VALUE", "T4-VALUE", "T3-BALANCE", "T2-REG-AUTHORITY"} <= set(ids)
    for r, a, _f in _check_rows(ws):
        if a:  # the rule's Chinese name, as `xxgk rules` gives it
            assert ws.cell(row=r, column=2).value == cat[a]["title"]


def test_check_sheet_has_one_line_per_arithmetic_rule_instance(wb):
    rows = _check_rows(wb[CHECK])
    counts: dict[str, int] = {}
    current = None
    for _r, a, f in rows:
        if a:
            current = a
        elif current:
            counts[current] = counts.get(current, 0) + 1
            assert f.startswith("=IF(AND(ISNUMBER(C")
    # 25 table-三 rows, 7 columns (twice), 3 table-四 blocks, 3 规章 cells for a township
    assert counts == {"T3-ROW-TOTAL": 25, "T3-RESULT-SUM": 7, "T3-BALANCE": 7, "T4-SUM": 3, "T2-REG-AUTHORITY": 3}


def test_every_formula_rule_of_the_catalogue_has_a_builder(form):
    cat = catalogue()
    builders = _builders(form, plan_mirror(form))
    for rid, e in cat.items():
        if e.get("check_sheet") == "formula":
            assert rid in builders, rid
    assert county_rule_ids(form) == sorted(
        {k for k, e in cat.items() if e.get("check_sheet") == "county"} | {"T2-STOCK-XYEAR", "T3-CARRY-XYEAR"})


def test_check_sheet_balance_line_reads_the_mirrored_cells(form, wb):
    ws = wb[CHECK]
    rows = _check_rows(ws)
    start = next(i for i, (_r, a, _f) in enumerate(rows) if a == "T3-BALANCE")
    total = rows[start + 7][0]  # the 总计 column comes last
    assert "总计" in ws.cell(row=total, column=2).value
    m = plan_mirror(form)
    left, right = (referenced_cells(ws.cell(row=total, column=c).value) for c in (3, 4))
    assert left == {m.value["requests.new_received.total"], m.value["requests.carried_over.total"]}
    assert right == {m.value["requests.total_processed.total"], m.value["requests.carried_forward.total"]}
    # a mirrored input reads its own cell; a mirrored total adds the mirrored inputs
    assert "'三、收到和处理政府信息公开申请情况'!D6" in ws[m.value["requests.new_received.natural_person"]].value
    applicants = {m.value[f"requests.new_received.{c}"] for c in form.groups["requests"]["applicants"]}
    total = ws[m.value["requests.new_received.total"]].value
    assert applicants <= referenced_cells(total)  # recomputed from the mirrored inputs…
    t3 = "'三、收到和处理政府信息公开申请情况'!"
    assert f"{t3}J6=SUM({t3}D6:I6)" in total  # …while the total is intact


def test_check_sheet_headline_counts_rule_lines_and_turns_red(wb):
    ws = wb[CHECK]
    rule_rows = [r for r, a, _f in _check_rows(ws) if a]
    assert ws["M1"].value == "=" + "+".join(f'(F{r}="✘")' for r in rule_rows)
    assert "M1" in ws["B2"].value and "项未通过" in ws["B2"].value
    red = [cf for cf in ws.conditional_formatting if "B2" in str(cf.sqref)]
    assert red and red[0].rules[0].formula == ["$M$1>0"]
    assert ws.column_dimensions["M"].hidden


def test_city_government_gets_no_regulation_warning_rows(form):
    city = Unit(name="宿迁市人民政府", code="321300", level="市级政府", parent="江苏省人民政府")
    ws = openpyxl.load_workbook(io.BytesIO(build_workbook(form, city, 2024)))[CHECK]
    ids = {a for _r, a, _f in _check_rows(ws)}
    assert "T2-REG-AUTHORITY" not in ids and "T3-BALANCE" in ids


# ---------------------------------------------------------------- command line


def test_cli_generate_roster_writes_one_file_per_unit(tmp_path):
    out = tmp_path / "填报表"
    result = CliRunner().invoke(cli, ["generate", "--roster", str(ROOT / "samples" / "roster.csv"),
                                      "--year", "2024", "--out", str(out)])
    assert result.exit_code == 0, result.output
    files = sorted(out.iterdir())
    assert len(files) == 13 and "13" in result.output
    names = [f.name for f in files]
    assert len({n.casefold() for n in names}) == 13
    assert all(f.suffix == ".xlsx" and not re.search(r'[\\/:*?"<>|]', f.name) for f in files)
    assert "410308101_小浪底镇_2024年度报告填报表.xlsx" in names
    roster_units = [line.split(",")[0] for line in (ROOT / "samples/roster.csv").read_text("utf-8").splitlines()[1:]]
    found = {openpyxl.load_workbook(f, read_only=True)[COVER]["B3"].value for f in files}
    assert found == set(roster_units)
    assert [p.name for p in tmp_path.iterdir()] == ["填报表"]  # no temporary folder left behind


def test_cli_generate_single_unit(tmp_path):
    target = tmp_path / "单个" / "小浪底镇.xlsx"
    result = CliRunner().invoke(cli, ["generate", "--unit", "小浪底镇", "--level", "镇", "--parent", "孟津区人民政府",
                                      "--year", "2024", "-o", str(target)])
    assert result.exit_code == 0, result.output
    assert [p.name for p in target.parent.iterdir()] == ["小浪底镇.xlsx"]
    ws = openpyxl.load_workbook(target)[COVER]
    assert (ws["B3"].value, ws["B5"].value) == ("小浪底镇", "乡镇")


def test_cli_generate_single_unit_rejects_unknown_level(tmp_path):
    result = CliRunner().invoke(cli, ["generate", "--unit", "小浪底镇", "--level", "镇级单位", "--year", "2024",
                                      "-o", str(tmp_path / "x.xlsx")])
    assert result.exit_code == 2 and "层级" in result.output
    assert not any(tmp_path.iterdir())


def test_merged_input_covers_whole_official_span(wb):
    ws = wb[SHEET_T2]
    for ref in T2_INPUT_MERGES:
        rng = CellRange(on_sheet(ref))
        assert any(r.coord == rng.coord for r in ws.merged_cells.ranges)
        assert ws[rng.coord.split(":")[0]].value == 0


# ---------------------------------------------------------------- Office Open XML validity


@pytest.mark.parametrize("unit", [
    Unit("小浪底镇", "410308101", "乡镇", "孟津区人民政府"),
    Unit("河阳街道", "410308001", "街道", "孟津区人民政府"),
    Unit("孟津区人民政府", "410308", "县级政府", "洛阳市人民政府"),
    Unit("孟津区财政局", "410308202", "县级部门", "孟津区人民政府"),
    Unit("洛阳市人民政府", "4103", "市级政府", "河南省人民政府"),
    Unit("洛阳市财政局", "", "市级部门", "洛阳市人民政府"),
    Unit("河南省人民政府", "41", "省级政府", ""),
    Unit("河南省财政厅", "", "省级部门", "河南省人民政府"),
    Unit("水利部", "", "国务院部门", ""),
    Unit("城关镇东关社区", "", "村社区", "城关镇人民政府"),
], ids=lambda u: u.level)
def test_generated_workbook_has_no_openxml_errors(form, unit, tmp_path, assert_valid_xlsx):
    path = tmp_path / f"{unit.name}.xlsx"
    path.write_bytes(build_workbook(form, unit, 2024, GenerateOptions(deadline="2025年1月20日", password="x")))
    assert_valid_xlsx(path)


# ---------------------------------------------------------------- looks and print (issue 10 §3)


def _cover_text(ws) -> str:
    return "\n".join(str(c.value) for row in ws.iter_rows() for c in row if c.value is not None)


def test_cover_without_deadline_says_so_once_and_never_a_placeholder(form, township):
    ws = openpyxl.load_workbook(io.BytesIO(build_workbook(form, township, 2024)))[COVER]
    text = _cover_text(ws)
    assert text.count("按上级通知的时间报送") == 1
    assert "{" not in text and "截止日期：" not in text and "上级通知的日期" not in text
    dated = openpyxl.load_workbook(io.BytesIO(build_workbook(form, township, 2024, GenerateOptions(
        deadline="2025年1月20日"))))[COVER]
    assert "截止日期为2025年1月20日" in _cover_text(dated) and "按上级通知的时间" not in _cover_text(dated)


def test_cover_hides_the_unit_code_row_when_there_is_no_code(form):
    no_code = Unit(name="城关镇东关社区", code="", level="村社区", parent="城关镇人民政府")
    ws = openpyxl.load_workbook(io.BytesIO(build_workbook(form, no_code, 2024)))[COVER]
    assert ws["A4"].value == "单位代码" and ws.row_dimensions[4].hidden  # kept for the checker, not shown
    with_code = openpyxl.load_workbook(io.BytesIO(build_workbook(
        form, Unit("小浪底镇", "410308101", "乡镇", "孟津区人民政府"), 2024)))[COVER]
    assert not with_code.row_dimensions[4].hidden


def test_cover_names_the_colours_really_used(form, wb):
    from xxgk.generate.workbook import INPUT_FILL, INPUT_WORDS, LOCKED_FILL, LOCKED_WORDS, TOTAL_FILL, TOTAL_WORDS

    text = _cover_text(wb[COVER])
    assert all(w in text for w in (INPUT_WORDS, LOCKED_WORDS, TOTAL_WORDS)) and "白底" not in text
    ws = wb[SHEET_T3]

    def fill(cell: str) -> str:
        return ws[cell].fill.fgColor.rgb[-6:].upper()

    assert fill("D6") == INPUT_FILL[1:] and ws["D6"].protection.locked is False
    assert fill("J6") == TOTAL_FILL[1:] and fill("C10") == LOCKED_FILL[1:] and ws["C10"].protection.locked
    for sheet in SECTION_SHEETS:  # the one-line legend under each heading names the colours used there
        has_totals = any(f.kind == "formula" for f in form.fields if f.sheet == sheet)
        assert all(w in wb[sheet]["A2"].value for w in (INPUT_WORDS, LOCKED_WORDS))
        assert (TOTAL_WORDS in wb[sheet]["A2"].value) == has_totals
    assert TOTAL_WORDS in wb[SHEET_T3]["A2"].value and TOTAL_WORDS not in wb["一、总体情况"]["A2"].value


def test_every_sheet_has_the_footer_and_three_freezes_its_header(wb, township):
    for ws in wb.worksheets:
        if ws.sheet_state != "visible":
            continue
        footer = ws.oddFooter
        assert township.name in footer.left.text and footer.center.text == "&A", ws.title
        assert footer.right.text == "第&P页/共&N页" and ws.page_setup.paperSize == 9
    assert wb[SHEET_T3].freeze_panes == "A6" and wb[SHEET_T3].print_title_rows == "$3:$5"
