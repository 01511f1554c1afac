"""Helpers shared by the read/extract/tamper tests: build a generated workbook and edit its XML.

Edits go straight into the zip, the way a script or another application would change a file,
so each test names exactly what was changed.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable
from functools import cache
from xml.sax.saxutils import escape

from xxgk.form.definition import load_form
from xxgk.generate.roster import Unit
from xxgk.generate.workbook import build_workbook

UNIT = Unit(name="小浪底镇", code="410322101", level="乡镇", parent="孟津区人民政府")
YEAR = 2024


@cache
def generated() -> bytes:
    return build_workbook(load_form(), UNIT, YEAR)


def parts(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return {i.filename: zf.read(i.filename) for i in zf.infolist()}


def rezip(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, content in members.items():
            zf.writestr(name, content)
    return buf.getvalue()


def edit(data: bytes, part: str, fn: Callable[[str], str]) -> bytes:
    members = parts(data)
    before = members[part].decode("utf-8")
    after = fn(before)
    assert after != before, f"edit of {part} changed nothing"
    members[part] = after.encode("utf-8")
    return rezip(members)


def sheet_part(data: bytes, sheet: str) -> str:
    m = parts(data)
    wb = m["xl/workbook.xml"].decode()
    name = re.escape(escape(sheet))
    rid = re.search(rf'<sheet name="{name}"[^>]*r:id="(rId\d+)"', wb).group(1)
    rels = m["xl/_rels/workbook.xml.rels"].decode()
    target = re.search(rf'Id="{rid}"[^>]*Target="([^"]+)"', rels) or re.search(
        rf'Target="([^"]+)"[^>]*Id="{rid}"', rels)
    return "xl/" + target.group(1).lstrip("/").removeprefix("xl/")


_C = r'<c r="{}"(?:\s[^>]*?)?(?:/>|>.*?</c>)'


def replace_cell(xml: str, ref: str, new: str) -> str:
    """Replace the <c> element of `ref` (which must exist) with `new` (raw XML, may be '')."""
    pat = re.compile(_C.format(ref), re.S)
    assert pat.search(xml), f"no cell {ref}"
    return pat.sub(lambda _: new, xml, count=1)


def style_of(xml: str, ref: str) -> str:
    m = re.search(rf'<c r="{ref}"[^>]*? s="(\d+)"', xml)
    return f' s="{m.group(1)}"' if m else ""


def number_cell(ref: str, value: float | int, style: str = "") -> str:
    return f'<c r="{ref}"{style}><v>{value}</v></c>'


def text_cell(ref: str, text: str, style: str = "") -> str:
    return f'<c r="{ref}"{style} t="inlineStr"><is><t>{escape(text)}</t></is></c>'


def set_cells(data: bytes, sheet: str, values: dict[str, object]) -> bytes:
    """Type values into cells of a sheet: numbers as numbers, str as (inline) text, keeping styles."""
    part = sheet_part(data, sheet)

    def fn(xml: str) -> str:
        for ref, v in values.items():
            st = style_of(xml, ref)
            new = text_cell(ref, v, st) if isinstance(v, str) else number_cell(ref, v, st)
            xml = replace_cell(xml, ref, new)
        return xml

    return edit(data, part, fn)


def fill(data: bytes, values: dict[str, object]) -> bytes:
    """Type values into fields named by document path."""
    form = load_form()
    by_sheet: dict[str, dict[str, object]] = {}
    for path, v in values.items():
        f = form.field(path)
        by_sheet.setdefault(f.sheet, {})[f.cell] = v
    for sheet, vals in by_sheet.items():
        data = set_cells(data, sheet, vals)
    return data


def test_set_cells_changes_only_the_named_cell() -> None:
    form = load_form()
    f = form.field("requests.granted.commercial")
    data = fill(generated(), {"requests.granted.commercial": 7})
    xml = parts(data)[sheet_part(data, f.sheet)].decode()
    assert f'<c r="{f.cell}" s=' in xml and "<v>7</v>" in xml
    assert parts(data).keys() == parts(generated()).keys()
