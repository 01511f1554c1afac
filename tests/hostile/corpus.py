"""A corpus of hostile and real-world inputs, built in a folder by code (nothing downloaded).

Each `Case` names one file, what it is, and what the checker must say about it: the rule id a
user will see in the summary and the file's status. `build_corpus(folder)` writes every case and
returns the list; docs/hostile-inputs.md is the same table in prose.

Tampered workbooks are made from a generated workbook with `set_cells`/`fill_document` or raw
XML edits; the row insert, sheet rename, typed-over total and removed protection also come from
the LibreOffice-saved fixtures in tests/fixtures/libreoffice/ (what a real application writes).
"""

from __future__ import annotations

import io
import os
import random
import re
import shutil
import struct
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from xxgk.form.definition import Form, load_form
from xxgk.generate.fill import edit_part, fill_document, rezip, set_cells, sheet_parts
from xxgk.generate.fill import zip_members as members
from xxgk.generate.roster import Unit
from xxgk.generate.workbook import build_workbook

FORM: Form = load_form()
YEAR = 2024
LO_FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "libreoffice"

COVER = FORM.cover_sheet
S1, S2, S3, S4, S5, S6 = FORM.sheet_names[1:7]

# Texts that satisfy every text rule for a unit whose tables are all 0.
TEXTS: dict[str, Any] = {
    "contact.person": "张三",
    "contact.phone": "0379-1234567",
    "overview.intro": "2024年，本单位认真贯彻《政府信息公开条例》，推进政务公开。",
    "overview.proactive": "主动公开政府信息20条，及时发布政策文件。",
    "overview.requests": "依法办理政府信息公开申请，做到按时答复。",
    "overview.management": "落实保密审查制度，规范政府信息管理。",
    "overview.platform": "依托政府门户网站和公开栏发布信息。",
    "overview.supervision": "接受群众监督，开展业务培训。",
    "problems.problems": "公开内容不够全面。",
    "problems.improvements": "下一步将加强培训，完善制度。",
    "other.fee_charged": False,
    "other.text": "本年度未收取信息处理费。",
}

INJECTIONS = ('=HYPERLINK("http://x","y")', "+cmd|' /C calc'!A0", "@SUM(1+1)")


def unit(name: str) -> Unit:
    return Unit(name=name, code="", level="乡镇", parent="孟津区人民政府")


@cache
def blank(name: str = "城关镇", year: int = YEAR) -> bytes:
    return build_workbook(FORM, unit(name), year)


@cache
def passing(name: str = "城关镇", year: int = YEAR) -> bytes:
    """A generated workbook, filled with zeros (pre-filled) and complete texts: it passes."""
    return fill_document(blank(name, year), FORM, TEXTS)


def filled(name: str, values: dict[str, Any]) -> bytes:
    return fill_document(passing(name), FORM, values)


def cell_of(path: str) -> tuple[str, str]:
    f = FORM.field(path)
    return f.sheet, f.cell


# ---------------------------------------------------------------- zip helpers


def part_of(data: bytes, sheet: str) -> str:
    return sheet_parts(members(data))[sheet]


# ---------------------------------------------------------------- hostile files


@cache
def _gib_zeros_crc() -> int:
    chunk = bytes(1 << 20)
    crc = 0
    for _ in range(1024):
        crc = zlib.crc32(chunk, crc)
    return crc


def zip_bomb(declared: int | None = None) -> bytes:
    """A valid workbook plus xl/sharedStrings.xml = 1 GiB of zeros, about 1 MB on disk.

    The deflate stream is built from one fully flushed 1 MiB block repeated 1024 times, so making
    it costs no 1 GiB compression. `declared` overrides the size written in the headers (a bomb
    that lies about its size)."""
    size = 1 << 30
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = c.compress(bytes(1 << 20)) + c.flush(zlib.Z_FULL_FLUSH)
    stream = block * 1024 + zlib.compressobj(9, zlib.DEFLATED, -15).flush()
    crc = _gib_zeros_crc()
    shown = size if declared is None else declared
    base = members(passing("炸弹镇"))
    base.pop("xl/sharedStrings.xml", None)
    head = rezip(base)
    # append the bomb member by hand: local header + data, then rebuild the central directory
    with zipfile.ZipFile(io.BytesIO(head)) as zf:
        infos = zf.infolist()
    body = bytearray()
    central = bytearray()
    raw = io.BytesIO(head)
    for info in infos:
        raw.seek(info.header_offset)
        lh = raw.read(30)
        n, m = struct.unpack("<HH", lh[26:30])
        rest = raw.read(n + m + info.compress_size)
        offset = len(body)
        body += lh + rest
        central += _central(info.filename.encode(), info.CRC, info.compress_size, info.file_size, offset,
                            info.compress_type, info.flag_bits)
    name = b"xl/sharedStrings.xml"
    offset = len(body)
    body += struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0, crc, len(stream), shown, len(name), 0)
    body += name + stream
    central += _central(name, crc, len(stream), shown, offset)
    count = len(infos) + 1
    eocd = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, count, count, len(central), len(body), 0)
    return bytes(body + central + eocd)


def _central(name: bytes, crc: int, csize: int, usize: int, offset: int, method: int = 8, flags: int = 0) -> bytes:
    return struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, flags, method, 0, 0, crc, csize, usize, len(name),
                       0, 0, 0, 0, 0, offset) + name


BILLION_LAUGHS = (
    '<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">' for i in range(1, 10))
    + "]>\n"
)


def billion_laughs() -> bytes:
    return edit_part(passing("笑镇"), "xl/sharedStrings.xml",
                     lambda s: BILLION_LAUGHS + s.split("?>", 1)[1].replace("<t>", "<t>&lol9;", 1))


def xxe() -> bytes:
    data = passing("外部实体镇")
    return edit_part(data, "xl/worksheets/sheet1.xml", lambda s: s.replace(
        "?>", '?>\n<!DOCTYPE w [<!ENTITY x SYSTEM "file:///etc/passwd">]>', 1).replace("</sheetData>",
                                                                                     "</sheetData>&x;", 1))


def encrypted() -> bytes:
    from msoffcrypto.format.ooxml import OOXMLFile

    out = io.BytesIO()
    OOXMLFile(io.BytesIO(passing("加密镇"))).encrypt("1234", out)
    return out.getvalue()


def legacy_xls() -> bytes:
    """A minimal compound file (CFB v3, 512-byte sectors) with one 4 KB 'Workbook' stream holding a
    BIFF8 BOF/EOF pair: what Excel 97-2003 writes, reduced to what identifies it."""
    end, free, fat_sect, nostream = 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFD, 0xFFFFFFFF
    bof = struct.pack("<HHHHHHII", 0x0809, 16, 0x0600, 0x0005, 0x0DBB, 0x07CC, 0, 0x0006)
    eof = struct.pack("<HH", 0x000A, 0)
    stream = (bof + eof).ljust(4096, b"\0")
    header = bytearray(512)
    header[0:8] = bytes.fromhex("D0CF11E0A1B11AE1")
    struct.pack_into("<HHHHH", header, 24, 0x3E, 3, 0xFFFE, 9, 6)
    struct.pack_into("<IIIIIIIII", header, 40, 0, 1, 1, 0, 4096, end, 0, end, 0)
    difat = [0] + [free] * 108
    struct.pack_into("<109I", header, 76, *difat)
    fat = [fat_sect, end] + [3, 4, 5, 6, 7, 8, 9, end] + [free] * (128 - 10)
    fat_bytes = struct.pack("<128I", *fat)

    def entry(name: str, kind: int, child: int, start: int, size: int) -> bytes:
        e = bytearray(128)
        raw = name.encode("utf-16-le")
        e[0:len(raw)] = raw
        struct.pack_into("<HBB", e, 64, len(raw) + 2, kind, 1)
        struct.pack_into("<III", e, 68, nostream, nostream, child)
        struct.pack_into("<IQ", e, 116, start, size)
        return bytes(e)

    unused = bytearray(128)
    struct.pack_into("<III", unused, 68, nostream, nostream, nostream)
    directory = entry("Root Entry", 5, 1, end, 0) + entry("Workbook", 2, nostream, 2, 4096) + bytes(unused) * 2
    return bytes(header) + fat_bytes + directory + stream


def macro_xlsm() -> bytes:
    parts = members(passing("宏镇"))
    parts["xl/vbaProject.bin"] = legacy_xls()[:1536]  # an OLE container, as a real vbaProject.bin is
    ct = parts["[Content_Types].xml"].decode()
    ct = ct.replace("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
                    "application/vnd.ms-excel.sheet.macroEnabled.main+xml")
    ct = ct.replace("</Types>", '<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/>'
                                "</Types>")
    parts["[Content_Types].xml"] = ct.encode()
    rels = parts["xl/_rels/workbook.xml.rels"].decode()
    parts["xl/_rels/workbook.xml.rels"] = rels.replace("</Relationships>", (
        '<Relationship Id="rId99" Type="http://schemas.microsoft.com/office/2006/relationships/vbaProject" '
        'Target="vbaProject.bin"/></Relationships>')).encode()
    return rezip(parts)


def other_tool() -> bytes:
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "工资表"
    ws.append(["姓名", "部门", "金额"])
    ws.append(["李四", "办公室", 3200])
    ws.append(["合计", "", "=SUM(C2:C2)"])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


# ---------------------------------------------------------------- tampered workbooks (XML level)


def sheet_deleted() -> bytes:
    data = passing("删表镇")
    return edit_part(data, "xl/workbook.xml", lambda s: re.sub(rf'<sheet name="{S5}"[^>]*/>', "", s))


def sheet_added() -> bytes:
    parts = members(passing("加表镇"))
    parts["xl/worksheets/sheet99.xml"] = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
        '<row r="1"><c r="A1" t="inlineStr"><is><t>补充说明</t></is></c></row></sheetData></worksheet>').encode()
    wb = parts["xl/workbook.xml"].decode()
    extra = '<sheet name="附表" sheetId="99" r:id="rId99"/></sheets>'
    parts["xl/workbook.xml"] = wb.replace("</sheets>", extra).encode()
    rels = parts["xl/_rels/workbook.xml.rels"].decode()
    parts["xl/_rels/workbook.xml.rels"] = rels.replace("</Relationships>", (
        '<Relationship Id="rId99" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
        'worksheet" Target="worksheets/sheet99.xml"/></Relationships>')).encode()
    ct = parts["[Content_Types].xml"].decode()
    parts["[Content_Types].xml"] = ct.replace("</Types>", (
        '<Override PartName="/xl/worksheets/sheet99.xml" ContentType="application/vnd.openxmlformats-'
        'officedocument.spreadsheetml.worksheet+xml"/></Types>')).encode()
    return rezip(parts)


def protection_removed() -> bytes:
    data = passing("去保护镇")
    return edit_part(data, part_of(data, S3), lambda s: re.sub(r"<sheetProtection[^>]*/>", "", s))


def formula_typed_over() -> bytes:
    sheet, cell = cell_of("requests.total_processed.natural_person")
    return set_cells(passing("改公式镇"), {sheet: {cell: 0}})


def label_edited() -> bytes:
    lab = next(lab for lab in FORM.labels if lab.sheet == S3 and lab.text.startswith("一、本年新收"))
    return set_cells(passing("改标签镇"), {S3: {lab.cell: "一、本年收到申请数量"}})


def identity_edited() -> bytes:
    return set_cells(passing("改名镇"), {COVER: {FORM.field("unit.name").cell: "另一个镇"}})


def year_changed() -> bytes:
    return set_cells(passing("改年度镇"), {COVER: {FORM.field("year").cell: 2023}})


def with_values(name: str, values: dict[str, Any]) -> bytes:
    """`passing(name)` with cells replaced by document path (inputs and totals alike)."""
    edits: dict[str, dict[str, Any]] = {}
    for path, v in values.items():
        sheet, cell = cell_of(path)
        edits.setdefault(sheet, {})[cell] = v
    return set_cells(passing(name), edits)


NP = "requests.new_received.natural_person"
GRANTED = "requests.granted.natural_person"


def injection_unit() -> bytes:
    return fill_document(build_workbook(FORM, unit(INJECTIONS[0]), YEAR), FORM, TEXTS)


def injection_texts() -> bytes:
    return filled("注入镇", {"overview.intro": INJECTIONS[1], "problems.problems": INJECTIONS[2],
                           "other.text": INJECTIONS[0] + " 本年度未收取信息处理费。"})


def lo_fixture(name: str) -> Callable[[], bytes]:
    def read() -> bytes:
        return (LO_FIXTURES / name).read_bytes()
    return read


# ---------------------------------------------------------------- the cases


@dataclass(frozen=True)
class Case:
    name: str  # file name in the corpus folder
    what: str  # what it is (Chinese/English, for the docs table)
    rule: str | None  # the rule id the user must see (None: no finding at all)
    status: str  # pass / warn / fail / error / skipped
    build: Callable[[], bytes] | None = None  # None for special entries made by build_corpus
    also: tuple[str, ...] = ()  # other rule ids that may appear with it (documented side effects)


def _random_bytes() -> bytes:
    return random.Random(20240101).randbytes(8192)


def _truncated() -> bytes:
    data = passing("截断镇")
    return data[: len(data) * 2 // 3]


def _long_name() -> str:
    return "报" * 20 + "x" * (200 - 20 - len(".xlsx")) + ".xlsx"  # 200 characters, 240 bytes


# An invalid count is left out of the arithmetic: the sums it takes part in are "not assessable".
T3_NOT_ASSESSABLE = ("T3-ROW-TOTAL", "T3-RESULT-SUM", "T3-BALANCE")
# Known gap: after an inserted row the figures are still read at the template's cells, so the blank
# inserted row and the shifted figures also give CELL-BLANK and arithmetic findings.

CASES: list[Case] = [
    Case("passing.xlsx", "generated workbook, zeros and complete texts (control)", None, "pass",
         lambda: passing("城关镇")),
    Case("empty.xlsx", "empty file (0 bytes)", "FILE-EMPTY", "error", lambda: b""),
    Case("random.xlsx", "8 KB of random bytes named .xlsx", "FILE-NOT-WORKBOOK", "error", _random_bytes),
    Case("truncated.xlsx", "workbook cut to 2/3 of its length", "FILE-UNREADABLE", "error", _truncated),
    Case("zip-bomb.xlsx", "1 GiB of zeros in xl/sharedStrings.xml (about 1 MB on disk)", "FILE-TOO-LARGE", "error",
         zip_bomb),
    Case("zip-bomb-lying.xlsx", "the same bomb, headers claim 100 bytes", "FILE-UNREADABLE", "error",
         lambda: zip_bomb(declared=100), also=("FILE-TOO-LARGE",)),
    Case("billion-laughs.xlsx", "nested entities (billion laughs) in xl/sharedStrings.xml", "FILE-XML-HOSTILE",
         "error", billion_laughs),
    Case("xxe.xlsx", "external entity file:///etc/passwd in xl/worksheets/sheet1.xml", "FILE-XML-HOSTILE", "error",
         xxe),
    Case("encrypted.xlsx", "password to open (msoffcrypto, agile encryption)", "FILE-ENCRYPTED", "error", encrypted),
    Case("legacy.xls", "Excel 97-2003 compound file with a Workbook stream", "FILE-LEGACY-XLS", "error",
         legacy_xls),
    Case("macro.xlsm", "vbaProject.bin and the macroEnabled content type", "FILE-MACRO", "error", macro_xlsm),
    Case("other-tool.xlsx", "an openpyxl workbook with unrelated content (工资表)", "FILE-NOT-REPORT", "error",
         other_tool),
    Case("lo-formula-typed-over.xlsx", "LibreOffice: 三!J6 total typed over with 3600", "TAMPER-FORMULA", "fail",
         lo_fixture("tampered-total.xlsx"), also=("T3-ROW-TOTAL", "T3-BALANCE", "TXT-T3")),
    Case("lo-row-inserted.xlsx", "LibreOffice: a row inserted in sheet 三", "TAMPER-ROWS", "fail",
         lo_fixture("tampered-inserted-row.xlsx")),
    Case("lo-sheet-renamed.xlsx", "LibreOffice: sheet 四 renamed", "TAMPER-SHEET-RENAMED", "fail",
         lo_fixture("tampered-renamed-sheet.xlsx")),
    Case("lo-unprotected.xlsx", "LibreOffice: protection of sheet 二 removed", "TAMPER-PROTECTION", "warn",
         lo_fixture("tampered-unprotected.xlsx")),
    Case("formula-typed-over.xlsx", "XML: 三!D29 total replaced by the number 0", "TAMPER-FORMULA", "fail",
         formula_typed_over),
    Case("sheet-deleted.xlsx", "XML: sheet 五 removed from workbook.xml", "TAMPER-SHEET-MISSING", "fail",
         sheet_deleted, also=("CELL-BLANK", "S5-PRESENT", "S5-IMPROVE", "FMT-SECTIONS")),
    Case("sheet-added.xlsx", "XML: an extra sheet 附表", "TAMPER-SHEET-EXTRA", "fail", sheet_added),
    Case("protection-removed.xlsx", "XML: <sheetProtection> of sheet 三 deleted", "TAMPER-PROTECTION", "warn",
         protection_removed),
    Case("label-edited.xlsx", "label 一、本年新收… rewritten", "TAMPER-LABEL", "fail", label_edited),
    Case("unit-edited.xlsx", "unit name on the cover changed to 另一个镇", "TAMPER-IDENTITY", "fail",
         identity_edited),
    Case("year-changed.xlsx", "year on the cover changed to 2023", "TAMPER-IDENTITY", "fail", year_changed,
         also=("YEAR-MISMATCH",)),
    Case("number-as-text.xlsx", "三!D6 = text \"3\", 三!D8 = 3", "CELL-TEXT-NUMBER", "fail",
         lambda: with_values("文本数字镇", {NP: "3", GRANTED: 3})),
    Case("full-width.xlsx", "三!D6 = text \"３\" (full-width), 三!D8 = 3", "CELL-TEXT-NUMBER", "fail",
         lambda: with_values("全角镇", {NP: "３", GRANTED: 3})),
    Case("negative.xlsx", "三!D6 = -1 and 三!D8 = -1 (balanced)", "T3-VALUE", "fail",
         lambda: with_values("负数镇", {NP: -1, GRANTED: -1}), also=T3_NOT_ASSESSABLE),
    Case("decimal-count.xlsx", "三!D6 = 1.5 and 三!D8 = 1.5 (balanced)", "T3-VALUE", "fail",
         lambda: with_values("小数镇", {NP: 1.5, GRANTED: 1.5}), also=T3_NOT_ASSESSABLE),
    Case("huge-number.xlsx", "二!B9 行政许可 = 1e15", "T2-VALUE", "fail",
         lambda: with_values("大数镇", {"proactive.licensing": 1e15})),
    Case("long-text.xlsx", "一!B3 = 40,000 characters (Excel's own limit is 32,767)", None, "pass",
         lambda: filled("长文本镇", {"overview.intro": "本单位推进政务公开。" * 4000})),
    Case("long-text-in-count.xlsx", "三!D6 = 40,000 characters of text", "T3-VALUE", "fail",
         lambda: with_values("长数字镇", {NP: "一二三四五六七八九十" * 4000}), also=T3_NOT_ASSESSABLE),
    Case("injection-unit.xlsx", "unit name =HYPERLINK(\"http://x\",\"y\") written by the generator", None, "pass",
         injection_unit),
    Case("injection-texts.xlsx", "text cells +cmd|' /C calc'!A0, @SUM(1+1), =HYPERLINK(…)", None, "pass",
         injection_texts),
    Case(" name with spaces .xlsx", "file name with spaces (leading and trailing)", None, "pass",
         lambda: passing("空格镇")),
    Case("中文文件名_平乐镇2024年报.xlsx", "Chinese file name", None, "pass", lambda: passing("平乐镇")),
    Case("报表😀🎉.xlsx", "emoji in the file name", None, "pass", lambda: passing("表情镇")),
    Case("-rf.xlsx", "file name with a leading dash", None, "pass", lambda: passing("横线镇")),
    Case(_long_name(), "200-character file name (240 bytes)", None, "pass", lambda: passing("长名镇")),
    Case("~$passing.xlsx", "Excel/WPS lock file (162 bytes)", "FILE-SKIPPED", "skipped",
         lambda: b"\x08" + "张三".encode("utf-16-le").ljust(53, b" ") + b"\0" * 108),
    Case(".~lock.passing.xlsx#", "LibreOffice lock file", "FILE-SKIPPED", "skipped",
         lambda: b"zhangsan,zhangsan,host,20.01.2025 10:00,file:///home/zhangsan/.config/libreoffice/4;\n"),
    Case("loop.xlsx", "symlink pointing at itself", "FILE-UNREADABLE", "error"),
    Case("sub/up", "symlink to the parent folder (a directory loop)", "FILE-UNREADABLE", "error"),
]
# (an empty folder "empty/" is also made: it contributes no result; see test_empty_folder)


def build_corpus(root: Path) -> list[Case]:
    """Write every case under `root` (which must exist); return the cases."""
    for case in CASES:
        target = root / case.name
        target.parent.mkdir(parents=True, exist_ok=True)
        if case.build is not None:
            target.write_bytes(case.build())
    os.symlink("loop.xlsx", root / "loop.xlsx")
    os.symlink("..", root / "sub" / "up")
    (root / "empty").mkdir()
    return CASES


def copy_corpus(src: Path, dst: Path) -> None:
    shutil.copytree(src, dst, symlinks=True)
