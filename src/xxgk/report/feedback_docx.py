"""The 问题清单 of a published report (text, HTML, Word, PDF) as a Word document (python-docx).

The unit edits its report in its own tool, so it gets a list to work through: what, where (table,
row, column or the section of the text) and how to fix. Children of w:tcPr and w:rPr are inserted in
schema order (Word refuses a w:shd after w:vAlign, which python-docx does not prevent).
"""

from __future__ import annotations

import io

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

from ..sanitize import clean
from .model import SEVERITY_ZH, Finding, catalogue

FONT = "宋体"
HEADER = ("序号", "级别", "规则编号", "规则名称", "位置", "问题", "修改建议")
WIDTHS_MM = (12, 12, 34, 26, 36, 78, 69)  # landscape A4 less margins: 267 mm

# CT_TcPr children after w:shd, in schema order
_TCPR_AFTER_SHD = ("w:noWrap", "w:tcMar", "w:textDirection", "w:tcFitText", "w:vAlign", "w:hideMark",
                   "w:headers", "w:cellIns", "w:cellDel", "w:cellMerge", "w:tcPrChange")


def _east_asia(run_or_style: object) -> None:
    rpr = run_or_style.element.get_or_add_rPr()  # type: ignore[attr-defined]
    rpr.get_or_add_rFonts().set(qn("w:eastAsia"), FONT)


def _shade(cell: object, fill: str) -> None:
    tcpr = cell._tc.get_or_add_tcPr()  # type: ignore[attr-defined]
    shd = OxmlElement("w:shd")
    shd.set(qn("w:val"), "clear")
    shd.set(qn("w:color"), "auto")
    shd.set(qn("w:fill"), fill)
    after = next((c for c in tcpr if c.tag in {qn(t) for t in _TCPR_AFTER_SHD}), None)
    if after is not None:
        after.addprevious(shd)
    else:
        tcpr.append(shd)


def _cell_text(cell: object, text: str, *, bold: bool = False, color: tuple[int, int, int] | None = None) -> None:
    p = cell.paragraphs[0]  # type: ignore[attr-defined]
    run = p.add_run(clean(text))
    run.font.size = Pt(9)
    run.bold = bold or None
    if color:
        from docx.shared import RGBColor

        run.font.color.rgb = RGBColor(*color)
    _east_asia(run)


def _drop_styles_with_effects(doc: object) -> None:
    """python-docx's template carries a Word 2010 stylesWithEffects part that no longer matches
    styles.xml once a style is changed; Word may then report unreadable content. The part is optional."""
    part = doc.part  # type: ignore[attr-defined]
    for rid, rel in list(part.rels.items()):
        if rel.reltype.endswith("/stylesWithEffects"):
            part.drop_rel(rid)


def findings_docx(title: str, lines: list[str], findings: list[Finding]) -> bytes:
    """A Word document: a title, a few lines (file, conclusion, what to do) and the list of findings."""
    doc = Document()
    sec = doc.sections[0]
    sec.orientation = WD_ORIENT.LANDSCAPE
    sec.page_width, sec.page_height = Mm(297), Mm(210)
    sec.left_margin = sec.right_margin = Mm(15)
    sec.top_margin = sec.bottom_margin = Mm(15)
    normal = doc.styles["Normal"]
    normal.font.name = FONT
    normal.font.size = Pt(10.5)
    _east_asia(normal)
    head = doc.add_paragraph()
    run = head.add_run(clean(title))
    run.bold = True
    run.font.size = Pt(16)
    _east_asia(run)
    for line in lines:
        r = doc.add_paragraph().add_run(clean(line))
        _east_asia(r)
    cat = catalogue()
    table = doc.add_table(rows=1, cols=len(HEADER))
    table.style = "Table Grid"
    table.autofit = False
    for i, h in enumerate(HEADER):
        c = table.rows[0].cells[i]
        _cell_text(c, h, bold=True)
        _shade(c, "D9D9D9")
    for k, f in enumerate(findings, start=1):
        row = table.add_row().cells
        error = f.severity == "error"
        values = (str(k), SEVERITY_ZH.get(f.severity, f.severity), f.rule, (cat.get(f.rule) or {}).get("title", ""),
                  f.where or "全文", f.message, f.hint)
        for i, v in enumerate(values):
            _cell_text(row[i], v, bold=error and i == 1, color=(0xC0, 0, 0) if error and i == 1 else None)
    for i, w in enumerate(WIDTHS_MM):  # the grid (LibreOffice reads it) and every cell (Word reads those)
        table.columns[i].width = Mm(w)
        for cell in table.columns[i].cells:
            cell.width = Mm(w)
    # the header row repeats on every printed page
    trpr = table.rows[0]._tr.get_or_add_trPr()
    hdr = OxmlElement("w:tblHeader")
    trpr.append(hdr)
    _drop_styles_with_effects(doc)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()
