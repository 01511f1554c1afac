"""summary.xlsx printed the way a staffer prints it: LibreOffice -> PDF -> PNG.

Every sheet is set up landscape A4, one page wide, header row repeated, footer with page numbers and
the run date. The printed PDF proves it: every page of 概览 and 问题明细 carries the sheet's first and
last printed column headers (a sheet split across pages sideways would lose one of them), and the
footer says which page of how many. Page images are kept in tests/artifacts/summary-xlsx-*.png.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
from pathlib import Path

import openpyxl
import pytest

from conftest import requires_libreoffice
from xxgk.check.run import check_paths
from xxgk.generate.roster import read_roster
from xxgk.report.model import FileResult, RunResult, finding
from xxgk.report.summary_xlsx import write_xlsx
from xxgk.report.writers import write_summaries

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = Path(__file__).parent / "artifacts"
TODAY = dt.date(2025, 1, 20)

pytestmark = pytest.mark.libreoffice


def _long_run() -> RunResult:
    """Enough files with long messages that 概览 and 问题明细 run over several pages."""
    files = []
    for i in range(70):
        f = finding("FILE-UNREADABLE", location="文件", reason="压缩包结构损坏或文件不完整（可能下载时被截断）" * 2)
        files.append(FileResult(path=f"/srv/报送/第{i:02d}个单位/{i:02d}_某某镇_2024年度报告填报表.xlsx",
                                unit=f"某某镇{i}",
                                code=f"4103081{i:02d}", contact_person="王丽", contact_phone="0379-67912345",
                                findings=[f, f]))
    return RunResult(files=files, year=2024)


def _pdf(xlsx: Path, tmp: Path) -> tuple[list[str], Path]:
    subprocess.run(["soffice", "--headless", f"-env:UserInstallation=file://{tmp}/lo_profile", "--convert-to",
                    "pdf", "--outdir", str(tmp), str(xlsx)], check=True, capture_output=True, timeout=180)
    pdf = tmp / (xlsx.stem + ".pdf")
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    return [re.sub(r"\s", "", p) for p in text.split("\f") if p.strip()], pdf


def test_every_sheet_is_set_up_for_print(tmp_path: Path) -> None:
    path = write_xlsx(_long_run(), tmp_path / "summary.xlsx", today=TODAY)
    wb = openpyxl.load_workbook(path)
    for ws in wb:
        assert ws.page_setup.orientation == "landscape", ws.title
        assert ws.page_setup.paperSize == 9, ws.title  # A4
        assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.fitToWidth in (1, None), ws.title
        assert ws.page_setup.fitToHeight == 0, ws.title  # as many pages tall as needed
        assert ws.print_title_rows in ("1:1", "$1:$1"), ws.title
        assert "&P" in ws.oddFooter.center.text and "&N" in ws.oddFooter.center.text, ws.title
        assert "2025-01-20" in ws.oddFooter.right.text, ws.title


@requires_libreoffice
def test_printed_one_page_wide_with_headers_on_every_page(tmp_path: Path) -> None:
    path = write_xlsx(_long_run(), tmp_path / "summary.xlsx", today=TODAY)
    pages, _pdf_path = _pdf(path, tmp_path)
    by_sheet: dict[str, list[str]] = {}
    for p in pages:
        sheet = next((s for s in ("问题明细", "概览", "汇总", "未报送", "规则统计", "明细（全部数字）", "明细")
                      if re.search(rf"{re.escape(s)}第\d+页", p)), "?")
        by_sheet.setdefault(sheet, []).append(p)
    assert len(by_sheet["概览"]) >= 2 and len(by_sheet["问题明细"]) >= 2  # long enough to test repetition
    for sheet, first, last in (("概览", "状态", "年度"), ("问题明细", "单位", "文件")):
        for n, p in enumerate(by_sheet[sheet], start=1):
            assert first in p[:40] and last in p, f"{sheet} page {n} lost a column"
    assert all("检查日期：2025-01-20" in p for p in pages)
    assert "SHA-256" not in "".join(by_sheet["概览"])  # technical columns stay on screen, not on paper


@requires_libreoffice
def test_sample_summary_printed(tmp_path: Path) -> None:
    """The bundled submissions' summary.xlsx, printed; its pages kept to be looked at."""
    run = check_paths([ROOT / "samples" / "submissions"], roster=read_roster(ROOT / "samples" / "roster.csv"),
                      year=2024, jobs=1)
    write_summaries(run, tmp_path / "s")
    pages, pdf = _pdf(tmp_path / "s" / "summary.xlsx", tmp_path)
    first = pages[0]
    # worst first, with the unit's contact and its first problem in words
    assert first.index("康乐街道") < first.index("小浪底镇") < first.index("河阳街道")
    assert "0379-67912345" in first and "第六部分没有选择本年度是否收取信息处理费" in first
    totals = next(p for p in pages if p.startswith("汇总范围"))
    assert "7个单位" in totals  # six that pass and 小浪底镇 with warnings
    assert any("未计入汇总的文件及原因" in p and "平乐镇" in p and "未通过检查" in p for p in pages)
    subprocess.run(["pdftoppm", "-png", "-r", "60", "-l", "3", str(pdf), str(tmp_path / "page")], check=True,
                   timeout=120)
    ARTIFACTS.mkdir(exist_ok=True)
    for i, png in enumerate(sorted(tmp_path.glob("page-*.png")), start=1):
        shutil.copyfile(png, ARTIFACTS / f"summary-xlsx-page{i}.png")
