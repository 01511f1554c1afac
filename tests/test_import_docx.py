"""Importing Word .docx reports, and recognising a file's kind by its bytes."""

from __future__ import annotations

import zipfile
from io import BytesIO
from pathlib import Path

from docx import Document

from xxgk.document import figures
from xxgk.form.definition import load_form
from xxgk.importers import import_file
from xxgk.importers.text import text_blocks

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "samples" / "published" / "孟津区小浪底镇人民政府2024年政府信息公开工作年度报告.txt"


def sample_as_docx() -> bytes:
    """The sample typed into Word: paragraphs, and tables with merged cells as Word stores them."""
    doc = Document()
    from xxgk.importers.common import Para

    for block in text_blocks(SAMPLE.read_text(encoding="utf-8")):
        if isinstance(block, Para):
            doc.add_paragraph(block.text)
            continue
        width = max(len(r) for r in block.rows)
        table = doc.add_table(rows=len(block.rows), cols=width)
        for r, row in enumerate(block.rows):
            for c, text in enumerate(row):
                table.cell(r, c).text = text or ""
        first = block.rows[0][0] or ""
        if first.startswith("第二十条"):
            # merge every "第二十条…" title over the full width and every single value over B:D
            for r, row in enumerate(block.rows):
                if (row[0] or "").startswith("第二十条"):
                    table.cell(r, 0).merge(table.cell(r, 3))
                elif len([x for x in row if x]) == 2:
                    m = table.cell(r, 1).merge(table.cell(r, 3))
                    m.text = row[1] or ""
        elif first == "行政复议":
            # 结果维持 … 总计 of 行政复议 span header rows 2-3
            for c in range(5):
                m = table.cell(1, c).merge(table.cell(2, c))
                m.text = block.rows[1][c] or ""
            table.cell(0, 0).merge(table.cell(0, 4))
    buf = BytesIO()
    doc.save(buf)
    return buf.getvalue()


def test_docx_report_with_merged_cells(tmp_path: Path) -> None:
    p = tmp_path / "小浪底镇.docx"
    p.write_bytes(sample_as_docx())
    r = import_file(p)
    assert r.kind == "docx"
    assert r.findings == []
    figs = figures(r.document, load_form())
    assert len(figs) == 200 and all(v == 0 for v in figs.values())
    assert r.document["unit"]["name"] == "孟津区小浪底镇人民政府"
    assert r.document["overview"]["management"] is None
    assert r.document["other"]["fee_charged"] is False


def test_kind_is_sniffed_from_bytes_not_name(tmp_path: Path) -> None:
    p = tmp_path / "report.txt"
    p.write_bytes(sample_as_docx())
    assert import_file(p).kind == "docx"
    h = tmp_path / "report.docx"
    h.write_bytes((ROOT / "tests/fixtures/published/liulin-2023-subtotal.html").read_bytes())
    assert import_file(h).kind == "html"


def test_files_that_are_not_reports_give_findings_not_crashes(tmp_path: Path) -> None:
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    assert [f.rule for f in import_file(empty).findings] == ["FILE-EMPTY"]
    xlsx = tmp_path / "book.xlsx"
    buf = BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("xl/workbook.xml", "<workbook/>")
    xlsx.write_bytes(buf.getvalue())
    r = import_file(xlsx)
    assert r.document is None and r.findings[0].rule == "FILE-UNREADABLE"
    ole = tmp_path / "old.doc"
    ole.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600)
    r = import_file(ole)
    assert r.document is None and ".docx" in r.findings[0].message
    broken = tmp_path / "broken.docx"
    broken.write_bytes(b"PK\x03\x04" + b"garbage" * 20)
    r = import_file(broken)
    assert r.document is None and r.findings[0].severity == "error"


def test_figures_name_their_table_row_and_column_in_word_and_html() -> None:
    """Table 三 of the sample: row 6 is （一）予以公开 (after the three header rows and rows 一 and 二),
    column 5 is 商业企业 (three label columns, then 自然人): the same place in the Word file and the page."""
    root = Path(__file__).resolve().parents[1] / "samples" / "published"
    for ext in ("docx", "html"):
        r = import_file(root / f"孟津区小浪底镇人民政府2024年政府信息公开工作年度报告.{ext}")
        where = r.locations["requests.granted.commercial"][2]
        assert where == "表三“（一）予以公开”行“商业企业”列（原文表格2第6行第5列）"
        assert r.locations["review_litigation.review.total"][2].endswith("（原文表格3第4行第5列）")
