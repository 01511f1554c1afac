"""PDF import: a scan or a broken file is a clear finding; a report rendered by `xxgk render` and printed
to PDF by LibreOffice imports back to the same document (property test, conversions batched)."""

from __future__ import annotations

import copy
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import requires_libreoffice
from hostile.amplify import serialise_pdf
from test_render_roundtrip import _expected, documents
from xxgk.check.run import check_file
from xxgk.importers import import_bytes, import_file, sniff
from xxgk.render import render_document

ARTIFACTS = Path(__file__).parent / "artifacts"


def pdf_without_text(pages: int = 2) -> bytes:
    """A valid PDF whose pages hold only drawn shapes (what a scan is to a text reader): no text layer."""
    objects: list[bytes] = []
    kids = " ".join(f"{3 + 2 * i} 0 R" for i in range(pages))
    objects.append(b"<< /Type /Catalog /Pages 2 0 R >>")
    objects.append(f"<< /Type /Pages /Kids [{kids}] /Count {pages} >>".encode())
    for i in range(pages):
        stream = b"0.2 g 72 600 450 120 re f 0.6 g 72 300 300 200 re f"
        objects.append(f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents {4 + 2 * i} 0 R >>"
                       .encode())
        objects.append(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream")
    return serialise_pdf(objects)


def test_scanned_pdf_is_a_finding_not_a_guess(tmp_path: Path) -> None:
    data = pdf_without_text(3)
    assert sniff(data, "report.pdf") == "pdf"
    r = import_bytes(data, "扫描件.pdf", "pdf")
    assert r.document is None
    assert [f.rule for f in r.findings] == ["FILE-SCANNED-PDF"]
    f = r.findings[0]
    assert f.severity == "error" and "共3页" in f.message and "扫描件" in f.message
    assert "OCR" in f.hint and "Word" in f.hint  # what to do instead
    # through the checker: one result, 无法读取, the same finding
    path = tmp_path / "扫描件.pdf"
    path.write_bytes(data)
    result = check_file(path)
    assert result.status == "error"
    assert [x.rule for x in result.findings] == ["FILE-SCANNED-PDF"]


def test_broken_pdf_is_unreadable_without_a_traceback(tmp_path: Path) -> None:
    path = tmp_path / "坏文件.pdf"
    path.write_bytes(b"%PDF-1.7\n1 0 obj << /Type /Catalog /Pages 9 0 R >> endobj\ntrailer <<>>\n%%EOF")
    for r in (import_file(path), check_file(path)):
        assert [f.rule for f in r.findings] == ["FILE-UNREADABLE"]
        assert "PDF" in r.findings[0].message and "Traceback" not in r.findings[0].message


def test_pdf_with_too_many_pages_is_refused_not_cut_short() -> None:
    r = import_bytes(pdf_without_text(201), "合订本.pdf", "pdf")
    assert [f.rule for f in r.findings] == ["FILE-TOO-MANY-PAGES"]
    assert "共201页" in r.findings[0].message and r.document is None


def test_pdf_is_recognised_by_content_not_name(tmp_path: Path) -> None:
    path = tmp_path / "report.txt"  # a PDF under a wrong name is still read as a PDF
    path.write_bytes(pdf_without_text(1))
    assert [f.rule for f in import_file(path).findings] == ["FILE-SCANNED-PDF"]


def _to_pdf(docs: list[dict[str, Any]], workdir: Path) -> list[Path]:
    """Render each document to .docx and let one LibreOffice print them all to PDF (2 cores: one start)."""
    sources = []
    for i, doc in enumerate(docs):
        src = workdir / f"report{i}.docx"
        src.write_bytes(render_document(doc, "docx"))
        sources.append(str(src))
    subprocess.run(["soffice", "--headless", f"-env:UserInstallation=file://{workdir}/lo_profile",
                    "--convert-to", "pdf", "--outdir", str(workdir), *sources],
                   check=True, capture_output=True, timeout=600)
    return [workdir / f"report{i}.pdf" for i in range(len(docs))]


@pytest.mark.libreoffice
@requires_libreoffice
@settings(max_examples=2, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture,
                                 HealthCheck.data_too_large])
@given(docs=st.lists(documents(), min_size=6, max_size=6))
def test_pdf_round_trip_generated_documents(docs: list[dict[str, Any]], tmp_path_factory: Any) -> None:
    workdir = tmp_path_factory.mktemp("pdf_round_trip")
    for doc, pdf in zip(docs, _to_pdf(docs, workdir), strict=True):
        result = import_bytes(pdf.read_bytes(), pdf.name, "pdf")
        assert [f"{f.rule} {f.message}" for f in result.findings] == []
        back = copy.deepcopy(result.document)
        assert back is not None
        back.pop("source")
        assert back == _expected(doc)
    # keep the pages of one of them for a look: table 三 runs over a page break
    if shutil.which("pdftoppm"):
        ARTIFACTS.mkdir(exist_ok=True)
        subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "2", str(workdir / "report0.pdf"),
                        str(workdir / "page")], check=True, timeout=120)
        for page in sorted(workdir.glob("page-*.png")):
            shutil.copyfile(page, ARTIFACTS / f"pdf-roundtrip-{page.stem}.png")


@pytest.mark.libreoffice
@requires_libreoffice
def test_pdf_with_tables_drawn_without_lines(tmp_path: Path) -> None:
    """A report typed as plain text and printed to PDF: its tables have no ruling lines, only figures set
    apart by spaces; rows whose figures wrap onto the next line are joined again."""
    root = Path(__file__).resolve().parents[1]
    text = (root / "samples" / "published" / "孟津区小浪底镇人民政府2024年政府信息公开工作年度报告.txt").read_text(
        encoding="utf-8")
    changes = {
        "行政规范性文件\t0\t0\t0": "行政规范性文件\t2\t1\t9",
        "行政许可\t0": "行政许可\t315",
        "本年新收政府信息公开申请数量\t\t0\t0\t0\t0\t0\t0\t0": "本年新收政府信息公开申请数量\t\t3\t1\t0\t0\t0\t0\t4",
        "(一) 予以公开\t0\t0\t0\t0\t0\t0\t0": "(一) 予以公开\t2\t1\t0\t0\t0\t0\t3",
        "2. 重复申请\t0\t0\t0\t0\t0\t0\t0": "2. 重复申请\t1\t0\t0\t0\t0\t0\t1",
        "(七) 总计\t\t0\t0\t0\t0\t0\t0\t0": "(七) 总计\t\t3\t1\t0\t0\t0\t0\t4",
        "\n0\t0\t0\t0\t0\t0\t0\t0\t0\t0\t0\t0\t0\t0\t0": "\n1\t0\t0\t0\t1\t0\t0\t0\t0\t0\t0\t0\t0\t0\t0",
    }
    for old, new in changes.items():
        assert old in text, old
        text = text.replace(old, new)
    src = tmp_path / "report.txt"
    src.write_text(text, encoding="utf-8")
    subprocess.run(["soffice", "--headless", f"-env:UserInstallation=file://{tmp_path}/lo_profile",
                    "--infilter=Text (encoded):UTF8,LF,,,", "--convert-to", "pdf", "--outdir", str(tmp_path),
                    str(src)], check=True, capture_output=True, timeout=300)
    r = import_file(tmp_path / "report.pdf")
    assert [f.message for f in r.findings] == []
    d = r.document
    assert d["proactive"]["normative_documents"] == {"issued": 2, "repealed": 1, "in_force": 9}
    assert d["proactive"]["licensing"] == 315
    assert d["requests"]["new_received"]["total"] == 4 and d["requests"]["granted"]["commercial"] == 1
    assert d["requests"]["rejected_repeated"]["natural_person"] == 1
    assert d["requests"]["total_processed"] == {"natural_person": 3, "commercial": 1, "research": 0,
                                                "social_welfare": 0, "legal_services": 0, "other": 0, "total": 4}
    assert d["review_litigation"]["review"] == {"upheld": 1, "corrected": 0, "other": 0, "pending": 0, "total": 1}
    assert "无框线表格" in r.locations["requests.new_received.total"][2]


def pdf_with_lines(pages: list[list[tuple[float, str]]]) -> bytes:
    """A valid PDF with lines of (ASCII) text at the given heights, in Helvetica."""
    objects: list[bytes] = [b"<< /Type /Catalog /Pages 2 0 R >>", b""]
    kids = []
    font = 3
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    for lines in pages:
        ops = b"".join(b"BT /F1 11 Tf 72 %d Td (%s) Tj ET\n" % (int(y), t.encode("latin-1")) for y, t in lines)
        objects.append(b"<< /Length %d >>\nstream\n" % len(ops) + ops + b"endstream")
        content = len(objects)
        objects.append(f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents {content} 0 R "
                       f"/Resources << /Font << /F1 {font} 0 R >> >> >>".encode())
        kids.append(f"{len(objects)} 0 R")
    objects[1] = f"<< /Type /Pages /Kids [{' '.join(kids)}] /Count {len(kids)} >>".encode()
    return serialise_pdf(objects)


def test_running_headers_and_page_numbers_are_dropped() -> None:
    from xxgk.importers.common import Para
    from xxgk.importers.pdf import pdf_blocks

    pages = []
    for n in range(1, 5):
        body = [(700 - 20 * i, f"Body line {n}.{i} of the report text goes on here") for i in range(5)]
        pages.append([(800, "Annual report of Qingshan township"), *body, (40, f"- {n} -")])
    blocks, count, chars = pdf_blocks(pdf_with_lines(pages))
    text = "\n".join(b.text for b in blocks if isinstance(b, Para))
    assert count == 4 and chars > 0
    assert "Annual report of Qingshan" not in text  # the header on every page
    assert not any(f"- {n} -" in text for n in range(1, 5))  # the page numbers
    assert "Body line 3.4" in text


def test_prose_wrapped_after_a_number_stays_prose() -> None:
    from xxgk.importers.pdf import _as_row

    assert _as_row("1. 持续加大主动公开力度，全年公开信息 1136") is None
    assert _as_row("2024 年，我区在政府网站平台主动发布各类政府信息 2428") is None
    assert _as_row("2. 重复申请 1 0 0 0 0 0 1") == ["2. 重复申请", "1", "0", "0", "0", "0", "0", "1"]
    assert _as_row("行政许可 447228") == ["行政许可", "447228"]
    assert _as_row("0 0 0 1 1") == ["", "0", "0", "0", "1", "1"]

