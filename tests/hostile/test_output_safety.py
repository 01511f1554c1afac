"""The summaries never turn what a unit typed into a formula, markup or a terminal command.

A run over workbooks whose unit names (written by the generator, so they pass every check) and file
names are formula injections, HTML and terminal escape sequences; a roster whose missing unit is
hostile too. Then summary.xlsx is read back with openpyxl, summary.json is parsed, summary.html is
searched, and the console table is inspected.
"""

from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path

import openpyxl
import pytest

from xxgk.check.run import check_paths
from xxgk.report.console import render_console

from .conftest import run_cli
from .corpus import passing

HOSTILE_UNITS = [
    "<script>alert(1)</script>",
    '=HYPERLINK("http://x","y")',
    "+cmd|' /C calc'!A0",
    "@SUM(1+1)",
    "-2+3镇",
    '"><img src=x onerror=alert(2)>',
]
HOSTILE_FILES = {  # file name -> unit inside
    "=1+1.xlsx": "等号镇",
    "<img src=x onerror=alert(3)>.xlsx": "图片镇",
    "\x1b[2J\x1b[31m清屏.xlsx": "清屏镇",
    "换\n行.xlsx": "换行镇",
    "\u202eexe.xlsx": "反向镇",
}
MISSING = "<b>缺报</b>=1+1"


@pytest.fixture(scope="module")
def run_out(tmp_path_factory: pytest.TempPathFactory) -> dict:
    tmp = tmp_path_factory.mktemp("safety")
    folder = tmp / "in"
    folder.mkdir()
    units = []
    for i, name in enumerate(HOSTILE_UNITS):
        (folder / f"unit-{i}.xlsx").write_bytes(passing(name))
        units.append(name)
    for file_name, name in HOSTILE_FILES.items():
        (folder / file_name).write_bytes(passing(name))
        units.append(name)
    roster = tmp / "roster.csv"
    rows = ["单位名称,单位代码,单位层级,上级单位"] + [
        '"{}",,乡镇,孟津区人民政府'.format(u.replace('"', '""')) for u in [*units, MISSING]]
    roster.write_text("\n".join(rows) + "\n", encoding="utf-8")
    out = tmp / "out"
    proc = run_cli("check", str(folder), "--roster", str(roster), "--out", str(out))
    return {"proc": proc, "out": out, "folder": folder}


def test_run_completes_and_reports_only_the_missing_unit(run_out: dict) -> None:
    proc = run_out["proc"]
    assert "Traceback" not in proc.stdout + proc.stderr
    assert proc.returncode == 1  # the missing roster unit
    data = json.loads((run_out["out"] / "summary.json").read_text(encoding="utf-8"))
    assert {f["status"] for f in data["files"]} == {"pass"}, [(f["path"], f["findings"]) for f in data["files"]]
    assert [u["name"] for u in data["roster"]["missing"]] == [MISSING]


def test_json_round_trips_names_exactly(run_out: dict) -> None:
    data = json.loads((run_out["out"] / "summary.json").read_text(encoding="utf-8"))
    units = sorted(f["unit"] for f in data["files"])
    assert units == sorted([*HOSTILE_UNITS, *HOSTILE_FILES.values()])
    paths = {Path(f["path"]).name for f in data["files"]}
    assert set(HOSTILE_FILES) <= paths


def test_xlsx_holds_user_text_as_strings_never_formulas(run_out: dict) -> None:
    path = run_out["out"] / "summary.xlsx"
    with zipfile.ZipFile(path) as z:
        for name in z.namelist():
            if name.startswith("xl/worksheets/"):
                assert b"<f>" not in z.read(name) and b"<f " not in z.read(name), name
    wb = openpyxl.load_workbook(path)
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                assert c.data_type != "f", (ws.title, c.coordinate, c.value)
    unit_cells = {c.value: c for c in wb["概览"]["B"][1:]}
    for name in HOSTILE_UNITS:
        cell = unit_cells[name]  # the exact text, not a computed value
        assert cell.data_type == "s" and cell.value == name
        # and a formula-like name keeps Excel's apostrophe, so editing the cell does not run it
        assert cell.quotePrefix == (name[0] in "=+-@"), name
    assert [c.value for c in wb["未报送"]["A"][1:]] == [MISSING]
    assert wb["未报送"]["A2"].data_type == "s"


def test_html_escapes_everything_and_loads_nothing_from_outside(run_out: dict) -> None:
    html = (run_out["out"] / "summary.html").read_text(encoding="utf-8")
    assert html.count("<script") == 1  # the page's own filter script
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<img" not in html and "&lt;img src=x onerror=alert(3)&gt;" in html
    assert "<b>缺报</b>" not in html and "&lt;b&gt;缺报&lt;/b&gt;=1+1" in html
    assert '"><img' not in html
    for external in ('src="http', "src='http", 'href="http', "href='http", "@import", "url(http", "url(//",
                     'src="//', 'href="//'):
        assert external not in html.lower(), external
    # every attribute value is quoted and escaped: no stray quote breaks out of data-unit
    for m in re.finditer(r'data-unit="([^"]*)"', html):
        assert "<" not in m.group(1) and ">" not in m.group(1)


def test_console_table_does_not_pass_control_characters_to_the_terminal(run_out: dict) -> None:
    # click strips escape sequences only when stdout is not a terminal, so look at the table itself
    table = render_console(check_paths([run_out["folder"]], jobs=1))
    out = run_out["proc"].stdout
    for text in (table, out):
        assert "\x1b" not in text  # a file name cannot clear the screen or recolour it
        assert "\u202e" not in text  # nor reverse the text that follows it
    # escape sequences are removed, other controls shown as control pictures (sanitize.for_terminal)
    assert "清屏.xlsx" in table and "[2J" not in table and "换␊行.xlsx" in table
    lines = out.splitlines()
    # one line per file between the header rule and the totals line: the newline in a name did not split it
    body = lines[2:lines.index(next(ln for ln in lines if ln.startswith("共")))]
    assert len(body) == len(HOSTILE_UNITS) + len(HOSTILE_FILES), body
