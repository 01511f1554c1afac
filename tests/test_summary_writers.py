"""The summaries read back: xlsx (no formula injection), json, html (self-contained, escaped), console."""

from __future__ import annotations

import json
import re
from pathlib import Path

import openpyxl
import pytest

from test_check_docs import check_doc, suqian
from xxgk.report.console import render_console
from xxgk.report.model import FileResult, RunResult, finding
from xxgk.report.writers import write_summaries

EVIL = '=HYPERLINK("http://x")'
SCRIPT = "<script>alert(1)</script>镇"


def sample_run() -> RunResult:
    good = check_doc(suqian(2024), prev=suqian(2023), year=2024, name="宿迁市人民政府.xlsx")
    bad_doc = suqian(2024)
    bad_doc["unit"]["name"] = EVIL
    bad_doc["requests"]["granted"]["commercial"] = 70
    bad = check_doc(bad_doc, year=2024, name="evil.xlsx")
    xss_doc = suqian(2024)
    xss_doc["unit"]["name"] = SCRIPT
    xss_doc["problems"]["improvements"] = None
    xss = check_doc(xss_doc, year=2024, name="x.xlsx")
    unreadable = FileResult(path="坏文件.xlsx",
                            findings=[finding("FILE-UNREADABLE", location="文件", reason="不是zip")])
    skipped = FileResult(path="~$a.xlsx", skipped=True, findings=[finding("FILE-SKIPPED", reason="锁定文件")])
    run = RunResult(files=[good, bad, xss, unreadable, skipped], year=2024,
                    roster_missing=[{"name": "+缺报镇", "code": "", "level": "乡镇", "parent": ""}],
                    roster_findings=[finding("ROSTER-MISSING", location="+缺报镇", unit="+缺报镇")],
                    totals={"proactive.licensing": 1573179, "requests.new_received.total": 3525}, totals_units=1)
    return run


@pytest.fixture(scope="module")
def written(tmp_path_factory) -> tuple[RunResult, dict[str, Path]]:
    out = tmp_path_factory.mktemp("out") / "new" / "summary"
    run = sample_run()
    paths = write_summaries(run, out)
    return run, {p.suffix: p for p in paths}


def test_writes_three_files_in_a_new_folder(written) -> None:
    _, paths = written
    assert sorted(p.name for p in paths.values()) == ["summary.html", "summary.json", "summary.xlsx"]


def test_xlsx_keeps_formula_like_text_as_text(written) -> None:
    _, paths = written
    wb = openpyxl.load_workbook(paths[".xlsx"])
    assert wb.sheetnames == ["概览", "问题明细", "汇总", "明细", "明细（全部数字）", "未报送", "规则统计"]
    ws = wb["概览"]
    assert [c.value for c in ws[1]] == ["状态", "单位", "单位代码", "填报人", "联系电话", "错误", "警告", "提示",
                                        "首要问题", "文件", "年度", "类型", "SHA-256"]
    units = [ws.cell(row=r, column=2) for r in range(2, ws.max_row + 1)]
    evil = next(c for c in units if c.value == EVIL)
    assert evil.data_type == "s" and evil.quotePrefix  # a string, not a formula, and stays one when edited
    statuses = [ws.cell(row=r, column=1).value for r in range(2, ws.max_row + 1)]
    assert statuses == ["无法读取", "不通过", "有警告", "已跳过", "通过"]  # worst first
    assert ws.freeze_panes == "A2" and ws.auto_filter.ref
    missing = wb["未报送"]
    assert missing["A2"].value == "+缺报镇" and missing["A2"].data_type == "s"


def test_xlsx_detail_rows_show_cell_and_sides(written) -> None:
    _, paths = written
    ws = openpyxl.load_workbook(paths[".xlsx"])["问题明细"]
    rows = [[c.value for c in row] for row in ws.iter_rows(min_row=2)]
    t3 = [r for r in rows if r[5] == "T3-ROW-TOTAL"]
    assert t3 and t3[0][2] == "三、收到和处理政府信息公开申请情况!J8"
    assert t3[0][6] == 3521 and t3[0][7] == "==" and t3[0][8] == 3518
    assert any(r[5] == "FILE-UNREADABLE" and r[1] == "错误" for r in rows)


def test_xlsx_totals_sheet_has_chinese_labels(written) -> None:
    _, paths = written
    ws = openpyxl.load_workbook(paths[".xlsx"])["汇总"]
    cells = {c.value for row in ws.iter_rows() for c in row if c.value is not None}
    assert "行政许可 本年处理决定数量" in cells and 1573179 in cells
    assert "一、本年新收政府信息公开申请数量" in cells and 3525 in cells


def test_json_is_versioned_and_complete(written) -> None:
    _, paths = written
    data = json.loads(paths[".json"].read_text(encoding="utf-8"))
    assert data["schema_version"] == 1 and data["generator"].startswith("xxgk ")
    assert data["year"] == 2024
    assert [f["status"] for f in data["files"]] == ["pass", "fail", "warn", "error", "skipped"]
    assert data["files"][1]["unit"] == EVIL
    f = next(x for x in data["files"][1]["findings"] if x["rule"] == "T3-ROW-TOTAL")
    assert set(f) == {"rule", "severity", "sheet", "cell", "location", "message", "hint", "left", "op", "right",
                      "outcome"}
    assert data["roster"]["missing"][0]["name"] == "+缺报镇"
    assert data["rule_counts"]["T3-ROW-TOTAL"]["files"] == 1
    assert data["totals"]["values"]["requests.new_received.total"] == 3525


def test_html_is_self_contained_and_escaped(written) -> None:
    _, paths = written
    page = paths[".html"].read_text(encoding="utf-8")
    assert "<script src" not in page.lower()
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", page, re.I)
    assert "@import" not in page and "url(" not in page
    assert SCRIPT not in page and "&lt;script&gt;alert(1)&lt;/script&gt;镇" in page
    assert page.count("<script>") == 1  # only our own inline filter script
    assert "通过" in page and "不通过" in page and "名单中未报送 1 个单位" in page
    assert 'data-rules="' in page and 'id="f-rule"' in page and 'id="f-status"' in page
    assert "<details>" in page  # findings readable without JavaScript


def test_console_table_and_truncation() -> None:
    run = sample_run()
    text = render_console(run)
    first = text.splitlines()[2]
    assert "坏文件.xlsx" in first  # unreadable files first
    assert "共5个文件：通过1，有警告1，不通过1，无法读取1，已跳过1" in text
    assert "名单中未报送：+缺报镇" in text
    many = RunResult(files=[FileResult(path=f"f{i}.xlsx", document={}) for i in range(45)])
    text = render_console(many, limit=30)
    assert "另有15个文件，详见 summary.xlsx" in text
    assert len(text.splitlines()) < 40


def test_empty_run_still_writes_summaries(tmp_path: Path) -> None:
    paths = write_summaries(RunResult(), tmp_path / "s")
    assert all(p.exists() for p in paths)
    assert "没有找到任何文件" in render_console(RunResult())
    wb = openpyxl.load_workbook(tmp_path / "s" / "summary.xlsx")
    assert wb["概览"].max_row == 1


def test_lone_surrogate_and_control_characters_reach_every_summary(tmp_path: Path) -> None:
    """Issue 14: a cell holding `_xDFFF_` (a lone surrogate once decoded) or `_x001B_` (ESC) used to
    make the summary writer raise, leaving no summary and no result for the other units."""
    from hostile.corpus import passing, with_values
    from office_audit import audit
    from xxgk.check.run import check_paths

    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.xlsx").write_bytes(with_values("坏字镇", {"contact.person": "_xD800_张三_x001B_[31m",
                                                        "contact.phone": "0379_x0007_", "unit.name": "坏_xDFFF_镇"}))
    (folder / "b.xlsx").write_bytes(passing("城关镇"))
    run = check_paths([folder], jobs=1)
    bad, good = run.files[0], run.files[1]
    assert "\ud800" in (bad.contact_person or "") and "\udfff" in (bad.unit or "")  # the hostile text got in
    assert good.status == "pass"  # and the other unit has its result
    written = write_summaries(run, tmp_path / "out")
    assert [p.name for p in written] == ["summary.xlsx", "summary.json", "summary.html"]
    data = json.loads(written[1].read_text(encoding="utf-8"))
    assert [f["status"] for f in data["files"]][1] == "pass"
    # a string with a lone surrogate goes through the sanitiser; one with only controls stays exact
    # (JSON escapes them itself: \u0007), so programs can still match names and paths
    assert data["files"][0]["contact_person"] == "\ufffd张三␛[31m"
    assert data["files"][0]["contact_phone"] == "0379\x07"
    assert "\\u0007" in written[1].read_text(encoding="utf-8")
    page = written[2].read_text(encoding="utf-8")
    assert "\ufffd张三␛[31m" in page and "\x1b" not in page and "\x07" not in page
    errors, _warnings = audit(written[0])
    assert errors == []
    ws = openpyxl.load_workbook(written[0])["概览"]
    people = [ws.cell(row=r, column=4).value for r in range(2, ws.max_row + 1)]
    assert "\ufffd张三␛[31m" in people
    text = render_console(run)
    assert "\x1b" not in text and "城关镇" in text


def test_xlsx_figures_per_unit_add_up_to_the_totals(tmp_path: Path) -> None:
    """明细（全部数字） has one row per unit in the 汇总; each column sums to the 汇总 figure, so any
    total can be traced to the units behind it. Status cells carry the page's colours."""
    from xxgk.check.run import check_paths
    from xxgk.document import figures
    from xxgk.form.definition import load_form
    from xxgk.generate.roster import read_roster
    from xxgk.report.summary_xlsx import STATUS_FILL, figure_label

    root = Path(__file__).resolve().parents[1]
    run = check_paths([root / "samples" / "submissions"], roster=read_roster(root / "samples" / "roster.csv"),
                      year=2024, jobs=1)
    write_summaries(run, tmp_path)
    wb = openpyxl.load_workbook(tmp_path / "summary.xlsx")
    full = wb["明细（全部数字）"]
    header = [c.value for c in full[1]]
    rows = [[c.value for c in r] for r in full.iter_rows(min_row=2)]
    assert len(rows) == run.totals_units == 7  # six that pass and 小浪底镇 with warnings
    form = load_form()
    for path in figures({}, form):
        col = header.index(figure_label(form, path))
        assert sum(r[col] for r in rows) == run.totals[path], path
    assert 125.3625 in [r[header.index("表二 行政事业性收费 本年收费金额（万元）")] for r in rows]  # 自然资源局
    main = wb["明细"]
    assert main.max_row - 1 == 7 and [c.value for c in main[1]][:3] == ["单位", "单位代码", "状态"]
    # the 汇总 names the files it left out and why
    totals = [[c.value for c in r] for r in wb["汇总"].iter_rows()]
    left = {r[0]: r[1] for r in totals if r[1] and isinstance(r[1], str) and "未通过检查" in r[1]}
    assert set(left) == {"平乐镇", "白鹤镇", "朝阳镇", "康乐街道", "孟津区财政局"}
    # status colours, the same as summary.html
    ov = wb["概览"]
    fills = {ov.cell(row=r, column=1).value: ov.cell(row=r, column=1).fill.fgColor.rgb
             for r in range(2, ov.max_row + 1)}
    assert fills["不通过"].endswith(STATUS_FILL["fail"].lstrip("#"))
    assert fills["有警告"].endswith(STATUS_FILL["warn"].lstrip("#"))
    assert fills["通过"].endswith(STATUS_FILL["pass"].lstrip("#"))
    by_unit = {ov.cell(row=r, column=2).value: [c.value for c in ov[r]] for r in range(2, ov.max_row + 1)}
    assert by_unit["小浪底镇"][2:5] == ["410308101", "王丽", "0379-67912345"]
    assert by_unit["康乐街道"][8] == "六、其他需要报告的事项!B3：第六部分没有选择本年度是否收取信息处理费。"
