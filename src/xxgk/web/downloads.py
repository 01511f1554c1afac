"""Files the page hands out: blank workbooks (the project's generator), a roster read as the CLI
reads it, and attachments with a safe Content-Disposition."""

from __future__ import annotations

import io
import os
import tempfile
import zipfile
from pathlib import Path
from urllib.parse import quote

from starlette.exceptions import HTTPException
from starlette.responses import Response

from ..store import Store
from .uploads import MAX_FILE


def load_roster(store: Store, data: bytes, name: str) -> list[str] | None:
    from ..generate.roster import RosterError, read_roster

    if len(data) > MAX_FILE:
        return [f"名单文件超过上限{MAX_FILE // 1024 // 1024}MB。"]
    with tempfile.TemporaryDirectory(prefix="xxgk-roster-") as tmp:
        p = Path(tmp) / ("roster.xlsx" if data[:4] == b"PK\x03\x04" else "roster.csv")
        p.write_bytes(data)
        try:
            units = read_roster(p)
        except RosterError as e:
            return e.problems
    store.set_roster(units, os.path.basename(name.replace("\\", "/"))[:200])
    return None


def blank_workbooks(store: Store, year: int, deadline: str, which: str) -> Response:
    from ..form.definition import load_form
    from ..generate.roster import Unit, unique_filenames
    from ..generate.workbook import GenerateOptions, build_workbook

    units = store.units()
    options = GenerateOptions(deadline=deadline)
    form = load_form()
    as_units = [Unit(name=u.name, code=u.code, level=u.level, parent=u.parent) for u in units]
    names = unique_filenames(as_units, year)
    if which:
        for u, n, ru in zip(as_units, names, units, strict=True):
            if ru.key == which:
                return attachment(build_workbook(form, u, year, options), n,
                                   "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        raise HTTPException(404, "名单中没有这个单位。")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for u, n in zip(as_units, names, strict=True):
            z.writestr(n, build_workbook(form, u, year, options))
    return attachment(buf.getvalue(), f"{year}年度报告填报表.zip", "application/zip")


def attachment(data: bytes, name: str, media: str) -> Response:
    ascii_name = "".join(c if c.isascii() and (c.isalnum() or c in "._-") else "_" for c in name) or "download"
    return Response(data, media_type=media, headers={
        "content-disposition": f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name, safe='')}"})
