"""Layout -> Markdown with pipe tables. Pipe tables cannot merge cells, so the merged headers
are flattened: table 二 keeps its grid with the merged text in the first cell, table 三 gets one
label column holding each row's full label, table 四 one header row of 15 combined labels."""

from __future__ import annotations

from ..sanitize import for_markdown
from .layout import STAMP_NOTE, GridTable, Heading, Item, Paragraph, Stamp, Title


def _esc(text: str) -> str:
    """Every report text goes through the sanitiser: no HTML tag survives a CMS's Markdown -> HTML
    conversion and no Markdown markup is formed (a cell also keeps to one line)."""
    return for_markdown(text.replace("\r", " ").replace("\n", " "))


def _pipe(cells: list[str]) -> str:
    return "| " + " | ".join(_esc(c) if c else " " for c in cells) + " |"


def _grid(t: GridTable) -> list[list[str]]:
    rows = [["" for _ in range(t.ncols)] for _ in range(t.nrows)]
    for c in t.cells:
        rows[c.row][c.col] = c.text
    return rows


def _t2(t: GridTable) -> list[str]:
    rows = _grid(t)
    lines = [_pipe(rows[0]), _pipe(["---"] * t.ncols)]
    lines += [_pipe(r) for r in rows[1:]]
    return lines


def _t3(t: GridTable) -> list[str]:
    g = _grid(t)
    corner = g[0][0]
    legal = g[1][4]
    head = [corner, g[1][3], *(f"{legal}：{g[2][c]}" for c in range(4, 9)), g[1][9]]
    lines = [_pipe(head), _pipe(["---"] * len(head))]
    group = ""
    section = ""
    for r in range(t.header_rows, t.nrows):
        a, b, c = g[r][0], g[r][1], g[r][2]
        if a:
            section = a
        if b:
            group = b
        if a and not b and not c:  # 一、 二、 四、 rows
            label = a
        elif c:  # a child row: group + child
            label = f"{group} {c}"
        else:
            label = b
        if a and b:  # the first row of 三、本年度办理结果
            label = f"{section} {label}"
        lines.append(_pipe([label, *g[r][3:]]))
    return lines


def _t4(t: GridTable) -> list[str]:
    g = _grid(t)
    head = []
    for col in range(t.ncols):
        block = "行政复议" if col < 5 else ("行政诉讼（未经复议直接起诉）" if col < 10 else "行政诉讼（复议后起诉）")
        leaf = g[1][col] if col < 5 else g[2][col]
        head.append(f"{block}：{leaf}")
    return [_pipe(head), _pipe(["---"] * t.ncols), _pipe(g[3])]


def render_markdown(items: list[Item]) -> bytes:
    out: list[str] = []
    for it in items:
        if isinstance(it, Title):
            out += [f"# {_esc(it.text)}", ""]
        elif isinstance(it, Stamp):
            out += [f"> **【{_esc(it.text)}】{_esc(STAMP_NOTE)}**", ""]
        elif isinstance(it, Heading):
            out += [("## " if it.level == 1 else "### ") + _esc(it.text), ""]
        elif isinstance(it, Paragraph):
            out += [_esc(it.text), ""]
        elif isinstance(it, GridTable):
            out += {"proactive": _t2, "requests": _t3, "review_litigation": _t4}[it.key](it)
            out.append("")
    return ("\n".join(out).rstrip("\n") + "\n").encode("utf-8")
