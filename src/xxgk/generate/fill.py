"""Fill a generated workbook without a spreadsheet application.

Used to build benchmark corpora, fuzz cases and test fixtures quickly. Real-application files
(LibreOffice) are made by scripts/lo_fill.py; this module writes the XML the way XlsxWriter
would, so what it produces is what a checker would see from a well-behaved tool.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections import defaultdict
from collections.abc import Callable
from typing import Any
from xml.sax.saxutils import escape

from ..form.definition import Form

_SHEET_PART = re.compile(r'<sheet [^>]*name="([^"]+)"[^>]*r:id="([^"]+)"')
_REL = re.compile(r'<Relationship [^>]*Id="([^"]+)"[^>]*Target="([^"]+)"')


def sheet_parts(files: dict[str, bytes]) -> dict[str, str]:
    """Sheet name -> zip member name, read from workbook.xml and its relationships."""
    wb = files["xl/workbook.xml"].decode("utf-8")
    rels = dict(_REL.findall(files["xl/_rels/workbook.xml.rels"].decode("utf-8")))
    out = {}
    for name, rid in _SHEET_PART.findall(wb):
        target = rels[rid].lstrip("/")
        out[_unescape(name)] = target if target.startswith("xl/") else "xl/" + target
    return out


def _unescape(text: str) -> str:
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"').replace("&amp;", "&")


def zip_members(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return {i.filename: zf.read(i.filename) for i in zf.infolist()}


def rezip(members: dict[str, bytes]) -> bytes:
    """An .xlsx from its members, in the given order."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, content in members.items():
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))  # fixed: same input, same bytes
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, content)
    return out.getvalue()


def edit_part(data: bytes, part: str, fn: Callable[[str], str]) -> bytes:
    """Apply a text edit to one member; an edit that changes nothing is a mistake in the caller."""
    members = zip_members(data)
    before = members[part].decode("utf-8")
    after = fn(before)
    if after == before:
        raise ValueError(f"the edit of {part} changed nothing")
    members[part] = after.encode("utf-8")
    return rezip(members)


def _cell_xml(ref: str, style: str, value: Any) -> str:
    s = f' s="{style}"' if style else ""
    if value is None:
        return f'<c r="{ref}"{s}/>'
    if isinstance(value, bool):
        return f'<c r="{ref}"{s} t="b"><v>{int(value)}</v></c>'
    if isinstance(value, (int, float)):
        return f'<c r="{ref}"{s}><v>{value!r}</v></c>'
    text = str(value)
    space = ' xml:space="preserve"' if text != text.strip() else ""  # as XlsxWriter writes it
    return f'<c r="{ref}"{s} t="inlineStr"><is><t{space}>{escape(text)}</t></is></c>'


def set_cells(data: bytes, edits: dict[str, dict[str, Any]], drop_formula: bool = True) -> bytes:
    """Return a copy of an .xlsx with cells replaced: {sheet name: {"D6": value}}.

    The cell keeps its style (so an input stays unlocked); a formula cell given a value loses its
    formula, as when a user types over a total. Cells must already exist in the sheet XML.
    """
    files = zip_members(data)
    parts = sheet_parts(files)
    for sheet, cells in edits.items():
        part = parts[sheet]
        xml = files[part].decode("utf-8")
        for ref, value in cells.items():
            pat = re.compile(rf'<c r="{ref}"(?: s="(\d+)")?(?: t="\w+")?(?:/>|>.*?</c>)', re.S)
            m = pat.search(xml)
            if not m:
                raise KeyError(f"{sheet}!{ref} not in the sheet XML")
            if not drop_formula and "<f>" in m.group(0):
                continue
            xml = xml[: m.start()] + _cell_xml(ref, m.group(1) or "", value) + xml[m.end():]
        files[part] = xml.encode("utf-8")
    return rezip(files)


def fill_document(data: bytes, form: Form, values: dict[str, Any]) -> bytes:
    """Write document values ({path: value}) into their input cells; yes_no as its choice text."""
    edits: dict[str, dict[str, Any]] = defaultdict(dict)
    for path, value in values.items():
        f = form.field(path)
        if f.kind != "input":
            continue
        if f.type == "yes_no" and isinstance(value, bool):
            value = f.choices[int(value)]
        edits[f.sheet][f.cell] = value
    return set_cells(data, edits)
