"""Round trip through a real application: generate, fill in LibreOffice Calc, save, read back.

All LibreOffice work of this module happens in one lo_fill.py call (one soffice start), in the
module-scoped `saved` fixture. The committed checker fixtures are checked at the end: those
tests only read files and need no LibreOffice.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import openpyxl
import pytest
from make_fixtures import (
    APPLICANTS,
    SUQIAN,
    SUQIAN_REQUESTS,
    SUQIAN_REVIEW_TOTALS,
    SUQIAN_TOTAL_PROCESSED,
    document_ops,
    suqian_values,
)

from conftest import FIXTURES, LIBREOFFICE, XIAOLANGDI, lo_fill, requires_libreoffice
from official_grid import OFFICIAL, SHEET_T2, SHEET_T3, SHEET_T4, on_sheet
from xxgk.generate.workbook import build_workbook

ROW_OF = {"new_received": 6, "carried_over": 7, "total_processed": 29, "carried_forward": 30}
META_KEYS = ["form_id", "form_version", "template_hash", "unit_name", "unit_code", "unit_level", "unit_parent",
             "year", "generator_version"]


@pytest.fixture(scope="module")
def saved(tmp_path_factory, form) -> dict[str, Path]:
    """Every file this module needs, filled and saved by one LibreOffice run."""
    if not LIBREOFFICE:
        pytest.skip("需要 LibreOffice（soffice）和 /usr/bin/python3 的 uno 模块")
    work = tmp_path_factory.mktemp("lo")
    jobs, out = [], {}

    def job(name: str, unit, year: int, ops: list[dict]) -> None:
        src = work / f"{name}-in.xlsx"
        src.write_bytes(build_workbook(form, unit, year))
        out[name] = work / f"{name}.xlsx"
        out[name + "-generated"] = src
        jobs.append({"in": str(src), "out": str(out[name]), "ops": ops})

    job("suqian-2024", SUQIAN, 2024, document_ops(form, suqian_values(2024)))
    job("suqian-2023", SUQIAN, 2023, document_ops(form, suqian_values(2023)))
    job("unbalanced", XIAOLANGDI, 2024, document_ops(form, {
        "requests.new_received.natural_person": 5, "requests.granted.natural_person": 3}))
    job("text-number", XIAOLANGDI, 2024, [
        {"op": "set", "sheet": SHEET_T3, "cell": "D6", "value": "12"},
        {"op": "set", "sheet": SHEET_T3, "cell": "D8", "value": "12"},
        {"op": "set", "sheet": SHEET_T3, "cell": "E6", "value": ""},
        {"op": "set", "sheet": SHEET_T4, "cell": "N6", "value": ""}])
    job("blank", XIAOLANGDI, 2024, [])
    lo_fill(jobs, work)
    return out


def values(path: Path):
    return openpyxl.load_workbook(path, data_only=True)


def formulas(path: Path):
    return openpyxl.load_workbook(path)


# ---------------------------------------------------------------- filled 宿迁市 reports


@pytest.mark.parametrize("year", [2023, 2024])
@pytest.mark.libreoffice
@requires_libreoffice
def test_totals_recomputed_by_libreoffice(saved, year):
    wb = values(saved[f"suqian-{year}"])
    t3 = wb[SHEET_T3]
    assert [t3[f"{c}29"].value for c in "DEFGHIJ"] == SUQIAN_TOTAL_PROCESSED[year]
    for key, numbers in SUQIAN_REQUESTS[year].items():
        row = ROW_OF.get(key)
        if row:
            assert t3[f"J{row}"].value == sum(numbers), key
    for r in range(6, 31):  # every row total of table 三
        assert t3[f"J{r}"].value == sum(t3[f"{c}{r}"].value for c in "DEFGHI"), r
    t4 = wb[SHEET_T4]
    assert [t4["E6"].value, t4["J6"].value, t4["O6"].value] == SUQIAN_REVIEW_TOTALS[year]


@pytest.mark.parametrize("year", [2023, 2024])
@pytest.mark.libreoffice
@requires_libreoffice
def test_check_sheet_reports_no_failure(saved, year):
    ws = values(saved[f"suqian-{year}"])["校验"]
    assert ws["B2"].value.startswith("0项")
    results = []
    for r in range(5, ws.max_row + 1):
        if ws.cell(row=r, column=6).value is None:
            break  # the 报送后由区县检查 list follows
        results.append(ws.cell(row=r, column=6).value)
    assert len(results) == 13 + 42 and set(results) == {"✔"}  # 13 rules (no 规章 rule for a city), 42 sums
    assert ws["M1"].value == 0


@pytest.mark.libreoffice
@requires_libreoffice
def test_typed_values_kept_exactly(saved, form):
    wb = values(saved["suqian-2024"])
    for path, expected in suqian_values(2024).items():
        f = form.field(path)
        assert wb[f.sheet][f.cell].value == expected, path
    assert wb[SHEET_T2][on_sheet("B14")].value == 72701.2578


@pytest.mark.libreoffice
@requires_libreoffice
def test_totals_stay_formulas_and_protection_stays_on(saved):
    wb = formulas(saved["suqian-2024"])
    assert wb[SHEET_T3]["J6"].value.upper().replace(" ", "") == "=SUM(D6:I6)"
    assert wb[SHEET_T3]["D29"].value.upper().replace(" ", "") == "=SUM(D8:D28)"
    assert wb[SHEET_T4]["O6"].value.upper().replace(" ", "") == "=SUM(K6:N6)"
    assert all(ws.protection.sheet for ws in wb), [ws.title for ws in wb if not ws.protection.sheet]
    assert not wb[SHEET_T3]["D6"].protection.locked and wb[SHEET_T3]["J6"].protection.locked


@pytest.mark.libreoffice
@requires_libreoffice
def test_labels_and_merges_unchanged(saved):
    wb = formulas(saved["suqian-2024"])
    for sheet, labels in OFFICIAL.items():
        ws = wb[sheet]
        merges = {r.coord for r in ws.merged_cells.ranges}
        for ref, text in labels:
            assert ws[on_sheet(ref).split(":")[0]].value == text, (sheet, ref)
            if ":" in ref:
                assert on_sheet(ref) in merges, (sheet, ref)


@pytest.mark.libreoffice
@requires_libreoffice
def test_identity_kept_in_properties_and_hidden_sheet(saved, form):
    wb = formulas(saved["suqian-2024"])
    generated = openpyxl.load_workbook(saved["suqian-2024-generated"])
    props = {p.name: p.value for p in wb.custom_doc_props.props}
    before = {p.name: p.value for p in generated.custom_doc_props.props}
    assert {k: props.get(f"xxgk_{k}") for k in META_KEYS} == {k: before[f"xxgk_{k}"] for k in META_KEYS}
    assert props["xxgk_unit_name"] == "宿迁市人民政府" and props["xxgk_template_hash"] == form.template_hash
    meta = wb["_xxgk"]
    assert meta.sheet_state in ("hidden", "veryHidden")  # LibreOffice writes veryHidden back as hidden
    assert dict(meta.iter_rows(values_only=True))["unit_name"] == "宿迁市人民政府"
    assert wb["填报说明"]["B3"].value == "宿迁市人民政府"


# ---------------------------------------------------------------- what a township sees while filling


@pytest.mark.libreoffice
@requires_libreoffice
def test_broken_balance_shows_in_check_sheet(saved):
    wb = values(saved["unbalanced"])
    ws = wb["校验"]
    failing = [(ws.cell(row=r, column=1).value, ws.cell(row=r, column=2).value, ws.cell(row=r, column=5).value)
               for r in range(5, ws.max_row + 1) if ws.cell(row=r, column=6).value == "✘"]
    # each failing rule's own line; under T3-BALANCE its two failing columns with their difference
    # (the texts were left empty too: FMT-OVERVIEW-5, S5-PRESENT, S6-FEE)
    assert [(rule, diff) for rule, _, diff in failing] == [
        ("FMT-OVERVIEW-5", None), ("S5-PRESENT", None), ("S6-FEE", None), ("T3-BALANCE", None), (None, 2), (None, 2)]
    assert "自然人" in failing[4][1] and "总计" in failing[5][1]
    assert ws["B2"].value == "4项未通过：FMT-OVERVIEW-5、S5-PRESENT、S6-FEE、T3-BALANCE。请逐项改正，全部为0项后再报送"
    assert ws["M1"].value == 4
    cf = [str(c.sqref) for c in formulas(saved["unbalanced"])[SHEET_T3].conditional_formatting]
    assert any("D6" in sq and "D30" in sq for sq in cf)  # the red highlight survived the save


@pytest.mark.libreoffice
@requires_libreoffice
def test_number_typed_as_text_is_left_out_of_the_sums(saved):
    """Why the checker must read and coerce each input itself: SUM ignores a text '12'."""
    v = values(saved["text-number"])[SHEET_T3]
    f = formulas(saved["text-number"])[SHEET_T3]
    assert v["D6"].value == "12" and f["D6"].data_type == "s"
    assert v["J6"].value == 0 and v["D29"].value == 0


@pytest.mark.libreoffice
@requires_libreoffice
def test_check_sheet_counts_cleared_number_cells(saved):
    """A township that deletes a 0 instead of typing one is told how many cells are blank."""
    def line(path: Path, rule: str) -> tuple:
        ws = values(path)["校验"]
        row = next(r for r in range(5, ws.max_row + 1) if ws.cell(row=r, column=1).value == rule)
        return ws.cell(row=row, column=3).value, ws.cell(row=row, column=6).value

    assert line(saved["text-number"], "CELL-BLANK") == (2, "✘")
    assert line(saved["text-number"], "CELL-TEXT-NUMBER") == (2, "✘")
    assert line(saved["suqian-2024"], "CELL-BLANK") == (0, "✔")
    assert values(saved["suqian-2024"])["校验"]["B2"].value.startswith("0项")


@pytest.mark.libreoffice
@requires_libreoffice
def test_resaved_blank_keeps_validation_locks_and_zero_totals(saved):
    f = formulas(saved["blank"])
    v = values(saved["blank"])
    ws = f[SHEET_T3]
    dv = [d for d in ws.data_validations.dataValidation if "D6" in d.sqref]
    assert dv and dv[0].type == "whole" and dv[0].formula1 == "0"
    assert not ws["D6"].protection.locked and ws["A6"].protection.locked
    assert v[SHEET_T3]["J29"].value == 0 and v[SHEET_T4]["E6"].value == 0
    assert f.sheetnames == openpyxl.load_workbook(saved["blank-generated"]).sheetnames


# ---------------------------------------------------------------- committed checker fixtures (no LibreOffice)


def _fixture(name: str) -> Path:
    path = FIXTURES / "libreoffice" / name
    assert path.exists(), f"missing {path}: run scripts/make_fixtures.py"
    return path


def test_committed_fixtures_are_listed_in_readme():
    readme = _fixture("README.md").read_text(encoding="utf-8")
    files = sorted(p.name for p in (FIXTURES / "libreoffice").glob("*.xlsx"))
    assert files == sorted(["suqian-2023.xlsx", "suqian-2024.xlsx", "resaved-blank.xlsx", "tampered-total.xlsx",
                            "tampered-inserted-row.xlsx", "tampered-renamed-sheet.xlsx",
                            "tampered-unprotected.xlsx"])
    assert all(name in readme for name in files)


def test_committed_fixtures_were_saved_by_libreoffice():
    for path in (FIXTURES / "libreoffice").glob("*.xlsx"):
        app = openpyxl.load_workbook(path, read_only=True).properties
        with zipfile.ZipFile(path) as z:
            appxml = z.read("docProps/app.xml").decode("utf-8")
        assert "LibreOffice" in appxml, path.name
        assert app.title and "宿迁市人民政府" in app.title


def test_committed_fixture_defects_are_where_the_readme_says():
    total = openpyxl.load_workbook(_fixture("tampered-total.xlsx"))[SHEET_T3]
    assert total["J6"].value == 3600 and total["J7"].value.startswith("=")
    inserted = openpyxl.load_workbook(_fixture("tampered-inserted-row.xlsx"))[SHEET_T3]
    assert inserted["B9"].value is None and inserted["B10"].value.startswith("（二）部分公开")
    assert inserted["B30"].value == "（七）总计"
    renamed = openpyxl.load_workbook(_fixture("tampered-renamed-sheet.xlsx"))
    assert SHEET_T4 not in renamed.sheetnames and "四、行政复议和行政诉讼情况" in renamed.sheetnames
    unprotected = openpyxl.load_workbook(_fixture("tampered-unprotected.xlsx"))
    assert [ws.title for ws in unprotected if not ws.protection.sheet] == [SHEET_T2]
    good = openpyxl.load_workbook(_fixture("suqian-2024.xlsx"), data_only=True)
    assert good[SHEET_T3]["J29"].value == 3521 and all(ws.protection.sheet for ws in good)
    prev = openpyxl.load_workbook(_fixture("suqian-2023.xlsx"), data_only=True)
    # the cross-year pair: 2023 结转下年度 = 2024 上年结转, column by column
    assert [prev[SHEET_T3][f"{c}30"].value for c in "DEFGHIJ"] == [good[SHEET_T3][f"{c}7"].value for c in "DEFGHIJ"]
    blank = openpyxl.load_workbook(_fixture("resaved-blank.xlsx"), data_only=True)
    assert blank[SHEET_T3]["J29"].value == 0 and blank["六、其他需要报告的事项"]["B3"].value is None


def test_fixture_figures_match_the_published_report():
    """The applicant columns typed in add up to the published totals of 一、二、四."""
    published = {2023: {"new_received": 3511, "carried_over": 96, "carried_forward": 121},
                 2024: {"new_received": 3525, "carried_over": 121, "carried_forward": 125}}
    for year, rows in published.items():
        for key, total in rows.items():
            assert sum(SUQIAN_REQUESTS[year][key]) == total
        assert len(SUQIAN_REQUESTS[year]["granted"]) == len(APPLICANTS)



# ---------------------------------------------------------------- committed sample submissions (no LibreOffice)

SUBMISSIONS = Path(__file__).resolve().parents[1] / "samples" / "submissions"


def test_sample_submissions_cover_the_roster_but_one():
    from xxgk.generate.roster import read_roster, unique_filenames

    units = read_roster(SUBMISSIONS.parent / "roster.csv")
    expected = {n for u, n in zip(units, unique_filenames(units, 2024), strict=True) if u.name != "会盟镇会盟村"}
    assert {p.name for p in SUBMISSIONS.glob("*.xlsx")} == expected
    readme = (SUBMISSIONS.parent / "README.md").read_text(encoding="utf-8")
    assert all(u.name in readme for u in units)


def test_sample_defects_are_in_place():
    def sheet(unit: str, name: str, data_only: bool = False):
        path = next(SUBMISSIONS.glob(f"*_{unit}_2024年度报告填报表.xlsx"))
        return openpyxl.load_workbook(path, data_only=data_only)[name]

    assert sheet("白鹤镇", SHEET_T3)["D29"].value == 2  # formula typed over
    assert sheet("城关镇", SHEET_T3)["D29"].value.startswith("=")
    t3 = sheet("平乐镇", SHEET_T3, data_only=True)
    assert t3["D6"].value + t3["D7"].value != t3["D29"].value + t3["D30"].value
    money = sheet("孟津区财政局", SHEET_T3)
    assert (money["D6"].value, money["D6"].data_type) == ("3", "s")
    assert sheet("康乐街道", "六、其他需要报告的事项")["B3"].value is None
    assert "本年新制作数量" in sheet("朝阳镇", "一、总体情况")["B4"].value
    xld = sheet("小浪底镇", "一、总体情况")
    assert xld["B6"].value is None and "监督保障" not in (xld["B8"].value or "")  # topics as published
    assert sheet("小浪底镇", "五、存在的主要问题及改进情况")["B4"].value is None


SAMPLE_VERDICTS = {  # samples/README.md: status and the rules that fail or warn
    "小浪底镇": ("warn", {"FMT-OVERVIEW-5", "S5-IMPROVE"}),
    "城关镇": ("pass", set()), "会盟镇": ("pass", set()), "河阳街道": ("pass", set()),
    "孟津区教育局": ("pass", set()), "孟津区自然资源局": ("pass", set()), "城关镇东关社区": ("pass", set()),
    "平乐镇": ("fail", {"T3-BALANCE"}),
    "白鹤镇": ("fail", {"TAMPER-FORMULA"}),
    "朝阳镇": ("fail", {"FMT-VERSION", "YEAR-MISMATCH"}),
    "康乐街道": ("fail", {"S6-FEE"}),
    "孟津区财政局": ("fail", {"CELL-TEXT-NUMBER"}),  # an error since issue 10: its own totals are wrong
}


@pytest.mark.parametrize("unit", sorted(SAMPLE_VERDICTS))
def test_sample_verdicts_are_as_documented(unit: str) -> None:
    from xxgk.check.run import check_file

    result = check_file(next(SUBMISSIONS.glob(f"*_{unit}_2024年度报告填报表.xlsx")))
    status, rules = SAMPLE_VERDICTS[unit]
    assert result.status == status
    assert {f.rule for f in result.findings if f.outcome == "fail"} == rules
    if unit == "孟津区财政局":
        assert [f.cell for f in result.findings] == ["B6", "D6", "D6", "D8"]
        assert all(f.severity == "error" and "合计不会计入" in f.message for f in result.findings)
