"""Read the structure and values of an .xlsx with zipfile + lxml (no openpyxl: it is 5-10x slower).

Only what the checker needs: sheet order, names and states; cells (value, type, formula text,
style); merged ranges; sheet protection; the locked flag of each cell style; custom document
properties. Sheet XML is parsed lazily, the first time a sheet's cells are asked for, so sheets
the checker never looks at (校验) cost nothing. `<dimension>` is ignored (WPS writes A1:A1).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from lxml import etree

from .limits import check_element_count
from .safe_open import FileProblem, SafeZip, check_hostile, parse_xml, resolve_target, unreadable, xml_parser

CellValue = str | int | float | bool | None

_REL_NS_HINT = "relationships"
_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")
_CELL = re.compile(r"([A-Z]{1,3})(\d+)")


def col_index(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n


def col_letters(index: int) -> str:
    out = ""
    while index:
        index, rem = divmod(index - 1, 26)
        out = chr(65 + rem) + out
    return out


def split_cell(ref: str) -> tuple[int, int]:
    """'B7' -> (row 7, column 2)."""
    m = _CELL.fullmatch(ref)
    if not m:
        raise ValueError(ref)
    return int(m.group(2)), col_index(m.group(1))


def make_cell(row: int, col: int) -> str:
    return f"{col_letters(col)}{row}"


def _unescape(s: str) -> str:
    return _ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), s) if "_x" in s else s


# ---------------------------------------------------------------- shared formulas

_STRING = re.compile(r'"(?:[^"]|"")*"')
_REF = re.compile(r"(?<![A-Za-z0-9_.])(\$?)([A-Z]{1,3})(\$?)(\d{1,7})(?![A-Za-z0-9_(])")


def shift_formula(text: str, drow: int, dcol: int) -> str:
    """Move the relative references of a shared formula from its master cell to another cell."""

    def move(m: re.Match[str]) -> str:
        cabs, col, rabs, row = m.groups()
        c = col_index(col) if cabs else max(1, col_index(col) + dcol)
        r = int(row) if rabs else max(1, int(row) + drow)
        return f"{cabs}{col_letters(c)}{rabs}{r}"

    out, pos = [], 0
    for s in _STRING.finditer(text):
        out.append(_REF.sub(move, text[pos:s.start()]))
        out.append(s.group(0))
        pos = s.end()
    out.append(_REF.sub(move, text[pos:]))
    return "".join(out)


# ---------------------------------------------------------------- model


@dataclass
class RawCell:
    ref: str
    value: CellValue  # str for text (shared, inline or formula string), number, bool; None when blank
    type: str  # "n", "s", "str", "inlineStr", "b", "e", "d"; "" for a cell without a value
    formula: str | None = None  # formula text without '=' (shared formulas resolved)
    style: int = 0

    @property
    def has_formula(self) -> bool:
        return self.formula is not None

    @property
    def is_text(self) -> bool:
        return self.type in ("s", "str", "inlineStr")

    @property
    def blank(self) -> bool:
        return self.value is None or (isinstance(self.value, str) and self.value.strip() == "")


@dataclass
class _SheetData:
    cells: dict[str, RawCell]
    merges: list[str]
    protection: dict[str, str] | None


@dataclass
class RawSheet:
    name: str
    state: str  # "visible", "hidden" or "veryHidden"
    index: int
    part: str | None
    _load: Callable[[], _SheetData] | None = field(default=None, repr=False)
    _scan: Callable[[], dict[str, str] | None] | None = field(default=None, repr=False)
    _data: _SheetData | None = field(default=None, repr=False)

    def _get(self) -> _SheetData:
        if self._data is None:
            self._data = self._load() if self._load else _SheetData({}, [], None)
        return self._data

    @property
    def cells(self) -> dict[str, RawCell]:
        return self._get().cells

    @property
    def merges(self) -> list[str]:
        return self._get().merges

    @property
    def protection(self) -> dict[str, str] | None:
        """Attributes of <sheetProtection>; read without parsing the sheet when cells are not needed."""
        if self._data is None and self._scan is not None:
            return self._scan()
        return self._get().protection

    @property
    def protected(self) -> bool:
        p = self.protection
        return p is not None and p.get("sheet", "0").strip().lower() in ("1", "true")

    def cell(self, ref: str) -> RawCell | None:
        return self.cells.get(ref)

    def value(self, ref: str) -> CellValue:
        c = self.cells.get(ref)
        return None if c is None else c.value


@dataclass
class RawWorkbook:
    sheets: list[RawSheet]
    custom_props: dict[str, str]
    _locked: Callable[[], list[bool]] | None = field(default=None, repr=False)
    _locked_cache: list[bool] | None = field(default=None, repr=False)

    def sheet(self, name: str) -> RawSheet | None:
        return next((s for s in self.sheets if s.name == name), None)

    @property
    def sheet_names(self) -> list[str]:
        return [s.name for s in self.sheets]

    def locked(self, cell: RawCell | None) -> bool:
        """Whether a cell is locked when its sheet is protected (Excel's default is locked)."""
        if self._locked_cache is None:
            self._locked_cache = self._locked() if self._locked else []
        if cell is None:
            return True
        flags = self._locked_cache
        return flags[cell.style] if 0 <= cell.style < len(flags) else True


# ---------------------------------------------------------------- parsing


def _ns(root: etree._Element) -> str:
    tag = root.tag
    return tag[: tag.index("}") + 1] if isinstance(tag, str) and tag.startswith("{") else ""


def _rid(el: etree._Element) -> str | None:
    for k, v in el.attrib.items():
        if k.endswith("}id") and _REL_NS_HINT in k:
            return v
    return None


def _shared_strings(z: SafeZip, part: str | None, parser: etree.XMLParser) -> list[str]:
    if not part:
        return []
    data = z.read(part)
    if data is None:
        return []
    check_element_count(data, part, z.limits)  # 9.7 million empty <si/> would be a 1.4 GB tree
    root = parse_xml(data, part, parser)
    ns = _ns(root)
    t_tag, rph_tag, si_tag = f"{ns}t", f"{ns}rPh", f"{ns}si"
    fast = _plain_strings(root, ns)
    if fast is not None:
        return fast
    out: list[str] = []
    for si in root.iterchildren(si_tag):
        first = si[0] if len(si) else None
        if first is not None and first.tag == t_tag and len(si) == 1:
            out.append(_unescape(first.text or ""))
            continue
        out.append(_unescape("".join(t.text or "" for t in si.iter(t_tag) if t.getparent().tag != rph_tag)))
    return out


def _plain_strings(root: etree._Element, ns: str) -> list[str] | None:
    """The shared strings when every <si> holds exactly one node, a <t> holding exactly one text
    node (plain strings, as most writers save them): a few XPath calls in C instead of a Python
    loop, with the same result. None otherwise (rich text, phonetic runs, empty strings...)."""
    if not ns:
        return None
    x = {"x": ns[1:-1]}
    # two tests, not one union: libxml2 merges a union's node sets in quadratic time (100,000 empty
    # <si/> took 128 s inside one C call, where the per-file time limit cannot interrupt)
    if (not root.xpath("count(x:si)", namespaces=x)
            or root.xpath("boolean(x:si[count(node()) != 1 or not(x:t)])", namespaces=x)
            or root.xpath("boolean(x:si/x:t[count(node()) != 1 or not(text())])", namespaces=x)):
        return None
    n = root.xpath("count(x:si)", namespaces=x)
    texts = root.xpath("x:si/x:t/text()", namespaces=x, smart_strings=False)
    if len(texts) != n:
        return None
    return [_unescape(t) for t in texts]


def _locked_flags(z: SafeZip, part: str | None, parser: etree.XMLParser) -> list[bool]:
    if not part:
        return []
    root = z.xml(part, parser)
    if root is None:
        return []
    ns = _ns(root)
    xfs = root.find(f"{ns}cellXfs")
    if xfs is None:
        return []
    out = []
    for xf in xfs.iterchildren(f"{ns}xf"):
        prot = xf.find(f"{ns}protection")
        locked = prot is None or prot.get("locked", "1").strip().lower() not in ("0", "false")
        out.append(locked)
    return out


def _number(text: str) -> int | float | str:
    t = text.strip()
    try:
        if t.lstrip("-").isdigit():
            return int(t)
        f = float(t)
    except ValueError:
        return text
    return f if math.isfinite(f) else text


_PROTECTION = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?sheetProtection\b([^>]*)>")
_ATTR = re.compile(rb"""([\w:.-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')""")


def scan_protection(data: bytes, part: str) -> dict[str, str] | None:
    """The <sheetProtection> attributes found by a scan of the bytes (no parse, same DTD refusal)."""
    check_hostile(data, part)
    at = data.find(b"sheetProtection")  # every match contains it; the search starts at its tag
    if at < 0:
        return None
    m = _PROTECTION.search(data, max(data.rfind(b"<", 0, at), 0))
    if m is None:
        return None
    return {k.decode().split(":")[-1]: (v1 or v2 or b"").decode("utf-8", "replace")
            for k, v1, v2 in _ATTR.findall(m.group(1))}


_SHEETDATA_END = re.compile(rb"</(?:[A-Za-z_][\w.-]*:)?sheetData\s*>|<(?:[A-Za-z_][\w.-]*:)?sheetData\s*/>")
_MERGES = re.compile(rb"<((?:[A-Za-z_][\w.-]*:)?)mergeCells\b.*?</\1mergeCells\s*>", re.S)
_ROOT_END = re.compile(rb"</((?:[A-Za-z_][\w.-]*:)?worksheet)\s*>")


def _trim(data: bytes) -> bytes:
    """Only the part of a sheet the checker reads: everything up to </sheetData>, plus <mergeCells>.

    Data validations and conditional formats (most of the bytes of a generated sheet) are skipped,
    which halves the parse time. Falls back to the whole part when the markers are not found.
    """
    i = data.find(b"</sheetData>")
    if i >= 0:
        end = i + len(b"</sheetData>")
    else:
        m = _SHEETDATA_END.search(data)
        if m is None:
            return data
        end = m.end()
    j = data.rfind(b"</")
    root_end = _ROOT_END.match(data, j) if j >= 0 else None
    if root_end is None or data[root_end.end():].strip():
        return data
    merges = _MERGES.search(data, end)
    return data[:end] + (merges.group(0) if merges else b"") + root_end.group(0)


def _content_cells(sheet_data: etree._Element, ns: str) -> list[tuple[etree._Element, str]]:
    """(cell element, A1 ref) for every cell that holds a value, formula or inline string."""
    out: list[tuple[etree._Element, str]] = []
    cur = None
    for el in sheet_data.iter(f"{ns}v", f"{ns}f", f"{ns}is"):
        c = el.getparent()
        if c is cur:
            continue
        cur = c
        ref = c.get("r")
        if ref is None:
            return _content_cells_counted(sheet_data, ns)
        out.append((c, ref))
    return out


def _content_cells_counted(sheet_data: etree._Element, ns: str) -> list[tuple[etree._Element, str]]:
    """The slow path for writers that omit "r": positions follow from the order of rows and cells."""
    out: list[tuple[etree._Element, str]] = []
    row_no = 0
    for row in sheet_data.iterchildren(f"{ns}row"):
        r = row.get("r")
        row_no = int(r) if r and r.isdigit() else row_no + 1
        col_no = 0
        for c in row.iterchildren(f"{ns}c"):
            ref = c.get("r")
            m = _CELL.fullmatch(ref) if ref else None
            col_no = col_index(m.group(1)) if m else col_no + 1
            if len(c):
                out.append((c, make_cell(row_no, col_no)))
    return out


def _cell_value(t: str, text: str, strings: list[str]) -> CellValue:
    """The value of a <v> by the cell's type; a bad shared-string index raises (the callers decide)."""
    if t == "s":
        return strings[int(text)]
    if t == "n":
        return int(text) if text.isdigit() and text.isascii() else _number(text)
    if t == "b":
        return text.strip() in ("1", "true")
    return _unescape(text)  # str, e, d


def _formula_of(f: etree._Element, ref: str, masters: dict[str, tuple[str, str]]) -> tuple[str, str | None]:
    """(formula text, shared index when the cell only refers to a shared formula). A shared master
    is recorded in `masters`; a dependant gets "" until it is resolved from its master."""
    ftext = f.text or ""
    if f.get("t") != "shared":
        return ftext, None
    si = f.get("si") or ""
    if ftext.strip():
        masters[si] = (ref, ftext)
        return ftext, None
    return "", si


_FastCells = tuple[dict[str, RawCell], dict[str, tuple[str, str]], list[tuple[RawCell, str]]]


def _cells_fast(sheet_data: etree._Element, ns: str, strings: list[str]) -> _FastCells | None:
    """The cell loop of _parse_sheet in one pass over the <v>, <f> and <is> elements (no second
    walk through each cell's children), for the usual layout: each of them is a child of a <c>
    that has an "r". None when that does not hold or anything goes wrong; the general loop then
    runs and gives its own result or error."""
    v_tag, f_tag, is_tag, t_tag, rph_tag, c_tag = (f"{ns}v", f"{ns}f", f"{ns}is", f"{ns}t", f"{ns}rPh",
                                                     f"{ns}c")
    cells: dict[str, RawCell] = {}
    masters: dict[str, tuple[str, str]] = {}
    dependants: list[tuple[RawCell, str]] = []
    cur = None
    ref = t = ""
    value: CellValue = None
    formula: str | None = None
    shared_si: str | None = None
    try:
        for el in sheet_data.iter(v_tag, f_tag, is_tag):
            c = el.getparent()
            if c is not cur:
                if cur is not None:
                    st = cur.get("s")
                    cell = RawCell(ref, value, t if value is not None else "", formula,
                                   int(st) if st and st.isdigit() else 0)
                    if shared_si is not None:
                        dependants.append((cell, shared_si))
                    cells[ref] = cell
                if c is None or c.tag != c_tag:
                    return None
                ref = c.get("r")
                if ref is None:
                    return None
                cur = c
                t = c.get("t") or "n"
                value, formula, shared_si = None, None, None
            tag = el.tag
            if tag == v_tag:
                text = el.text
                if text is None or text == "":
                    continue
                value = _cell_value(t, text, strings)
            elif tag == f_tag:
                formula, si = _formula_of(el, ref, masters)
                shared_si = si if si is not None else shared_si
            else:
                value = _unescape("".join(x.text or "" for x in el.iter(t_tag) if x.getparent().tag != rph_tag))
        if cur is not None:
            st = cur.get("s")
            cell = RawCell(ref, value, t if value is not None else "", formula, int(st) if st and st.isdigit() else 0)
            if shared_si is not None:
                dependants.append((cell, shared_si))
            cells[ref] = cell
    except Exception:  # a bad string index, a strange style number: the general loop says what
        return None
    return cells, masters, dependants


def _parse_sheet(data: bytes, part: str, strings: list[str]) -> _SheetData:
    protection = scan_protection(data, part)
    root = parse_xml(_trim(data), part, checked=True)
    ns = _ns(root)
    v_tag, f_tag, is_tag, t_tag, rph_tag = f"{ns}v", f"{ns}f", f"{ns}is", f"{ns}t", f"{ns}rPh"
    cells: dict[str, RawCell] = {}
    masters: dict[str, tuple[str, str]] = {}  # si -> (cell, formula)
    dependants: list[tuple[RawCell, str]] = []
    sheet_data = root.find(f"{ns}sheetData")
    fast = _cells_fast(sheet_data, ns, strings) if sheet_data is not None else None
    if fast is not None:
        cells, masters, dependants = fast
    for c, ref in _content_cells(sheet_data, ns) if sheet_data is not None and fast is None else []:
        t = c.get("t") or "n"
        value: CellValue = None
        formula: str | None = None
        shared_si: str | None = None
        for child in c:
            tag = child.tag
            if tag == v_tag:
                text = child.text
                if text is None or text == "":
                    continue
                try:
                    value = _cell_value(t, text, strings)
                except (ValueError, IndexError):
                    raise unreadable(f"工作表文件{part}的单元格{ref}引用了不存在的共享字符串") from None
            elif tag == f_tag:
                formula, si = _formula_of(child, ref, masters)
                shared_si = si if si is not None else shared_si
            elif tag == is_tag:
                value = _unescape("".join(x.text or "" for x in child.iter(t_tag)
                                          if x.getparent().tag != rph_tag))
        st = c.get("s")
        cell = RawCell(ref, value, t if value is not None else "", formula, int(st) if st and st.isdigit() else 0)
        if shared_si is not None:
            dependants.append((cell, shared_si))
        cells[ref] = cell
    for cell, si in dependants:
        if si in masters:
            mref, mtext = masters[si]
            (r0, c0), (r1, c1) = split_cell(mref), split_cell(cell.ref)
            cell.formula = shift_formula(mtext, r1 - r0, c1 - c0)
        # an unresolvable shared reference keeps formula == "": the cell still "has a formula"
    merges: list[str] = []
    mc = root.find(f"{ns}mergeCells")
    if mc is not None:
        merges = [m.get("ref", "") for m in mc.iterchildren(f"{ns}mergeCell") if m.get("ref")]
    return _SheetData(cells, merges, protection)


def _custom_props(z: SafeZip, parser: etree.XMLParser) -> dict[str, str]:
    root = z.xml("docProps/custom.xml", parser) if z.has("docProps/custom.xml") else None
    if root is None:
        return {}
    out: dict[str, str] = {}
    for prop in root:
        name = prop.get("name")
        if not name:
            continue
        out[name] = (prop[0].text or "") if len(prop) else (prop.text or "")
    return out


class _PartBytes:
    """A sheet part's bytes, read (with the caps) at most once."""

    def __init__(self, z: SafeZip, part: str | None, sheet: str):
        self.z, self.part, self.sheet = z, part, sheet
        self._data: bytes | None = None

    def get(self) -> bytes:
        if self._data is None:
            data = self.z.read(self.part) if self.part else None
            if data is None:
                raise unreadable(f"工作表“{self.sheet}”的内容文件缺失")
            check_element_count(data, self.part or "", self.z.limits)  # before lxml builds a tree of them
            self._data = data
        return self._data


def read_workbook(z: SafeZip) -> RawWorkbook:
    """Build the RawWorkbook of an .xlsx package already checked by `SafeZip`/`zip_kind`."""
    parser = xml_parser()
    wb_part = "xl/workbook.xml"
    root = z.xml(wb_part, parser)
    if root is None:
        raise unreadable("找不到工作簿主文件xl/workbook.xml")
    ns = _ns(root)
    rels: dict[str, tuple[str, str]] = {}  # rId -> (type suffix, part)
    rels_root = z.xml("xl/_rels/workbook.xml.rels", parser)
    if rels_root is not None:
        for rel in rels_root:
            rid, target = rel.get("Id"), rel.get("Target")
            if rid and target and rel.get("TargetMode") != "External":
                rels[rid] = ((rel.get("Type") or "").rsplit("/", 1)[-1], resolve_target(wb_part, target))
    by_type = {t: p for t, p in rels.values()}
    strings_part = by_type.get("sharedStrings") or ("xl/sharedStrings.xml" if z.has("xl/sharedStrings.xml") else None)
    styles_part = by_type.get("styles") or ("xl/styles.xml" if z.has("xl/styles.xml") else None)
    strings_cache: list[list[str]] = []

    def strings() -> list[str]:
        if not strings_cache:
            strings_cache.append(_shared_strings(z, strings_part, xml_parser()))
        return strings_cache[0]

    sheets: list[RawSheet] = []
    sheets_el = root.find(f"{ns}sheets")
    for i, el in enumerate(sheets_el.iterchildren(f"{ns}sheet") if sheets_el is not None else []):
        rid = _rid(el)
        part = rels[rid][1] if rid in rels else None
        if part is not None and not z.has(part):
            part = None
        name = el.get("name", "")
        data = _PartBytes(z, part, name)
        sheets.append(RawSheet(
            name=name, state=el.get("state") or "visible", index=i, part=part,
            _load=lambda data=data: _parse_sheet(data.get(), data.part or "", strings()),
            _scan=lambda data=data: scan_protection(data.get(), data.part or "")))
    if not sheets:
        raise unreadable("工作簿中没有任何工作表")
    return RawWorkbook(sheets=sheets, custom_props=_custom_props(z, parser),
                       _locked=lambda: _locked_flags(z, styles_part, xml_parser()))


def load_all(wb: RawWorkbook) -> None:
    """Parse every sheet now (tests and benchmarks; the checker loads lazily)."""
    for s in wb.sheets:
        _ = s.cells


__all__ = ["FileProblem", "RawCell", "RawSheet", "RawWorkbook", "load_all", "read_workbook", "shift_formula"]
