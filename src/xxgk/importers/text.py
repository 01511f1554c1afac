"""Plain text (as copied from a web page) and Markdown pipe tables -> blocks."""

from __future__ import annotations

import html
import re

from ..read.limits import DEFAULT_LIMITS, Limits, check_text_length, too_large
from ..read.safe_open import decode_text as safe_decode
from .base import ImportResult
from .common import Block, Cell, Para, Table, build_document

_MD_RULE = re.compile(r"^\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$")


def decode_text(data: bytes) -> str:
    """The checker's decoder (UTF-8 with or without BOM, UTF-16 with BOM, GB18030); bytes it does not
    take for text are still read, leniently (GB18030 is a superset of GBK/GB2312)."""
    text = safe_decode(data)
    if text is not None:
        return text
    return data.decode("utf-16" if data.startswith((b"\xff\xfe", b"\xfe\xff")) else "gb18030", errors="replace")


_MD_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!|~>])")


def md_unescape(text: str) -> str:
    """Undo xxgk's own Markdown escaping (sanitize.for_markdown): backslash escapes, then entities."""
    return html.unescape(_MD_ESCAPE.sub(r"\1", text))


def _pipe_cells(line: str) -> list[Cell]:
    s = line.strip()
    if s.startswith("|"):
        s = s[1:]
    if s.endswith("|") and not s.endswith("\\|"):
        s = s[:-1]
    parts = re.split(r"(?<!\\)\|", s)
    return [p.replace("\\|", "|").strip() for p in parts]


def text_blocks(text: str, markdown: bool = False) -> list[Block]:
    """Lines with tabs (web copies) or pipes (Markdown) are table rows; other lines are paragraphs.
    `markdown`: a .md file, whose text is unescaped after it is split into cells."""
    blocks: list[Block] = []
    rows: list[list[Cell]] = []

    def flush() -> None:
        if rows:
            blocks.append(Table(list(rows)))
            rows.clear()

    for raw in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        line = raw.rstrip("\n")
        if "\t" in line:
            rows.append([c.strip() for c in line.split("\t")])
            continue
        if line.lstrip().startswith("|"):
            if not _MD_RULE.match(line):
                cells = _pipe_cells(line)
                rows.append([md_unescape(c) for c in cells] if markdown else cells)
            continue
        flush()
        s = line.strip()
        if not s:
            continue
        s = re.sub(r"^#{1,6}\s+", "", s)  # Markdown headings
        blocks.append(Para(md_unescape(s) if markdown else s))
    flush()
    return blocks


def check_text_limits(text: str, limits: Limits) -> None:
    """FILE-TOO-LARGE before a text is split into table cells: a 48 MB file of tabs would be 48
    million cells (several GB as Python strings)."""
    check_text_length(text, limits)
    tabs = text.count("\t")
    if tabs + text.count("|") > limits.max_cells:
        raise too_large(f"文本中的表格分隔符（制表符或|）共{tabs + text.count('|')}个，超过上限{limits.max_cells}个")
    if tabs > limits.max_columns:
        widest = max(line.count("\t") for line in text.split("\n"))
        if widest + 1 > limits.max_columns:
            raise too_large(f"文本中有一行含{widest + 1}列（以制表符分隔），超过上限{limits.max_columns}列")


def import_text(data: bytes, name: str, *, limits: Limits = DEFAULT_LIMITS) -> ImportResult:
    text = decode_text(data)
    check_text_limits(text, limits)
    markdown = name.lower().endswith((".md", ".markdown"))
    return build_document(text_blocks(text, markdown), kind="text", name=name, data=data)
