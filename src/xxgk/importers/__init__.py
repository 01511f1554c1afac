"""Import published reports (plain text, HTML, Word .docx, PDF) into report documents.

`import_file` opens a file the way the checker does (regular files only, the same byte and zip
caps, sniffed by bytes) and never raises for bad input: anything that goes wrong becomes a
finding of the returned ImportResult. Every importer works under one `Limits` (read/limits.py).
The time limit is the caller's (the loader in check/load.py sets it; `import_file` sets its own).
"""

from __future__ import annotations

from pathlib import Path

from .. import errorlog
from ..read.limits import DEFAULT_LIMITS, Limits, ReadTimeout, time_limit
from ..read.safe_open import (
    FileProblem,
    SafeZip,
    classify_ole,
    is_pdf,
    looks_like_html,
    read_regular,
    utf16_without_bom,
    zip_kind,
)
from ..report.model import finding
from .base import ImportResult

KINDS = ("text", "html", "docx", "pdf")
MAX_BYTES = DEFAULT_LIMITS.max_file_bytes


def sniff(data: bytes, name: str = "") -> str:
    """"pdf", "docx" for a Word package, "zip" for any other zip, "html" for markup, "ole", else "text"."""
    if is_pdf(data):
        return "pdf"
    if data[:4] == b"PK\x03\x04":
        try:
            return "docx" if zip_kind(SafeZip(data)) == "docx" else "zip"
        except FileProblem:
            return "zip"
    if looks_like_html(data[:4096].decode("latin-1")):  # tags are ASCII whatever the page's encoding
        return "html"
    wide = utf16_without_bom(data[:4]) or ("utf-16" if data[:2] in (b"\xff\xfe", b"\xfe\xff") else None)
    if wide and looks_like_html(data[:8192].decode(wide, "replace")):
        return "html"
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        return "ole"
    return "text"


def import_bytes(data: bytes, name: str, kind: str, *, limits: Limits = DEFAULT_LIMITS) -> ImportResult:
    """Import one published report given its bytes; kind is "text", "html", "docx" or "pdf"."""
    try:
        if kind == "text":
            from .text import import_text

            return import_text(data, name, limits=limits)
        if kind == "html":
            from .html import import_html

            return import_html(data, name, limits=limits)
        if kind == "docx":
            from .docx import import_docx

            return import_docx(data, name, limits=limits)
        if kind == "pdf":
            from .pdf import import_pdf

            return import_pdf(data, name, limits=limits)
        return ImportResult(kind=kind, document=None, findings=[
            finding("FILE-UNREADABLE", location=name, reason=f"不支持的类型“{kind}”")])
    except FileProblem as p:  # a cap or a refusal: the finding says which
        return ImportResult(kind=kind, document=None, findings=[p.finding])
    except RecursionError:
        return ImportResult(kind=kind, document=None, findings=[
            finding("FILE-UNREADABLE", location=name, reason="文件结构嵌套过深")])
    except MemoryError:
        return ImportResult(kind=kind, document=None, findings=[
            finding("FILE-TOO-LARGE", location=name, reason="文件内容过于复杂，读取时内存不足")])
    except Exception as e:  # an importer bug must not crash a batch: the detail goes to the log
        where = errorlog.record(f"import {name}", e)
        reason = f"{errorlog.summary(e)}；详情已记录在{where}" if where else errorlog.summary(e)
        return ImportResult(kind=kind, document=None, findings=[
            finding("CHECK-INTERNAL", location=name, reason=reason)])


def import_file(path: Path, *, limits: Limits = DEFAULT_LIMITS) -> ImportResult:
    """Import a published report file; the kind is recognised from its bytes, not its name."""
    path = Path(path)
    try:
        with time_limit(limits.seconds):
            return _import_path(path, limits)
    except ReadTimeout:
        return ImportResult(kind="unknown", document=None, findings=[
            finding("FILE-TIMEOUT", location=path.name, seconds=f"{limits.seconds:g}")])


def _import_path(path: Path, limits: Limits) -> ImportResult:
    try:
        data = read_regular(path, limits)
    except FileProblem as p:
        return ImportResult(kind="unknown", document=None, findings=[p.finding])
    if not data:
        return ImportResult(kind="unknown", document=None, findings=[finding("FILE-EMPTY", location=path.name)])
    kind = sniff(data, path.name)
    if kind == "ole":
        f = classify_ole(data)
        if f.rule != "FILE-ENCRYPTED":
            f = finding("FILE-UNREADABLE", location=path.name,
                        reason="这是旧版Word（.doc）或Excel（.xls）文件，请另存为.docx后再导入")
        return ImportResult(kind="unknown", document=None, findings=[f])
    if kind == "zip":
        try:
            zip_kind(SafeZip(data, limits))
        except FileProblem as p:
            if p.finding.rule != "FILE-NOT-WORKBOOK":
                return ImportResult(kind="unknown", document=None, findings=[p.finding])
        return ImportResult(kind="unknown", document=None, findings=[finding(
            "FILE-UNREADABLE", location=path.name, reason="压缩文件中没有Word文档内容")])
    return import_bytes(data, path.name, kind, limits=limits)


__all__ = ["ImportResult", "import_bytes", "import_file", "sniff"]
