"""Helpers shared by the read/extract/tamper tests: build a generated workbook and edit its XML.

Edits go straight into the zip, the way a script or another application would change a file,
so each test names exactly what was changed.
"""

from __future__ import annotations

import re
from functools import cache
from xml.sax.saxutils import escape

from xxgk.form.definition import load_form
from xxgk.generate.fill import edit_part as edit  # noqa: F401 (re-exported to the tests)
from xxgk.generate.fill import rezip, sheet_parts  # noqa: F401
from xxgk.generate.fill import set_cells as fill_cells
from xxgk.generate.fill import zip_members as parts
from xxgk.generate.roster import Unit
from xxgk.generate.workbook import build_workbook

UNIT = Unit(name="小浪底镇", code="410322101", level="乡镇", parent="孟津区人民政府")
YEAR = 2024


@cache
def generated() -> bytes:
    return build_workbook(load_form(), UNIT, YEAR)


def sheet_part(data: bytes, sheet: str) -> str:
    return sheet_parts(parts(data))[sheet]


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
    return fill_cells(data, {sheet: values})


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
