"""Read one input file into a report document: the loader above both readers.

It opens the file (regular files only, with the byte caps), sniffs the bytes (never the name), and
hands a workbook to `read.xlsx` + `check.extract`, or text/HTML/.docx to the importers, all under
one `Limits` and the per-file time limit. It sits in `check/` because it needs both the workbook
reader with its extraction and the importers: the arrows point down (cli/web → check →
importers/read → form).

`read_file` / `read_bytes` never raise for bad input: every problem is a FILE-* finding with a
Chinese reason (FILE-TIMEOUT for the time limit), and the input is only ever opened for reading.
An internal error becomes CHECK-INTERNAL, its traceback written to the error log.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import errorlog
from ..read.limits import DEFAULT_LIMITS, Limits, ReadTimeout, time_limit
from ..read.safe_open import (
    FileProblem,
    SafeZip,
    binary_kind,
    classify_ole,
    decode_text,
    is_pdf,
    looks_like_html,
    read_regular,
    sniff,
    too_big_file,
    zip_kind,
)
from ..report.model import Finding, Location, finding

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


def _skip_reason(name: str, size: int) -> str | None:
    base = os.path.basename(name)
    if base.lower() in _SYSTEM_FILES:
        return _SYSTEM_FILES[base.lower()]
    if base.startswith("~$") and size < 4096:
        return "Excel或WPS打开文件时生成的临时锁定文件"
    return None


def _problem(path: str, f: Finding, sha: str | None = None, kind: str = "unknown") -> Loaded:
    return Loaded(path=path, kind=kind, sha256=sha, document=None, findings=[f],
                  skipped=f.rule == "FILE-SKIPPED")


def timeout_finding(limits: Limits) -> Finding:
    return finding("FILE-TIMEOUT", location="文件", seconds=f"{limits.seconds:g}")


def read_file(path: Path | str | bytes, *, limits: Limits = DEFAULT_LIMITS) -> Loaded:
    """Read one file from disk (read-only, regular files only) and hand it to `read_bytes`.

    The time limit covers opening and reading too (a slow network share)."""
    name = os.fsdecode(path)
    try:
        with time_limit(limits.seconds):
            try:
                data = read_regular(path, limits)
            except FileProblem as p:  # NotRegularFile carries FILE-SKIPPED: listed, never opened
                return _problem(name, p.finding)
            return read_bytes(data, name, limits=limits, _timed=True)
    except ReadTimeout:
        return _problem(name, timeout_finding(limits))


def read_bytes(data: bytes, name: str, *, limits: Limits = DEFAULT_LIMITS, _timed: bool = False) -> Loaded:
    """Sniff the bytes (never the name), then read a workbook or hand text/HTML/.docx to the importers."""
    sha = hashlib.sha256(data).hexdigest()
    if len(data) > limits.max_file_bytes:
        return _problem(name, too_big_file(len(data), limits).finding, sha)
    skip = _skip_reason(name, len(data))
    if skip:
        return Loaded(path=name, kind="unknown", sha256=sha, document=None, skipped=True,
                      findings=[finding("FILE-SKIPPED", reason=skip)])
    try:
        with time_limit(None if _timed else limits.seconds):
            return _dispatch(data, name, sha, limits)
    except ReadTimeout:
        return _problem(name, timeout_finding(limits), sha)
    except FileProblem as p:
        return _problem(name, p.finding, sha)
    except RecursionError:
        return _problem(name, finding("FILE-UNREADABLE", reason="文件结构嵌套过深"), sha)
    except MemoryError:
        return _problem(name, finding("FILE-TOO-LARGE", reason="文件内容过于复杂，读取时内存不足"), sha)
    except Exception as e:  # the contract is "never raises": an internal error still names the file
        where = errorlog.record(f"read {name}", e)
        return _problem(name, finding("CHECK-INTERNAL", location="文件", reason=(
            f"{errorlog.summary(e)}；详情已记录在{where}" if where else errorlog.summary(e))), sha)


def _dispatch(data: bytes, name: str, sha: str, limits: Limits) -> Loaded:
    kind = sniff(data)
    if kind == "empty":
        return _problem(name, finding("FILE-EMPTY"), sha)
    if kind == "ole":
        return _problem(name, classify_ole(data), sha)
    if kind == "binary":
        if is_pdf(data):  # a published report as PDF: the importers read its text layer
            return _import(data, name, sha, "pdf", limits)
        return _problem(name, finding("FILE-NOT-WORKBOOK", kind=binary_kind(data)), sha)
    if kind == "text":
        text = decode_text(data) or ""
        return _import(data, name, sha, "html" if looks_like_html(text) else "text", limits)
    z = SafeZip(data, limits)
    zkind = zip_kind(z)
    if zkind == "docx":
        return _import(data, name, sha, "docx", limits)
    return _workbook(z, name, sha)


def _workbook(z: SafeZip, name: str, sha: str) -> Loaded:
    from ..read.xlsx import read_workbook
    from .extract import extract

    raw = read_workbook(z)
    ex = extract(raw, name=os.path.basename(name), sha256=sha)
    return Loaded(path=name, kind="workbook", sha256=sha, document=ex.document, locations=ex.locations,
                  findings=ex.findings, form_version=ex.form_version)


def _import(data: bytes, name: str, sha: str, kind: str, limits: Limits) -> Loaded:
    from ..importers import import_bytes

    result = import_bytes(data, os.path.basename(name), kind, limits=limits)
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
                  findings=result.findings, form_version=version,
                  skipped=any(f.rule == "FILE-SKIPPED" for f in result.findings))  # not a report, by content
