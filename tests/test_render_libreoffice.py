"""A rendered .docx opens in a real LibreOffice and converts to PDF; page images are kept for a look."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import requires_libreoffice
from xxgk.importers import import_file
from xxgk.render import render_document

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
