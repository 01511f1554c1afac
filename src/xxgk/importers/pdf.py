"""PDF reports (text layer only) -> blocks.

Tables are found by their ruling lines (pdfplumber); a table row whose one cell spans the whole
width (a heading such as "第二十条第（一）项", or prose that WPS drew inside a frame) is read as
text, the other rows as table rows. Text outside the table rows is joined into paragraphs by
indentation: a line that starts indented, or follows a line that stops short, starts a paragraph,
so a paragraph that runs over a page break stays one paragraph. Page numbers ("— 7 —", "-3-"),
running headers repeated on most pages and download links are dropped.

A PDF without a text layer (a scan) is not guessed at: it gives FILE-SCANNED-PDF.
"""

from __future__ import annotations

import re
import zlib
from collections import Counter
from dataclasses import dataclass
from io import BytesIO
from typing import Any

from ..read.limits import DEFAULT_LIMITS, Limits, too_large
from ..read.safe_open import FileProblem
from ..report.model import finding
from .base import ImportResult
from .common import Block, Cell, Para, Row, Table, build_document


class TooManyPages(Exception):
    """More pages than Limits.max_pages: an annual report runs to 5-30, more is another document."""

    def __init__(self, pages: int) -> None:
        super().__init__(pages)
        self.pages = pages
_HEADING_START = re.compile(r"\s*([（(][一二三四五六七八九十][)）]|[一二三四五六七八九十][、．.])")
_PAGE_NUMBER = re.compile(r"^[\s\-—－–_·•]*(第\s*)?\d{1,3}(\s*页)?(\s*/\s*(共\s*)?\d{1,3}\s*页?)?[\s\-—－–_·•]*$")
_FURNITURE = re.compile(r"^(附件(下载)?[:：]?|相关附件[:：]?|下载附件|点击下载|\d+\.pdf|.*\.pdf)$", re.I)


@dataclass
class _Line:
    page: int
    x0: float
    x1: float
    top: float
    text: str
    size: float
    font: str = ""


@dataclass
class _Rows:
    page: int
    table: int  # number of the table on its page (1-based)
    top: float
    rows: list[list[Cell]]
    first_row: int  # 1-based row number in the pdfplumber table of the first row kept


def _is_spanning(row: Any) -> bool:
    return sum(1 for c in row.cells if c is not None) <= 1


def _page_items(page: Any, number: int) -> tuple[list[_Line], list[_Rows]]:
    """Text lines outside table rows, and runs of table rows, of one page."""
    tables = page.find_tables()
    runs: list[_Rows] = []
    boxes: list[tuple[float, float, float, float]] = []
    for t_index, table in enumerate(tables, 1):
        if all(_is_spanning(row) for row in table.rows):
            continue  # prose that a word processor framed: read as text lines below, not as a table
        texts = table.extract()
        current: list[list[Cell]] = []
        start_top = 0.0
        first = 0
        for r_index, (row, cells) in enumerate(zip(table.rows, texts, strict=False), 1):
            if _is_spanning(row):
                if current:
                    runs.append(_Rows(number, t_index, start_top, current, first))
                    current = []
                continue
            if not current:
                start_top, first = row.bbox[1], r_index
            current.append([None if c is None else c.replace("\n", "") if _cjk_wrap(c) else c.replace("\n", " ")
                            for c in cells])
            boxes.append(row.bbox)
        if current:
            runs.append(_Rows(number, t_index, start_top, current, first))
    lines: list[_Line] = []
    for ln in page.extract_text_lines(return_chars=True):
        mid = (ln["top"] + ln["bottom"]) / 2
        cx = (ln["x0"] + ln["x1"]) / 2
        if any(b[1] <= mid <= b[3] and b[0] <= cx <= b[2] for b in boxes):
            continue
        chars = ln.get("chars") or []
        size = Counter(round(c.get("size", 10)) for c in chars).most_common(1)[0][0] if chars else 10
        font = Counter(str(c.get("fontname", "")) for c in chars).most_common(1)[0][0] if chars else ""
        lines.append(_Line(number, ln["x0"], ln["x1"], ln["top"], ln["text"], float(size), font))
    return lines, runs


def _cjk_wrap(text: str) -> bool:
    """A cell whose lines were wrapped inside Chinese text: join them without a space."""
    return bool(re.search(r"[\u4e00-\u9fff（）、，“”]\n[\u4e00-\u9fff（）、，“”\d]", text))


def _furniture(lines: list[_Line], pages: int) -> set[str]:
    """Texts repeated at the top or bottom of most pages (running headers and footers)."""
    if pages < 3:
        return set()
    edge = _edge_lines(lines, 2)
    texts = Counter(t for (_p, t) in {(ln.page, ln.text.strip()) for ln in lines if id(ln) in edge})
    return {t for t, n in texts.items() if n >= max(3, pages * 0.6) and len(t) <= 40}


def _check_inflated_size(data: bytes, limits: Limits) -> None:
    """FILE-TOO-LARGE before parsing a PDF whose compressed streams inflate beyond the caps.

    pdfminer inflates each stream whole in memory: a 400 KB file of one deflated stream of 400 MB
    of spaces took 880 MB. Each `stream … endstream` that zlib accepts is inflated here in 1 MB steps
    and counted, never kept; streams zlib refuses (other filters, raw data) pass as they are."""
    step = 1 << 20
    total = 0
    pos = 0
    while True:
        start = data.find(b"stream", pos)
        if start < 0:
            return
        pos = start + 6
        if data[start - 3:start] == b"end":
            continue
        body = pos + (2 if data[pos:pos + 2] == b"\r\n" else 1)
        end = data.find(b"endstream", body)
        if end < 0:
            end = len(data)
        inflater = zlib.decompressobj()
        chunk = data[body:end]
        one = 0
        try:
            while chunk:
                one += len(inflater.decompress(chunk, step))
                chunk = inflater.unconsumed_tail
                cap = limits.max_entry_bytes if one > limits.max_entry_bytes else limits.max_total_bytes
                if one > limits.max_entry_bytes or total + one > limits.max_total_bytes:
                    raise too_large(f"PDF中压缩的内容解压后超过上限{cap // (1 << 20)} MB")
        except zlib.error:
            pass
        total += one
        pos = end


def pdf_blocks(data: bytes, limits: Limits = DEFAULT_LIMITS) -> tuple[list[Block], int, int]:
    """(blocks, pages, characters of text) of a PDF."""
    import pdfplumber

    _check_inflated_size(data, limits)

    items: list[tuple[int, float, int, _Line | _Rows]] = []
    chars = 0
    with pdfplumber.open(BytesIO(data)) as pdf:
        pages = len(pdf.pages)
        if pages > limits.max_pages:
            raise TooManyPages(pages)
        for number, page in enumerate(pdf.pages, 1):
            if len(page.chars) > limits.max_page_chars:
                raise too_large(f"PDF第{number}页含有{len(page.chars)}个字符，超过上限{limits.max_page_chars}个")
            chars += len(page.chars)
            lines, runs = _page_items(page, number)
            items += [(number, ln.top, 1, ln) for ln in lines]
            items += [(number, r.top, 0, r) for r in runs]
            page.flush_cache()
    items.sort(key=lambda x: (x[0], x[1], x[2]))
    all_lines = [it[3] for it in items if isinstance(it[3], _Line)]
    repeated = _furniture(all_lines, pages)
    edge = _edge_lines(all_lines)
    body = [ln for ln in all_lines if not (_PAGE_NUMBER.match(ln.text) and (id(ln) in edge or not _bare(ln.text)))
            and not _FURNITURE.match(ln.text.strip()) and ln.text.strip() not in repeated]
    keep = {id(ln) for ln in body}
    left = _mode([round(ln.x0) for ln in body]) if body else 0
    right = max((ln.x1 for ln in body), default=0)

    blocks: list[Block] = []
    para: list[str] = []
    prev: _Line | None = None

    def flush() -> None:
        nonlocal prev
        if para:
            blocks.append(Para(_join(para)))
            para.clear()
        prev = None

    for _page, _top, _kind, item in items:
        if isinstance(item, _Rows):
            flush()
            rows = [Row(r, f"第{item.page}页表格{item.table}第{item.first_row + i}行") for i, r in enumerate(item.rows)]
            last = blocks[-1] if blocks else None
            if isinstance(last, Table) and last.rows:
                # the header rows a table repeats on each page (Word's "repeat as header row")
                heads = {_key(r) for r in last.rows[:4]}
                while rows and _key(rows[0]) in heads and not any(_number(c) for c in rows[0]):
                    rows.pop(0)
                if not rows:
                    continue
            if isinstance(last, Table) and last.rows and _split_row_tail(rows[0]) \
                    and getattr(last.rows[-1], "origin", "").startswith(f"第{item.page - 1}页"):
                # a row broken by the page: its label ends at the top of the next page, its figures stayed
                _append_label(last.rows[-1], rows.pop(0))
                if not rows:
                    continue
            if isinstance(last, Table) and last.rows and len(last.rows[-1]) == len(rows[0]):
                last.rows.extend(rows)  # the same table continued (over a page break or after a heading row)
            else:
                blocks.append(Table(list(rows)))
            continue
        if id(item) not in keep:
            continue
        ln = item
        cells = _as_row(ln.text)
        if cells is not None:
            # a table drawn without ruling lines: a label and its figures on one line
            flush()
            last = blocks[-1] if blocks else None
            if isinstance(last, Table) and getattr(last, "unruled", False) and cells[0] == "" \
                    and _wrapped_tail(last.rows[-1], cells):
                last.rows[-1].extend(cells[1:])  # the figures of the row above, wrapped onto this line
                continue
            row = Row(cells, f"第{ln.page}页第{_line_no(all_lines, ln)}行（无框线表格）")
            if isinstance(last, Table) and getattr(last, "unruled", False):
                last.rows.append(row)
            else:
                table = Table([row])
                table.unruled = True  # type: ignore[attr-defined]
                blocks.append(table)
            continue
        indent = ln.x0 - left > ln.size * 0.8
        short = prev is not None and right - prev.x1 > prev.size * 1.5
        # a heading set in another size or font (bold) starts a paragraph, and so does a line that
        # opens with a heading number, whatever its indentation
        styled = prev is not None and (abs(prev.size - ln.size) > 1.5 or prev.font != ln.font)
        if para and (indent or short or styled or _HEADING_START.match(ln.text)):
            flush()
        para.append(ln.text.strip())
        prev = ln
    flush()
    return blocks, pages, chars


def _key(row: list[Cell]) -> str:
    return re.sub(r"\s+", "", "|".join(c for c in row if c))


def _number(cell: Cell) -> bool:
    return bool(cell and re.fullmatch(r"\s*[\d.,]+\s*", cell))


_TRAILING_NUMBERS = re.compile(r"(.*?)\s*((?:(?<![\d.])\d[\d,]*(?:\.\d+)?\s*)+)")
_T2_LABELS = {"规章", "行政规范性文件", "规范性文件", "行政许可", "行政处罚", "行政强制", "行政事业性收费"}


_ROW_MARK = re.compile(r"\s*([一二三四][、.．]|[（(][一二三四五六七][)）]|\d{1,2}[.、．])")


def _as_row(text: str) -> list[Cell] | None:
    """["label", "n", "n", …] for a line of an unruled table, else None (prose, a heading)."""
    m = _TRAILING_NUMBERS.fullmatch(text.strip())
    if not m:
        return None
    label = m.group(1).strip()
    numbers = m.group(2).split()
    if "。" in label or label.endswith(("年", "月", "日", "第", "约", "为")):
        return None
    if not label:
        return ["", *numbers]
    # a numbered line with one or two figures is a row only if it reads like a label, not like prose
    # wrapped after a number ("1. 持续加大主动公开力度，全年公开信息 1136")
    marked = (_ROW_MARK.match(label) is not None and "，" not in label and len(label) <= 60) \
        or re.sub(r"\s", "", label) in _T2_LABELS
    if len(numbers) >= 3 or marked:
        return [label, *numbers]
    return None


def _wrapped_tail(row: list[Cell], cells: list[Cell]) -> bool:
    """Figures alone on a line that complete the row above (3 figures of table 二, 7 of table 三, 15 of
    table 四)."""
    have = len([c for c in row[1:] if c])
    return have + len(cells) - 1 in (3, 7, 15) and have not in (3, 7, 15)


def _line_no(lines: list[_Line], ln: _Line) -> int:
    return 1 + sum(1 for x in lines if x.page == ln.page and x.top < ln.top)


def _split_row_tail(row: list[Cell]) -> bool:
    """The rest of a table row that a page break cut: label text only (no figure, no row number of its
    own such as "（三）" or "2."), and the value cells present but empty."""
    texts = [c for c in row if c and c.strip()]
    empty = [c for c in row if c is not None and not c.strip()]
    return (0 < len(texts) <= 3 and len(empty) >= 3 and not any(re.search(r"\d", t) for t in texts)
            and not any(_HEADING_START.match(t) for t in texts))


def _append_label(row: list[Cell], tail: list[Cell]) -> None:
    """Join the cut-off label texts to the labels of the row they belong to, column by column."""
    labels = [i for i, c in enumerate(row) if c and c.strip() and not _number(c)]
    texts = [(j, c) for j, c in enumerate(tail) if c and c.strip()]
    for n, (j, text) in enumerate(texts):
        if j in labels:
            row[j] = (row[j] or "") + text
        elif n == len(texts) - 1 and labels:
            row[labels[-1]] = (row[labels[-1]] or "") + text
        # else: the rest of a label merged over many rows (the vertical "三、本年度办理结果"): nothing to add


def _edge_lines(lines: list[_Line], n: int = 1) -> set[int]:
    """The first and last n lines of each page: where page numbers and running headers stand."""
    out: set[int] = set()
    pages: dict[int, list[_Line]] = {}
    for ln in lines:
        pages.setdefault(ln.page, []).append(ln)
    for page_lines in pages.values():
        ordered = sorted(page_lines, key=lambda x: x.top)
        out.update(id(x) for x in ordered[:n] + ordered[-n:])
    return out


def _bare(text: str) -> bool:
    """A page number without decoration ("7", not "— 7 —" or "第7页"): only furniture at a page's edge."""
    return bool(re.fullmatch(r"\s*\d{1,3}\s*", text))


def _mode(values: list[int]) -> int:
    return Counter(values).most_common(1)[0][0]


def _join(parts: list[str]) -> str:
    out = parts[0]
    for p in parts[1:]:
        # lines of Chinese prose are joined without a space; Latin words keep one
        out += " " + p if re.search(r"[A-Za-z0-9]$", out) and re.match(r"[A-Za-z]", p) else p
    return out


def import_pdf(data: bytes, name: str, *, limits: Limits = DEFAULT_LIMITS) -> ImportResult:
    try:
        blocks, pages, chars = pdf_blocks(data, limits)
    except TooManyPages as e:
        return ImportResult(kind="pdf", document=None, findings=[finding(
            "FILE-TOO-MANY-PAGES", location=name, pages=e.pages, limit=limits.max_pages)])
    except (FileProblem, MemoryError):  # a cap: the caller's finding says which
        raise
    except Exception as e:  # pdfminer raises many kinds of errors on a damaged file
        return ImportResult(kind="pdf", document=None, findings=[finding(
            "FILE-UNREADABLE", location=name, reason=f"PDF文件已损坏或无法解析（{type(e).__name__}）")])
    if chars == 0 or not blocks:
        return ImportResult(kind="pdf", document=None, findings=[finding(
            "FILE-SCANNED-PDF", location=name, pages=pages)])
    return build_document(blocks, kind="pdf", name=name, data=data)
