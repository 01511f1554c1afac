"""What a 收件 request carries: every file as (name, bytes), zips unpacked, within the checker's caps
(one file: Limits.max_file_bytes; files per request and a zip's entries and total size: the same
Limits the reader applies to a zip)."""

from __future__ import annotations

import io
import os
import zipfile

from starlette.datastructures import FormData, UploadFile

from ..read.safe_open import DEFAULT_LIMITS, FileProblem, SafeZip

MAX_FILE = DEFAULT_LIMITS.max_file_bytes  # one file, as the checker caps it
MAX_REQUEST = DEFAULT_LIMITS.max_total_bytes  # one request, as the checker caps a zip's total
MAX_FILES = DEFAULT_LIMITS.max_entries  # files in one request, as the checker caps a zip's entries


class UploadProblem(Exception):
    pass


def _is_plain_zip(data: bytes) -> bool:
    """A zip of files (to unpack), not an Office package (a workbook or .docx is a zip too)."""
    if data[:4] != b"PK\x03\x04":
        return False
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            names = {n.lower() for n in z.namelist()}
    except (zipfile.BadZipFile, OSError, ValueError):
        return False
    return "[content_types].xml" not in names and "mimetype" not in names


async def received_files(form: FormData) -> list[tuple[str, bytes]]:
    """(name, bytes) of every file sent, zips unpacked with the checker's caps."""
    out: list[tuple[str, bytes]] = []
    uploads = [f for f in form.getlist("files") if isinstance(f, UploadFile)]
    if not uploads:
        raise UploadProblem("没有收到文件：请把报送文件（或它们的zip压缩包）拖到框内，或点击选择文件。")
    for up in uploads:
        name = os.path.basename((up.filename or "未命名文件").replace("\\", "/")) or "未命名文件"
        data = await up.read(MAX_FILE + 1)
        if len(data) > MAX_FILE:
            raise UploadProblem(f"文件“{name}”超过单个文件上限{MAX_FILE // 1024 // 1024}MB，未接收本批任何文件。")
        if _is_plain_zip(data) or name.lower().endswith(".zip"):
            out.extend(_unzipped(name, data))
        else:
            out.append((name, data))
        if len(out) > MAX_FILES:
            raise UploadProblem(f"一次最多接收{MAX_FILES}个文件，请分批上传。")
    if not out:
        raise UploadProblem("压缩包里没有文件，未接收。")
    return out


def _unzipped(zip_name: str, data: bytes) -> list[tuple[str, bytes]]:
    try:
        z = SafeZip(data, DEFAULT_LIMITS)
        out = []
        for entry in z.names:
            base = os.path.basename(entry.replace("\\", "/"))
            if not base or entry.endswith("/") or entry.startswith("__MACOSX/"):
                continue
            content = z.read(entry)
            if content is not None:
                out.append((base, content))
        return out
    except FileProblem as e:
        raise UploadProblem(f"压缩包“{zip_name}”无法接收：{e.finding.message}") from None
