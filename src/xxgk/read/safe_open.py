"""Open an input safely: sniff by bytes, cap sizes, refuse macros, encryption and hostile XML.

Everything here works on bytes already in memory and never writes anywhere. Problems are raised
as `FileProblem`, which carries the finding the caller reports; nothing else escapes on bad input.
"""

from __future__ import annotations

import codecs
import errno
import io
import os
import posixpath
import re
import stat
import unicodedata
import zipfile
import zlib

from lxml import etree

from ..report.model import Finding, finding
from .limits import DEFAULT_LIMITS, MB, Limits


class FileProblem(Exception):
    """A reason not to read a file any further; `finding` is what the user is told."""

    def __init__(self, finding: Finding):
        super().__init__(finding.message)
        self.finding = finding


def unreadable(reason: str) -> FileProblem:
    return FileProblem(finding("FILE-UNREADABLE", reason=reason))


def not_workbook(kind: str) -> FileProblem:
    return FileProblem(finding("FILE-NOT-WORKBOOK", kind=kind))


class NotRegularFile(FileProblem):
    """A FIFO, device or socket: listed as skipped (FILE-SKIPPED), never opened for reading."""


def _mb(n: int) -> str:
    return f"{n / MB:.0f}MB" if n >= MB else f"{n}字节"


# ---------------------------------------------------------------- opening a file

_OS_REASONS = {
    errno.ENOENT: "文件不存在或符号链接已失效",
    errno.EACCES: "没有读取权限",
    errno.EPERM: "没有读取权限",
    errno.ELOOP: "符号链接形成循环",
    errno.EISDIR: "这是一个文件夹，不是文件",
    errno.ENAMETOOLONG: "文件路径过长",
    errno.ENXIO: "这是套接字或设备，不是普通文件",
}


def os_reason(e: OSError) -> str:
    return _OS_REASONS.get(e.errno or 0, f"系统错误：{e.strerror or type(e).__name__}")


def special_kind(mode: int) -> str | None:
    """What a non-regular, non-folder entry is, in Chinese; None for a regular file or a folder."""
    if stat.S_ISFIFO(mode):
        return "命名管道（FIFO）"
    if stat.S_ISCHR(mode):
        return "字符设备"
    if stat.S_ISBLK(mode):
        return "块设备"
    if stat.S_ISSOCK(mode):
        return "套接字"
    if stat.S_ISREG(mode) or stat.S_ISDIR(mode):
        return None
    return "特殊文件"


def not_regular(kind: str) -> NotRegularFile:
    return NotRegularFile(finding("FILE-SKIPPED", reason=f"不是普通文件（{kind}），未读取"))


def read_regular(path: str | os.PathLike[str] | bytes, limits: Limits = DEFAULT_LIMITS) -> bytes:
    """The bytes of a regular file, at most limits.max_file_bytes; FileProblem otherwise.

    A FIFO, device or socket is refused from its stat before it is opened (reading /dev/zero
    never ends, opening a FIFO without a writer blocks); the file is opened non-blocking and
    checked again after opening, so a swap between the two checks is caught too."""
    try:
        st = os.stat(path)  # follows symlinks: a loop raises ELOOP
        kind = special_kind(st.st_mode)
        if kind:
            raise not_regular(kind)
        if stat.S_ISDIR(st.st_mode):
            raise unreadable("这是一个文件夹，不是文件")
        flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0)
        fd = os.open(path, flags)
        try:
            st = os.fstat(fd)
            kind = special_kind(st.st_mode)
            if kind or stat.S_ISDIR(st.st_mode):
                raise not_regular(kind or "文件夹")
            if st.st_size > limits.max_file_bytes:
                raise too_big_file(st.st_size, limits)
            chunks: list[bytes] = []
            got = 0
            while got <= limits.max_file_bytes:
                chunk = os.read(fd, min(1024 * 1024, limits.max_file_bytes + 1 - got))
                if not chunk:
                    break
                chunks.append(chunk)
                got += len(chunk)
            if got > limits.max_file_bytes:  # the file grew while being read
                raise too_big_file(got, limits)
            return b"".join(chunks)
        finally:
            os.close(fd)
    except OSError as e:
        raise unreadable(os_reason(e)) from None


def too_big_file(size: int, limits: Limits) -> FileProblem:
    return FileProblem(finding("FILE-TOO-LARGE", reason=(
        f"文件大小{_mb(size)}，超过上限{_mb(limits.max_file_bytes)}")))


# ---------------------------------------------------------------- sniffing

ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = bytes.fromhex("D0CF11E0A1B11AE1")

# Other formats people send instead of the workbook, named so the message says what arrived.
_OTHER_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"%PDF", "PDF文件"),
    (b"\x89PNG", "PNG图片"),
    (b"\xff\xd8\xff", "JPEG图片"),
    (b"GIF8", "GIF图片"),
    (b"Rar!", "RAR压缩包"),
    (b"7z\xbc\xaf\x27\x1c", "7z压缩包"),
    (b"\x1f\x8b", "gzip压缩包"),
    (b"PK\x05\x06", "空的zip压缩包"),
    (b"{\\rtf", "RTF文档"),
)


def sniff(data: bytes) -> str:
    """'empty', 'zip', 'ole', 'text' or 'binary' from the first bytes (never from the name)."""
    if not data:
        return "empty"
    if data.startswith(ZIP_MAGIC):
        return "zip"
    if data.startswith(OLE_MAGIC):
        return "ole"
    if any(data.startswith(m) for m, _ in _OTHER_MAGIC):
        return "binary"
    return "text" if decode_text(data) is not None else "binary"


def is_pdf(data: bytes) -> bool:
    """A PDF by its header (some writers put blank lines or spaces before it)."""
    return data[:1024].lstrip()[:5] == b"%PDF-"


def binary_kind(data: bytes) -> str:
    for magic, kind in _OTHER_MAGIC:
        if data.startswith(magic):
            return kind
    return "未知二进制文件"


def utf16_without_bom(head: bytes) -> str | None:
    """UTF-16 saved without a byte order mark: ASCII text with every other byte zero."""
    if len(head) >= 4 and head[0] and not head[1] and head[2] and not head[3] and head[0] < 0x80:
        return "utf-16-le"
    if len(head) >= 4 and not head[0] and head[1] and not head[2] and head[3] and head[1] < 0x80:
        return "utf-16-be"
    return None


_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_\-]+)""", re.I)


def declared_charset(data: bytes) -> tuple[str, ...]:
    """The encoding a page declares in <meta charset> (an ASCII-compatible one), if Python knows it."""
    m = _CHARSET.search(data[:4096])
    if not m:
        return ()
    try:
        enc = codecs.lookup(m.group(1).decode("ascii")).name
    except LookupError:
        return ()
    return () if enc.startswith(("utf-16", "utf-32")) else (enc,)


def decode_text(data: bytes) -> str | None:
    """Decode UTF-8 (with or without BOM), UTF-16 (BOM, or ASCII-led without one), or GB18030; None if it
    is not text."""
    text: str | None = None
    wide = utf16_without_bom(data[:4])
    if data.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")):
        wide = "utf-32"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) or wide:
        try:
            text = data.decode(wide or "utf-16")
        except UnicodeDecodeError:
            return None
    else:
        if b"\x00" in data[:8192]:
            return None
        for enc in ("utf-8-sig", *declared_charset(data), "gb18030"):
            try:
                text = data.decode(enc)
                break
            except UnicodeDecodeError:
                continue
    if text is None:
        return None
    sample = text[:20000]
    if not sample:
        return text
    control = sum(1 for ch in sample if unicodedata.category(ch) in ("Cc", "Co", "Cn") and ch not in "\t\n\r\f\v")
    return text if control / len(sample) < 0.01 else None


_HTML_STARTS = ("<!doctype html", "<html", "<?xml", "<head", "<body", "<meta", "<div", "<table", "<p")


def looks_like_html(text: str) -> bool:
    """Markup rather than plain text: a page, or a fragment of one saved from a site's editor.
    The one rule for both the checker and `xxgk import`."""
    head = text[:4096].lstrip("\ufeff \t\r\n").lower()
    return head.startswith(_HTML_STARTS) or "<html" in head or "<table" in head


# ---------------------------------------------------------------- OLE (legacy and encrypted files)


def classify_ole(data: bytes) -> Finding:
    """The finding for an OLE compound file: encrypted OOXML, legacy .xls, or something else."""
    import msoffcrypto
    import olefile

    try:
        ole = olefile.OleFileIO(io.BytesIO(data))
        streams = {"/".join(p).lower() for p in ole.listdir(streams=True, storages=True)}
        ole.close()
    except Exception:  # olefile raises assorted errors on damaged files
        return finding("FILE-UNREADABLE", reason="Office 97-2003格式的文件已损坏")
    if "encryptedpackage" in streams or "encryptioninfo" in streams:
        return finding("FILE-ENCRYPTED")
    if "workbook" in streams or "book" in streams:
        return finding("FILE-LEGACY-XLS")
    try:
        office = msoffcrypto.OfficeFile(io.BytesIO(data))
        encrypted = office.is_encrypted()
    except Exception:  # unknown OLE formats raise from msoffcrypto
        encrypted = False
    if encrypted:
        return finding("FILE-ENCRYPTED")
    if "worddocument" in streams:
        return finding("FILE-NOT-WORKBOOK", kind="Word 97-2003文档（.doc）")
    if "powerpoint document" in streams:
        return finding("FILE-NOT-WORKBOOK", kind="PowerPoint 97-2003演示文稿（.ppt）")
    return finding("FILE-NOT-WORKBOOK", kind="Office 97-2003格式的其他文件")


# ---------------------------------------------------------------- hardened XML

_HOSTILE = tuple(s.encode(enc) for s in ("<!DOCTYPE", "<!ENTITY") for enc in ("utf-8", "utf-16-le", "utf-16-be"))


def xml_parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, load_dtd=False, no_network=True, huge_tree=False,
                           remove_blank_text=False)


def check_hostile(data: bytes, part: str) -> None:
    """FILE-XML-HOSTILE when the bytes declare a DTD or an entity (UTF-8 or UTF-16)."""
    if b"\x00" in data[:256]:  # UTF-16 encoded part
        hostile = any(h in data for h in _HOSTILE)
    else:
        hostile = b"<!" in data and (b"<!DOCTYPE" in data or b"<!ENTITY" in data)
    if hostile:
        raise FileProblem(finding("FILE-XML-HOSTILE", part=part))


def parse_xml(data: bytes, part: str, parser: etree.XMLParser | None = None, *,
              checked: bool = False) -> etree._Element:
    """Parse one XML part; any DTD or entity declaration is hostile (billion laughs, XXE)."""
    if not checked:
        check_hostile(data, part)
    try:
        root = etree.fromstring(data, parser or xml_parser())
    except etree.XMLSyntaxError as e:
        raise unreadable(f"内部文件{part}不是有效的XML（{e.msg or '格式错误'}）") from None
    if root is None:
        raise unreadable(f"内部文件{part}为空")
    info = root.getroottree().docinfo
    if info.doctype or info.internalDTD is not None:
        raise FileProblem(finding("FILE-XML-HOSTILE", part=part))
    return root


# ---------------------------------------------------------------- zip with caps


class SafeZip:
    """A zip checked against `Limits` before any member is read; members are read with a byte cap."""

    def __init__(self, data: bytes, limits: Limits = DEFAULT_LIMITS):
        self.limits = limits
        self._read_total = 0
        try:
            self._zf = zipfile.ZipFile(io.BytesIO(data))
            infos = self._zf.infolist()
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, NotImplementedError):
            raise unreadable("压缩包结构损坏或文件不完整（可能下载或复制时被截断）") from None
        if len(infos) > limits.max_entries:
            raise FileProblem(finding("FILE-TOO-LARGE",
                                      reason=f"包含{len(infos)}个内部文件，超过上限{limits.max_entries}个"))
        total = 0
        for info in infos:
            if info.file_size > limits.max_entry_bytes:
                raise FileProblem(finding("FILE-TOO-LARGE", reason=(
                    f"内部文件{info.filename}解压后为{_mb(info.file_size)}，超过上限{_mb(limits.max_entry_bytes)}")))
            total += info.file_size
        if total > limits.max_total_bytes:
            raise FileProblem(finding("FILE-TOO-LARGE", reason=(
                f"解压后共{_mb(total)}，超过上限{_mb(limits.max_total_bytes)}")))
        self._infos = {i.filename: i for i in infos}
        self._lower = {i.filename.lower(): i.filename for i in infos}

    @property
    def names(self) -> list[str]:
        return list(self._infos)

    def has(self, name: str) -> bool:
        return name.lower() in self._lower

    def read(self, name: str) -> bytes | None:
        """The member's bytes, or None when absent; never more than the caps, whatever is declared."""
        real = self._lower.get(name.lower())
        if real is None:
            return None
        cap = self.limits.max_entry_bytes
        chunks: list[bytes] = []
        got = 0
        try:
            with self._zf.open(real) as fh:
                while True:
                    chunk = fh.read(256 * 1024)
                    if not chunk:
                        break
                    got += len(chunk)
                    self._read_total += len(chunk)
                    if got > cap:
                        raise FileProblem(finding("FILE-TOO-LARGE", reason=(
                            f"内部文件{real}解压后超过上限{_mb(cap)}")))
                    if self._read_total > self.limits.max_total_bytes:
                        raise FileProblem(finding("FILE-TOO-LARGE", reason=(
                            f"解压后超过上限{_mb(self.limits.max_total_bytes)}")))
                    chunks.append(chunk)
        except FileProblem:
            raise
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, NotImplementedError, RuntimeError):
            raise unreadable(f"内部文件{real}已损坏或无法解压") from None
        return b"".join(chunks)

    def xml(self, name: str, parser: etree.XMLParser | None = None) -> etree._Element | None:
        data = self.read(name)
        return None if data is None else parse_xml(data, name, parser)


def resolve_target(base_part: str, target: str) -> str:
    """A relationship target relative to the part that owns the .rels file."""
    if target.startswith("/"):
        return target.lstrip("/")
    return posixpath.normpath(posixpath.join(posixpath.dirname(base_part), target))


_MACRO_TYPES = ("macroenabled", "vbaproject")


def zip_kind(z: SafeZip) -> str:
    """'workbook' or 'docx' for the packages we read; FileProblem for anything else."""
    if z.has("xl/vbaProject.bin") or any(n.lower().endswith("vbaproject.bin") for n in z.names):
        raise FileProblem(finding("FILE-MACRO"))
    ct = z.xml("[Content_Types].xml")
    if ct is not None:
        for el in ct:
            ctype = (el.get("ContentType") or "").lower()
            if any(m in ctype for m in _MACRO_TYPES):
                raise FileProblem(finding("FILE-MACRO"))
    if z.has("xl/workbook.xml"):
        return "workbook"
    if z.has("word/document.xml"):
        return "docx"
    mimetype = z.read("mimetype") if z.has("mimetype") else None
    if mimetype and b"opendocument.spreadsheet" in mimetype:
        raise not_workbook("OpenDocument电子表格（.ods）")
    if mimetype and b"opendocument.text" in mimetype:
        raise not_workbook("OpenDocument文本（.odt）")
    if z.has("ppt/presentation.xml"):
        raise not_workbook("PowerPoint演示文稿（.pptx）")
    raise not_workbook("zip压缩包")
