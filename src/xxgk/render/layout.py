"""The publishable report as a neutral layout (title, headings, paragraphs, grid tables),
derived from the report document and the form definition. The writers (docx, html, md)
only draw this layout, so the three formats always agree."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from openpyxl.utils.cell import range_boundaries

from ..document import get_path
from ..form.definition import Form, load_form
from ..importers.common import fee_sentence, format_number
from ..units import organ_name


class RenderError(Exception):
    """The document cannot be rendered; the message is Chinese and says why."""


@dataclass
class TCell:
    row: int  # 0-based
    col: int
    rowspan: int
    colspan: int
    text: str
    header: bool


@dataclass
class GridTable:
    key: str  # proactive, requests, review_litigation
    nrows: int
    ncols: int
    cells: list[TCell] = field(default_factory=list)
    widths_cm: list[float] = field(default_factory=list)
    header_rows: int = 0

    def at(self, row: int, col: int) -> TCell | None:
        for c in self.cells:
            if c.row == row and c.col == col:
                return c
        return None


@dataclass
class Title:
    text: str


@dataclass
class Heading:
    level: int  # 1 = section 一…六, 2 = sub-heading （一）…
    text: str


@dataclass
class Paragraph:
    text: str


@dataclass
class Stamp:
    """A notice that the document did not pass its check (render --force); every writer shows it."""

    text: str


STAMP_TEXT = "未通过检查"
STAMP_NOTE = "本报告由未通过检查的数据生成，仅供核对，修改并重新检查前请勿发布。"

Item = Title | Stamp | Heading | Paragraph | GridTable


def cell_text(value: Any) -> str:
    """Blank -> empty cell; a placeholder stays as it was written; numbers without trailing zeros."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, (int, float)):
        return format_number(value)
    return str(value)


def _paras(text: Any) -> list[str]:
    if not isinstance(text, str):
        return []
    return [p.strip() for p in text.split("\n") if p.strip()]


def _topic_name(label: str) -> str:
    return re.sub(r"^（[一二三四五六七八九十]）", "", label)


def _text_at(doc: dict[str, Any], path: str) -> str:
    v = get_path(doc, path, None)
    return v if isinstance(v, str) else ""


def report_title(doc: dict[str, Any]) -> str:
    """The title with the unit's full organ name (孟津区小浪底镇人民政府2024年…), as published."""
    unit = organ_name(_text_at(doc, "unit.name"), _text_at(doc, "unit.level"), _text_at(doc, "unit.parent"),
                      _text_at(doc, "unit.full_name"))
    year = get_path(doc, "year", None)
    form = load_form()
    return form.raw["form"]["title"].format(unit=unit, year=year if year is not None else "")


def _place(t: GridTable, ref: str, text: str, header: bool) -> None:
    c1, r1, c2, r2 = range_boundaries(ref)
    t.cells.append(TCell(r1 - 1, c1 - 1, r2 - r1 + 1, c2 - c1 + 1, text, header))


def _labels(t: GridTable, form: Form, key: str) -> None:
    for ref, text in form.table(key)["labels"]:
        _place(t, ref, text, True)


def table_t2(doc: dict[str, Any], form: Form) -> GridTable:
    t = GridTable("proactive", 14, 4, widths_cm=[5.0, 4.0, 4.0, 4.0])
    _labels(t, form, "proactive")
    for f in form.table("proactive")["fields"]:
        _place(t, f["cell"], cell_text(get_path(doc, f["path"], None)), False)
    return t


def table_t3(doc: dict[str, Any], form: Form) -> GridTable:
    t = GridTable("requests", 28, 10, widths_cm=[1.3, 2.5, 5.3, 1.1, 1.1, 1.1, 1.15, 1.15, 1.1, 1.1],
                  header_rows=3)
    _labels(t, form, "requests")
    g = form.table("requests")["grid"]
    for row in g["rows"]:
        for col in g["columns"]:
            v = get_path(doc, f"requests.{row['key']}.{col['key']}", None)
            _place(t, f"{col['col']}{row['row']}", cell_text(v), False)
    return t


def table_t4(doc: dict[str, Any], form: Form) -> GridTable:
    t = GridTable("review_litigation", 4, 15, widths_cm=[1.13] * 15, header_rows=3)
    _labels(t, form, "review_litigation")
    g = form.table("review_litigation")["grid"]
    for row in g["rows"]:
        for i, col in enumerate(g["columns"]):
            v = get_path(doc, f"review_litigation.{row['key']}.{col['key']}", None)
            _place(t, f"{row['cols'][i]}{g['data_row']}", cell_text(v), False)
    return t


def build_layout(doc: dict[str, Any], form: Form | None = None, *, stamp: bool = False) -> list[Item]:
    """The report's items in reading order; `stamp` adds the 未通过检查 notice under the title."""
    if not isinstance(doc, dict):
        raise RenderError("报告文档格式不对：应为JSON对象。")
    form = form or load_form()
    if not get_path(doc, "unit.name", None) or get_path(doc, "year", None) is None:
        raise RenderError("报告文档缺少单位名称或报告年度，无法生成标题。")
    items: list[Item] = [Title(report_title(doc))]
    if stamp:
        items.append(Stamp(STAMP_TEXT))
    headings = {s["key"]: s["heading"] for s in form.sections}

    # 一
    items.append(Heading(1, headings["overview"]))
    items += [Paragraph(p) for p in _paras(get_path(doc, "overview.intro", None))]
    n = 0
    for f in form.raw["text_blocks"]["overview"]["fields"]:
        if f["path"] == "overview.intro":
            continue
        ps = _paras(get_path(doc, f["path"], None))
        if ps:
            items.append(Heading(2, f"（{'一二三四五六七八九十'[n]}）{_topic_name(f['label'])}"))
            items += [Paragraph(p) for p in ps]
            n += 1
    # 二 三 四
    items += [Heading(1, headings["proactive"]), table_t2(doc, form)]
    items += [Heading(1, headings["requests"]), table_t3(doc, form)]
    items += [Heading(1, headings["review_litigation"]), table_t4(doc, form)]
    # 五
    items.append(Heading(1, headings["problems"]))
    problems = _paras(get_path(doc, "problems.problems", None))
    improvements = _paras(get_path(doc, "problems.improvements", None))
    if improvements:
        n = 0
        for f in form.raw["text_blocks"]["problems"]["fields"]:
            ps = problems if f["path"] == "problems.problems" else improvements
            if ps:
                items.append(Heading(2, f"（{'一二'[n]}）{_topic_name(f['label'])}"))
                items += [Paragraph(p) for p in ps]
                n += 1
    else:
        items += [Paragraph(p) for p in problems]
    # 六
    items.append(Heading(1, headings["other"]))
    other = _paras(get_path(doc, "other.text", None))
    if not any("信息处理费" in p for p in other):
        sentence = fee_sentence(get_path(doc, "other.fee_charged", None), get_path(doc, "other.fee_amount_yuan", None))
        if sentence:
            items.append(Paragraph(sentence))
    items += [Paragraph(p) for p in other]
    return items
