"""Layout -> Word .docx (python-docx): A4, Chinese fonts set through eastAsia rFonts, real heading
styles (Title, Heading 1/2: Word's navigation pane and a table of contents work), page numbers in the
footer, tables with real merged cells and shaded header cells; tables 三 and 四 sit in a landscape
section so their headers stay at 10.5 pt.

Word reads parts strictly: the children of tcPr, pPr, rPr, sectPr are ordered sequences, and an element
out of place makes Word report "unreadable content". Everything here goes through python-docx's own
properties, or `insert_element_before` with the schema's successors, never a bare append."""

from __future__ import annotations

from io import BytesIO
from typing import Any

from docx import Document
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

from ..sanitize import clean
from .layout import STAMP_NOTE, GridTable, Heading, Item, Paragraph, Stamp, Title

BODY_FONT = "仿宋"
HEAD_FONT = "黑体"
TITLE_FONT = "宋体"
SUB_FONT = "楷体"
LATIN_FONT = "Times New Roman"
TABLE_PT = 10.5  # 五号: the smallest size the national format's tables are printed in
BLACK = RGBColor(0, 0, 0)
RED = RGBColor(0xC0, 0x00, 0x00)
A4_SHORT, A4_LONG, MARGIN = 21.0, 29.7, 2.0
LANDSCAPE_TABLES = ("requests", "review_litigation")

# CT_TcPr: the elements that follow w:shd (ECMA-376 Part 1, 17.4.70)
_AFTER_SHD = ("w:noWrap", "w:tcMar", "w:textDirection", "w:tcFitText", "w:vAlign", "w:hideMark", "w:headers",
              "w:cellIns", "w:cellDel", "w:cellMerge", "w:tcPrChange")
_THEME_FONT_ATTRS = ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme")


def _fonts(obj: Any, east_asia: str, size: float | None = None, bold: bool | None = None,
           color: RGBColor | None = None) -> None:
    """Fonts of a run or a style: Latin text in Times New Roman, Chinese in `east_asia`."""
    font = obj.font
    font.name = LATIN_FONT
    if size is not None:
        font.size = Pt(size)
    if bold is not None:
        font.bold = bold
    if color is not None:
        font.color.rgb = color
    rfonts = obj.element.get_or_add_rPr().get_or_add_rFonts()
    for attr in _THEME_FONT_ATTRS:  # a theme font would win over the names set here
        rfonts.attrib.pop(qn(attr), None)
    for attr in ("w:ascii", "w:hAnsi", "w:cs"):
        rfonts.set(qn(attr), LATIN_FONT)
    rfonts.set(qn("w:eastAsia"), east_asia)


def _drop_styles_with_effects(doc: Any) -> None:
    """python-docx's template carries a Word 2010 stylesWithEffects part that no longer matches its
    styles.xml (Header/Footer styles, docDefaults); Word may call that unreadable. Word rebuilds the
    part when it needs it, so the document goes without."""
    part = doc.part
    for rid, rel in list(part.rels.items()):
        if rel.reltype.endswith("/stylesWithEffects"):
            part.drop_rel(rid)


def _setup_styles(doc: Any) -> None:
    styles = doc.styles
    normal = styles["Normal"]
    _fonts(normal, BODY_FONT, 14)
    normal.paragraph_format.line_spacing = 1.35
    normal.paragraph_format.space_after = Pt(4)
    title = styles["Title"]
    _fonts(title, TITLE_FONT, 20, bold=True, color=BLACK)
    ppr = title.element.get_or_add_pPr()
    border = ppr.find(qn("w:pBdr"))
    if border is not None:  # the template's Title has a blue rule under it
        ppr.remove(border)
    title.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
    title.paragraph_format.space_before = Pt(6)
    title.paragraph_format.space_after = Pt(12)
    for name, font, size, bold, before in (("Heading 1", HEAD_FONT, 15, False, 10),
                                           ("Heading 2", SUB_FONT, 14, True, 4)):
        st = styles[name]
        _fonts(st, font, size, bold=bold, color=BLACK)
        st.font.italic = False
        st.paragraph_format.space_before = Pt(before)
        st.paragraph_format.space_after = Pt(4)
        st.paragraph_format.line_spacing = 1.35
    styles["Heading 2"].paragraph_format.first_line_indent = Pt(28)


def _para(doc: Any, text: str, style: str | None = None, *, indent: bool = False) -> Any:
    p = doc.add_paragraph(style=style)
    if indent:
        p.paragraph_format.first_line_indent = Pt(28)  # two characters of 14 pt
    p.add_run(clean(text))
    return p


def _shade(cell: Any, fill: str) -> None:
    tcpr = cell._tc.get_or_add_tcPr()
    shd = OxmlElement("w:shd")
    shd.set(qn("w:val"), "clear")
    shd.set(qn("w:color"), "auto")
    shd.set(qn("w:fill"), fill)
    tcpr.insert_element_before(shd, *_AFTER_SHD)


def _table(doc: Any, t: GridTable, width_cm: float) -> None:
    table = doc.add_table(rows=t.nrows, cols=t.ncols)
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    scale = min(1.0, width_cm / sum(t.widths_cm)) if t.key not in LANDSCAPE_TABLES else width_cm / sum(t.widths_cm)
    for i, w in enumerate(t.widths_cm):
        table.columns[i].width = Cm(w * scale)
        for cell in table.columns[i].cells:
            cell.width = Cm(w * scale)
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
        fmt = p.paragraph_format
        fmt.space_after = fmt.space_before = Pt(0)
        fmt.line_spacing = 1.0
        if c.text:
            _fonts(p.add_run(clean(c.text)), BODY_FONT if not c.header else TITLE_FONT, TABLE_PT)
        if c.header:
            _shade(cell, "F2F2F2")
    for r in range(t.header_rows):  # repeat the header rows when a table breaks across pages
        table.rows[r]._tr.get_or_add_trPr().append(OxmlElement("w:tblHeader"))  # CT_TrPr is a choice


def _page_number(paragraph: Any) -> None:
    """"— 7 —" centred: the way Chinese official documents number their pages, as a PAGE field."""
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _fonts(paragraph.add_run("— "), TITLE_FONT, 10.5)
    for kind, instr in (("begin", None), (None, " PAGE "), ("separate", None), (None, "1"), ("end", None)):
        run = paragraph.add_run()
        _fonts(run, TITLE_FONT, 10.5)
        if kind:
            fld = OxmlElement("w:fldChar")
            fld.set(qn("w:fldCharType"), kind)
            run._r.append(fld)
        elif instr == " PAGE ":
            it = OxmlElement("w:instrText")
            it.set(qn("xml:space"), "preserve")
            it.text = instr
            run._r.append(it)
        else:
            run.text = instr
    _fonts(paragraph.add_run(" —"), TITLE_FONT, 10.5)


def _orient(section: Any, landscape: bool) -> None:
    section.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
    short, long_ = Cm(A4_SHORT), Cm(A4_LONG)
    section.page_width, section.page_height = (long_, short) if landscape else (short, long_)
    section.left_margin = section.right_margin = Cm(MARGIN)
    section.top_margin, section.bottom_margin = Cm(2.5), Cm(2.2)


def _landscape_span(items: list[Item]) -> tuple[int, int] | None:
    """(first, last) index of the items in the landscape section: from the heading of 三 to table 四."""
    keys = [i for i, it in enumerate(items) if isinstance(it, GridTable) and it.key in LANDSCAPE_TABLES]
    if not keys:
        return None
    first = keys[0]
    while first > 0 and not (isinstance(items[first - 1], Heading) and items[first - 1].level == 1):
        first -= 1
    return max(first - 1, 0), keys[-1]


def render_docx(items: list[Item]) -> bytes:
    doc = Document()
    _drop_styles_with_effects(doc)
    _setup_styles(doc)
    _orient(doc.sections[0], False)
    title = next((clean(i.text) for i in items if isinstance(i, Title)), "")
    doc.core_properties.title = title[:255]  # the core-properties limit; the page shows the whole title
    doc.core_properties.language = "zh-CN"
    stamped = any(isinstance(i, Stamp) for i in items)
    span = _landscape_span(items)
    for n, it in enumerate(items):
        if span and n == span[0]:
            _orient(doc.add_section(WD_SECTION.NEW_PAGE), True)
        landscape = bool(span and span[0] <= n <= span[1])
        if isinstance(it, Title):
            _para(doc, it.text, "Title")
        elif isinstance(it, Stamp):
            p = _para(doc, "")
            p.alignment = WD_ALIGN_PARAGRAPH.CENTER
            _fonts(p.add_run(clean(f"【{it.text}】{STAMP_NOTE}")), HEAD_FONT, 14, bold=True, color=RED)
        elif isinstance(it, Heading):
            _para(doc, it.text, "Heading 1" if it.level == 1 else "Heading 2")
        elif isinstance(it, Paragraph):
            _para(doc, it.text, indent=True)
        elif isinstance(it, GridTable):
            _table(doc, it, (A4_LONG if landscape else A4_SHORT) - 2 * MARGIN - 0.3)
        if span and n == span[1] and n < len(items) - 1:
            _orient(doc.add_section(WD_SECTION.NEW_PAGE), False)
    # headers and footers last: a new section starts linked to the one before, so the first
    # section's footer numbers every page
    first = doc.sections[0]
    _page_number(first.footer.paragraphs[0])
    if stamped:
        hp = first.header.paragraphs[0]
        hp.alignment = WD_ALIGN_PARAGRAPH.CENTER
        _fonts(hp.add_run("未通过检查 · 仅供核对，请勿发布"), HEAD_FONT, 12, bold=True, color=RED)
    buf = BytesIO()
    doc.save(buf)
    return buf.getvalue()
