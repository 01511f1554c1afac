"""The feedback copy of a unit's workbook: its own file, with every cell that has a finding highlighted
and commented, and a first sheet 问题清单 listing every finding with a link to its cell.

Edited at the XML level of the package, not through openpyxl. openpyxl does keep data validations,
conditional formats, custom properties, hidden sheets and protection, but a load/save of a
LibreOffice-saved submission (measured on samples/submissions/…平乐镇…) empties every cached formula
result (J6 `<v>4</v>` -> `<v></v>`: the unit's own totals show blank in a viewer that does not
recalculate), drops the workbook's extLst, renumbers the cell styles (36 -> 52 formats) and rewrites
every <sheetProtection>. Here every part we do not need to touch keeps its bytes; the parts we touch
are: [Content_Types].xml, xl/workbook.xml and its .rels, xl/styles.xml (fonts, fills, borders and
cell formats appended, none changed), the sheets with highlighted cells (a style index per
highlighted cell, <legacyDrawing>) and their .rels, a sheet that was selected (tabSelected cleared),
plus new parts for the list sheet, comments and their VML drawings.

A copy of a copy (the unit sent back a corrected feedback copy that still fails) replaces the old
问题清单 sheet and the comments written by us, instead of adding a second list, and gives the cells
without a finding now their own format back (found by our two fill colours).
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from xml.sax.saxutils import escape

from lxml import etree

from ..read.safe_open import parse_xml
from ..read.xlsx import col_index, make_cell, split_cell
from ..sanitize import clean, for_xlsx
from .feedback_package import (
    CT_COMMENTS,
    CT_SHEET,
    CT_VML,
    MAIN,
    NS_O,
    NS_V,
    NS_X,
    REL,
    RT_COMMENTS,
    RT_SHEET,
    RT_VML,
    ContentTypes,
    FeedbackError,
    Package,
    Rels,
    Styles,
    q,
    rels_name,
    ser,
)
from .model import SEVERITY_ZH, Finding, catalogue

# The list sheet as the checker accepts it (check/tamper.py): this name, first position, this header.
FEEDBACK_SHEET = "问题清单"
FEEDBACK_HEADER = ("级别", "规则编号", "规则名称", "位置", "问题", "修改建议")
FEEDBACK_HEADER_ROW = 3  # rows 1-2: title and one line of instructions
FEEDBACK_AUTHOR = "xxgk检查"


# Cell fill of a highlighted cell: salmon for errors, highlighter yellow otherwise; stronger than the
# pale pink the workbook's own conditional formats use for a broken balance, so the two do not blend.
FILL_ERROR = "FFFF7C80"
FILL_WARNING = "FFFFFF66"

# Elements of CT_Worksheet that come after <legacyDrawing> (schema order).
_AFTER_LEGACY = ("legacyDrawingHF", "drawingHF", "picture", "oleObjects", "controls", "webPublishItems",
                 "tableParts", "extLst")


def quoted_sheet(name: str) -> str:
    """A sheet name as a formula/hyperlink reference: always quoted, apostrophes doubled."""
    return "'" + name.replace("'", "''") + "'"


@dataclass
class _Entry:
    """One row of the list: a finding and where it lands in the copy (sheet present, cell valid)."""

    finding: Finding
    sheet: str | None  # sheet name in the copy when the finding points at a visible sheet
    cell: str | None  # A1 reference when it points at a cell of that sheet


# ---------------------------------------------------------------- cells


def _find_or_make_cell(sheet_data: etree._Element, ref: str) -> etree._Element:
    """The <c> of `ref`, created (in row and column order) when the sheet has none."""
    row_no, col_no = split_cell(ref)
    row = None
    for r in sheet_data.iterchildren(q("row")):
        rn = int(r.get("r") or 0)
        if rn == row_no:
            row = r
            break
        if rn > row_no:
            row = etree.Element(q("row"), r=str(row_no))
            r.addprevious(row)
            break
    if row is None:
        row = etree.SubElement(sheet_data, q("row"), r=str(row_no))
    for c in row.iterchildren(q("c")):
        cref = c.get("r")
        if cref == ref:
            return c
        if cref and split_cell(cref)[1] > col_no:
            new = etree.Element(q("c"), r=ref)
            c.addprevious(new)
            return new
    return etree.SubElement(row, q("c"), r=ref)


def _has_refs(sheet_data: etree._Element) -> bool:
    """Every row and cell carries its "r" (all writers we know do; without it positions are implicit)."""
    return all(r.get("r") for r in sheet_data.iterchildren(q("row"))) and all(
        c.get("r") for c in sheet_data.iter(q("c")))


# ---------------------------------------------------------------- comments and their VML


def _comment_text(entries: list[Finding]) -> str:
    parts = []
    for f in entries:
        line = f"【{SEVERITY_ZH.get(f.severity, f.severity)}·{f.rule}】{f.message}"
        if f.hint:
            line += f"\n修改：{f.hint}"
        parts.append(line)
    return clean("\n".join(parts))


def _vml_shape(shape_id: int, ref: str, text: str) -> etree._Element:
    r, c = split_cell(ref)
    rows = min(24, 3 + len(text) // 18)
    shape = etree.Element(f"{{{NS_V}}}shape", nsmap={"v": NS_V, "o": NS_O, "x": NS_X})
    shape.set("id", f"_x0000_s{shape_id}")
    shape.set("type", "#_x0000_t202")
    shape.set("style", "position:absolute;margin-left:80pt;margin-top:2pt;width:240pt;height:120pt;"
                       "z-index:1;visibility:hidden")
    shape.set("fillcolor", "#ffffe1")
    shape.set(f"{{{NS_O}}}insetmode", "auto")
    etree.SubElement(shape, f"{{{NS_V}}}fill", color2="#ffffe1")
    etree.SubElement(shape, f"{{{NS_V}}}shadow", on="t", color="black", obscured="t")
    etree.SubElement(shape, f"{{{NS_V}}}path", {f"{{{NS_O}}}connecttype": "none"})
    box = etree.SubElement(shape, f"{{{NS_V}}}textbox", style="mso-direction-alt:auto")
    etree.SubElement(box, "div", style="text-align:left")
    data = etree.SubElement(shape, f"{{{NS_X}}}ClientData", ObjectType="Note")
    etree.SubElement(data, f"{{{NS_X}}}MoveWithCells")
    etree.SubElement(data, f"{{{NS_X}}}SizeWithCells")
    # Anchor: left column, offset, top row, offset, right column, offset, bottom row, offset (0-based)
    etree.SubElement(data, f"{{{NS_X}}}Anchor").text = f"{c}, 15, {max(r - 2, 0)}, 2, {c + 4}, 15, {r - 2 + rows}, 4"
    etree.SubElement(data, f"{{{NS_X}}}AutoFill").text = "False"
    etree.SubElement(data, f"{{{NS_X}}}Row").text = str(r - 1)
    etree.SubElement(data, f"{{{NS_X}}}Column").text = str(c - 1)
    return shape


def _new_vml(block: int) -> etree._Element:
    root = etree.Element("xml", nsmap={"v": NS_V, "o": NS_O, "x": NS_X})
    layout = etree.SubElement(root, f"{{{NS_O}}}shapelayout", {f"{{{NS_V}}}ext": "edit"})
    etree.SubElement(layout, f"{{{NS_O}}}idmap", {f"{{{NS_V}}}ext": "edit", "data": str(block)})
    st = etree.SubElement(root, f"{{{NS_V}}}shapetype", id="_x0000_t202", coordsize="21600,21600",
                          path="m,l,21600r21600,l21600,xe")
    st.set(f"{{{NS_O}}}spt", "202")
    etree.SubElement(st, f"{{{NS_V}}}stroke", joinstyle="miter")
    etree.SubElement(st, f"{{{NS_V}}}path", gradientshapeok="t", **{f"{{{NS_O}}}connecttype": "rect"})
    return root


def _note_cell(shape: etree._Element) -> tuple[int, int] | None:
    data = shape.find(f"{{{NS_X}}}ClientData")
    if data is None or data.get("ObjectType") != "Note":
        return None
    try:
        return int(data.findtext(f"{{{NS_X}}}Row") or ""), int(data.findtext(f"{{{NS_X}}}Column") or "")
    except ValueError:
        return None


_OUR_COMMENT = re.compile(r"【(?:错误|警告|提示)·[A-Z][A-Z0-9-]*】")


def _is_ours(cm: etree._Element, author: str | None) -> bool:
    """A comment written by an earlier feedback round: by our author, or (LibreOffice drops the author
    on save) by the way our text starts."""
    text = "".join(t.text or "" for t in cm.iter(q("t")))
    return (author is not None and cm.get("authorId") == author) or _OUR_COMMENT.match(text) is not None


def _clear_old_comments(pkg: Package, ct: ContentTypes, part: str) -> None:
    """Remove the comments (and their note boxes) of an earlier feedback round from one sheet; parts
    left empty go, with their relationships."""
    if pkg.real(rels_name(part)) is None:
        return
    rels = Rels(pkg, part)
    found = rels.of_type(RT_COMMENTS)
    if not found or pkg.real(found[0][1]) is None:
        return
    rid, comments_part = found[0]
    croot = pkg.xml(comments_part)
    authors = [a.text or "" for a in croot.iter(q("author"))]
    author = str(authors.index(FEEDBACK_AUTHOR)) if FEEDBACK_AUTHOR in authors else None
    clist = croot.find(q("commentList"))
    removed = [cm for cm in (clist.iterchildren(q("comment")) if clist is not None else []) if _is_ours(cm, author)]
    if not removed:
        return
    for cm in removed:
        clist.remove(cm)
    gone = {cm.get("ref") for cm in removed}
    root = pkg.xml(part)
    legacy = root.find(q("legacyDrawing"))
    vml_part = rels.target(legacy.get(q("id", REL)) or "") if legacy is not None else None
    shapes_left = True
    if vml_part and pkg.real(vml_part) is not None:
        try:
            vroot = pkg.xml(vml_part)
        except Exception:  # not well-formed XML (some Excel VML): leave it, Excel ignores stray boxes
            vroot = None
        if vroot is not None:
            for shape in list(vroot.iter(f"{{{NS_V}}}shape")):
                cell = _note_cell(shape)
                if cell is not None and make_cell(cell[0] + 1, cell[1] + 1) in gone:
                    shape.getparent().remove(shape)
            shapes_left = next(vroot.iter(f"{{{NS_V}}}shape"), None) is not None
            pkg.put(vml_part, etree.tostring(vroot, encoding="UTF-8", xml_declaration=False))
    if clist is not None and len(clist):
        pkg.put(comments_part, ser(croot))
    else:
        pkg.delete(comments_part)
        ct.remove(comments_part)
        rels.remove(rid)
        if legacy is not None and vml_part and not shapes_left:
            pkg.delete(vml_part)
            rels.remove(legacy.get(q("id", REL)) or "")
            root.remove(legacy)
            pkg.put(part, ser(root))
    rels.save()


def _annotate_sheet(pkg: Package, ct: ContentTypes, styles: Styles, part: str, block: int,
                    cells: dict[str, list[Finding]]) -> bool:
    """Highlight and comment `cells` in one sheet part. False when the sheet cannot take comments
    (then it is only highlighted and the list carries the messages)."""
    root = pkg.xml(part)
    sheet_data = root.find(q("sheetData"))
    if sheet_data is None or not _has_refs(sheet_data):
        return False
    for ref, found in cells.items():
        c = _find_or_make_cell(sheet_data, ref)
        argb = FILL_ERROR if any(f.severity == "error" for f in found) else FILL_WARNING
        style = c.get("s")
        c.set("s", str(styles.highlighted(int(style) if style and style.isdigit() else 0, argb)))
    rels = Rels(pkg, part)
    # comments: reuse the sheet's comments part (keeping other authors' comments), or make one
    comments_parts = rels.of_type(RT_COMMENTS)
    comments_part = comments_parts[0][1] if comments_parts else None
    if comments_part and pkg.real(comments_part) is not None:
        croot = pkg.xml(comments_part)
    else:
        comments_part = pkg.free_name("xl/comments{}.xml")
        croot = etree.Element(q("comments"), nsmap={None: MAIN})
        rels.add(RT_COMMENTS, comments_part)
    authors = croot.find(q("authors"))
    if authors is None:
        authors = etree.Element(q("authors"))
        croot.insert(0, authors)
    names = [a.text or "" for a in authors.iterchildren(q("author"))]
    if FEEDBACK_AUTHOR not in names:
        etree.SubElement(authors, q("author")).text = FEEDBACK_AUTHOR
        names.append(FEEDBACK_AUTHOR)
    ours = str(names.index(FEEDBACK_AUTHOR))
    clist = croot.find(q("commentList"))
    if clist is None:
        clist = etree.SubElement(croot, q("commentList"))
    for cm in list(clist.iterchildren(q("comment"))):  # a cell holds one comment: ours replaces it
        if cm.get("ref") in cells:
            clist.remove(cm)
    others = {cm.get("ref") for cm in clist.iterchildren(q("comment"))}
    for ref, found in sorted(cells.items(), key=lambda kv: split_cell(kv[0])):
        cm = etree.SubElement(clist, q("comment"), ref=ref, authorId=ours)
        t = etree.SubElement(etree.SubElement(cm, q("text")), q("t"))
        t.text = _comment_text(found)
        t.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
    # the VML drawing that makes Excel show them
    legacy = root.find(q("legacyDrawing"))
    vml_part = rels.target(legacy.get(q("id", REL)) or "") if legacy is not None else None
    vroot = None
    if vml_part and pkg.real(vml_part) is not None:
        try:
            vroot = pkg.xml(vml_part)
        except Exception:  # Excel's VML is not always well-formed XML: start a fresh drawing
            vroot = None
    if vroot is None:
        if legacy is not None:
            rels.remove(legacy.get(q("id", REL)) or "")
            root.remove(legacy)
        vml_part = pkg.free_name("xl/drawings/vmlDrawing{}.vml")
        vroot = _new_vml(block)
        legacy = etree.Element(q("legacyDrawing"))
        legacy.set(q("id", REL), rels.add(RT_VML, vml_part))
        nxt = next((c for c in root if isinstance(c.tag, str) and etree.QName(c).localname in _AFTER_LEGACY), None)
        if nxt is not None:
            nxt.addprevious(legacy)
        else:
            root.append(legacy)
    ids = [0]
    for shape in list(vroot.iter(f"{{{NS_V}}}shape")):
        cell = _note_cell(shape)
        if cell is not None and make_cell(cell[0] + 1, cell[1] + 1) not in others:  # a removed comment's box
            shape.getparent().remove(shape)
            continue
        m = re.search(r"(\d+)$", shape.get("id") or "")
        if m:
            ids.append(int(m.group(1)))
    next_id = max(max(ids) + 1, block * 1024 + 1)
    for ref in sorted(cells, key=split_cell):
        vroot.append(_vml_shape(next_id, ref, _comment_text(cells[ref])))
        next_id += 1
    pkg.put(vml_part, etree.tostring(vroot, encoding="UTF-8", xml_declaration=False))
    pkg.put(comments_part, ser(croot))
    ct.default("vml", CT_VML)
    ct.override(comments_part, CT_COMMENTS)
    rels.save()
    pkg.put(part, ser(root))
    return True


# ---------------------------------------------------------------- the list sheet


def _cell_xml(ref: str, style: int, text: str) -> str:
    value, formula_like = for_xlsx(text)
    del formula_like  # an inline string is never evaluated: no quotePrefix needed
    return f'<c r="{ref}" s="{style}" t="inlineStr"><is><t xml:space="preserve">{escape(value)}</t></is></c>'


_WIDTHS = (7, 17, 16, 16, 52, 46)  # column widths of the list, in characters of the default font


_SECTION = re.compile(r"([一二三四五六七八九十]+)、")


def place(sheet: str, cell: str) -> str:
    """A short place for the list: "第三部分 D30" for sheet "三、收到和处理…" (the message names the table)."""
    m = _SECTION.match(sheet)
    return f"第{m.group(1)}部分 {cell}" if m else f"{sheet} {cell}"


def _lines(text: str, width: int) -> int:
    """Printed lines of wrapped text in a column: spreadsheets do not grow a row for wrapped text
    on their own when a file is opened, so the list sets each row's height."""
    units = sum(2 if ord(ch) > 0x2E7F else 1 for ch in text)  # a CJK character is two columns wide
    return max(1, -(-units // max(width - 2, 1)) + text.count("\n"))


def _list_sheet(unit: str, entries: list[_Entry], st: dict[str, int]) -> bytes:
    n_err = sum(1 for e in entries if e.finding.severity == "error")
    n_warn = sum(1 for e in entries if e.finding.severity == "warning")
    title = f"{unit}：检查发现{len(entries)}个问题（错误{n_err}个，警告{n_warn}个）"
    note = ("点击“位置”跳到对应单元格；有问题的单元格已标红（错误）或标黄（警告）并附批注。"
            "请逐条改正后保存并重新报送本文件；本表、底色和批注不影响检查，无需删除。")
    rows = [f'<row r="1" ht="24" customHeight="1">{_cell_xml("A1", st["title"], title)}</row>',
            f'<row r="2" ht="36" customHeight="1">{_cell_xml("A2", st["note"], note)}</row>']
    header = "".join(_cell_xml(make_cell(FEEDBACK_HEADER_ROW, i + 1), st["head"], h)
                     for i, h in enumerate(FEEDBACK_HEADER))
    rows.append(f'<row r="{FEEDBACK_HEADER_ROW}">{header}</row>')
    links = []
    cat = catalogue()
    for k, e in enumerate(entries):
        r = FEEDBACK_HEADER_ROW + 1 + k
        f = e.finding
        where = place(e.sheet, e.cell) if e.sheet and e.cell else (f.where or "整个文件")
        sev = "err" if f.severity == "error" else "body"
        cells = [
            _cell_xml(f"A{r}", st[sev], SEVERITY_ZH.get(f.severity, f.severity)),
            _cell_xml(f"B{r}", st["body"], f.rule),
            _cell_xml(f"C{r}", st["body"], (cat.get(f.rule) or {}).get("title", "")),
            _cell_xml(f"D{r}", st["link"] if e.cell else st["body"], where),
            _cell_xml(f"E{r}", st["body"], f.message),
            _cell_xml(f"F{r}", st["body"], f.hint),
        ]
        texts = (where, f.message, f.hint)
        lines = max(_lines(t, w) for t, w in zip(texts, _WIDTHS[3:], strict=True))
        rows.append(f'<row r="{r}" ht="{15 * lines}" customHeight="1">{"".join(cells)}</row>')
        if e.sheet and e.cell:
            loc = escape(f"{quoted_sheet(e.sheet)}!{e.cell}", {'"': "&quot;"})
            shown = escape(clean(where), {'"': "&quot;"})
            links.append(f'<hyperlink ref="D{r}" location="{loc}" display="{shown}"/>')
    last = FEEDBACK_HEADER_ROW + len(entries)
    cols = "".join(f'<col min="{i}" max="{i}" width="{w}" customWidth="1"/>'
                   for i, w in enumerate(_WIDTHS, start=1))
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<worksheet xmlns="{MAIN}" xmlns:r="{REL}">'
        '<sheetPr><tabColor rgb="FFC00000"/><pageSetUpPr fitToPage="1"/></sheetPr>'
        f'<dimension ref="A1:F{last}"/>'
        '<sheetViews><sheetView tabSelected="1" workbookViewId="0">'
        f'<pane ySplit="{FEEDBACK_HEADER_ROW}" topLeftCell="A{FEEDBACK_HEADER_ROW + 1}" activePane="bottomLeft" '
        'state="frozen"/></sheetView></sheetViews>'
        '<sheetFormatPr defaultRowHeight="15"/>'
        f'<cols>{cols}</cols>'
        f'<sheetData>{"".join(rows)}</sheetData>'
        '<mergeCells count="2"><mergeCell ref="A1:F1"/><mergeCell ref="A2:F2"/></mergeCells>'
        + (f'<hyperlinks>{"".join(links)}</hyperlinks>' if links else "")
        + '<printOptions horizontalCentered="1"/>'
        '<pageMargins left="0.5" right="0.5" top="0.6" bottom="0.6" header="0.3" footer="0.3"/>'
        '<pageSetup paperSize="9" orientation="landscape" fitToWidth="1" fitToHeight="0"/>'
        '<headerFooter><oddFooter>&amp;L' + escape(clean(unit).replace("&", "&&"))
        + '&amp;C问题清单&amp;R第&amp;P页/共&amp;N页</oddFooter></headerFooter>'
        '</worksheet>'
    ).encode("utf-8")


def _list_styles(styles: Styles) -> dict[str, int]:
    return {
        "title": styles.new_format(bold=True, size=14, border=False, wrap=False),
        "note": styles.new_format(size=10, border=False),
        "head": styles.new_format(bold=True, fill="FFD9D9D9"),
        "body": styles.new_format(),
        "err": styles.new_format(bold=True, color="FFC00000"),
        "link": styles.new_format(color="FF0563C1", underline=True),
    }


# ---------------------------------------------------------------- the workbook


def _sheet_visible(el: etree._Element) -> bool:
    return (el.get("state") or "visible") == "visible"


def annotate_workbook(data: bytes, findings: list[Finding], unit: str) -> bytes:
    """The feedback copy of workbook `data` for `findings` (those that fail). Raises FeedbackError
    (Chinese message) when the package is not one we can edit safely."""
    try:
        return _annotate(data, findings, unit)
    except FeedbackError:
        raise
    except Exception as e:  # a broken or hostile package: the caller writes a note instead
        raise FeedbackError(f"无法在该文件上标注（{type(e).__name__}）") from None


def _annotate(data: bytes, findings: list[Finding], unit: str) -> bytes:
    pkg = Package(data)
    wb_part = "xl/workbook.xml"
    wb = pkg.xml(wb_part)
    wb_rels = Rels(pkg, wb_part)
    ct = ContentTypes(pkg)
    sheets_el = wb.find(q("sheets"))
    if sheets_el is None or not len(sheets_el):
        raise FeedbackError("工作簿中没有工作表")
    sheet_els = list(sheets_el.iterchildren(q("sheet")))
    # a list sheet from an earlier round (first, by name): replaced by the new one
    old_list = sheet_els[0] if sheet_els and sheet_els[0].get("name") == FEEDBACK_SHEET else None
    part_of = {el.get("name"): wb_rels.target(el.get(q("id", REL)) or "") for el in sheet_els}
    visible = {el.get("name") for el in sheet_els if _sheet_visible(el) and el is not old_list}
    styles_rel = wb_rels.of_type(f"{REL}/styles")
    styles_part = styles_rel[0][1] if styles_rel else None
    if not styles_part or pkg.real(styles_part) is None:
        raise FeedbackError("工作簿缺少样式文件xl/styles.xml")
    styles = Styles(pkg, styles_part, (FILL_ERROR, FILL_WARNING))

    entries: list[_Entry] = []
    by_sheet: dict[str, dict[str, list[Finding]]] = defaultdict(lambda: defaultdict(list))
    for f in findings:
        sheet = f.sheet if f.sheet in visible else None
        cell = f.cell if sheet and f.cell and re.fullmatch(r"[A-Z]{1,3}[1-9]\d{0,6}", f.cell) else None
        if cell and (col_index(re.match(r"[A-Z]+", cell).group(0)) > 16384 or split_cell(cell)[0] > 1048576):
            cell = None
        entries.append(_Entry(f, sheet, cell))
        if sheet and cell:
            by_sheet[sheet][cell].append(f)
    # what an earlier round left: its comments go, and its colours where there is no finding now
    for el in sheet_els:
        p = part_of.get(el.get("name"))
        if el is not old_list and p and pkg.real(p) is not None:
            _clear_old_comments(pkg, ct, p)
            if styles.restore:
                _unhighlight(pkg, p, styles.restore, set(by_sheet.get(el.get("name") or "", {})))
    # VML shape ids must be unique across the workbook's drawings: start above those already there
    first_block = 1 + max([0, *(_vml_blocks(pkg.parts[n]) for n in pkg.names if n.lower().endswith(".vml"))])
    for block, (sheet, cells) in enumerate(by_sheet.items(), start=first_block):
        part = part_of.get(sheet)
        if not part or pkg.real(part) is None or not _annotate_sheet(pkg, ct, styles, part, block, cells):
            for e in entries:  # cannot point into that sheet: the list names the place, without a link
                if e.sheet == sheet:
                    e.cell = None

    # the list sheet: first in the workbook, selected, the one the unit sees on opening
    st = _list_styles(styles)
    if old_list is not None:
        list_part = part_of[FEEDBACK_SHEET]
        list_el = old_list
        old_rels = rels_name(list_part)
        if pkg.real(old_rels) is not None:  # the old list's hyperlinks etc.: the new list has none
            pkg.delete(old_rels)
            ct.remove(old_rels)
    else:
        list_part = pkg.free_name("xl/worksheets/sheet{}.xml")
        used = {int(el.get("sheetId") or 0) for el in sheet_els}
        list_el = etree.Element(q("sheet"), name=FEEDBACK_SHEET, sheetId=str(max(used | {0}) + 1))
        list_el.set(q("id", REL), wb_rels.add(RT_SHEET, list_part))
        sheets_el.insert(0, list_el)
        _shift_local_sheet_ids(wb)
    if list_el.get("state"):
        del list_el.attrib["state"]
    pkg.put(list_part, _list_sheet(unit, entries, st))
    ct.override(list_part, CT_SHEET)
    for el in sheet_els:
        if el is list_el:
            continue
        p = el.get("name") and part_of.get(el.get("name"))
        if p and pkg.real(p) is not None:
            _unselect(pkg, p)
    views = wb.find(q("bookViews"))
    if views is None:
        views = etree.Element(q("bookViews"))
        sheets_el.addprevious(views)
    view = views.find(q("workbookView"))
    if view is None:
        view = etree.SubElement(views, q("workbookView"))
    view.set("activeTab", "0")
    if view.get("firstSheet"):
        view.set("firstSheet", "0")
    styles.save()
    ct.save()
    wb_rels.save()
    pkg.put(wb_part, ser(wb))
    return pkg.zip()


_STYLE_ATTR = re.compile(rb'<(?:\w+:)?c\b[^>]*\bs="(\d+)"')


def _unhighlight(pkg: Package, part: str, restore: dict[int, int], keep: set[str]) -> None:
    data = pkg.parts[pkg.real(part) or part]
    if not any(int(m.group(1)) in restore for m in _STYLE_ATTR.finditer(data)):
        return
    root = parse_xml(data, part)
    for c in root.iter(q("c")):
        st = c.get("s")
        if st and st.isdigit() and int(st) in restore and c.get("r") not in keep:
            c.set("s", str(restore[int(st)]))
    pkg.put(part, ser(root))


_VML_DATA = re.compile(rb'\bdata="([\d,\s]+)"')
_VML_ID = re.compile(rb'\bid="_x0000_s(\d+)"')


def _vml_blocks(data: bytes) -> int:
    """The highest block of 1024 shape ids a VML drawing claims (its idmap, and its shapes' ids)."""
    blocks = [int(x) for m in _VML_DATA.finditer(data) for x in re.split(rb"[,\s]+", m.group(1)) if x]
    blocks += [int(m.group(1)) // 1024 for m in _VML_ID.finditer(data)]
    return max(blocks, default=0)


def _shift_local_sheet_ids(wb: etree._Element) -> None:
    """Defined names scoped to a sheet name it by position: one sheet more in front shifts them all."""
    names = wb.find(q("definedNames"))
    for dn in names.iterchildren(q("definedName")) if names is not None else []:
        v = dn.get("localSheetId")
        if v is not None and v.isdigit():
            dn.set("localSheetId", str(int(v) + 1))


_TAB_SELECTED = re.compile(rb'<(?:\w+:)?sheetView\b[^>]*\btabSelected="(?:1|true)"')


def _unselect(pkg: Package, part: str) -> None:
    """Clear tabSelected on another sheet: two selected tabs are a sheet group in Excel, and typing then
    writes into both sheets."""
    data = pkg.parts[pkg.real(part) or part]
    if not _TAB_SELECTED.search(data):
        return
    root = parse_xml(data, part)
    for v in root.iter(q("sheetView")):
        if v.get("tabSelected") in ("1", "true"):
            del v.attrib["tabSelected"]
    pkg.put(part, ser(root))
