"""Fill or edit workbooks with a real LibreOffice (UNO) and save them as .xlsx.

Runs under Debian's system Python (/usr/bin/python3), the only one where `uno` imports;
the tests call it as a subprocess. One LibreOffice process serves every job of a call.

    /usr/bin/python3 scripts/lo_fill.py JOBS.json

JOBS.json: [{"in": "a.xlsx", "out": "b.xlsx", "ops": [...]}, ...] with ops
    {"op": "set", "sheet": S, "cell": "D6", "value": 5}          number
    {"op": "set", "sheet": S, "cell": "B3", "value": "text"}     string (also into a number cell,
                                                                 as a paste of text would: "3" stays text)
    {"op": "clear", "sheet": S, "cell": "D6"}                    delete the content (the Delete key)
    {"op": "insert_rows", "sheet": S, "row": 10, "count": 1}     1-based row, before it
    {"op": "delete_rows", "sheet": S, "row": 10, "count": 1}
    {"op": "rename_sheet", "sheet": S, "to": T}
    {"op": "insert_sheet", "to": T}
    {"op": "remove_sheet", "sheet": S}
    {"op": "unprotect", "sheet": S}                              leaves the sheet unprotected
Edits that a protected sheet forbids are done the way a user with an unprotected copy would:
unprotect, edit, protect again (unless the job unprotects the sheet on purpose).
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile
import time

import uno
from com.sun.star.beans import PropertyValue


def _prop(name, value):
    p = PropertyValue()
    p.Name, p.Value = name, value
    return p


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _connect(port: int, proc: subprocess.Popen):
    local = uno.getComponentContext()
    resolver = local.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", local)
    deadline = time.time() + 60
    while True:
        try:
            ctx = resolver.resolve(f"uno:socket,host=127.0.0.1,port={port};urp;StarOffice.ComponentContext")
            return ctx.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)
        except Exception:
            if time.time() > deadline or proc.poll() is not None:
                raise
            time.sleep(0.3)


def _cell(sheet, ref: str):
    return sheet.getCellRangeByName(ref)


def _apply(doc, op: dict) -> None:
    sheets = doc.getSheets()
    kind = op["op"]
    if kind == "insert_sheet":
        sheets.insertNewByName(op["to"], sheets.getCount())
        return
    if kind == "remove_sheet":
        sheets.removeByName(op["sheet"])
        return
    sheet = sheets.getByName(op["sheet"])
    was_protected = sheet.isProtected()
    if was_protected:
        sheet.unprotect("")
    if kind == "set":
        c = _cell(sheet, op["cell"])
        if isinstance(op["value"], (int, float)):
            c.setValue(op["value"])
        else:
            c.setString(op["value"])
    elif kind == "clear":
        # values, dates, strings and formulas; formats and validation stay, as with the Delete key
        _cell(sheet, op["cell"]).clearContents(1 | 2 | 4 | 16)
    elif kind == "insert_rows":
        sheet.getRows().insertByIndex(op["row"] - 1, op.get("count", 1))
    elif kind == "delete_rows":
        sheet.getRows().removeByIndex(op["row"] - 1, op.get("count", 1))
    elif kind == "rename_sheet":
        sheet.setName(op["to"])
    elif kind == "unprotect":
        return
    else:
        raise ValueError(f"unknown op {kind}")
    if was_protected:
        sheet.protect("")


def main() -> int:
    with open(sys.argv[1], encoding="utf-8") as fh:
        jobs = json.load(fh)
    port = _free_port()
    profile = tempfile.mkdtemp(prefix="xxgk_lo_")
    proc = subprocess.Popen(
        ["soffice", "--headless", "--invisible", "--norestore", "--nologo", "--nodefault",
         f"-env:UserInstallation=file://{profile}", f"--accept=socket,host=127.0.0.1,port={port};urp;"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        desktop = _connect(port, proc)
        for job in jobs:
            url = uno.systemPathToFileUrl(os.path.abspath(job["in"]))
            doc = desktop.loadComponentFromURL(url, "_blank", 0, (_prop("Hidden", True),))
            try:
                for op in job.get("ops", []):
                    _apply(doc, op)
                doc.calculateAll()
                out = uno.systemPathToFileUrl(os.path.abspath(job["out"]))
                doc.storeToURL(out, (_prop("FilterName", "Calc MS Excel 2007 XML"), _prop("Overwrite", True)))
            finally:
                doc.close(True)
        try:
            desktop.terminate()
        except Exception:
            pass  # the bridge drops as LibreOffice exits
    finally:
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
    return 0


if __name__ == "__main__":
    sys.exit(main())
