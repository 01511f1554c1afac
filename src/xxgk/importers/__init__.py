"""Import published reports (plain text, HTML, Word .docx, PDF) into report documents.

`import_file` sniffs the kind from the bytes and never raises: anything that goes wrong
becomes a finding of the returned ImportResult.
"""

from __future__ import annotations

import zipfile
from io import BytesIO
from pathlib import Path

from ..read.safe_open import looks_like_html
from ..report.model import finding
from .base import ImportResult

KINDS = ("text", "html", "docx", "pdf")
MAX_BYTES = 50 * 1024 * 1024


def sniff(data: bytes, name: str = "") -> str:
    """"docx" for a zip holding word/document.xml, "html" for markup, else "text"."""
    if data[:1024].lstrip()[:5] == b"%PDF-":
        return "pdf"
    if data[:4] == b"PK\x03\x04":
        try:
            with zipfile.ZipFile(BytesIO(data)) as z:
                if "word/document.xml" in z.namelist():
                    return "docx"
        except zipfile.BadZipFile:
            pass
        return "zip"
    if looks_like_html(data[:4096].decode("latin-1")):  # tags are ASCII whatever the page's encoding
        return "html"
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        return "ole"
    return "text"


def import_bytes(data: bytes, name: str, kind: str) -> ImportResult:
    """Import one published report given its bytes; kind is "text", "html", "docx" or "pdf"."""
    try:
        if kind == "text":
            from .text import import_text

            return import_text(data, name)
        if kind == "html":
            from .html import import_html

            return import_html(data, name)
        if kind == "docx":
            from .docx import import_docx

            return import_docx(data, name)
        if kind == "pdf":
            from .pdf import import_pdf

            return import_pdf(data, name)
        return ImportResult(kind=kind, document=None, findings=[
            finding("FILE-UNREADABLE", location=name, reason=f"不支持的类型“{kind}”")])
    except Exception as e:  # an importer bug or a hostile file must not crash a batch
        return ImportResult(kind=kind, document=None, findings=[
            finding("FILE-UNREADABLE", location=name, reason=f"{type(e).__name__}: {e}")])


def import_file(path: Path) -> ImportResult:
    """Import a published report file; the kind is recognised from its bytes, not its name."""
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            return ImportResult(kind="unknown", document=None, findings=[
                finding("FILE-TOO-LARGE", location=path.name, reason=f"{size}字节")])
        data = path.read_bytes()
    except OSError as e:
        return ImportResult(kind="unknown", document=None, findings=[
            finding("FILE-UNREADABLE", location=path.name, reason=str(e))])
    if not data:
        return ImportResult(kind="unknown", document=None, findings=[finding("FILE-EMPTY", location=path.name)])
    kind = sniff(data, path.name)
    if kind == "ole":
        return ImportResult(kind="unknown", document=None, findings=[finding(
            "FILE-UNREADABLE", location=path.name,
            reason="这是旧版Word（.doc）或Excel（.xls）文件，请另存为.docx后再导入")])
    if kind == "zip":
        return ImportResult(kind="unknown", document=None, findings=[finding(
            "FILE-UNREADABLE", location=path.name, reason="压缩文件中没有Word文档内容")])
    return import_bytes(data, path.name, kind)


__all__ = ["ImportResult", "import_bytes", "import_file", "sniff"]
