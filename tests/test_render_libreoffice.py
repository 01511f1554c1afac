"""A rendered .docx opens in a real LibreOffice and converts to PDF; page images are kept for a look."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import requires_libreoffice
from xxgk.importers import import_file
from xxgk.render import render_document, render_file

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = Path(__file__).parent / "artifacts"
SAMPLE = ROOT / "samples" / "published" / "孟津区小浪底镇人民政府2024年政府信息公开工作年度报告.txt"

pytestmark = pytest.mark.libreoffice


@requires_libreoffice
def test_docx_converts_to_pdf(tmp_path: Path) -> None:
    doc = import_file(SAMPLE).document
    src = tmp_path / "report.docx"
    src.write_bytes(render_document(doc, "docx"))
    subprocess.run(
        ["soffice", "--headless", f"-env:UserInstallation=file://{tmp_path}/lo_profile", "--convert-to", "pdf",
         "--outdir", str(tmp_path), str(src)],
        check=True, capture_output=True, timeout=180,
    )
    pdf = tmp_path / "report.pdf"
    assert pdf.exists() and pdf.read_bytes().startswith(b"%PDF")
    text = ""
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
                              check=True).stdout
        flat = re.sub(r"\s", "", text)
        assert "孟津区小浪底镇人民政府2024年政府信息公开工作年度报告" in flat
        assert "本年收费金额（单位：万元）" in flat
    subprocess.run(["pdftoppm", "-png", "-r", "60", str(pdf), str(tmp_path / "page")], check=True, timeout=120)
    pages = sorted(tmp_path.glob("page-*.png"))
    assert pages
    ARTIFACTS.mkdir(exist_ok=True)
    shutil.copyfile(pages[0], ARTIFACTS / "render-page1.png")
    # keep the page that shows table 三 as well
    if text:
        for i, page_text in enumerate(text.split("\f")):
            if "勾稽关系" in page_text.replace(" ", "") and i < len(pages):
                shutil.copyfile(pages[i], ARTIFACTS / "render-table3.png")
                break


def _pdf_pages(docx: Path, tmp_path: Path) -> tuple[Path, list[str], list[tuple[float, float]]]:
    subprocess.run(
        ["soffice", "--headless", f"-env:UserInstallation=file://{tmp_path}/lo_profile", "--convert-to", "pdf",
         "--outdir", str(tmp_path), str(docx)],
        check=True, capture_output=True, timeout=180,
    )
    pdf = tmp_path / (docx.stem + ".pdf")
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    info = subprocess.run(["pdfinfo", "-l", "99", str(pdf)], capture_output=True, text=True, check=True).stdout
    sizes = [(float(w), float(h)) for w, h in re.findall(r"Page +\d+ size: +([\d.]+) x ([\d.]+)", info)]
    return pdf, [re.sub(r"\s", "", p) for p in text.split("\f") if p.strip()], sizes


@requires_libreoffice
@pytest.mark.parametrize(("stem", "force"), [("410308101_小浪底镇", False), ("410308104_平乐镇", True)])
def test_rendered_pages(tmp_path: Path, stem: str, force: bool) -> None:
    """A passing submission and a failing one (--force) as printed pages: numbered, tables 三 and 四 on
    landscape pages, the stamp on every page of the failing one; page images kept to be looked at."""
    book = ROOT / "samples" / "submissions" / f"{stem}_2024年度报告填报表.xlsx"
    docx = tmp_path / f"{stem}.docx"
    render_file(book, docx, force=force)
    pdf, pages, sizes = _pdf_pages(docx, tmp_path)
    assert len(pages) == len(sizes) >= 3
    unit = stem.split("_")[1]
    stamp = "未通过检查·仅供核对，请勿发布"  # the page header of a forced document
    assert pages[0].startswith((stamp if force else "") + f"孟津区{unit}人民政府2024年政府信息公开工作年度报告")
    for n, p in enumerate(pages, start=1):
        assert f"—{n}—" in p, f"page {n} has no page number"
        assert (stamp in p) == force
    t3 = next(i for i, p in enumerate(pages) if "本列数据的勾稽关系为" in p)
    t4 = next(i for i, p in enumerate(pages) if "四、政府信息公开行政复议、行政诉讼情况" in p)
    portrait, landscape = (595.0, 842.0), (842.0, 595.0)
    assert [tuple(round(x) for x in s) for s in (sizes[0], sizes[t3], sizes[t4], sizes[-1])] == [
        tuple(round(x) for x in s) for s in (portrait, landscape, landscape, portrait)]
    subprocess.run(["pdftoppm", "-png", "-r", "50", str(pdf), str(tmp_path / "page")], check=True, timeout=120)
    pngs = sorted(tmp_path.glob("page-*.png"))
    ARTIFACTS.mkdir(exist_ok=True)
    tag = "forced" if force else "passing"
    for i, png in enumerate(pngs, start=1):
        shutil.copyfile(png, ARTIFACTS / f"render-{tag}-page{i}.png")
