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

import io
import posixpath
import re
import zipfile
from collections import defaultdict
from dataclasses import dataclass
from xml.sax.saxutils import escape

from lxml import etree

from ..read.safe_open import SafeZip, parse_xml, resolve_target
from ..read.xlsx import col_index, make_cell, split_cell
from ..sanitize import clean, for_xlsx
from .model import SEVERITY_ZH, Finding, catalogue

# The list sheet as the checker accepts it (check/tamper.py): this name, first position, this header.
FEEDBACK_SHEET = "问题清单"
FEEDBACK_HEADER = ("级别", "规则编号", "规则名称", "位置", "问题", "修改建议")
FEEDBACK_HEADER_ROW = 3  # rows 1-2: title and one line of instructions
FEEDBACK_AUTHOR = "xxgk检查"

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
CT = "http://schemas.openxmlformats.org/package/2006/content-types"
RT_SHEET = f"{REL}/worksheet"
RT_COMMENTS = f"{REL}/comments"
RT_VML = f"{REL}/vmlDrawing"
CT_SHEET = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
CT_COMMENTS = "application/vnd.openxmlformats-officedocument.spreadsheetml.comments+xml"
CT_VML = "application/vnd.openxmlformats-officedocument.vmlDrawing"
NS_V = "urn:schemas-microsoft-com:vml"
NS_O = "urn:schemas-microsoft-com:office:office"
NS_X = "urn:schemas-microsoft-com:office:excel"

# Cell fill of a highlighted cell: salmon for errors, highlighter yellow otherwise; stronger than the
# pale pink the workbook's own conditional formats use for a broken balance, so the two do not blend.
FILL_ERROR = "FFFF7C80"
FILL_WARNING = "FFFFFF66"

# Elements of CT_Worksheet that come after <legacyDrawing> (schema order).
_AFTER_LEGACY = ("legacyDrawingHF", "drawingHF", "picture", "oleObjects", "controls", "webPublishItems",
                 "tableParts", "extLst")
_STYLE_ORDER = ("numFmts", "fonts", "fills", "borders", "cellStyleXfs", "cellXfs", "cellStyles", "dxfs",
                "tableStyles", "colors", "extLst")


class FeedbackError(Exception):
    """The copy cannot be made (the caller writes a note instead); the message is Chinese."""


def _q(tag: str, ns: str = MAIN) -> str:
    return f"{{{ns}}}{tag}"


def _ser(root: etree._Element) -> bytes:
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def quoted_sheet(name: str) -> str:
    """A sheet name as a formula/hyperlink reference: always quoted, apostrophes doubled."""
    return "'" + name.replace("'", "''") + "'"


@dataclass
class _Entry:
    """One row of the list: a finding and where it lands in the copy (sheet present, cell valid)."""

    finding: Finding
    sheet: str | None  # sheet name in the copy when the finding points at a visible sheet
    cell: str | None  # A1 reference when it points at a cell of that sheet


class _Package:
    """The zip members in their order; parts are replaced as bytes, new ones appended."""

    def __init__(self, data: bytes):
        z = SafeZip(data)  # the same caps as the reader: a copy is never a way round them
        self.names = [n for n in z.names if not n.endswith("/")]
        self.parts: dict[str, bytes] = {}
        for n in self.names:
            b = z.read(n)
            self.parts[n] = b if b is not None else b""

    def xml(self, name: str) -> etree._Element:
        real = self.real(name)
        if real is None:
            raise FeedbackError(f"工作簿缺少内部文件{name}")
        return parse_xml(self.parts[real], real)

    def real(self, name: str) -> str | None:
        low = name.lower()
        return next((n for n in self.names if n.lower() == low), None)

    def put(self, name: str, data: bytes) -> None:
        real = self.real(name)
        if real is None:
            self.names.append(name)
            real = name
        self.parts[real] = data

    def delete(self, name: str) -> None:
        real = self.real(name)
        if real is not None:
            self.names.remove(real)
            del self.parts[real]

    def free_name(self, pattern: str) -> str:
        i = 1
        while self.real(pattern.format(i)) is not None:
            i += 1
        return pattern.format(i)

    def zip(self) -> bytes:
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
            for n in self.names:
                info = zipfile.ZipInfo(n, date_time=(1980, 1, 1, 0, 0, 0))
                info.compress_type = zipfile.ZIP_DEFLATED
                zf.writestr(info, self.parts[n])
        return out.getvalue()


def _rels_name(part: str) -> str:
    d, f = posixpath.split(part)
    return posixpath.join(d, "_rels", f + ".rels")


def _rel_target(from_part: str, to_part: str) -> str:
    return posixpath.relpath(to_part, posixpath.dirname(from_part))


class _Rels:
    def __init__(self, pkg: _Package, part: str):
        self.pkg, self.part, self.name = pkg, part, _rels_name(part)
        if pkg.real(self.name) is not None:
            self.root = pkg.xml(self.name)
        else:
            self.root = etree.Element(_q("Relationships", PKG_REL), nsmap={None: PKG_REL})

    def items(self) -> list[etree._Element]:
        return [r for r in self.root if r.tag == _q("Relationship", PKG_REL)]

    def target(self, rid: str) -> str | None:
        for r in self.items():
            if r.get("Id") == rid and r.get("TargetMode") != "External":
                return resolve_target(self.part, r.get("Target") or "")
        return None

    def of_type(self, rtype: str) -> list[tuple[str, str]]:
        return [(r.get("Id") or "", resolve_target(self.part, r.get("Target") or "")) for r in self.items()
                if r.get("Type") == rtype and r.get("TargetMode") != "External"]

    def add(self, rtype: str, to_part: str) -> str:
        used = {r.get("Id") for r in self.items()}
        i = 1
        while f"rId{i}" in used:
            i += 1
        rid = f"rId{i}"
        etree.SubElement(self.root, _q("Relationship", PKG_REL), Id=rid, Type=rtype,
                         Target=_rel_target(self.part, to_part))
        return rid

    def remove(self, rid: str) -> None:
        for r in self.items():
            if r.get("Id") == rid:
                self.root.remove(r)

    def save(self) -> None:
        self.pkg.put(self.name, _ser(self.root))


class _ContentTypes:
    def __init__(self, pkg: _Package):
        self.pkg = pkg
        self.root = pkg.xml("[Content_Types].xml")

    def override(self, part: str, ctype: str) -> None:
        name = "/" + part
        for el in self.root:
            if el.tag == _q("Override", CT) and (el.get("PartName") or "").lower() == name.lower():
                el.set("ContentType", ctype)
                return
        etree.SubElement(self.root, _q("Override", CT), PartName=name, ContentType=ctype)

    def default(self, ext: str, ctype: str) -> None:
        for el in self.root:
            if el.tag == _q("Default", CT) and (el.get("Extension") or "").lower() == ext:
                return
        # Defaults precede Overrides by convention (the schema allows any order)
        first_override = next((el for el in self.root if el.tag == _q("Override", CT)), None)
        el = etree.Element(_q("Default", CT), Extension=ext, ContentType=ctype)
        if first_override is not None:
            first_override.addprevious(el)
        else:
            self.root.append(el)

    def remove(self, part: str) -> None:
        for el in list(self.root):
            if el.tag == _q("Override", CT) and (el.get("PartName") or "").lower() == "/" + part.lower():
                self.root.remove(el)

    def save(self) -> None:
        self.pkg.put("[Content_Types].xml", _ser(self.root))


# ---------------------------------------------------------------- styles


class _Styles:
    """Appends fonts, fills, borders and cell formats to xl/styles.xml; never changes existing ones."""

    def __init__(self, pkg: _Package, part: str):
        self.pkg, self.part = pkg, part
        self.root = pkg.xml(part)
        self.xfs = self._section("cellXfs")
        if not len(self.xfs):  # a cell format 0 must exist for style indexes to mean anything
            etree.SubElement(self.xfs, _q("xf"), numFmtId="0", fontId="0", fillId="0", borderId="0")
        self._highlight: dict[tuple[int, str], int] = {}
        self._fills: dict[str, int] = {}
        self.restore = self._restore_map()

    def _restore_map(self) -> dict[int, int]:
        """Cell formats highlighted by an earlier feedback round -> the plain format they came from: one
        equal in everything but the fill (the cell's siblings still use it), else the same without fill."""
        fills = list(self._section("fills").iterchildren(_q("fill")))
        ours = set()
        for i, f in enumerate(fills):
            p = f.find(_q("patternFill"))
            fg = p.find(_q("fgColor")) if p is not None else None
            if fg is not None and p.get("patternType") == "solid" and (fg.get("rgb") or "").upper() in (
                    FILL_ERROR, FILL_WARNING):
                ours.add(str(i))
        if not ours:
            return {}
        xfs = list(self.xfs.iterchildren(_q("xf")))

        def shape(xf: etree._Element) -> bytes:
            c = etree.fromstring(etree.tostring(xf))
            for k in ("fillId", "applyFill"):
                c.attrib.pop(k, None)
            return etree.tostring(c, method="c14n")

        plain: dict[bytes, int] = {}
        for i, xf in enumerate(xfs):
            if xf.get("fillId", "0") not in ours:
                plain.setdefault(shape(xf), i)
        out: dict[int, int] = {}
        for i, xf in enumerate(xfs):
            if xf.get("fillId", "0") in ours:
                j = plain.get(shape(xf))
                if j is None:
                    c = etree.fromstring(etree.tostring(xf))
                    c.set("fillId", "0")
                    c.attrib.pop("applyFill", None)
                    self.xfs.append(c)
                    self.xfs.set("count", str(len(self.xfs)))
                    j = plain[shape(xf)] = len(self.xfs) - 1
                out[i] = j
        return out

    def _section(self, tag: str) -> etree._Element:
        el = self.root.find(_q(tag))
        if el is None:
            el = etree.Element(_q(tag))
            later = _STYLE_ORDER[_STYLE_ORDER.index(tag) + 1:]
            nxt = next((c for c in self.root if isinstance(c.tag, str) and etree.QName(c).localname in later), None)
            if nxt is not None:
                nxt.addprevious(el)
            else:
                self.root.append(el)
        return el

    def _append(self, tag: str, el: etree._Element) -> int:
        sec = self._section(tag)
        if tag == "fills" and not len(sec):  # fills 0 and 1 are reserved (none, gray125)
            for pattern in ("none", "gray125"):
                f = etree.SubElement(sec, _q("fill"))
                etree.SubElement(f, _q("patternFill"), patternType=pattern)
        if tag in ("fonts", "borders") and not len(sec):
            sec.append(_font() if tag == "fonts" else _border(False))
        sec.append(el)
        sec.set("count", str(len(sec)))
        return len(sec) - 1

    def fill(self, argb: str) -> int:
        if argb not in self._fills:
            f = etree.Element(_q("fill"))
            p = etree.SubElement(f, _q("patternFill"), patternType="solid")
            etree.SubElement(p, _q("fgColor"), rgb=argb)
            etree.SubElement(p, _q("bgColor"), indexed="64")
            self._fills[argb] = self._append("fills", f)
        return self._fills[argb]

    def highlighted(self, style: int, argb: str) -> int:
        """A new cell format: `style` with its fill replaced (font, border, number format, alignment and
        protection, hence the locked flag, unchanged)."""
        style = self.restore.get(style, style)
        key = (style, argb)
        if key not in self._highlight:
            xfs = list(self.xfs.iterchildren(_q("xf")))
            base = xfs[style] if 0 <= style < len(xfs) else xfs[0]
            xf = etree.fromstring(etree.tostring(base))
            xf.set("fillId", str(self.fill(argb)))
            xf.set("applyFill", "1")
            self.xfs.append(xf)
            self.xfs.set("count", str(len(self.xfs)))
            self._highlight[key] = len(self.xfs) - 1
        return self._highlight[key]

    def new_format(self, *, bold: bool = False, size: int = 11, color: str | None = None, underline: bool = False,
                   fill: str | None = None, border: bool = True, wrap: bool = True) -> int:
        font = self._append("fonts", _font(bold=bold, size=size, color=color, underline=underline))
        fill_id = self.fill(fill) if fill else 0
        border_id = self._append("borders", _border(border))
        xf = etree.SubElement(self.xfs, _q("xf"), numFmtId="0", fontId=str(font), fillId=str(fill_id),
                              borderId=str(border_id), xfId="0", applyFont="1", applyFill="1",
                              applyBorder="1", applyAlignment="1")
        etree.SubElement(xf, _q("alignment"), vertical="top", wrapText="1" if wrap else "0")
        self.xfs.set("count", str(len(self.xfs)))
        return len(self.xfs) - 1

    def save(self) -> None:
        self.pkg.put(self.part, _ser(self.root))


def _font(*, bold: bool = False, size: int = 11, color: str | None = None, underline: bool = False
          ) -> etree._Element:
    f = etree.Element(_q("font"))  # children in schema order: b, u, sz, color, name, family, charset
    if bold:
        etree.SubElement(f, _q("b"))
    if underline:
        etree.SubElement(f, _q("u"))
    etree.SubElement(f, _q("sz"), val=str(size))
    if color:
        etree.SubElement(f, _q("color"), rgb=color)
    etree.SubElement(f, _q("name"), val="宋体")
    etree.SubElement(f, _q("family"), val="3")
    etree.SubElement(f, _q("charset"), val="134")
    return f


def _border(thin: bool) -> etree._Element:
    b = etree.Element(_q("border"))
    for side in ("left", "right", "top", "bottom"):
        s = etree.SubElement(b, _q(side), **({"style": "thin"} if thin else {}))
        if thin:
            etree.SubElement(s, _q("color"), rgb="FF808080")
    etree.SubElement(b, _q("diagonal"))
    return b


# ---------------------------------------------------------------- cells


def _find_or_make_cell(sheet_data: etree._Element, ref: str) -> etree._Element:
    """The <c> of `ref`, created (in row and column order) when the sheet has none."""
    row_no, col_no = split_cell(ref)
    row = None
    for r in sheet_data.iterchildren(_q("row")):
        rn = int(r.get("r") or 0)
        if rn == row_no:
            row = r
            break
        if rn > row_no:
            row = etree.Element(_q("row"), r=str(row_no))
            r.addprevious(row)
            break
    if row is None:
        row = etree.SubElement(sheet_data, _q("row"), r=str(row_no))
    for c in row.iterchildren(_q("c")):
        cref = c.get("r")
        if cref == ref:
            return c
        if cref and split_cell(cref)[1] > col_no:
            new = etree.Element(_q("c"), r=ref)
            c.addprevious(new)
            return new
    return etree.SubElement(row, _q("c"), r=ref)


def _has_refs(sheet_data: etree._Element) -> bool:
    """Every row and cell carries its "r" (all writers we know do; without it positions are implicit)."""
    return all(r.get("r") for r in sheet_data.iterchildren(_q("row"))) and all(
        c.get("r") for c in sheet_data.iter(_q("c")))


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
    text = "".join(t.text or "" for t in cm.iter(_q("t")))
    return (author is not None and cm.get("authorId") == author) or _OUR_COMMENT.match(text) is not None


def _clear_old_comments(pkg: _Package, ct: _ContentTypes, part: str) -> None:
    """Remove the comments (and their note boxes) of an earlier feedback round from one sheet; parts
    left empty go, with their relationships."""
    if pkg.real(_rels_name(part)) is None:
        return
    rels = _Rels(pkg, part)
    found = rels.of_type(RT_COMMENTS)
    if not found or pkg.real(found[0][1]) is None:
        return
    rid, comments_part = found[0]
    croot = pkg.xml(comments_part)
    authors = [a.text or "" for a in croot.iter(_q("author"))]
    author = str(authors.index(FEEDBACK_AUTHOR)) if FEEDBACK_AUTHOR in authors else None
    clist = croot.find(_q("commentList"))
    removed = [cm for cm in (clist.iterchildren(_q("comment")) if clist is not None else []) if _is_ours(cm, author)]
    if not removed:
        return
    for cm in removed:
        clist.remove(cm)
    gone = {cm.get("ref") for cm in removed}
    root = pkg.xml(part)
    legacy = root.find(_q("legacyDrawing"))
    vml_part = rels.target(legacy.get(_q("id", REL)) or "") if legacy is not None else None
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
        pkg.put(comments_part, _ser(croot))
    else:
        pkg.delete(comments_part)
        ct.remove(comments_part)
        rels.remove(rid)
        if legacy is not None and vml_part and not shapes_left:
            pkg.delete(vml_part)
            rels.remove(legacy.get(_q("id", REL)) or "")
            root.remove(legacy)
            pkg.put(part, _ser(root))
    rels.save()


def _annotate_sheet(pkg: _Package, ct: _ContentTypes, styles: _Styles, part: str, block: int,
                    cells: dict[str, list[Finding]]) -> bool:
    """Highlight and comment `cells` in one sheet part. False when the sheet cannot take comments
    (then it is only highlighted and the list carries the messages)."""
    root = pkg.xml(part)
    sheet_data = root.find(_q("sheetData"))
    if sheet_data is None or not _has_refs(sheet_data):
        return False
    for ref, found in cells.items():
        c = _find_or_make_cell(sheet_data, ref)
        argb = FILL_ERROR if any(f.severity == "error" for f in found) else FILL_WARNING
        style = c.get("s")
        c.set("s", str(styles.highlighted(int(style) if style and style.isdigit() else 0, argb)))
    rels = _Rels(pkg, part)
    # comments: reuse the sheet's comments part (keeping other authors' comments), or make one
    comments_parts = rels.of_type(RT_COMMENTS)
    comments_part = comments_parts[0][1] if comments_parts else None
    if comments_part and pkg.real(comments_part) is not None:
        croot = pkg.xml(comments_part)
    else:
        comments_part = pkg.free_name("xl/comments{}.xml")
        croot = etree.Element(_q("comments"), nsmap={None: MAIN})
        rels.add(RT_COMMENTS, comments_part)
    authors = croot.find(_q("authors"))
    if authors is None:
        authors = etree.Element(_q("authors"))
        croot.insert(0, authors)
    names = [a.text or "" for a in authors.iterchildren(_q("author"))]
    if FEEDBACK_AUTHOR not in names:
        etree.SubElement(authors, _q("author")).text = FEEDBACK_AUTHOR
        names.append(FEEDBACK_AUTHOR)
    ours = str(names.index(FEEDBACK_AUTHOR))
    clist = croot.find(_q("commentList"))
    if clist is None:
        clist = etree.SubElement(croot, _q("commentList"))
    for cm in list(clist.iterchildren(_q("comment"))):  # a cell holds one comment: ours replaces it
        if cm.get("ref") in cells:
            clist.remove(cm)
    others = {cm.get("ref") for cm in clist.iterchildren(_q("comment"))}
    for ref, found in sorted(cells.items(), key=lambda kv: split_cell(kv[0])):
        cm = etree.SubElement(clist, _q("comment"), ref=ref, authorId=ours)
        t = etree.SubElement(etree.SubElement(cm, _q("text")), _q("t"))
        t.text = _comment_text(found)
        t.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
    # the VML drawing that makes Excel show them
    legacy = root.find(_q("legacyDrawing"))
    vml_part = rels.target(legacy.get(_q("id", REL)) or "") if legacy is not None else None
    vroot = None
    if vml_part and pkg.real(vml_part) is not None:
        try:
            vroot = pkg.xml(vml_part)
        except Exception:  # Excel's VML is not always well-formed XML: start a fresh drawing
            vroot = None
    if vroot is None:
        if legacy is not None:
            rels.remove(legacy.get(_q("id", REL)) or "")
            root.remove(legacy)
        vml_part = pkg.free_name("xl/drawings/vmlDrawing{}.vml")
        vroot = _new_vml(block)
        legacy = etree.Element(_q("legacyDrawing"))
        legacy.set(_q("id", REL), rels.add(RT_VML, vml_part))
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
    pkg.put(comments_part, _ser(croot))
    ct.default("vml", CT_VML)
    ct.override(comments_part, CT_COMMENTS)
    rels.save()
    pkg.put(part, _ser(root))
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


def _list_styles(styles: _Styles) -> dict[str, int]:
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
    pkg = _Package(data)
    wb_part = "xl/workbook.xml"
    wb = pkg.xml(wb_part)
    wb_rels = _Rels(pkg, wb_part)
    ct = _ContentTypes(pkg)
    sheets_el = wb.find(_q("sheets"))
    if sheets_el is None or not len(sheets_el):
        raise FeedbackError("工作簿中没有工作表")
    sheet_els = list(sheets_el.iterchildren(_q("sheet")))
    # a list sheet from an earlier round (first, by name): replaced by the new one
    old_list = sheet_els[0] if sheet_els and sheet_els[0].get("name") == FEEDBACK_SHEET else None
    part_of = {el.get("name"): wb_rels.target(el.get(_q("id", REL)) or "") for el in sheet_els}
    visible = {el.get("name") for el in sheet_els if _sheet_visible(el) and el is not old_list}
    styles_rel = wb_rels.of_type(f"{REL}/styles")
    styles_part = styles_rel[0][1] if styles_rel else None
    if not styles_part or pkg.real(styles_part) is None:
        raise FeedbackError("工作簿缺少样式文件xl/styles.xml")
    styles = _Styles(pkg, styles_part)

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
        old_rels = _rels_name(list_part)
        if pkg.real(old_rels) is not None:  # the old list's hyperlinks etc.: the new list has none
            pkg.delete(old_rels)
            ct.remove(old_rels)
    else:
        list_part = pkg.free_name("xl/worksheets/sheet{}.xml")
        used = {int(el.get("sheetId") or 0) for el in sheet_els}
        list_el = etree.Element(_q("sheet"), name=FEEDBACK_SHEET, sheetId=str(max(used | {0}) + 1))
        list_el.set(_q("id", REL), wb_rels.add(RT_SHEET, list_part))
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
    views = wb.find(_q("bookViews"))
    if views is None:
        views = etree.Element(_q("bookViews"))
        sheets_el.addprevious(views)
    view = views.find(_q("workbookView"))
    if view is None:
        view = etree.SubElement(views, _q("workbookView"))
    view.set("activeTab", "0")
    if view.get("firstSheet"):
        view.set("firstSheet", "0")
    styles.save()
    ct.save()
    wb_rels.save()
    pkg.put(wb_part, _ser(wb))
    return pkg.zip()


_STYLE_ATTR = re.compile(rb'<(?:\w+:)?c\b[^>]*\bs="(\d+)"')


def _unhighlight(pkg: _Package, part: str, restore: dict[int, int], keep: set[str]) -> None:
    data = pkg.parts[pkg.real(part) or part]
    if not any(int(m.group(1)) in restore for m in _STYLE_ATTR.finditer(data)):
        return
    root = parse_xml(data, part)
    for c in root.iter(_q("c")):
        st = c.get("s")
        if st and st.isdigit() and int(st) in restore and c.get("r") not in keep:
            c.set("s", str(restore[int(st)]))
    pkg.put(part, _ser(root))


_VML_DATA = re.compile(rb'\bdata="([\d,\s]+)"')
_VML_ID = re.compile(rb'\bid="_x0000_s(\d+)"')


def _vml_blocks(data: bytes) -> int:
    """The highest block of 1024 shape ids a VML drawing claims (its idmap, and its shapes' ids)."""
    blocks = [int(x) for m in _VML_DATA.finditer(data) for x in re.split(rb"[,\s]+", m.group(1)) if x]
    blocks += [int(m.group(1)) // 1024 for m in _VML_ID.finditer(data)]
    return max(blocks, default=0)


def _shift_local_sheet_ids(wb: etree._Element) -> None:
    """Defined names scoped to a sheet name it by position: one sheet more in front shifts them all."""
    names = wb.find(_q("definedNames"))
    for dn in names.iterchildren(_q("definedName")) if names is not None else []:
        v = dn.get("localSheetId")
        if v is not None and v.isdigit():
            dn.set("localSheetId", str(int(v) + 1))


_TAB_SELECTED = re.compile(rb'<(?:\w+:)?sheetView\b[^>]*\btabSelected="(?:1|true)"')


def _unselect(pkg: _Package, part: str) -> None:
    """Clear tabSelected on another sheet: two selected tabs are a sheet group in Excel, and typing then
    writes into both sheets."""
    data = pkg.parts[pkg.real(part) or part]
    if not _TAB_SELECTED.search(data):
        return
    root = parse_xml(data, part)
    for v in root.iter(_q("sheetView")):
        if v.get("tabSelected") in ("1", "true"):
            del v.attrib["tabSelected"]
    pkg.put(part, _ser(root))
