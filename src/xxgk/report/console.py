"""A short Chinese table of a run for the terminal (the CLI prints it; the core never prints)."""

from __future__ import annotations

import heapq
import unicodedata
from pathlib import Path

from ..sanitize import for_terminal
from .model import STATUS_ZH, FileResult, RunResult

ORDER = {"error": 0, "fail": 1, "warn": 2, "skipped": 3, "pass": 4}


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def printable(text: str) -> str:
    """User text (file and unit names) made safe for a terminal, through the one sanitiser: escape
    sequences removed, other controls and bidi controls shown visibly."""
    return for_terminal(text)


def _fit(text: str, width: int) -> str:
    """Cut to `width` display columns (with …) and pad to exactly `width`."""
    text = printable(text)
    if _width(text) > width:
        out = ""
        for ch in text:
            if _width(out + ch) > width - 1:
                break
            out += ch
        text = out + "…"
    return text + " " * (width - _width(text))


def problem_words(r: FileResult, width: int = 40) -> str:
    """A failing file's first problem in a few words (the catalogue title, else the message, cut)."""
    if r.status in ("pass", "skipped"):
        return ""
    f = r.first_problem
    if f is None:
        return ""
    from .model import catalogue

    title = (catalogue().get(f.rule) or {}).get("title", "")
    where = f.cell or ""
    text = f"{title}（{where}）" if title and where else (title or f.message)
    return _fit(text, width).rstrip()


def render_console(run: RunResult, limit: int = 30, summary_dir: Path | None = None) -> str:
    """Files with problems first; at most `limit` rows, saying how many more there are."""
    statuses = run.statuses()
    shown = heapq.nsmallest(limit, range(len(statuses)), key=lambda i: (ORDER.get(statuses[i], 9), i))
    head = f"{_fit('文件', 34)}  {_fit('单位', 24)}  {_fit('状态', 8)}  {'  错误'}  {'  警告'}  首要问题"
    lines = [head, "-" * _width(head)]
    for i in shown:
        r = run.files[i]  # read back only the files shown
        c = r.counts
        lines.append(f"{_fit(Path(r.path).name, 34)}  {_fit(r.unit or '—', 24)}  "
                     f"{_fit(STATUS_ZH.get(r.status, r.status), 8)}  {c['error']:>6}  {c['warning']:>6}  "
                     f"{problem_words(r)}".rstrip())
    if not statuses:
        lines.append("（没有找到任何文件）")
    if len(statuses) > limit:
        lines.append(f"……另有{len(statuses) - limit}个文件，详见 summary.xlsx")
    counts = {k: 0 for k in STATUS_ZH}
    for status in statuses:
        counts[status] = counts.get(status, 0) + 1
    summary = (f"共{len(statuses)}个文件：通过{counts['pass']}，有警告{counts['warn']}，不通过{counts['fail']}，"
               f"无法读取{counts['error']}，已跳过{counts['skipped']}")
    if run.year:
        summary += f"；报告年度{run.year}"
    lines.append(summary + "。")
    if run.roster_missing:
        names = "、".join(printable(u["name"]) for u in run.roster_missing[:10])
        more = f"等{len(run.roster_missing)}个单位" if len(run.roster_missing) > 10 else ""
        lines.append(f"名单中未报送：{names}{more}。")
    lines.append(f"汇总（表二、三、四合计）包含{run.totals_units}个通过检查的单位。")
    if summary_dir is not None:
        page = printable(str(Path(summary_dir) / "summary.html"))
        lines.append(f"请用浏览器打开 {page} 查看每个文件的问题和修改建议（表格见同一文件夹的 summary.xlsx）。")
    return "\n".join(lines)
