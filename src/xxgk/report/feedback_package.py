"""Editing an .xlsx package in place, part by part (for the feedback copy, feedback_xlsx.py): members
kept in order and byte for byte unless replaced, relationships, content types, and styles to which
formats are only ever appended. Parsing goes through the reader's hardened XML and zip caps."""

from __future__ import annotations

import io
import posixpath
import zipfile

from lxml import etree

from ..read.safe_open import SafeZip, parse_xml, resolve_target

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

_STYLE_ORDER = ("numFmts", "fonts", "fills", "borders", "cellStyleXfs", "cellXfs", "cellStyles", "dxfs",
                "tableStyles", "colors", "extLst")


class FeedbackError(Exception):
    """The copy cannot be made (the caller writes a note instead); the message is Chinese."""


def q(tag: str, ns: str = MAIN) -> str:
    return f"{{{ns}}}{tag}"


def ser(root: etree._Element) -> bytes:
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)



class Package:
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


def rels_name(part: str) -> str:
    d, f = posixpath.split(part)
    return posixpath.join(d, "_rels", f + ".rels")


def rel_target(from_part: str, to_part: str) -> str:
    return posixpath.relpath(to_part, posixpath.dirname(from_part))


class Rels:
    def __init__(self, pkg: Package, part: str):
        self.pkg, self.part, self.name = pkg, part, rels_name(part)
        if pkg.real(self.name) is not None:
            self.root = pkg.xml(self.name)
        else:
            self.root = etree.Element(q("Relationships", PKG_REL), nsmap={None: PKG_REL})

    def items(self) -> list[etree._Element]:
        return [r for r in self.root if r.tag == q("Relationship", PKG_REL)]

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
        etree.SubElement(self.root, q("Relationship", PKG_REL), Id=rid, Type=rtype,
                         Target=rel_target(self.part, to_part))
        return rid

    def remove(self, rid: str) -> None:
        for r in self.items():
            if r.get("Id") == rid:
                self.root.remove(r)

    def save(self) -> None:
        self.pkg.put(self.name, ser(self.root))


class ContentTypes:
    def __init__(self, pkg: Package):
        self.pkg = pkg
        self.root = pkg.xml("[Content_Types].xml")

    def override(self, part: str, ctype: str) -> None:
        name = "/" + part
        for el in self.root:
            if el.tag == q("Override", CT) and (el.get("PartName") or "").lower() == name.lower():
                el.set("ContentType", ctype)
                return
        etree.SubElement(self.root, q("Override", CT), PartName=name, ContentType=ctype)

    def default(self, ext: str, ctype: str) -> None:
        for el in self.root:
            if el.tag == q("Default", CT) and (el.get("Extension") or "").lower() == ext:
                return
        # Defaults precede Overrides by convention (the schema allows any order)
        first_override = next((el for el in self.root if el.tag == q("Override", CT)), None)
        el = etree.Element(q("Default", CT), Extension=ext, ContentType=ctype)
        if first_override is not None:
            first_override.addprevious(el)
        else:
            self.root.append(el)

    def remove(self, part: str) -> None:
        for el in list(self.root):
            if el.tag == q("Override", CT) and (el.get("PartName") or "").lower() == "/" + part.lower():
                self.root.remove(el)

    def save(self) -> None:
        self.pkg.put("[Content_Types].xml", ser(self.root))


# ---------------------------------------------------------------- styles


class Styles:
    """Appends fonts, fills, borders and cell formats to xl/styles.xml; never changes existing ones."""

    def __init__(self, pkg: Package, part: str, highlights: tuple[str, ...] = ()):
        """`highlights`: the solid fill colours (ARGB) of highlighted cells; cells that an earlier round
        highlighted with them can be given their own format back (see `restore`)."""
        self.pkg, self.part, self.highlights = pkg, part, tuple(h.upper() for h in highlights)
        self.root = pkg.xml(part)
        self.xfs = self._section("cellXfs")
        if not len(self.xfs):  # a cell format 0 must exist for style indexes to mean anything
            etree.SubElement(self.xfs, q("xf"), numFmtId="0", fontId="0", fillId="0", borderId="0")
        self._highlight: dict[tuple[int, str], int] = {}
        self._fills: dict[str, int] = {}
        self.restore = self._restore_map()

    def _restore_map(self) -> dict[int, int]:
        """Cell formats highlighted by an earlier feedback round -> the plain format they came from: one
        equal in everything but the fill (the cell's siblings still use it), else the same without fill."""
        fills = list(self._section("fills").iterchildren(q("fill")))
        ours = set()
        for i, f in enumerate(fills):
            p = f.find(q("patternFill"))
            fg = p.find(q("fgColor")) if p is not None else None
            if fg is not None and p.get("patternType") == "solid" and (fg.get("rgb") or "").upper() in (
                    self.highlights):
                ours.add(str(i))
        if not ours:
            return {}
        xfs = list(self.xfs.iterchildren(q("xf")))

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
        el = self.root.find(q(tag))
        if el is None:
            el = etree.Element(q(tag))
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
                f = etree.SubElement(sec, q("fill"))
                etree.SubElement(f, q("patternFill"), patternType=pattern)
        if tag in ("fonts", "borders") and not len(sec):
            sec.append(make_font() if tag == "fonts" else make_border(False))
        sec.append(el)
        sec.set("count", str(len(sec)))
        return len(sec) - 1

    def fill(self, argb: str) -> int:
        if argb not in self._fills:
            f = etree.Element(q("fill"))
            p = etree.SubElement(f, q("patternFill"), patternType="solid")
            etree.SubElement(p, q("fgColor"), rgb=argb)
            etree.SubElement(p, q("bgColor"), indexed="64")
            self._fills[argb] = self._append("fills", f)
        return self._fills[argb]

    def highlighted(self, style: int, argb: str) -> int:
        """A new cell format: `style` with its fill replaced (font, border, number format, alignment and
        protection, hence the locked flag, unchanged)."""
        style = self.restore.get(style, style)
        key = (style, argb)
        if key not in self._highlight:
            xfs = list(self.xfs.iterchildren(q("xf")))
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
        font_id = self._append("fonts", make_font(bold=bold, size=size, color=color, underline=underline))
        fill_id = self.fill(fill) if fill else 0
        border_id = self._append("borders", make_border(border))
        xf = etree.SubElement(self.xfs, q("xf"), numFmtId="0", fontId=str(font_id), fillId=str(fill_id),
                              borderId=str(border_id), xfId="0", applyFont="1", applyFill="1",
                              applyBorder="1", applyAlignment="1")
        etree.SubElement(xf, q("alignment"), vertical="top", wrapText="1" if wrap else "0")
        self.xfs.set("count", str(len(self.xfs)))
        return len(self.xfs) - 1

    def save(self) -> None:
        self.pkg.put(self.part, ser(self.root))


def make_font(*, bold: bool = False, size: int = 11, color: str | None = None, underline: bool = False
          ) -> etree._Element:
    f = etree.Element(q("font"))  # children in schema order: b, u, sz, color, name, family, charset
    if bold:
        etree.SubElement(f, q("b"))
    if underline:
        etree.SubElement(f, q("u"))
    etree.SubElement(f, q("sz"), val=str(size))
    if color:
        etree.SubElement(f, q("color"), rgb=color)
    etree.SubElement(f, q("name"), val="宋体")
    etree.SubElement(f, q("family"), val="3")
    etree.SubElement(f, q("charset"), val="134")
    return f


def make_border(thin: bool) -> etree._Element:
    b = etree.Element(q("border"))
    for side in ("left", "right", "top", "bottom"):
        s = etree.SubElement(b, q(side), **({"style": "thin"} if thin else {}))
        if thin:
            etree.SubElement(s, q("color"), rgb="FF808080")
    etree.SubElement(b, q("diagonal"))
    return b
