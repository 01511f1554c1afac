"""What a user sees when a file cannot be read: one FILE-* finding with a Chinese reason, never a crash."""

from __future__ import annotations

import hashlib
import io
import os
import struct
import time
import tracemalloc
import zipfile
from pathlib import Path

import pytest

from test_read_helpers import edit, generated, parts, rezip, sheet_part
from xxgk.check.load import Limits, read_bytes, read_file
from xxgk.read.safe_open import FileProblem, SafeZip


def rules(loaded) -> list[str]:
    return [f.rule for f in loaded.findings]


def only(loaded, rule: str):
    assert rules(loaded) == [rule], [(f.rule, f.message) for f in loaded.findings]
    assert loaded.document is None
    return loaded.findings[0]


def test_generated_workbook_reads_without_findings() -> None:
    loaded = read_bytes(generated(), "小浪底镇.xlsx")
    assert loaded.kind == "workbook"
    assert loaded.findings == []
    assert loaded.document is not None and loaded.form_version == "2021"
    assert loaded.sha256 == hashlib.sha256(generated()).hexdigest()


def test_empty_file(tmp_path: Path) -> None:
    p = tmp_path / "空.xlsx"
    p.write_bytes(b"")
    only(read_file(p), "FILE-EMPTY")


def test_random_bytes_are_not_a_workbook() -> None:
    f = only(read_bytes(os.urandom(4096), "报表.xlsx"), "FILE-NOT-WORKBOOK")
    assert "未知二进制文件" in f.message


def test_pdf_renamed_to_xlsx_is_named_as_pdf() -> None:
    # a PDF is read as a published report whatever its name; this one is cut short, so it is unreadable
    f = only(read_bytes(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n", "报表.xlsx"), "FILE-UNREADABLE")
    assert "PDF" in f.message


def test_truncated_zip_is_unreadable() -> None:
    data = generated()
    f = only(read_bytes(data[: len(data) // 2], "截断.xlsx"), "FILE-UNREADABLE")
    assert "截断" in f.message or "损坏" in f.message


def test_other_zip_is_not_a_workbook() -> None:
    f = only(read_bytes(rezip({"readme.txt": b"hello"}), "a.xlsx"), "FILE-NOT-WORKBOOK")
    assert "zip" in f.message


def test_ods_is_named() -> None:
    data = rezip({"mimetype": b"application/vnd.oasis.opendocument.spreadsheet", "content.xml": b"<a/>"})
    assert "ods" in only(read_bytes(data, "a.xlsx"), "FILE-NOT-WORKBOOK").message


def _bomb(size: int) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        zf.writestr("[Content_Types].xml", b"<Types/>")
        zf.writestr("xl/workbook.xml", b"<workbook/>")
        with zf.open("xl/sharedStrings.xml", "w") as fh:
            chunk = b"\0" * (1024 * 1024)
            for _ in range(size // len(chunk)):
                fh.write(chunk)
    return buf.getvalue()


def test_zip_bomb_is_refused_quickly_with_bounded_memory() -> None:
    data = _bomb(300 * 1024 * 1024)
    assert len(data) < 2 * 1024 * 1024  # small on disk
    tracemalloc.start()
    t = time.perf_counter()
    loaded = read_bytes(data, "炸弹.xlsx")
    seconds = time.perf_counter() - t
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    f = only(loaded, "FILE-TOO-LARGE")
    assert "xl/sharedStrings.xml" in f.message and "300MB" in f.message
    assert seconds < 1.0
    assert peak < 20 * 1024 * 1024


def test_zip_that_lies_about_its_size_is_not_inflated() -> None:
    """Central directory and local header claim 100 bytes for 60 MB of zeros: reading stops early."""
    data = bytearray(_bomb(60 * 1024 * 1024))
    name = b"xl/sharedStrings.xml"
    for sig, off in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        i = data.find(sig + b"")
        while i >= 0:
            n = struct.unpack_from("<H", data, i + (26 if sig == b"PK\x03\x04" else 28))[0]
            start = i + (30 if sig == b"PK\x03\x04" else 46)
            if bytes(data[start:start + n]) == name:
                struct.pack_into("<I", data, i + off, 100)
            i = data.find(sig, i + 4)
    z = SafeZip(bytes(data))  # the declared sizes pass the central-directory check
    tracemalloc.start()
    with pytest.raises(FileProblem) as e:
        z.read("xl/sharedStrings.xml")
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert e.value.finding.rule in ("FILE-UNREADABLE", "FILE-TOO-LARGE")
    assert peak < 5 * 1024 * 1024


def test_too_many_entries() -> None:
    members = {f"x/{i}.txt": b"" for i in range(1001)}
    f = only(read_bytes(rezip(members), "多.xlsx"), "FILE-TOO-LARGE")
    assert "1001" in f.message


def test_total_cap_is_a_setting() -> None:
    loaded = read_bytes(generated(), "a.xlsx", limits=Limits(max_total_bytes=50_000))
    assert "超过上限" in only(loaded, "FILE-TOO-LARGE").message


def test_file_size_cap(tmp_path: Path) -> None:
    p = tmp_path / "大.xlsx"
    p.write_bytes(generated())
    only(read_file(p, limits=Limits(max_file_bytes=1000)), "FILE-TOO-LARGE")


def test_macro_by_vba_part() -> None:
    members = parts(generated())
    members["xl/vbaProject.bin"] = b"\0" * 16
    only(read_bytes(rezip(members), "宏.xlsx"), "FILE-MACRO")


def test_macro_by_content_type() -> None:
    data = edit(generated(), "[Content_Types].xml", lambda s: s.replace(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
        "application/vnd.ms-excel.sheet.macroEnabled.main+xml"))
    only(read_bytes(data, "宏.xlsm"), "FILE-MACRO")


def test_encrypted_workbook() -> None:
    from msoffcrypto.format.ooxml import OOXMLFile

    out = io.BytesIO()
    OOXMLFile(io.BytesIO(generated())).encrypt("1234", out)
    f = only(read_bytes(out.getvalue(), "加密.xlsx"), "FILE-ENCRYPTED")
    assert f.hint.startswith("文件设置了打开密码，请取消密码后重新报送")


BILLION_LAUGHS = (
    '<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
    '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
    '<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>\n'
)


@pytest.mark.parametrize("part", ["xl/sharedStrings.xml", "xl/workbook.xml", "docProps/custom.xml"])
def test_billion_laughs_is_hostile(part: str) -> None:
    data = edit(generated(), part, lambda s: BILLION_LAUGHS + s.split("?>", 1)[1].replace(
        "</", "&lol3;</", 1))
    f = only(read_bytes(data, "恶意.xlsx"), "FILE-XML-HOSTILE")
    assert part in f.message


def test_xxe_in_a_sheet_is_hostile() -> None:
    data = generated()
    part = sheet_part(data, "三、收到和处理政府信息公开申请情况")
    data = edit(data, part, lambda s: s.replace(
        "?>", '?>\n<!DOCTYPE w [<!ENTITY x SYSTEM "file:///etc/passwd">]>', 1).replace("<v>0</v>", "<v>&x;</v>", 1))
    f = only(read_bytes(data, "恶意.xlsx"), "FILE-XML-HOSTILE")
    assert part in f.message


def test_utf16_doctype_is_hostile() -> None:
    text = '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE a [<!ENTITY b "c">]><Types/>'
    members = parts(generated())
    members["[Content_Types].xml"] = text.encode("utf-16")
    only(read_bytes(rezip(members), "a.xlsx"), "FILE-XML-HOSTILE")


def test_malformed_sheet_xml_is_unreadable() -> None:
    data = generated()
    part = sheet_part(data, "三、收到和处理政府信息公开申请情况")
    data = edit(data, part, lambda s: s.replace("<sheetData>", "<sheetData><row>", 1))
    f = only(read_bytes(data, "坏.xlsx"), "FILE-UNREADABLE")
    assert part in f.message


def test_input_is_not_modified(tmp_path: Path) -> None:
    p = tmp_path / "报送.xlsx"
    p.write_bytes(generated())
    before = (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime_ns)
    loaded = read_file(p)
    assert (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime_ns) == before
    assert loaded.sha256 == before[0]
    assert sorted(os.listdir(tmp_path)) == ["报送.xlsx"]


def test_symlink_loop_and_missing_file_and_folder(tmp_path: Path) -> None:
    loop = tmp_path / "loop.xlsx"
    os.symlink(loop, loop)
    assert "循环" in only(read_file(loop), "FILE-UNREADABLE").message
    assert "不存在" in only(read_file(tmp_path / "nope.xlsx"), "FILE-UNREADABLE").message
    only(read_file(tmp_path), "FILE-UNREADABLE")


def test_office_lock_file_is_skipped_not_silently(tmp_path: Path) -> None:
    p = tmp_path / "~$小浪底镇.xlsx"
    p.write_bytes(b"\x08user" + b"\0" * 150)
    loaded = read_file(p)
    assert loaded.skipped and rules(loaded) == ["FILE-SKIPPED"]
    assert "临时" in loaded.findings[0].message


def test_text_and_html_go_to_the_importers() -> None:
    from xxgk import importers
    if not hasattr(importers, "import_bytes"):
        pytest.skip("importers.import_bytes not written yet")
    text = "小浪底镇2024年政府信息公开工作年度报告\n一、总体情况\n".encode("gb18030")
    assert read_bytes(text, "报告.txt").kind == "text"
    html = "<!DOCTYPE html><html><body><table><tr><td>一</td></tr></table></body></html>".encode()
    assert read_bytes(html, "报告.xlsx").kind == "html"


def test_kind_comes_from_bytes_not_name() -> None:
    assert read_bytes(generated(), "报告.txt").kind == "workbook"


def test_docx_goes_to_the_docx_importer() -> None:
    from xxgk import importers
    if not hasattr(importers, "import_bytes"):
        pytest.skip("importers.import_bytes not written yet")
    import docx

    d = docx.Document()
    d.add_paragraph("小浪底镇2024年政府信息公开工作年度报告")
    buf = io.BytesIO()
    d.save(buf)
    loaded = read_bytes(buf.getvalue(), "报告.xlsx")
    assert loaded.kind == "docx"
    assert not any(f.rule in ("FILE-NOT-WORKBOOK", "FILE-MACRO", "FILE-TOO-LARGE") for f in loaded.findings)
