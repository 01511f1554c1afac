"""Word .docx -> blocks, in body order. Merged cells are read from the XML (gridSpan, vMerge)
so that a merged cell appears once and the positions it covers hold None."""

from __future__ import annotations

from io import BytesIO

from docx import Document
from docx.oxml.ns import qn
from lxml import etree

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


def docx_blocks(data: bytes) -> list[Block]:
    doc = Document(BytesIO(data))
    blocks: list[Block] = []
    for el in doc.element.body.iterchildren():
        if el.tag == qn("w:p"):
            t = _text(el).strip()
            if t:
                blocks.append(Para(t))
        elif el.tag == qn("w:tbl"):
            blocks.append(Table(_table_rows(el)))
    return blocks


def import_docx(data: bytes, name: str) -> ImportResult:
    return build_document(docx_blocks(data), kind="docx", name=name, data=data)
