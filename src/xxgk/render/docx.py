"""Layout -> Word .docx (python-docx): A4, Chinese fonts set through eastAsia rFonts,
tables with real merged cells, header cells shaded."""

from __future__ import annotations

from io import BytesIO

from docx import Document
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt
from docx.text.paragraph import Paragraph as DocxParagraph

from .layout import GridTable, Heading, Item, Paragraph, Title

BODY_FONT = "仿宋"
HEAD_FONT = "黑体"
TITLE_FONT = "宋体"
LATIN_FONT = "Times New Roman"
TABLE_PT = {"proactive": 10.5, "requests": 9.0, "review_litigation": 9.0}


def _fonts(run_or_style: object, east_asia: str, size: float | None = None, bold: bool | None = None) -> None:
    font = run_or_style.font  # type: ignore[attr-defined]
    font.name = LATIN_FONT
    if size is not None:
        font.size = Pt(size)
    if bold is not None:
        font.bold = bold
    el = run_or_style.element  # type: ignore[attr-defined]
    rpr = el.get_or_add_rPr()
    rfonts = rpr.find(qn("w:rFonts"))
    if rfonts is None:
        rfonts = OxmlElement("w:rFonts")
        rpr.insert(0, rfonts)
    for attr in ("w:ascii", "w:hAnsi", "w:cs"):
        rfonts.set(qn(attr), LATIN_FONT)
    rfonts.set(qn("w:eastAsia"), east_asia)


def _para(doc: object, text: str, font: str, size: float, *, bold: bool = False, center: bool = False,
          indent: bool = False, space_before: float = 0) -> DocxParagraph:
    p = doc.add_paragraph()  # type: ignore[attr-defined]
    fmt = p.paragraph_format
    fmt.space_before = Pt(space_before)
    fmt.space_after = Pt(4)
    fmt.line_spacing = 1.35
    if center:
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    if indent:
        fmt.first_line_indent = Pt(size * 2)
    _fonts(p.add_run(text), font, size, bold)
    return p


def _shade(cell: object, fill: str) -> None:
    tcpr = cell._tc.get_or_add_tcPr()  # type: ignore[attr-defined]
    shd = OxmlElement("w:shd")
    shd.set(qn("w:val"), "clear")
    shd.set(qn("w:color"), "auto")
    shd.set(qn("w:fill"), fill)
    tcpr.append(shd)


def _table(doc: object, t: GridTable) -> None:
    table = doc.add_table(rows=t.nrows, cols=t.ncols)  # type: ignore[attr-defined]
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    for i, w in enumerate(t.widths_cm):
        table.columns[i].width = Cm(w)
        for cell in table.columns[i].cells:
            cell.width = Cm(w)
    size = TABLE_PT[t.key]
    for c in t.cells:
        cell = table.cell(c.row, c.col)
        if c.rowspan > 1 or c.colspan > 1:
            cell = cell.merge(table.cell(c.row + c.rowspan - 1, c.col + c.colspan - 1))
        cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
        p = cell.paragraphs[0]
        for extra in cell.paragraphs[1:]:  # merging joins the merged cells' (empty) paragraphs
            extra._element.getparent().remove(extra._element)
        left = c.header and t.key == "requests" and c.row >= t.header_rows and c.col == 2
        p.alignment = WD_ALIGN_PARAGRAPH.LEFT if left else WD_ALIGN_PARAGRAPH.CENTER
        p.paragraph_format.space_after = Pt(0)
        p.paragraph_format.space_before = Pt(0)
        if c.text:
            _fonts(p.add_run(c.text), BODY_FONT if not c.header else TITLE_FONT, size)
        if c.header:
            _shade(cell, "F2F2F2")
    # repeat the header rows when table 三 breaks across pages
    for r in range(t.header_rows):
        trpr = table.rows[r]._tr.get_or_add_trPr()
        h = OxmlElement("w:tblHeader")
        trpr.append(h)


def render_docx(items: list[Item]) -> bytes:
    doc = Document()
    sec = doc.sections[0]
    sec.page_width, sec.page_height = Cm(21.0), Cm(29.7)
    sec.left_margin = sec.right_margin = Cm(2.0)
    sec.top_margin, sec.bottom_margin = Cm(2.5), Cm(2.2)
    _fonts(doc.styles["Normal"], BODY_FONT, 14)
    title = next((i.text for i in items if isinstance(i, Title)), "")
    doc.core_properties.title = title
    doc.core_properties.language = "zh-CN"
    for it in items:
        if isinstance(it, Title):
            _para(doc, it.text, TITLE_FONT, 20, bold=True, center=True, space_before=6)
        elif isinstance(it, Heading):
            if it.level == 1:
                _para(doc, it.text, HEAD_FONT, 15, space_before=10)
            else:
                _para(doc, it.text, "楷体", 14, bold=True, indent=True, space_before=4)
        elif isinstance(it, Paragraph):
            _para(doc, it.text, BODY_FONT, 14, indent=True)
        elif isinstance(it, GridTable):
            _table(doc, it)
    buf = BytesIO()
    doc.save(buf)
    return buf.getvalue()
