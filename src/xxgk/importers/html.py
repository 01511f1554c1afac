"""HTML pages as government sites publish them -> blocks.

Tables are expanded into a grid first (rowspan/colspan), covered positions become None.
A table that contains another table is a layout table: its content is walked, not parsed.
"""

from __future__ import annotations

import re

import lxml.html
from lxml import etree

from ..read.limits import DEFAULT_LIMITS, CellBudget, Limits, check_text_length, too_large
from ..read.safe_open import FileProblem, utf16_without_bom
from ..report.model import finding
from .base import ImportResult
from .common import Block, Cell, Para, Table, build_document

_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_\-]+)""", re.I)
_BLOCK_TAGS = {"p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "ul", "ol", "section", "article", "header",
               "footer", "blockquote", "pre", "tr", "center", "dd", "dt", "dl", "form", "main", "nav", "caption",
               "title", "body"}
_SKIP_TAGS = {"script", "style", "head", "noscript", "template", "iframe", "object", "svg", "button", "select",
              "textarea", "input"}
_GB = {"gb2312", "gbk", "gb_2312-80", "x-gbk", "gb18030", "cp936"}


_BOMS = ((b"\xef\xbb\xbf", "utf-8"), (b"\xff\xfe\x00\x00", "utf-32-le"), (b"\x00\x00\xfe\xff", "utf-32-be"),
         (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be"))


def decode_html(data: bytes) -> str:
    """A byte order mark first; then UTF-16 without one; then the declared charset (GB2312/GBK read
    as GB18030; a declared UTF-16/32 on bytes that are not is ignored); else UTF-8, else GB18030."""
    for bom, enc in _BOMS:
        if data.startswith(bom):
            return data[len(bom):].decode(enc, errors="replace")
    wide = utf16_without_bom(data[:4])
    if wide:
        return data.decode(wide, errors="replace")
    m = _CHARSET.search(data[:4096])
    if m:
        enc = m.group(1).decode("ascii", "ignore").lower()
        if enc in _GB:
            enc = "gb18030"
        if not enc.startswith(("utf-16", "utf-32", "ucs")):  # the bytes were ASCII-compatible: it lies
            try:
                return data.decode(enc)
            except (LookupError, UnicodeDecodeError):
                pass
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("gb18030", errors="replace")


def _cell_text(el: etree._Element) -> str:
    parts: list[str] = []

    def walk(e: etree._Element) -> None:
        if not isinstance(e.tag, str) or e.tag in _SKIP_TAGS:
            return  # its tail is the parent's to add (adding it here too read <script>…</script>3 as 33)
        if e.tag == "br" or e.tag in _BLOCK_TAGS:
            parts.append(" ")
        if e.text:
            parts.append(e.text)
        for c in e:
            walk(c)
            if c.tail:
                parts.append(c.tail)

    walk(el)
    return re.sub(r"\s+", " ", "".join(parts).replace("\xa0", " ").replace("\u3000", " ")).strip()


def _int_attr(el: etree._Element, name: str) -> int:
    try:
        return max(1, min(int(re.sub(r"\D", "", el.get(name, "1")) or 1), 100))
    except ValueError:
        return 1


def table_grid(table: etree._Element) -> list[list[Cell]]:
    """Expand a <table> into rows of cell texts; positions covered by a span hold None."""
    rows = [tr for tr in table.iter("tr") if _owner(tr) is table]
    grid: dict[tuple[int, int], Cell] = {}
    width = 0
    for r, tr in enumerate(rows):
        c = 0
        for td in tr:
            if not isinstance(td.tag, str) or td.tag not in ("td", "th"):
                continue
            while (r, c) in grid:
                c += 1
            rs, cs = _int_attr(td, "rowspan"), _int_attr(td, "colspan")
            for dr in range(rs):
                for dc in range(cs):
                    grid[(r + dr, c + dc)] = None
            grid[(r, c)] = _cell_text(td)
            c += cs
            width = max(width, c)
    out: list[list[Cell]] = []
    for r in range(len(rows)):
        row = [grid.get((r, c), "") for c in range(width)]
        # positions no <td> reached at the end of a short row are not cells at all
        while row and (r, len(row) - 1) not in grid:
            row.pop()
        out.append(row)
    return out


def _owner(tr: etree._Element) -> etree._Element | None:
    p = tr.getparent()
    while p is not None and p.tag != "table":
        p = p.getparent()
    return p


def _span_attr(el: etree._Element, name: str, budget: CellBudget, where: str) -> int:
    """A rowspan/colspan as browsers read it (leading digits), checked against the span cap."""
    m = re.match(r"\s*(\d+)", el.get(name, "1") or "1")
    value = int(m.group(1)[:12]) if m else 1
    budget.span(value, where)
    return max(1, value)


def check_html_tables(root: etree._Element, limits: Limits) -> None:
    """FILE-TOO-LARGE before any grid is built when the tables' cells after rowspan/colspan exceed
    the caps (colspan=100 repeated thousands of times was a grid of gigabytes)."""
    budget = CellBudget(limits)
    for n, table in enumerate(root.iter("table"), 1):
        where = f"第{n}个表格"
        rows = [tr for tr in table.iter("tr") if _owner(tr) is table]
        cells = 0
        width = 0
        spill = 0  # columns that cells with rowspan push into later rows
        for tr in rows:
            row_width = 0
            for td in tr:
                if not isinstance(td.tag, str) or td.tag not in ("td", "th"):
                    continue
                rs, cs = _span_attr(td, "rowspan", budget, where), _span_attr(td, "colspan", budget, where)
                row_width += cs
                cells += rs * cs
                if rs > 1:
                    spill += cs
            width = max(width, row_width)
            budget.row(min(row_width + spill, 10 ** 12), where)
        budget.table(len(rows), max(cells, len(rows) * min(width + spill, 10 ** 12)), where)


def html_blocks(text: str, limits: Limits = DEFAULT_LIMITS) -> list[Block]:
    root = lxml.html.document_fromstring(text)
    check_html_tables(root, limits)
    blocks: list[Block] = []
    line: list[str] = []

    def flush() -> None:
        s = re.sub(r"\s+", " ", "".join(line).replace("\xa0", " ").replace("\u3000", " ")).strip()
        line.clear()
        if s:
            blocks.append(Para(s))

    def walk(e: etree._Element) -> None:
        if not isinstance(e.tag, str) or e.tag in _SKIP_TAGS:
            return
        if e.tag == "table" and not any(True for _ in e.iterdescendants("table")):
            flush()
            grid = table_grid(e)
            if grid:
                blocks.append(Table(grid))
            return
        if e.tag == "br":
            flush()
            return
        block = e.tag in _BLOCK_TAGS or e.tag in ("td", "th", "table")
        if block:
            flush()
        if e.text:
            line.append(e.text)
        for c in e:
            walk(c)
            if c.tail:
                line.append(c.tail)
        if block:
            flush()

    body = root.find("body")
    walk(body if body is not None else root)
    flush()
    title = root.find(".//title")
    if title is not None and title.text and not any(isinstance(b, Para) for b in blocks[:1]):
        blocks.insert(0, Para(title.text.strip()))
    return blocks


def import_html(data: bytes, name: str, *, limits: Limits = DEFAULT_LIMITS) -> ImportResult:
    text = decode_html(data)
    check_text_length(text, limits, "网页文本")
    if text.count("<") > limits.max_elements:
        raise too_large(f"网页中约有{text.count('<')}个标记，超过上限{limits.max_elements}个")
    try:
        blocks = html_blocks(text, limits)
    except (etree.ParserError, etree.XMLSyntaxError):  # nothing but whitespace, comments or a bare prolog
        raise FileProblem(finding("FILE-NOT-REPORT", location=name, reason="网页中没有任何正文内容")) from None
    return build_document(blocks, kind="html", name=name, data=data)
