"""Form + unit -> one locked workbook (bytes). Pure: same inputs give byte-identical output."""

from __future__ import annotations

import io
import os
import shutil
from collections import defaultdict
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import xlsxwriter
import xlsxwriter.worksheet
from openpyxl.utils.cell import (
    column_index_from_string,
    coordinate_from_string,
    get_column_letter,
    range_boundaries,
)
from xlsxwriter.utility import xl_cell_to_rowcol

from .. import __version__
from ..atomic import atomic_write
from ..form.definition import META_SHEET, Field, Form, load_form
from ..outputs import fresh_temp_dir
from ..units import organ_name
from .check_sheet import write_check_sheet
from .formulas import excel_formula
from .roster import Unit, unique_filenames

# Fixed so that identical inputs give identical bytes (XlsxWriter otherwise stamps "now").
_CREATED = datetime(2021, 9, 29)

NUMERIC_INPUT_START = 0  # numeric inputs start at 0: see README "为什么数字格预填0"

# The colours of the form, with the words the cover and the legends use for them (one place, so
# the instructions always name the colours really used).
INPUT_FILL, INPUT_WORDS = "#FFF2CC", "浅黄底"
LOCKED_FILL, LOCKED_WORDS = "#F2F2F2", "灰底"
TOTAL_FILL, TOTAL_WORDS = "#E2EFDA", "绿底"


def legend(with_totals: bool) -> str:
    """The one line under each heading that says which cells to fill (names the colours used there)."""
    totals = f"，{TOTAL_WORDS}为自动计算的合计" if with_totals else ""
    return f"{INPUT_WORDS}单元格为填报项；{LOCKED_WORDS}为表头和标签{totals}，均已锁定，无需填写。"
# Text sheets (cover, 一, 五, 六) must print at 100 % on A4 portrait: their columns add up to at most
# this many width units (measured: LibreOffice puts about 73 on A4 portrait between 0.5" margins).
PORTRAIT_WIDTH = 70


@dataclass(frozen=True)
class GenerateOptions:
    deadline: str = ""
    password: str = ""


def meta_items(form: Form, unit: Unit, year: int) -> list[tuple[str, str]]:
    """What the hidden sheet and the custom properties carry (the checker compares them)."""
    return [
        ("form_id", form.id), ("form_version", form.version), ("template_hash", form.template_hash),
        ("unit_name", unit.name), ("unit_code", unit.code), ("unit_level", unit.level),
        ("unit_parent", unit.parent), ("year", str(year)), ("generator_version", __version__),
        ("unit_full_name", unit.full_name),
    ]


def _title(form: Form, unit: Unit, year: int) -> str:
    """The report's title as the unit will publish it: with the organ's full name."""
    return form.raw["form"]["title"].format(unit=organ_name(unit.name, unit.level, unit.parent, unit.full_name),
                                            year=year)


_RC: dict[str, tuple[int, int]] = {}


def _rc(cell: str) -> tuple[int, int]:
    rc = _RC.get(cell)
    if rc is None:
        rc = xl_cell_to_rowcol(cell)
        if len(_RC) < 100_000:
            _RC[cell] = rc
    return rc


_PREPARED: dict[tuple[str, bool, bool], str] = {}


class _Worksheet(xlsxwriter.worksheet.Worksheet):
    """A worksheet that prepares each distinct formula text once per process.

    XlsxWriter runs some 30 regular expressions over every formula (to mark newer Excel
    functions), and the same few hundred formulas go into every workbook of a roster: that was a
    quarter of the build time. The prepared text depends only on the arguments and
    use_future_functions, so the output bytes are the same (tests/test_speedups.py).
    """

    def _prepare_formula(self, formula: str, expand_future_functions: bool = False) -> str:
        key = (formula, bool(expand_future_functions), bool(self.use_future_functions))
        hit = _PREPARED.get(key)
        if hit is None:
            hit = super()._prepare_formula(formula, expand_future_functions)
            if len(_PREPARED) < 100_000:
                _PREPARED[key] = hit
        return hit


def _quoted(sheet: str) -> str:
    return "'" + sheet.replace("'", "''") + "'"


class _Styles:
    def __init__(self, wb: xlsxwriter.Workbook):
        base = {"font_name": "宋体", "font_size": 11, "valign": "vcenter", "border": 1, "text_wrap": True}
        self.title = wb.add_format({"font_name": "黑体", "font_size": 16, "bold": True, "align": "center",
                                    "valign": "vcenter"})
        self.note = wb.add_format({"font_name": "宋体", "font_size": 10, "font_color": "#595959", "text_wrap": True,
                                   "valign": "top"})
        self.header = wb.add_format({**base, "bold": True, "align": "center", "bg_color": LOCKED_FILL})
        self.label = wb.add_format({**base, "align": "left", "bg_color": LOCKED_FILL})
        self.identity = wb.add_format({**base, "align": "left", "bg_color": LOCKED_FILL, "bold": True})
        self.text_in = wb.add_format({**base, "locked": False, "valign": "top", "align": "left",
                                      "bg_color": INPUT_FILL})
        self.formula = wb.add_format({**base, "bold": True, "align": "center", "bg_color": TOTAL_FILL,
                                      "num_format": "0"})
        self.legend = wb.add_format({"font_name": "宋体", "font_size": 10, "font_color": "#404040",
                                     "text_wrap": True, "valign": "vcenter"})
        # the 校验 sheet
        self.rule_id = wb.add_format({**base, "bold": True, "align": "left", "bg_color": LOCKED_FILL,
                                      "text_wrap": False})
        self.county_id = wb.add_format({**base, "align": "left", "bg_color": LOCKED_FILL, "text_wrap": False})
        self.rule_name = wb.add_format({**base, "bold": True, "align": "left", "bg_color": LOCKED_FILL})
        self.count = wb.add_format({**base, "bold": True, "align": "center", "bg_color": LOCKED_FILL,
                                    "num_format": "0"})
        self.result = wb.add_format({**base, "bold": True, "align": "center", "bg_color": "#C6EFCE",
                                     "font_color": "#006100"})
        self.headline = wb.add_format({**base, "bold": True, "font_size": 12, "align": "left",
                                       "bg_color": "#C6EFCE", "font_color": "#006100"})
        self.bad_strong = wb.add_format({"bg_color": "#FFC7CE", "font_color": "#9C0006", "bold": True})
        self.bad = wb.add_format({"bg_color": "#FFC7CE", "font_color": "#9C0006"})
        self.warn = wb.add_format({"bg_color": "#FFEB9C", "font_color": "#9C5700"})
        self.num_in: dict[str, Any] = {}
        self._wb = wb
        self._base = base

    def number_input(self, num_format: str) -> Any:
        if num_format not in self.num_in:
            self.num_in[num_format] = self._wb.add_format(
                {**self._base, "locked": False, "align": "center", "num_format": num_format,
                 "bg_color": INPUT_FILL})
        return self.num_in[num_format]


def _validation(form: Form, f: Field) -> dict[str, Any]:
    ft = form.field_types[f.type]
    short = f.label[:30]
    if f.type == "yes_no":
        return {"validate": "list", "source": list(f.choices), "input_title": "请选择",
                "input_message": f"请从下拉列表中选择：{'或'.join(f.choices)}。", "error_title": "输入有误",
                "error_message": f"只能选择：{'或'.join(f.choices)}。"}
    if ft.excel:
        return {**ft.excel, "input_title": short, "input_message": ft.message, "error_title": "输入有误",
                "error_message": ft.message, "ignore_blank": True}
    return {"validate": "any", "input_title": short,
            "input_message": "请直接输入文字。内容较长时可在本格内按Alt+回车换行。"}


def _write_field(ws: Any, form: Form, f: Field, st: _Styles, value: Any) -> None:
    r, c = _rc(f.cell)
    ft = form.field_types.get(f.type)
    if f.kind == "formula":
        ws.write_formula(r, c, "=" + _field_formula(form, f), st.formula, "")
        return
    if f.kind == "identity":
        fmt = st.identity
    elif ft and ft.numeric:
        fmt = st.number_input(ft.number_format or "General")
    else:
        fmt = st.text_in
    if f.merge:
        r1, c1 = _rc(f.merge.split(":")[0])
        r2, c2 = _rc(f.merge.split(":")[1])
        ws.merge_range(r1, c1, r2, c2, "", fmt)
    if value is None or value == "":
        ws.write_blank(r, c, None, fmt)
    elif isinstance(value, (int, float)):
        ws.write_number(r, c, value, fmt)
    else:
        ws.write_string(r, c, str(value), fmt)



def _validations(ws: Any, form: Form, fields: list[Field]) -> None:
    """One validation per kind of input and sheet (multi-range), not one per cell: same effect for
    the user, a far smaller file and a faster build."""
    groups: dict[tuple, list[str]] = defaultdict(list)
    for f in fields:
        if f.kind == "input":
            key = (f.type, f.label if not form.field_types[f.type].numeric else "", f.choices)
            groups[key].append(f.merge or f.cell)
    for (_, _, _), ranges in groups.items():
        f = next(x for x in fields if (x.merge or x.cell) == ranges[0])
        ws.data_validation(ranges[0], {**_validation(form, f), "multi_range": " ".join(ranges)})


def _write_labels(ws: Any, labels: list, st: _Styles, field_rows: set[int]) -> None:
    """Row labels (on a row that holds inputs) are left-aligned; column headers are centred."""
    for lab in labels:
        fmt = st.label if _rc(lab.cell)[0] in field_rows else st.header
        if ":" in lab.ref:
            r1, c1 = _rc(lab.ref.split(":")[0])
            r2, c2 = _rc(lab.ref.split(":")[1])
            ws.merge_range(r1, c1, r2, c2, lab.text, fmt)
        else:
            r, c = _rc(lab.ref)
            ws.write_string(r, c, lab.text, fmt)


def _last_col(form: Form, sheet: str) -> int:
    cols = [column_index_from_string(coordinate_from_string(ref.split(":")[-1])[0]) - 1
            for ref in [lab.ref for lab in form.labels if lab.sheet == sheet]
            + [f.merge or f.cell for f in form.fields if f.sheet == sheet]]
    return max(cols, default=3)


def _protect(ws: Any, password: str) -> None:
    # True = allowed (XlsxWriter's convention); users may resize rows/columns to read long text.
    ws.protect(password, {"format_rows": True, "format_columns": True, "select_locked_cells": True,
                          "select_unlocked_cells": True})


def _footer_text(text: str) -> str:
    return text.replace("&", "&&")  # '&' starts a header/footer code


def _page(ws: Any, landscape: bool, unit: Unit) -> None:
    """A4, fitted to the width; a footer with the unit, the sheet (&A) and 第&P页/共&N页."""
    ws.set_paper(9)  # A4
    if landscape:
        ws.set_landscape()
    ws.fit_to_pages(1, 0)
    ws.center_horizontally()
    ws.set_margins(left=0.5, right=0.5, top=0.6, bottom=0.75)
    ws.set_footer(f"&L&8{_footer_text(unit.name)[:60]}&C&8&A&R&8第&P页/共&N页", {"margin": 0.3})


def _cover(wb: Any, form: Form, unit: Unit, year: int, st: _Styles, options: GenerateOptions) -> None:
    cover = form.raw["cover"]
    ws = wb.add_worksheet(cover["sheet"])
    ws.set_column("A:A", 14)
    ws.set_column("B:B", PORTRAIT_WIDTH - 14)
    title = _title(form, unit, year)
    ws.merge_range("A1:B1", title, st.title)
    ws.set_row(0, 36)
    ws.merge_range("A2:B2", f"填报表（{form.raw['form']['basis']}格式）", st.note)
    for lab in (lab for lab in form.labels if lab.sheet == cover["sheet"]):
        ws.write_string(*_rc(lab.cell), lab.text, st.label)
    values = {"unit.name": unit.name, "unit.code": unit.code, "unit.level": unit.level,
              "unit.parent": unit.parent, "year": year}
    for f in form.fields_of("cover"):
        _write_field(ws, form, f, st, values.get(f.path))
        if f.kind == "identity" and values.get(f.path) in ("", None):
            ws.set_row(_rc(f.cell)[0], None, None, {"hidden": True})  # no empty locked row on the cover
    _validations(ws, form, form.fields_of("cover"))
    row = max(_rc(f.cell)[0] for f in form.fields_of("cover")) + 2
    ws.write_string(row, 0, "填报说明", st.header)
    ws.write_blank(row, 1, None, st.header)
    when = f"截止日期为{options.deadline}" if options.deadline else "按上级通知的时间报送"
    for i, line in enumerate(cover["instructions"], start=1):
        text = line.format(parent=unit.parent or "上级政务公开工作机构", when=when, input=INPUT_WORDS,
                           locked=LOCKED_WORDS, total=TOTAL_WORDS)
        ws.merge_range(row + i, 0, row + i, 1, f"{i}. {text}", st.note)
        # a 10-point Chinese character takes about 1.9 width units; 14 points a line
        per_line = int((PORTRAIT_WIDTH - 14) / 1.9)
        ws.set_row(row + i, 14 * max(1, -(-(len(text) + 3) // per_line)) + 4)
    _page(ws, False, unit)
    _protect(ws, options.password)
    ws.activate()


def _section_sheet(wb: Any, form: Form, section: dict[str, str], unit: Unit, st: _Styles,
                   options: GenerateOptions) -> None:
    sheet = section["sheet"]
    ws = wb.add_worksheet(sheet)
    last = _last_col(form, sheet)
    ws.merge_range(0, 0, 0, last, section["heading"], st.title)
    ws.set_row(0, 30)
    has_totals = any(f.kind == "formula" for f in form.fields if f.sheet == sheet)
    ws.merge_range(1, 0, 1, last, legend(has_totals), st.legend)
    ws.set_row(1, 28)  # two lines on a text sheet
    table = next((t for t in form.raw["tables"].values() if t["section"] == section["key"]), None)
    block = next((b for b in form.raw["text_blocks"].values() if b["section"] == section["key"]), None)
    if table:
        for col, width in table.get("column_widths", {}).items():
            ws.set_column(f"{col}:{col}", width)
    else:  # a text sheet: label and text, as wide as A4 portrait at 100 %
        # the labels on one line (a Chinese character is about two width units): a row whose text
        # cell is still empty is one line high, and a wrapped label would not fit in it
        longest = max((len(lab.text) for lab in form.labels if lab.sheet == sheet), default=8)
        label_width = min(2 * longest + 2, PORTRAIT_WIDTH // 2)
        ws.set_column("A:A", label_width)
        ws.set_column(1, last, PORTRAIT_WIDTH - label_width)
    field_rows = {_rc(f.cell)[0] for f in form.fields if f.sheet == sheet}
    _write_labels(ws, [lab for lab in form.labels if lab.sheet == sheet], st, field_rows)
    for f in form.fields:
        if f.sheet == sheet:
            _write_field(ws, form, f, st, NUMERIC_INPUT_START if form.field_types[f.type].numeric else None)
            if block and f.height:  # otherwise no height: the row grows with the text typed in
                ws.set_row(_rc(f.cell)[0], f.height)
    _validations(ws, form, [f for f in form.fields if f.sheet == sheet])
    if table:
        _fit_label_rows(ws, form, sheet, table)
    if section["key"] == "requests":
        _balance_highlight(ws, form, st)
    if section["key"] == "proactive" and unit.level not in form.raw["regulation_making_levels"]:
        first = form.field("proactive.regulations.issued").cell
        last_cell = form.field("proactive.regulations.in_force").cell
        ws.conditional_format(f"{first}:{last_cell}", {"type": "cell", "criteria": "!=", "value": 0,
                                                       "format": st.warn})
    if table and table.get("freeze_header"):
        # the header rows stay in view while scrolling, and are printed on every page
        first_data = _rc(form.field(table["freeze_header"]).cell)[0]
        ws.freeze_panes(first_data, 0)
        ws.repeat_rows(2, first_data - 1)
    _page(ws, bool(table and table.get("landscape")), unit)
    _protect(ws, options.password)


def _fit_label_rows(ws: Any, form: Form, sheet: str, table: dict[str, Any]) -> None:
    """Give a row room for a long one-row label (e.g. the two （六） rows of table 三)."""
    widths = table.get("column_widths", {})
    for lab in form.labels:
        c1, r1, c2, r2 = range_boundaries(lab.ref)
        if lab.sheet != sheet or r1 != r2:
            continue
        width = sum(widths.get(get_column_letter(c), 9) for c in range(c1, c2 + 1))
        lines = -(-len(lab.text) * 2 // max(width, 1))  # a Chinese character is about two width units
        if lines > 1:
            ws.set_row(_rc(lab.cell)[0], 15 * lines)


def _balance_highlight(ws: Any, form: Form, st: _Styles) -> None:
    """Colour the four cells of a column whose 一+二 ≠ （七）+四 (T3-BALANCE), live while typing."""
    for col in form.grid_columns("requests"):
        cells = {r: form.field(f"requests.{r}.{col['key']}").cell
                 for r in ("new_received", "carried_over", "total_processed", "carried_forward")}
        a = {r: "$" + c[0] + "$" + c[1:] for r, c in cells.items()}  # absolute: one rule per cell
        cond = f"={a['new_received']}+{a['carried_over']}<>{a['total_processed']}+{a['carried_forward']}"
        ws.conditional_format(cells["new_received"], {"type": "formula", "criteria": cond, "format": st.bad,
                                                      "multi_range": " ".join(cells.values())})


_FORMULAS: dict[tuple, str] = {}


def _field_formula(form: Form, f: Field) -> str:
    """excel_formula(form, f), computed once per form and field (the same in every workbook)."""
    key = (form.id, form.version, form.template_hash, f.path)
    text = _FORMULAS.get(key)
    if text is None:
        text = _FORMULAS[key] = excel_formula(form, f)
    return text


def _check_sheet(wb: Any, form: Form, unit: Unit, st: _Styles, options: GenerateOptions) -> None:
    ws = write_check_sheet(wb, form, unit.level, st)
    _page(ws, False, unit)
    _protect(ws, options.password)


def _meta_sheet(wb: Any, form: Form, unit: Unit, year: int) -> None:
    ws = wb.add_worksheet(META_SHEET)
    for i, (k, v) in enumerate(meta_items(form, unit, year)):
        ws.write_string(i, 0, k)
        ws.write_string(i, 1, v)
    ws.very_hidden()
    ws.protect("", {})


def build_workbook(form: Form, unit: Unit, year: int, options: GenerateOptions = GenerateOptions()) -> bytes:
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False,
                                   "strings_to_numbers": False})
    wb.worksheet_class = _Worksheet
    title = _title(form, unit, year)
    wb.set_properties({"title": title, "subject": "政府信息公开工作年度报告填报表", "author": "xxgk",
                       "company": unit.parent, "created": _CREATED,
                       "comments": f"{form.id} {form.version} / xxgk {__version__}"})
    for k, v in meta_items(form, unit, year):
        wb.set_custom_property(f"xxgk_{k}", v[:255] if v else "-")
    st = _Styles(wb)
    _cover(wb, form, unit, year, st, options)
    for section in form.sections:
        _section_sheet(wb, form, section, unit, st, options)
    _check_sheet(wb, form, unit, st, options)
    _meta_sheet(wb, form, unit, year)
    wb.close()
    return buf.getvalue()


def write_workbook(unit: Unit, year: int, out: Path, options: GenerateOptions = GenerateOptions(),
                   form: Form | None = None) -> Path:
    data = build_workbook(form or load_form(), unit, year, options)
    out.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(out, data)  # never a half-written workbook where the user expects one
    return out


def _job(args: tuple[Unit, int, str, GenerateOptions]) -> None:
    unit, year, target, options = args
    Path(target).write_bytes(build_workbook(load_form(), unit, year, options))


def generate_roster(units: list[Unit], year: int, out_dir: Path, options: GenerateOptions = GenerateOptions(),
                    jobs: int | None = None) -> list[Path]:
    """Write one workbook per unit into out_dir; nothing is left behind if anything fails."""
    names = unique_filenames(units, year)
    out_dir = out_dir.resolve()
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = fresh_temp_dir(out_dir)
    try:
        tasks = [(u, year, str(tmp / n), options) for u, n in zip(units, names, strict=True)]
        jobs = jobs or min(os.cpu_count() or 1, 8)
        if jobs > 1 and len(tasks) >= 50:
            with ProcessPoolExecutor(jobs) as pool:
                list(pool.map(_job, tasks, chunksize=16))
        else:
            for t in tasks:
                _job(t)
        if not out_dir.exists():
            tmp.rename(out_dir)
        else:
            for n in names:
                os.replace(tmp / n, out_dir / n)
            shutil.rmtree(tmp)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return [out_dir / n for n in names]


__all__ = ["GenerateOptions", "build_workbook", "generate_roster", "meta_items", "write_workbook"]
