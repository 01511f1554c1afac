"""Read one input file into a report document: the public entry point of reading.

`read_file` / `read_bytes` never raise for bad input: every problem is a FILE-* finding with a
Chinese reason, and the input is only ever opened for reading.
"""

from __future__ import annotations

import errno
import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..report.model import Finding, Location, finding
from .safe_open import (
    DEFAULT_LIMITS,
    FileProblem,
    Limits,
    SafeZip,
    binary_kind,
    classify_ole,
    decode_text,
    looks_like_html,
    sniff,
    zip_kind,
)

__all__ = ["DEFAULT_LIMITS", "Limits", "Loaded", "read_bytes", "read_file"]


@dataclass
class Loaded:
    path: str
    kind: str  # "workbook", "text", "html", "docx", or "unknown"
    sha256: str | None
    document: dict[str, Any] | None  # the report document (DESIGN §2) or None when unreadable
    locations: dict[str, Location] = field(default_factory=dict)  # document path -> (sheet, cell, location)
    findings: list[Finding] = field(default_factory=list)
    form_version: str | None = None
    skipped: bool = False


# Files that land in collection folders but are nobody's report.
_SYSTEM_FILES = {".ds_store": "macOS文件夹属性文件", "thumbs.db": "Windows缩略图缓存",
                 "desktop.ini": "Windows文件夹设置文件"}

_OS_REASONS = {
    errno.ENOENT: "文件不存在",
    errno.EACCES: "没有读取权限",
    errno.EPERM: "没有读取权限",
    errno.ELOOP: "符号链接形成循环",
    errno.EISDIR: "这是一个文件夹，不是文件",
    errno.ENAMETOOLONG: "文件路径过长",
}


def _skip_reason(name: str, size: int) -> str | None:
    base = os.path.basename(name)
    if base.lower() in _SYSTEM_FILES:
        return _SYSTEM_FILES[base.lower()]
    if base.startswith("~$") and size < 4096:
        return "Excel或WPS打开文件时生成的临时锁定文件"
    return None


def _problem(path: str, f: Finding, sha: str | None = None, kind: str = "unknown") -> Loaded:
    return Loaded(path=path, kind=kind, sha256=sha, document=None, findings=[f])


def read_file(path: Path, *, limits: Limits = DEFAULT_LIMITS) -> Loaded:
    """Read one file from disk (read-only) and hand it to `read_bytes`."""
    name = str(path)
    try:
        st = os.stat(path)  # follows symlinks: a loop raises ELOOP
        if not os.path.isfile(path):
            return _problem(name, finding("FILE-UNREADABLE", reason="这不是普通文件（可能是文件夹或设备）"))
        skip = _skip_reason(name, st.st_size)
        if skip:
            return Loaded(path=name, kind="unknown", sha256=None, document=None, skipped=True,
                          findings=[finding("FILE-SKIPPED", reason=skip)])
        if st.st_size > limits.max_file_bytes:
            return _problem(name, finding("FILE-TOO-LARGE", reason=(
                f"文件大小{st.st_size / 1024 / 1024:.0f}MB，超过上限{limits.max_file_bytes // 1024 // 1024}MB")))
        with open(path, "rb") as fh:
            data = fh.read(limits.max_file_bytes + 1)
    except OSError as e:
        reason = _OS_REASONS.get(e.errno or 0, f"系统错误：{e.strerror or type(e).__name__}")
        return _problem(name, finding("FILE-UNREADABLE", reason=reason))
    return read_bytes(data, name, limits=limits)


def read_bytes(data: bytes, name: str, *, limits: Limits = DEFAULT_LIMITS) -> Loaded:
    """Sniff the bytes (never the name), then read a workbook or hand text/HTML/.docx to the importers."""
    sha = hashlib.sha256(data).hexdigest()
    if len(data) > limits.max_file_bytes:
        return _problem(name, finding("FILE-TOO-LARGE", reason=(
            f"文件大小{len(data) / 1024 / 1024:.0f}MB，超过上限{limits.max_file_bytes // 1024 // 1024}MB")), sha)
    skip = _skip_reason(name, len(data))
    if skip:
        return Loaded(path=name, kind="unknown", sha256=sha, document=None, skipped=True,
                      findings=[finding("FILE-SKIPPED", reason=skip)])
    try:
        kind = sniff(data)
        if kind == "empty":
            return _problem(name, finding("FILE-EMPTY"), sha)
        if kind == "ole":
            return _problem(name, classify_ole(data), sha)
        if kind == "binary":
            if data[:5] == b"%PDF-":  # a published report as PDF: the importers read its text layer
                return _import(data, name, sha, "pdf")
            return _problem(name, finding("FILE-NOT-WORKBOOK", kind=binary_kind(data)), sha)
        if kind == "text":
            text = decode_text(data) or ""
            return _import(data, name, sha, "html" if looks_like_html(text) else "text")
        z = SafeZip(data, limits)
        zkind = zip_kind(z)
        if zkind == "docx":
            return _import(data, name, sha, "docx")
        return _workbook(z, name, sha)
    except FileProblem as p:
        return _problem(name, p.finding, sha)
    except RecursionError:
        return _problem(name, finding("FILE-UNREADABLE", reason="文件结构嵌套过深"), sha)
    except Exception as e:  # the contract is "never raises": an internal error still names the file
        return _problem(name, finding("FILE-UNREADABLE", reason=f"读取时发生内部错误（{type(e).__name__}: {e}）"), sha)


def _workbook(z: SafeZip, name: str, sha: str) -> Loaded:
    from ..check.extract import extract
    from .xlsx import read_workbook

    raw = read_workbook(z)
    ex = extract(raw, name=os.path.basename(name), sha256=sha)
    return Loaded(path=name, kind="workbook", sha256=sha, document=ex.document, locations=ex.locations,
                  findings=ex.findings, form_version=ex.form_version)


def _import(data: bytes, name: str, sha: str, kind: str) -> Loaded:
    try:
        from ..importers import import_bytes  # written by another module; imported lazily
    except ImportError:
        kinds = {"text": "文本文件", "html": "网页（HTML）", "docx": "Word文档（.docx）", "pdf": "PDF文件"}
        return _problem(name, finding("FILE-NOT-WORKBOOK", kind=kinds.get(kind, kind)), sha, kind)
    result = import_bytes(data, os.path.basename(name), kind)
    doc = result.document
    if doc is not None:
        src = doc.setdefault("source", {})
        if isinstance(src, dict):
            src.setdefault("kind", kind)
            src.setdefault("file", os.path.basename(name))
            src.setdefault("sha256", sha)
    version = None
    if doc is not None and isinstance(doc.get("form"), dict):
        version = doc["form"].get("version")
    return Loaded(path=name, kind=result.kind or kind, sha256=sha, document=doc, locations=result.locations,
                  findings=result.findings, form_version=version)
