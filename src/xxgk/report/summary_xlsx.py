"""summary.xlsx: one workbook a staffer can act on, filter, print and archive.

Sheets: 概览 (one row per file, worst first, status coloured as in summary.html, with the unit's
代码/填报人/联系电话 and its first problem in words; technical columns last), 问题明细 (one row per
finding), 明细 (one row per unit in the 汇总 with its main figures), 明细（全部数字） (every figure, so
each 汇总 figure can be traced), 汇总 (the totals laid out like the form, and the units left out and
why), 未报送, 规则统计. Every sheet prints landscape on A4, one page wide, header rows repeated, with
page numbers and the run date in the footer.

Every piece of user text passes through `sanitize.for_xlsx` once, in `_Writer.value`/`_Writer.text` (control
characters and lone surrogates become visible, formula-like text gets Excel's quotePrefix), and the
workbook is created with strings_to_formulas/strings_to_urls/strings_to_numbers off.

Streamed (xlsxwriter constant_memory), chosen knowingly. Measured with benchmarks/summary_memory.py at
10,000 files with 3 findings each: in xlsxwriter's default mode (shared strings, workbook in memory)
the same cells alone grow the peak by 65 MB, and a first in-memory version of this writer by 170 MB,
linear in the findings (several hundred MB at 50,000 files, against the 1 GB a whole run may use);
streamed, this writer grows by 30 MB (row heights and merges it keeps), the bare cells by 3 MB.
The price: cells hold inline strings, which Excel moves into a shared-strings table (rewriting each
sheet) the first time someone saves the file -- silent, no repair prompt,
nothing lost (openxml-audit reports it as an app-compat warning, not an error). Streaming also means
rows go in order per sheet and column widths are fixed, not fitted to the content; the rows are
still worst first (read back by index) and each row's height is set from its wrapped text.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import xlsxwriter

from ..atomic import atomic_path
from ..document import figures
from ..form.definition import Form, load_form
from ..sanitize import for_xlsx
from .model import SEVERITY_ZH, STATUS_ZH, FileResult, FileStore, RunResult, catalogue

OUTCOME_ZH = {"fail": "不符合", "not_assessable": "无法检查"}
# the same colours as summary.html
STATUS_FILL = {"pass": "#E3F4E1", "warn": "#FFF4D6", "fail": "#FDE2E1", "error": "#F3D9F5", "skipped": "#ECEFF1"}
SEVERITY_FILL = {"error": "#FDE2E1", "warning": "#FFF4D6", "info": "#ECEFF1"}
WORST_FIRST = {"error": 0, "fail": 1, "warn": 2, "skipped": 3, "pass": 4}
# 明细: the figures a person looks at first; 明细（全部数字） has all of them
LINE_PT = 13  # one line of 10 pt text
MAIN_REQUEST_ROWS = ("new_received", "carried_over", "granted", "partially_granted", "total_processed",
                     "carried_forward")


def display_width(text: str) -> int:
    """Columns a text takes: CJK and full-width characters (from U+2E80 on) count two. Close enough to
    unicodedata.east_asian_width for sizing rows, and cheap enough to run on every cell."""
    if text.isascii():
        return len(text)
    return len(text) + sum(1 for ch in text if ch >= "\u2e80")


def _fits_excel(v: int | float) -> bool:
    """Finite and within Excel's 15 digits; anything else (a 400-digit number typed into a cell,
    inf) is written as text instead of crashing the writer."""
    try:
        return math.isfinite(v) and abs(v) < 1e15
    except OverflowError:
        return False


def _where(f: Any) -> str:
    if f.sheet and f.cell:
        return f"{f.sheet}!{f.cell}"
    return f.sheet or f.location or ""


def _side(v: Any) -> Any:
    if v is None:
        return ""
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return v
    return str(v)


def first_problem_text(r: FileResult) -> str:
    """The first problem of a file in words: where, what (the message names the fix)."""
    f = r.first_problem
    if f is None or r.status == "pass":
        return ""
    where = _where(f)
    return f"{where}：{f.message}" if where else f.message


class _Writer:
    """The workbook's formats and the one place where cell values are written."""

    def __init__(self, wb: Any, run_date: str):
        self.wb = wb
        self.run_date = run_date
        base = {"valign": "top", "text_wrap": True, "border": 1, "border_color": "#BFBFBF", "font_size": 10}
        self.cache: dict[tuple[str, bool], Any] = {}
        self.base = base
        self.head = wb.add_format({**base, "bold": True, "bg_color": "#DDEBF7", "valign": "vcenter"})
        self.title = wb.add_format({"bold": True, "font_size": 12})
        self.plain = wb.add_format({"font_size": 10})

    def fmt(self, fill: str = "", quoted: bool = False) -> Any:
        key = (fill, quoted)
        if key not in self.cache:
            props = dict(self.base)
            if fill:
                props["bg_color"] = fill
            if quoted:
                # text that Excel would take for a formula once the cell is edited keeps Excel's
                # apostrophe (quotePrefix); the value itself is unchanged (OWASP ASVS 1.2.10)
                props["quote_prefix"] = True
            self.cache[key] = self.wb.add_format(props)
        return self.cache[key]

    def value(self, ws: Any, row: int, col: int, v: Any, fill: str = "") -> list[int]:
        """Write v; returns the display width of each of its lines (for column widths and row heights)."""
        if v is None or v == "":
            ws.write_blank(row, col, None, self.fmt(fill))
            return [0]
        if isinstance(v, bool):
            v = "是" if v else "否"
        if isinstance(v, (int, float)) and _fits_excel(v):
            ws.write_number(row, col, v, self.fmt(fill))
            return [len(str(v))]
        text, quoted = for_xlsx(v)
        text = text[:32767]  # Excel's cell limit
        ws.write_string(row, col, text, self.fmt(fill, quoted))
        return [display_width(line) for line in text.splitlines()] or [0]

    def text(self, ws: Any, row: int, col: int, v: Any, fmt: Any = None) -> None:
        """A free-standing label or title (汇总 sheet), sanitised like every cell."""
        text, quoted = for_xlsx("" if v is None else v)
        ws.write_string(row, col, text, fmt if fmt is not None and not quoted else self.fmt("", quoted))

    def page_setup(self, ws: Any, name: str, header_rows: int = 1) -> None:
        """Landscape A4, one page wide, header rows repeated, page numbers and the run date below."""
        ws.set_landscape()
        ws.set_paper(9)  # A4
        ws.set_margins(left=0.4, right=0.4, top=0.5, bottom=0.6)
        ws.fit_to_pages(1, 0)
        if header_rows:
            ws.repeat_rows(0, header_rows - 1)
        ws.set_footer(f"&L{name}&C第 &P 页，共 &N 页&R检查日期：{self.run_date}", {"margin": 0.3})


class _Sheet:
    """A sheet of rows under one header row, streamed (constant_memory): fixed column widths, each row's
    height set from its wrapped text as it is written, filter, frozen header, print setup."""

    def __init__(self, w: _Writer, name: str, columns: list[tuple[str, int]]):
        """columns: (header, width in characters)."""
        self.w = w
        self.name = name
        self.ws = w.wb.add_worksheet(name)
        self.columns = columns
        self.widths = [width for _h, width in columns]
        for c, (h, width) in enumerate(columns):
            self.ws.set_column(c, c, width)
            self.ws.write_string(0, c, h, w.head)
        self._height(0, [[display_width(h)] for h, _w in columns])
        self.row = 1

    def _height(self, row: int, cells: list[list[int]]) -> None:
        """Neither Excel nor LibreOffice grows a row for wrapped text when it opens a file: a row left
        at one line would hide the rest of a message, so its height is set here, from the line widths."""
        n = max((sum(max(1, math.ceil(lw / max(self.widths[c] - 1.5, 1))) for lw in lws)
                 for c, lws in enumerate(cells)), default=1)
        if n > 1:
            self.ws.set_row(row, min(409, LINE_PT * n + 3))

    def add(self, values: list[Any], fills: dict[int, str] | None = None) -> None:
        cells = [self.w.value(self.ws, self.row, c, v, (fills or {}).get(c, "")) for c, v in enumerate(values)]
        self._height(self.row, cells)  # before the next row is written: that flushes this one
        self.row += 1

    def finish(self, print_columns: int | None = None) -> None:
        """Filter and print setup; `print_columns`: print only the first n columns (the technical
        columns at the end are for the archive, not for paper)."""
        self.ws.freeze_panes(1, 0)
        self.ws.autofilter(0, 0, max(self.row - 1, 0), len(self.columns) - 1)
        self.w.page_setup(self.ws, self.name)
        if print_columns:
            self.ws.print_area(0, 0, max(self.row - 1, 0), print_columns - 1)


def totals_rows(form: Form, totals: dict[str, Any]) -> list[tuple[str, list[tuple[str, Any]]]]:
    """The totals laid out like the form: (table title, [(row label, value or [values])])."""
    out: list[tuple[str, list[tuple[str, Any]]]] = []
    t2 = [(_t2_label(form, p), totals.get(p)) for p in totals if p.startswith("proactive.")]
    out.append(("表二 主动公开政府信息情况", t2))
    for table, title in (("requests", "表三 收到和处理政府信息公开申请情况"),
                         ("review_litigation", "表四 政府信息公开行政复议、行政诉讼情况")):
        cols = form.grid_columns(table)
        rows = [(row["label"], [totals.get(f"{table}.{row['key']}.{c['key']}") for c in cols])
                for row in form.grid_rows(table)]
        out.append((title, [("", [c["label"] for c in cols]), *rows]))
    return out


def _t2_label(form: Form, path: str) -> str:
    return form.field(path).label.removeprefix("表二“").removesuffix("”")


def figure_label(form: Form, path: str) -> str:
    """A short column header for a figure: 表二 行政许可…, 表三 （一）予以公开·自然人, 表四 行政复议·总计."""
    table, *rest = path.split(".")
    if table == "proactive":
        return "表二 " + _t2_label(form, path)
    rows = {r["key"]: r["label"] for r in form.grid_rows(table)}
    cols = {c["key"]: c["label"] for c in form.grid_columns(table)}
    name = "表三" if table == "requests" else "表四"
    return f"{name} {rows.get(rest[0], rest[0])}·{cols.get(rest[-1], rest[-1])}"


def main_figures(form: Form) -> list[str]:
    paths = list(figures({}, form))
    keep = [p for p in paths if p.startswith("proactive.") and not p.endswith((".issued", ".repealed"))]
    keep += [f"requests.{r}.total" for r in MAIN_REQUEST_ROWS]
    keep += [p for p in paths if p.startswith("review_litigation.") and p.endswith(".total")]
    return [p for p in keep if p in paths]


def unit_figures(run: RunResult, i: int, r: FileResult, paths: list[str]) -> dict[str, Any] | None:
    """The figures of file i that went into the totals (None when it did not count)."""
    if r.status not in ("pass", "warn") or r.year is None or r.year != run.year:
        return None
    if isinstance(run.files, FileStore):  # the checker keeps each passing file's figures, sparse
        vec = run.files.extra(i)
        if vec is None or not len(vec) or int(vec[0]) != len(paths):
            return None
        out: dict[str, Any] = dict.fromkeys(paths, 0)
        for j in range(1, len(vec), 2):
            v = vec[j + 1]
            out[paths[int(vec[j])]] = int(v) if float(v).is_integer() else v
        return out
    if r.document is None:
        return None
    vals = figures(r.document, load_form())
    return {p: vals.get(p) if isinstance(vals.get(p), (int, float)) else 0 for p in paths}


def in_totals(run: RunResult, i: int, r: FileResult) -> bool:
    """Whether file i's figures are in run.totals (the checker counts passing files of the run's year)."""
    if not run.totals or r.status not in ("pass", "warn") or r.year is None or r.year != run.year:
        return False
    if isinstance(run.files, FileStore):
        return run.files.extra(i) is not None
    return r.document is not None


def left_out_reason(run: RunResult, r: FileResult) -> str:
    if r.status == "fail":
        return "未通过检查（有错误）"
    if r.status == "error":
        return "无法读取"
    if r.status == "skipped":
        return "已跳过（不是报告文件）"
    if r.year is None:
        return "未能确定报告年度"
    if r.year != run.year:
        return f"报告年度为{r.year}，本次汇总{run.year}年度"
    return "数字未能读取"


def _order(run: RunResult) -> list[int]:
    statuses = run.statuses()
    return sorted(range(len(statuses)), key=lambda i: (WORST_FIRST.get(statuses[i], 9), i))


def _files_worst_first(run: RunResult) -> Iterator[tuple[int, FileResult]]:
    for i in _order(run):
        yield i, run.files[i]


def write_xlsx(run: RunResult, path: Path, form: Form | None = None, *, today: dt.date | None = None) -> Path:
    """Write summary.xlsx to `path` atomically."""
    with atomic_path(path) as tmp:
        _write(run, tmp, form or load_form(), (today or dt.date.today()).isoformat())
    return Path(path)


def _write(run: RunResult, path: Path, form: Form, run_date: str) -> None:
    cat = catalogue()
    wb = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False, "strings_to_urls": False,
                                         "strings_to_numbers": False, "constant_memory": True})
    w = _Writer(wb, run_date)
    all_paths = list(figures({}, form))
    main = main_figures(form)
    try:
        overview = _Sheet(w, "概览", [("状态", 9), ("单位", 18), ("单位代码", 14), ("填报人", 9), ("联系电话", 14),
                                      ("错误", 6), ("警告", 6), ("提示", 6), ("首要问题", 48), ("文件", 30),
                                      ("年度", 6), ("类型", 9), ("SHA-256", 66)])
        problems = _Sheet(w, "问题明细", [("单位", 16), ("级别", 6), ("位置", 20), ("说明", 46), ("修改建议", 38),
                                          ("规则", 18), ("左值", 8), ("运算", 6), ("右值", 8), ("结果", 8),
                                          ("文件", 26)])
        totals_ws = wb.add_worksheet("汇总")  # filled once the files are through (left-out list)
        detail = _Sheet(w, "明细", [("单位", 18), ("单位代码", 14), ("状态", 8),
                                    *((figure_label(form, p), 11) for p in main)])
        full = _Sheet(w, "明细（全部数字）", [("单位", 18), ("单位代码", 14),
                                            *((figure_label(form, p), 12) for p in all_paths)])
        left_out: list[tuple[str, str, str, str]] = []  # unit, status, reason, path: not the whole result
        for i, r in _files_worst_first(run):
            c = r.counts
            status = STATUS_ZH.get(r.status, r.status)
            fill = STATUS_FILL.get(r.status, "")
            overview.add([status, r.unit or "", r.code or "", r.contact_person or "", r.contact_phone or "",
                          c["error"], c["warning"], c["info"], first_problem_text(r), r.path,
                          r.year if r.year is not None else "", r.kind, r.sha256 or ""], {0: fill, 1: fill})
            for f in r.findings:
                problems.add([r.unit or "", SEVERITY_ZH.get(f.severity, f.severity), _where(f), f.message, f.hint,
                              f.rule, _side(f.left), f.op or "", _side(f.right),
                              OUTCOME_ZH.get(f.outcome, f.outcome), r.path],
                             {1: SEVERITY_FILL.get(f.severity, "")} if f.outcome == "fail" else None)
            vals = unit_figures(run, i, r, all_paths) if run.totals else None
            if vals is None:
                if r.status != "skipped":
                    left_out.append((r.unit or "", r.status, left_out_reason(run, r), r.path))
                continue
            detail.add([r.unit or r.path, r.code or "", status, *(vals.get(p) for p in main)], {2: fill})
            full.add([r.unit or r.path, r.code or "", *(vals.get(p) for p in all_paths)])
        for f in run.roster_findings:
            if f.rule == "ROSTER-MISSING":
                continue  # listed on 未报送
            problems.add(["", SEVERITY_ZH.get(f.severity, f.severity), _where(f), f.message, f.hint, f.rule,
                          "", "", "", OUTCOME_ZH.get(f.outcome, f.outcome), ""])
        overview.finish(print_columns=11)  # 类型 and SHA-256 are not printed
        for sheet in (problems, detail, full):
            sheet.finish()
        _totals_sheet(w, totals_ws, form, run, left_out)

        s = _Sheet(w, "未报送", [("单位", 24), ("单位代码", 16), ("层级", 10), ("上级单位", 24)])
        for u in run.roster_missing:
            s.add([u.get("name", ""), u.get("code", ""), u.get("level", ""), u.get("parent", "")])
        s.finish()

        s = _Sheet(w, "规则统计", [("规则", 22), ("名称", 30), ("级别", 6), ("问题数", 8), ("涉及文件数", 12),
                                   ("无法检查数", 12)])
        for rule, e in run.rule_counts().items():
            s.add([rule, (cat.get(rule) or {}).get("title", ""), SEVERITY_ZH.get(e["severity"], e["severity"]),
                   e["findings"], e["files"], e["not_assessable"]])
        s.finish()
    finally:
        wb.close()


def _totals_sheet(w: _Writer, ws: Any, form: Form, run: RunResult, left_out: list[tuple[str, str, str, str]]
                  ) -> None:
    ws.set_column(0, 0, 40)
    ws.set_column(1, 7, 9)
    scope = (f"汇总范围：{run.year or '—'}年度、状态为“通过”或“有警告”的 {run.totals_units} 个单位"
             f"（各单位数字见“明细”和“明细（全部数字）”工作表）")
    if left_out:
        scope += f"；另有 {len(left_out)} 个文件未计入，见本表末尾"
    w.text(ws, 0, 0, scope, w.title)
    row = 2
    if run.totals:
        for title, lines in totals_rows(form, run.totals):
            w.text(ws, row, 0, title, w.title)
            row += 1
            for label, value in lines:
                values = value if isinstance(value, list) else [value]
                head = label == ""
                w.value(ws, row, 0, label or "项目", "#DDEBF7" if head else "")
                for c, v in enumerate(values, start=1):
                    w.value(ws, row, c, v, "#DDEBF7" if head else "")
                row += 1
            row += 1
    else:
        w.text(ws, row, 0, "没有可汇总的单位（没有通过检查的文件）。")
        row += 2
    if left_out:
        w.text(ws, row, 0, "未计入汇总的文件及原因", w.title)
        row += 1
        for c, h in enumerate(("单位", "原因", "", "", "文件")):
            if h:
                w.value(ws, row, c, h, "#DDEBF7")
        row += 1
        for unit, status, reason, path in left_out:
            w.value(ws, row, 0, unit or "（未能识别单位）", STATUS_FILL.get(status, ""))
            ws.merge_range(row, 1, row, 3, "", w.fmt())
            w.value(ws, row, 1, reason)
            ws.merge_range(row, 4, row, 7, "", w.fmt())
            w.value(ws, row, 4, path)
            row += 1
    ws.freeze_panes(1, 0)
    w.page_setup(ws, "汇总")
