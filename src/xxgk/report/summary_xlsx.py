"""summary.xlsx: one workbook a person can filter and archive.

Every piece of user text (file names, unit names, messages) is written with write_string and the
workbook is created with strings_to_formulas/strings_to_urls off, so a unit called
"=HYPERLINK(...)" stays text. Rows are written in order (constant_memory) so large runs stay small.
"""

from __future__ import annotations

import math
import unicodedata
from pathlib import Path
from typing import Any

import xlsxwriter

from ..form.definition import Form, load_form
from .model import SEVERITY_ZH, STATUS_ZH, RunResult, catalogue

OUTCOME_ZH = {"fail": "不符合", "not_assessable": "无法检查"}


def display_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


class _Sheet:
    """A worksheet with a header row, widths fitted to the content (capped), filter and frozen header."""

    def __init__(self, wb: Any, name: str, headers: list[str], fmt: dict[str, Any], caps: list[int]):
        self.ws = wb.add_worksheet(name)
        self.headers = headers
        self.fmt = fmt
        self.caps = caps
        self.widths = [display_width(h) + 2 for h in headers]
        self.row = 0
        for c, h in enumerate(headers):
            self.ws.write_string(0, c, h, fmt["head"])
        self.row = 1

    def add(self, values: list[Any]) -> None:
        for c, v in enumerate(values):
            if v is None or v == "":
                self.ws.write_blank(self.row, c, None)
                continue
            if isinstance(v, bool):
                v = "是" if v else "否"
            if isinstance(v, (int, float)) and _fits_excel(v):
                self.ws.write_number(self.row, c, v)
                w = len(str(v))
            else:
                text = str(v)
                # text that Excel would take for a formula once the cell is edited keeps Excel's
                # apostrophe (quotePrefix); the value itself is unchanged (OWASP ASVS 1.2.10)
                quoted = text[:1] in ("=", "+", "-", "@", "\t", "\r", "\0")
                self.ws.write_string(self.row, c, text, self.fmt["quoted" if quoted else "wrap"])
                w = max((display_width(line) for line in text.splitlines()), default=0)
            self.widths[c] = max(self.widths[c], min(w + 2, self.caps[c]))
        self.row += 1

    def finish(self) -> None:
        for c, w in enumerate(self.widths):
            self.ws.set_column(c, c, w)
        self.ws.freeze_panes(1, 0)
        self.ws.autofilter(0, 0, max(self.row - 1, 0), len(self.headers) - 1)


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


def totals_rows(form: Form, totals: dict[str, Any]) -> list[tuple[str, list[tuple[str, Any]]]]:
    """The totals laid out like the form: (table title, [(row label, value or [values])])."""
    out: list[tuple[str, list[tuple[str, Any]]]] = []
    t2 = [(form.field(p).label.removeprefix("表二“").removesuffix("”"), totals.get(p))
          for p in totals if p.startswith("proactive.")]
    out.append(("表二 主动公开政府信息情况", t2))
    for table, title in (("requests", "表三 收到和处理政府信息公开申请情况"),
                         ("review_litigation", "表四 政府信息公开行政复议、行政诉讼情况")):
        cols = form.grid_columns(table)
        rows = [(row["label"], [totals.get(f"{table}.{row['key']}.{c['key']}") for c in cols])
                for row in form.grid_rows(table)]
        out.append((title, [("", [c["label"] for c in cols]), *rows]))
    return out


def write_xlsx(run: RunResult, path: Path, form: Form | None = None) -> Path:
    form = form or load_form()
    cat = catalogue()
    wb = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False, "strings_to_urls": False,
                                         "strings_to_numbers": False, "constant_memory": True})
    fmt = {"head": wb.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True,
                                  "valign": "vcenter"}),
           "wrap": wb.add_format({"valign": "top"}),
           "quoted": wb.add_format({"valign": "top", "quote_prefix": True}),
           "title": wb.add_format({"bold": True, "font_size": 12})}
    try:
        overview = _Sheet(wb, "概览", ["文件", "单位", "年度", "状态", "错误数", "警告数", "提示数", "类型", "SHA-256"],
                          fmt, [60, 40, 8, 10, 8, 8, 8, 10, 20])
        s = _Sheet(wb, "问题明细", ["文件", "单位", "规则", "级别", "位置", "说明", "修改建议", "左值", "运算", "右值",
                                    "结果"], fmt, [50, 30, 18, 8, 36, 80, 60, 12, 6, 12, 10])
        # one pass over the files fills both sheets (each sheet streams its rows to its own
        # temporary file in constant_memory mode, so writing them side by side is fine)
        for r in run.files:
            c = r.counts
            overview.add([r.path, r.unit or "", r.year if r.year is not None else "",
                          STATUS_ZH.get(r.status, r.status), c["error"], c["warning"], c["info"], r.kind,
                          r.sha256 or ""])
            for f in r.findings:
                s.add([r.path, r.unit or "", f.rule, SEVERITY_ZH.get(f.severity, f.severity), _where(f), f.message,
                       f.hint, _side(f.left), f.op or "", _side(f.right), OUTCOME_ZH.get(f.outcome, f.outcome)])
        overview.finish()
        for f in run.roster_findings:
            if f.rule == "ROSTER-MISSING":
                continue  # listed on 未报送
            s.add(["", "", f.rule, SEVERITY_ZH.get(f.severity, f.severity), _where(f), f.message, f.hint,
                   "", "", "", OUTCOME_ZH.get(f.outcome, f.outcome)])
        s.finish()

        s = _Sheet(wb, "未报送", ["单位", "单位代码", "层级", "上级单位"], fmt, [40, 20, 12, 30])
        for u in run.roster_missing:
            s.add([u.get("name", ""), u.get("code", ""), u.get("level", ""), u.get("parent", "")])
        s.finish()

        ws = wb.add_worksheet("汇总")
        ws.set_column(0, 0, 48)
        ws.set_column(1, 15, 12)
        ws.write_string(0, 0, f"汇总范围：{run.year or '—'}年度、状态为“通过”或“有警告”的 {run.totals_units} 个单位",
                        fmt["title"])
        row = 2
        if run.totals:
            for title, lines in totals_rows(form, run.totals):
                ws.write_string(row, 0, title, fmt["title"])
                row += 1
                for label, value in lines:
                    ws.write_string(row, 0, label)
                    values = value if isinstance(value, list) else [value]
                    for c, v in enumerate(values, start=1):
                        if isinstance(v, (int, float)) and not isinstance(v, bool):
                            ws.write_number(row, c, v)
                        elif v is not None:
                            ws.write_string(row, c, str(v), fmt["head"])
                    row += 1
                row += 1
        else:
            ws.write_string(row, 0, "没有可汇总的单位（没有通过检查的文件）。")
        ws.freeze_panes(1, 0)

        s = _Sheet(wb, "规则统计", ["规则", "名称", "级别", "问题数", "涉及文件数", "无法检查数"], fmt,
                   [20, 30, 8, 10, 12, 12])
        for rule, e in run.rule_counts().items():
            s.add([rule, (cat.get(rule) or {}).get("title", ""), SEVERITY_ZH.get(e["severity"], e["severity"]),
                   e["findings"], e["files"], e["not_assessable"]])
        s.finish()
    finally:
        wb.close()
    return path
