"""Small files that expand into a lot of work: the amplification cases of issue 14, built by code.

Each builder returns the bytes of one file as an attacker (or a broken tool) would write it; the
sizes are the ones the issue measured (1.4–5 GB or more than 60 s before the caps).
"""

from __future__ import annotations

import io
import zipfile

from xxgk.generate.fill import rezip
from xxgk.generate.fill import zip_members as members

from .corpus import passing

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"

_CT = ('<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
       'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships'
       '+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" '
       'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>')
_RELS = ('<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
         '2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
         'relationships/officeDocument" Target="word/document.xml"/></Relationships>')


def docx(body: str, extra: dict[str, bytes] | None = None, prolog: str = "") -> bytes:
    """A minimal .docx whose body is `body` (WordprocessingML inside <w:body>)."""
    doc = (f'<?xml version="1.0" encoding="UTF-8"?>{prolog}<w:document xmlns:w="{W}">'
           f"<w:body>{body}</w:body></w:document>")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", _CT)
        z.writestr("_rels/.rels", _RELS)
        z.writestr("word/document.xml", doc)
        for name, data in (extra or {}).items():
            z.writestr(name, data)
    return buf.getvalue()


def _p(text: str) -> str:
    return f"<w:p><w:r><w:t>{text}</w:t></w:r></w:p>"


def docx_gridspan(span: int = 300_000_000) -> bytes:
    """A report-like Word file whose one table cell spans 300,000,000 grid columns."""
    cell = f'<w:tc><w:tcPr><w:gridSpan w:val="{span}"/></w:tcPr>{_p("0")}</w:tc>'
    return docx(_p("某镇2024年政府信息公开工作年度报告") + _p("二、主动公开政府信息情况")
                + f"<w:tbl><w:tr>{cell}</w:tr></w:tbl>")


def docx_many_spans(rows: int = 3000, cells: int = 10, span: int = 100) -> bytes:
    """Many cells each spanning 100 columns: no single value is absurd, the sum is."""
    tc = f'<w:tc><w:tcPr><w:gridSpan w:val="{span}"/></w:tcPr>{_p("1")}</w:tc>'
    row = "<w:tr>" + tc * cells + "</w:tr>"
    return docx(_p("二、主动公开政府信息情况") + "<w:tbl>" + row * rows + "</w:tbl>")


def docx_doctype() -> bytes:
    """A Word file with a DOCTYPE and an entity (billion laughs in miniature)."""
    prolog = '<!DOCTYPE w:document [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>'
    return docx(_p("&b;"), prolog=prolog)


def docx_bomb() -> bytes:
    """A Word file whose document.xml inflates past the per-member cap (60 MB of spaces)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", _CT)
        z.writestr("_rels/.rels", _RELS)
        z.writestr("word/document.xml", f'<w:document xmlns:w="{W}"><w:body>'.encode() + b" " * (60 << 20)
                   + b"</w:body></w:document>")
    return buf.getvalue()


def html_colspans(rows: int = 3000, cells: int = 10, span: int = 100, rowspan: int = 100) -> bytes:
    """An HTML table of 3,000 rows of cells with colspan=100 (each value within the browsers' range)."""
    row = "<tr>" + f'<td colspan="{span}" rowspan="{rowspan}">1</td>' * cells + "</tr>"
    return ("<html><body><p>二、主动公开政府信息情况</p><table>" + row * rows + "</table></body></html>").encode()


def html_huge_span() -> bytes:
    return b'<html><body><table><tr><td colspan="300000000">1</td></tr></table></body></html>'


def html_deep(depth: int = 10_000) -> bytes:
    return ("<html><body>" + "<div>" * depth + "一、总体情况" + "</div>" * depth + "</body></html>").encode()


def serialise_pdf(objects: list[bytes]) -> bytes:
    """A PDF file of numbered objects (1 is the catalogue) with a correct cross-reference table."""
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for n, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % n + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def pdf_bomb(inflated: int = 400 * 1024 * 1024) -> bytes:
    """A one-page PDF whose content stream is `inflated` bytes of spaces, deflated (400 MB -> 400 KB):
    pdfminer inflates a stream whole, 880 MB before the cap."""
    import zlib

    packed = zlib.compress(b" " * inflated, 9)
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
               b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(packed) + packed + b"\nendstream"]
    return serialise_pdf(objects)


def text_tabs(size: int = 48 * 1024 * 1024) -> bytes:
    """A 48 MB text file that is mostly tabs (one table row of 48 million cells)."""
    head = "某镇2024年政府信息公开工作年度报告\n二、主动公开政府信息情况\n".encode()
    return head + b"\t" * (size - len(head))


def xlsx_empty_strings(n: int = 9_700_000) -> bytes:
    """Our generated workbook with 9.7 million empty shared strings added (~50 MB inflated, ~100 KB on disk)."""
    parts = members(passing("城关镇"))
    sst = parts["xl/sharedStrings.xml"]
    close = sst.rindex(b"</sst>")
    parts["xl/sharedStrings.xml"] = sst[:close] + b"<si/>" * n + sst[close:]
    return rezip(parts)


def html_script_cell() -> str:
    """A cell whose script text comes before the figure: read as 3, not 33."""
    return "<td><script>var x = 3;</script>3</td>"
