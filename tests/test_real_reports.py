"""Real published reports (tests/fixtures/real, sources in its README): every figure a careful reader
sees, and the verdict a careful reviewer gives.

The figures below were transcribed by hand from the documents (the PDFs read with `pdftotext -layout`,
the HTML tables cell by cell) and from ../shared/samples/real-report-facts.md; none was produced by the
importer and pasted back. Table 三 is given as its rows that hold something other than 0 (column order
自然人 / 商业企业 / 科研机构 / 社会公益组织 / 法律服务机构 / 其他 / 总计); every other cell of the table is 0,
except the cells named as blank. Table 四 is the three blocks 结果维持/结果纠正/其他结果/尚未审结/总计.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from xxgk.check.run import check_file
from xxgk.document import get_path
from xxgk.form.definition import load_form
from xxgk.importers import import_file

REAL = Path(__file__).parent / "fixtures" / "real"
FORM = load_form()
T3_ROWS = [r["key"] for r in FORM.grid_rows("requests")]
T3_COLS = [c["key"] for c in FORM.grid_columns("requests")]
T4_BLOCKS = ["review", "litigation_direct", "litigation_after_review"]
T4_COLS = ["upheld", "corrected", "other", "pending", "total"]


def one(n: int) -> tuple[int, ...]:
    """A table 三 row where only 自然人 (and so 总计) is n."""
    return (n, 0, 0, 0, 0, 0, n)


REPORTS: dict[str, dict[str, Any]] = {
    "2023-pingtan-pilot-zone-gov.html": {
        "unit": "平潭综合实验区", "year": 2023,
        "t2": {"regulations": (0, 0, 0), "normative_documents": (77, 132, 470), "licensing": 2629,
               "punishment": 1330, "enforcement": 54, "fees": 5949.088667},
        "t3": {"new_received": (80, 1, 0, 0, 0, 0, 81), "granted": one(22),
               "partially_granted": (19, 1, 0, 0, 0, 0, 20), "withheld_third_party": one(1),
               "withheld_process_info": one(1), "withheld_enforcement_files": one(1), "withheld_inquiry": one(2),
               "unavailable_not_held": one(31), "rejected_repeated": one(1), "other_no_correction": one(1),
               "other_other": one(1), "total_processed": (80, 1, 0, 0, 0, 0, 81)},
        "t4": ((1, 1, 0, 0, 2), (4, 0, 0, 1, 5), (1, 0, 1, 0, 2)),
        "fee": (False, None),
        "status": "pass", "findings": [],
    },
    "2022-pingtan-jinjing-area-admin-bureau.html": {
        "unit": "平潭综合实验区金井片区管理局", "year": 2022,
        # "规范性文件" under the 2021 headers 本年制发/本年废止/现行有效: 行政规范性文件 by another name
        "t2": {"regulations": (0, 0, 0), "normative_documents": (1, 0, 7), "licensing": 0, "punishment": 0,
               "enforcement": 0, "fees": 0},
        "t3": {}, "blank": ["requests.carried_forward.commercial"],
        "t4": ((0,) * 5, (0,) * 5, (0,) * 5),
        "fee": (False, None),  # "本年度没有产生信息公开处理费"
        "status": "warn", "findings": ["CELL-BLANK-PUBLISHED"],
    },
    "2024-pingtan-jinjing-area-admin-bureau.html": {
        "unit": "平潭综合实验区金井片区管理局", "year": 2024,
        "t2": {"regulations": (None, None, None), "normative_documents": (0, 0, 1), "licensing": 0,
               "punishment": 0, "enforcement": 0, "fees": 0},
        "t3": {"new_received": one(8), "granted": one(4), "withheld_third_party": one(1),
               "unavailable_not_held": one(2), "rejected_repeated": one(1), "total_processed": one(8)},
        "blank": ["requests.carried_forward.commercial"],
        "t4": ((0,) * 5, (0,) * 5, (0,) * 5),
        "fee": (False, None),  # "无收取信息处理费情况"
        # the table has no 规章 row (a warning, not an unread table) and one blank cell
        "status": "warn", "findings": ["CELL-BLANK-PUBLISHED", "FMT-TABLE-UNREAD"],
    },
    "2023-pingtan-social-affairs-bureau.html": {
        "unit": "平潭综合实验区社会事业局", "year": 2023,
        "t2": {"regulations": (None, None, None), "normative_documents": (2, 12, 0), "licensing": 1396,
               "punishment": 14, "enforcement": 0, "fees": 0},
        "t3": {"new_received": one(1), "unavailable_not_held": one(1), "total_processed": one(1)},
        "t4": ((0,) * 5, (3, 0, 0, 1, 4), (1, 0, 0, 0, 1)),
        "fee": (False, None),  # "未产生信息公开处理费"
        # no 规章 row; the overview's four sub-headings (监督检查, 网站, 主动公开, 新媒体) leave out 政府信息管理
        "status": "warn", "findings": ["FMT-OVERVIEW-5", "FMT-TABLE-UNREAD"],
    },
    "2024-pingtan-transport-construction-bureau.html": {
        "unit": "平潭综合实验区交通与建设局", "year": 2024,
        "t2": {"regulations": (0, 0, 0), "normative_documents": (3, 1, 23), "licensing": 0, "punishment": 0,
               "enforcement": 0, "fees": 0},
        "t3": {"new_received": one(58), "granted": one(9), "partially_granted": one(3),
               "withheld_state_secret": one(4), "withheld_internal_affairs": one(32),
               "unavailable_not_held": one(10), "total_processed": one(58)},
        "t4": ((0,) * 5, (0,) * 5, (0,) * 5),
        "fee": (False, None),
        "status": "pass", "findings": [],
    },
    "2024-huaian-city-gov.pdf": {
        "unit": "淮安市人民政府", "year": 2024,
        "t2": {"regulations": (1, 0, 11), "normative_documents": (8, 26, 66), "licensing": 447228,
               "punishment": 3985758, "enforcement": 88283, "fees": 96171.6},
        "t3": {"new_received": (3001, 53, 0, 0, 61, 4, 3119), "carried_over": one(34),
               "granted": (1288, 21, 0, 0, 50, 3, 1362), "partially_granted": (447, 7, 0, 0, 0, 0, 454),
               "withheld_state_secret": one(2), "withheld_prohibited_by_law": (30, 1, 0, 0, 0, 0, 31),
               "withheld_security_stability": one(5), "withheld_third_party": one(6),
               "withheld_internal_affairs": (7, 1, 0, 0, 0, 0, 8), "withheld_process_info": one(12),
               "withheld_enforcement_files": one(9), "withheld_inquiry": one(105),
               "unavailable_not_held": (746, 12, 0, 0, 10, 1, 769), "unavailable_needs_creation": one(11),
               "unavailable_unclear": one(1), "rejected_petition": (56, 6, 0, 0, 0, 0, 62),
               "rejected_repeated": one(25), "rejected_confirmation": one(1),
               "other_no_correction": (67, 3, 0, 0, 1, 0, 71), "other_no_fee_paid": one(6),
               "other_other": (108, 2, 0, 0, 0, 0, 110), "total_processed": (2932, 53, 0, 0, 61, 4, 3050),
               "carried_forward": one(103)},
        "t4": ((72, 64, 178, 37, 351), (13, 4, 8, 1, 26), (12, 1, 1, 6, 20)),
        "fee": (True, 3940),  # the sentence names the 处理费 regulation first, then the amount
        "status": "pass", "findings": [],
    },
    "2024-huaian-hongze-district-gov.pdf": {
        "unit": "淮安市洪泽区人民政府", "year": 2024,  # title broken over two lines in the PDF
        "t2": {"regulations": (0, 0, 0), "normative_documents": (3, 0, 8), "licensing": 9487,
               "punishment": 2776, "enforcement": 84, "fees": 7545},
        "t3": {"new_received": one(95), "granted": one(50), "partially_granted": one(9),
               "withheld_security_stability": one(1), "withheld_process_info": one(1),
               "withheld_enforcement_files": one(1), "unavailable_not_held": one(31),
               "unavailable_needs_creation": one(1), "rejected_petition": one(1), "total_processed": one(95)},
        "t4": ((1, 1, 0, 0, 2), (1, 0, 0, 0, 1), (2, 0, 1, 0, 3)),
        "fee": (False, 0),  # "全年收取政府信息公开信息处理费 0 元"
        # （六）其他处理 printed as one row (of zeros): the 2019 layout; the overview says the 区政府办 received
        # 17 applications while table 三 counts 95
        "status": "fail", "findings": ["FMT-VERSION", "TXT-T3"],
    },
    "2023-huaian-hongze-district-gov.pdf": {
        "unit": "洪泽区人民政府", "year": 2023,
        "t2": {"regulations": (0, 0, 0), "normative_documents": (0, 5, 5), "licensing": 550,
               "punishment": 4119, "enforcement": 195, "fees": 7730.28},
        "t3": {"new_received": one(21), "partially_granted": one(4), "withheld_state_secret": one(1),
               "withheld_process_info": one(1), "withheld_enforcement_files": one(1),
               "unavailable_not_held": one(10), "unavailable_needs_creation": one(3), "rejected_petition": one(1),
               "total_processed": one(21)},
        "t4": ((10, 1, 0, 0, 0), (0,) * 5, (5, 0, 0, 0, 0)),
        "fee": (False, 0),
        # as published, two 总计 cells of table 四 are 0 although their parts are 11 and 5
        "status": "fail", "findings": ["FMT-VERSION", "T4-SUM", "T4-SUM"],
    },
}


def _imported(name: str) -> Any:
    r = import_file(REAL / name)
    assert r.document is not None, [f.message for f in r.findings]
    return r


def test_every_real_fixture_has_a_transcription() -> None:
    files = {p.name for p in REAL.iterdir() if p.suffix in (".html", ".pdf")}
    assert files == set(REPORTS)


@pytest.mark.parametrize("name", sorted(REPORTS))
def test_real_report_imports_every_figure_right(name: str) -> None:
    facts = REPORTS[name]
    r = _imported(name)
    d = r.document
    assert (get_path(d, "unit.name"), d["year"]) == (facts["unit"], facts["year"])
    for key, want in facts["t2"].items():
        got = d["proactive"][key]
        if isinstance(want, tuple):
            got = (got["issued"], got["repealed"], got["in_force"])
        assert got == want, key
    blank = set(facts.get("blank", []))
    wrong = []
    for row in T3_ROWS:
        want_row = facts["t3"].get(row, (0,) * 7)
        for col, want in zip(T3_COLS, want_row, strict=True):
            path = f"requests.{row}.{col}"
            want_v = None if path in blank else want
            if get_path(d, path) != want_v:
                wrong.append((path, get_path(d, path), want_v))
    assert wrong == []
    got4 = tuple(tuple(d["review_litigation"][b][c] for c in T4_COLS) for b in T4_BLOCKS)
    assert got4 == facts["t4"]
    assert (d["other"]["fee_charged"], d["other"]["fee_amount_yuan"]) == facts["fee"]
    assert d["source"]["sections"] == ["一", "二", "三", "四", "五", "六"]


@pytest.mark.parametrize("name", sorted(REPORTS))
def test_real_report_gets_the_reviewers_verdict(name: str) -> None:
    facts = REPORTS[name]
    r = check_file(REAL / name)
    failing = sorted(f.rule for f in r.findings if f.outcome == "fail")
    assert failing == sorted(facts["findings"]), [f.message for f in r.findings]
    assert r.status == facts["status"]
    # never a CELL-BLANK ("…为空。没有发生的请填0") on a published report: every blank cell is named once
    assert not any(f.rule == "CELL-BLANK" for f in r.findings)
    # nothing left not assessable: blanks are read as 0 and said so, and every table was read
    assert [f.rule for f in r.findings if f.outcome == "not_assessable"] == []


def test_pdf_figures_name_page_table_row_and_column() -> None:
    r = _imported("2024-huaian-city-gov.pdf")
    # （七）总计 stands on page 5 (the table runs over the break of pages 4 and 5); 总计 is its 10th column
    where = r.locations["requests.total_processed.total"][2]
    assert where.startswith("表三“（七）总计”行“总计”列（原文第5页表格1第")
    assert where.endswith("行第10列）")
    assert "原文第3页" in r.locations["proactive.normative_documents.in_force"][2]


def test_pdf_page_furniture_stays_out_of_the_text() -> None:
    d = _imported("2024-huaian-city-gov.pdf").document
    text = d["source"]["fulltext"]
    for furniture in ("-1-", "- 3 -", "-6-"):
        assert furniture not in text
    # a paragraph that runs over a page break is one paragraph
    assert "“建设‘四最’一流营商环境高质量推进产业发展”" in d["overview"]["proactive"]
    assert d["overview"]["proactive"].startswith("2024 年，市政府网站主动公开")  # as written, not normalised


def test_improvements_are_split_from_problems() -> None:
    d = _imported("2024-huaian-city-gov.pdf").document
    assert d["problems"]["problems"].startswith("对照上级新要求和公众新期待")
    assert d["problems"]["improvements"].startswith("针对存在问题，下一步，我市将")
    d = _imported("2023-huaian-hongze-district-gov.pdf").document  # the turn inside one paragraph
    assert d["problems"]["problems"].endswith("有待加强等。")
    assert d["problems"]["improvements"].startswith("针对存在问题，下一步，将切实抓好以下工作")


def test_cross_year_pair_agrees() -> None:
    prev = _imported("2023-huaian-hongze-district-gov.pdf").document
    r = check_file(REAL / "2024-huaian-hongze-district-gov.pdf", previous=prev)
    rules = {f.rule for f in r.findings}
    # 现行有效 5 + 3 − 0 = 8 and 结转 0 → 0: the cross-year rules hold and are assessed
    assert not rules & {"T2-STOCK-XYEAR", "T3-CARRY-XYEAR"}
    broken = dict(prev)
    broken["proactive"] = {**prev["proactive"], "normative_documents": {"issued": 0, "repealed": 5, "in_force": 6}}
    r = check_file(REAL / "2024-huaian-hongze-district-gov.pdf", previous=broken)
    assert "T2-STOCK-XYEAR" in {f.rule for f in r.findings}


@pytest.mark.browser
def test_real_corpus_summary_as_a_reviewer_sees_it(tmp_path: Path) -> None:
    """The summary of a run over the real corpus, in Chromium on a desktop and a phone: the grouped,
    traceable findings are what the page shows, and no finding asks to fill a cell with 0."""
    from test_summary_browser import CHROMIUM, FLAGS, _unavailable
    from xxgk.check.run import check_paths
    from xxgk.report.writers import write_summaries

    if not Path(CHROMIUM).exists():
        _unavailable(f"Chromium not found at {CHROMIUM}")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the playwright Python package is not installed")
    run = check_paths([REAL], jobs=1)
    write_summaries(run, tmp_path / "summary")
    page_file = tmp_path / "summary" / "summary.html"
    artifacts = Path(__file__).parent / "artifacts"
    artifacts.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        try:
            for name, size in (("desktop", {"width": 1366, "height": 900}), ("phone", {"width": 390, "height": 844})):
                page = browser.new_page(viewport=size, locale="zh-CN")
                page.goto(page_file.as_uri())
                page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
                text = page.inner_text("body")
                assert "原文第4页表格2第4行第5列" in text  # the 2023 洪泽区 table 四 总计 cell, page/table/row/column
                assert "请填0" not in text
                page.screenshot(path=str(artifacts / f"real-summary-{name}.png"), full_page=True)
                page.close()
        finally:
            browser.close()


def test_crawled_text_whose_tables_were_flattened() -> None:
    """The crawl's text of the 2024 平潭综合实验区 page: headings run into one paragraph, tables flattened
    into runs of digits ("规章000行政规范性文件6233440"). A careful reviewer cannot read the tables from this
    copy and says so once per table; everything else in it is a sound report."""
    name = "2024-pingtan-pilot-zone-gov-crawl.txt"
    r = _imported(name)
    d = r.document
    assert (d["unit"]["name"], d["year"]) == ("平潭综合实验区", 2024)
    assert d["source"]["sections"] == ["一", "二", "三", "四", "五", "六"]
    assert d["overview"]["requests"].endswith("全年办理政府信息公开申请218件。")
    assert d["problems"]["improvements"].startswith("2025年，将重点从以下方面做好改进")
    assert (d["other"]["fee_charged"], d["other"]["fee_amount_yuan"]) == (False, None)  # "无收取信息处理费情况"
    # not one figure guessed out of the digit runs
    assert d["proactive"]["normative_documents"] == {"issued": None, "repealed": None, "in_force": None}
    assert d["requests"]["new_received"]["total"] is None
    result = check_file(REAL / name)
    failing = [f for f in result.findings if f.outcome == "fail"]
    assert [(f.rule, f.location) for f in failing] == [("FMT-TABLE-UNREAD", "表二"), ("FMT-TABLE-UNREAD", "表三"),
                                                       ("FMT-TABLE-UNREAD", "表四")]
    assert all("只有文字" in f.message for f in failing)
    # the four table rules say once each why they could not be checked; no CELL-BLANK, no "请填0"
    na = [f for f in result.findings if f.outcome == "not_assessable"]
    assert sorted(f.rule for f in na) == ["T3-BALANCE", "T3-RESULT-SUM", "T3-ROW-TOTAL", "T4-SUM"]
    assert not any("请填0" in f.message + f.hint for f in result.findings)
    assert result.status == "fail"


def test_text_finding_quotes_the_report_as_written() -> None:
    r = check_file(REAL / "2024-huaian-hongze-district-gov.pdf")
    txt = next(f for f in r.findings if f.rule == "TXT-T3")
    # the report's own words and punctuation, read off the PDF: 17 in the text, 95 in table 三
    assert "正文写“2024 年，区政府办代表区政府受理政府信息公开申请 17 件" in txt.message
    assert (txt.left, txt.right) == (17, "95")
