"""Word .docx -> blocks, in body order. Merged cells are read from the XML (gridSpan, vMerge)
so that a merged cell appears once and the positions it covers hold None."""

from __future__ import annotations

from docx.oxml.ns import qn
from lxml import etree

from ..read.limits import DEFAULT_LIMITS, CellBudget, Limits, check_element_count
from ..read.safe_open import SafeZip, check_hostile, parse_xml, unreadable, zip_kind
from .base import ImportResult
from .common import Block, Cell, Para, Table, build_document


def _text(el: etree._Element) -> str:
    """Paragraph text with tabs and line breaks as spaces."""
    parts: list[str] = []
    for node in el.iter(qn("w:t"), qn("w:tab"), qn("w:br"), qn("w:cr")):
        parts.append((node.text or "") if node.tag == qn("w:t") else " ")
    return "".join(parts)


def _cell_text(tc: etree._Element) -> str:
    return " ".join(t for t in (_text(p).strip() for p in tc.iter(qn("w:p"))) if t)


def _table_rows(tbl: etree._Element) -> list[list[Cell]]:
    rows: list[list[Cell]] = []
    for tr in tbl.iterchildren(qn("w:tr")):
        row: list[Cell] = []
        for tc in tr.iterchildren(qn("w:tc")):
            pr = tc.find(qn("w:tcPr"))
            span, cont = 1, False
            if pr is not None:
                gs = pr.find(qn("w:gridSpan"))
                if gs is not None:
                    span = max(1, int(gs.get(qn("w:val"), "1")))
                vm = pr.find(qn("w:vMerge"))
                cont = vm is not None and vm.get(qn("w:val"), "continue") == "continue"
            row.append(None if cont else _cell_text(tc))
            row.extend([None] * (span - 1))
        rows.append(row)
    return rows


def docx_body(data: bytes, limits: Limits = DEFAULT_LIMITS) -> etree._Element:
    """The <w:body> of a .docx opened like the checker opens a workbook: zip caps, no macros, no
    DTD or entity in any XML part, element count and table spans within the caps."""
    z = SafeZip(data, limits)
    zip_kind(z)
    for part in z.names:
        if part.lower().endswith((".xml", ".rels")):
            check_hostile(z.read(part) or b"", part)
    data_xml = z.read("word/document.xml")
    if data_xml is None:
        raise unreadable("找不到Word文档主文件word/document.xml")
    check_element_count(data_xml, "word/document.xml", limits)
    root = parse_xml(data_xml, "word/document.xml", checked=True)
    body = root.find(qn("w:body"))
    if body is None:
        raise unreadable("Word文档主文件中没有正文（w:body）")
    check_docx_tables(body, limits)
    return body


def check_docx_tables(body: etree._Element, limits: Limits) -> None:
    """FILE-TOO-LARGE before rows are expanded when a gridSpan (300,000,000 was 2.4 GB of list) or
    the table's cells after spans exceed the caps; a gridSpan that is not a number is unreadable."""
    budget = CellBudget(limits)
    for n, tbl in enumerate(body.iter(qn("w:tbl")), 1):
        where = f"第{n}个表格"
        rows = list(tbl.iterchildren(qn("w:tr")))
        cells = 0
        for tr in rows:
            width = 0
            for tc in tr.iterchildren(qn("w:tc")):
                gs = tc.find(f"{qn('w:tcPr')}/{qn('w:gridSpan')}")
                span = 1
                if gs is not None:
                    raw = (gs.get(qn("w:val")) or "1").strip()
                    if not raw.isdigit() or not raw.isascii():
                        raise unreadable(f"{where}的单元格合并值“{raw[:20]}”不是数字")
                    span = int(raw[:12])
                    budget.span(span, where)
                width += max(1, span)
            budget.row(width, where)
            cells += width
        budget.table(len(rows), cells, where)


def docx_blocks(data: bytes, limits: Limits = DEFAULT_LIMITS) -> list[Block]:
    body = docx_body(data, limits)
    blocks: list[Block] = []
    for el in body.iterchildren():
        if el.tag == qn("w:p"):
            t = _text(el).strip()
            if t:
                blocks.append(Para(t))
        elif el.tag == qn("w:tbl"):
            blocks.append(Table(_table_rows(el)))
    return blocks


def import_docx(data: bytes, name: str, *, limits: Limits = DEFAULT_LIMITS) -> ImportResult:
    return build_document(docx_blocks(data, limits), kind="docx", name=name, data=data)
