"""Read a roster of units (CSV in UTF-8 / UTF-8-BOM / GB18030, or XLSX) and make safe file names."""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from ..form.definition import Form, load_form

COLUMNS = {"name": "单位名称", "code": "单位代码", "level": "单位层级", "parent": "上级单位"}
FULL_NAME = "单位全称"
_WINDOWS_RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(1, 10)),
                     *(f"LPT{i}" for i in range(1, 10))}


@dataclass(frozen=True)
class Unit:
    name: str
    code: str = ""
    level: str = ""
    parent: str = ""
    full_name: str = ""  # optional column 单位全称: the organ's full name for the report title


# Name endings that place a unit, tried in this order (a 社区 of a 镇 is a 村社区; a 街道办 is a 街道,
# not a department). Only the levels a county office generates for are inferred.
_LEVEL_ENDINGS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("村社区", ("社区", "村", "村委会", "居委会", "村民委员会", "居民委员会", "社区居委会")),
    ("街道", ("街道", "街道办事处", "街道办")),
    ("乡镇", ("镇", "乡", "镇人民政府", "乡人民政府", "镇政府", "乡政府")),
    ("县级政府", ("县人民政府", "区人民政府", "县政府", "区政府", "旗人民政府", "县级市人民政府")),
    ("县级部门", ("局", "委", "办", "委员会", "办公室")),
)


def infer_level(name: str) -> str | None:
    """The unit level a name implies (…镇 → 乡镇, …街道 → 街道, …局 → 县级部门…), or None."""
    text = unicodedata.normalize("NFKC", name).strip()
    text = re.sub(r"[（(][^）)]*[）)]$", "", text).strip()  # "…局（挂…牌子）"
    for level, endings in _LEVEL_ENDINGS:
        if any(text.endswith(e) and len(text) > len(e) for e in endings):
            return level
    return None


class RosterError(Exception):
    """A roster that cannot be used; `problems` are Chinese lines naming the row."""

    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


def _decode(data: bytes) -> str:
    for enc in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(enc)
        except UnicodeDecodeError:
            continue
    raise RosterError(["名单文件的编码无法识别，请另存为 UTF-8 或 GB18030（Excel“CSV（逗号分隔）”）格式。"])


def _rows_from_csv(data: bytes) -> list[list[str]]:
    text = _decode(data)
    sample = text[:4096]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",\t;，")
    except csv.Error:
        dialect = csv.excel
    return [list(r) for r in csv.reader(io.StringIO(text), dialect)]


def _rows_from_xlsx(path: Path) -> list[list[str]]:
    from openpyxl import load_workbook

    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except Exception as e:  # openpyxl raises many types for broken files
        raise RosterError([f"名单文件无法作为Excel工作簿打开：{e}"]) from e
    try:
        ws = wb.worksheets[0]
        rows = []
        for row in ws.iter_rows(values_only=True):
            rows.append(["" if v is None else (str(int(v)) if isinstance(v, float) and v.is_integer() else str(v))
                         for v in row])
        return rows
    finally:
        wb.close()


def _clean(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip()


ROSTER_MAX_BYTES = 10 * 1024 * 1024
MAX_UNIT_TEXT = 100  # a unit name is short; the .docx title property holds 255 characters at most
_TEXT_TITLES = {"name": "单位名称", "code": "单位代码", "parent": "上级单位", "full_name": "单位全称"}


def unit_text_problem(fields: dict[str, str]) -> str | None:
    """Why a unit's name, code, parent or full name cannot go into a workbook (Chinese), or None:
    invisible control or direction characters (they would travel into every file made from it),
    or more than 100 characters."""
    from ..sanitize import clean

    for key, title in _TEXT_TITLES.items():
        text = fields.get(key) or ""
        if clean(text) != text:
            return f"{title}“{clean(text)}”含有不可见的控制字符或文字方向字符，请删除后重新输入。"
        if len(text) > MAX_UNIT_TEXT:
            return f"{title}有{len(text)}个字符，超过上限{MAX_UNIT_TEXT}个。"
    return None


def read_roster(path: Path, form: Form | None = None) -> list[Unit]:
    """Units in file order; raises RosterError listing every problem with its row number."""
    from ..read.limits import Limits
    from ..read.safe_open import FileProblem, read_regular

    form = form or load_form()
    try:  # a roster is a few hundred KB: a FIFO, a device or a 10 MB file is not one
        data = read_regular(path, Limits(max_file_bytes=ROSTER_MAX_BYTES))
    except FileProblem as p:
        raise RosterError([f"名单文件无法读取：{p.finding.message}"]) from None
    rows = _rows_from_xlsx(path) if data[:4] == b"PK\x03\x04" else _rows_from_csv(data)
    while rows and not any(c.strip() for c in rows[0]):
        rows.pop(0)
    if not rows:
        raise RosterError(["名单是空的：第1行应为表头（单位名称,单位代码,单位层级,上级单位），其后每行一个单位。"])
    header = [_clean(c) for c in rows[0]]
    index: dict[str, int] = {}
    missing = []
    for key, title in COLUMNS.items():
        if title in header:
            index[key] = header.index(title)
        else:
            missing.append(title)
    if FULL_NAME in header:  # optional
        index["full_name"] = header.index(FULL_NAME)
    if missing:
        expected = "、".join(COLUMNS.values())
        raise RosterError([f"名单第1行（表头）缺少列：{'、'.join(missing)}。表头应包括：{expected}。"])
    problems: list[str] = []
    units: list[Unit] = []
    seen_name: dict[str, int] = {}
    seen_code: dict[str, int] = {}
    for n, row in enumerate(rows[1:], start=2):
        if not any(c.strip() for c in row):
            continue
        cell = {k: _clean(row[i]) if i < len(row) else "" for k, i in index.items()}
        if not cell["name"]:
            problems.append(f"第{n}行：单位名称为空，请填写单位全称。")
            continue
        bad = unit_text_problem(cell)
        if bad:
            problems.append(f"第{n}行：{bad}")
            continue
        level = form.normalise_level(cell["level"]) if cell["level"] else None
        if level is None:
            problems.append(f"第{n}行（{cell['name']}）：单位层级“{cell['level']}”无法识别，"
                            f"可选：{'、'.join(form.unit_levels)}。")
        if cell["name"] in seen_name:
            problems.append(f"第{n}行：单位“{cell['name']}”与第{seen_name[cell['name']]}行重复，每个单位只能出现一次。")
        elif cell["code"] and cell["code"] in seen_code:
            problems.append(f"第{n}行（{cell['name']}）：单位代码“{cell['code']}”与第{seen_code[cell['code']]}行重复。")
        seen_name.setdefault(cell["name"], n)
        if cell["code"]:
            seen_code.setdefault(cell["code"], n)
        units.append(Unit(name=cell["name"], code=cell["code"], level=level or "", parent=cell["parent"],
                          full_name=cell.get("full_name", "")))
    if problems:
        raise RosterError(problems)
    if not units:
        raise RosterError(["名单中没有任何单位：表头之后每行填写一个单位。"])
    return units


def safe_filename(text: str, max_len: int = 80, max_bytes: int = 180) -> str:
    """A file name stem that Windows, macOS and Linux all accept.

    Linux file systems cap a name at 255 *bytes*; a Chinese character takes 3 in UTF-8, so the
    stem is also cut to `max_bytes`, leaving room for the "_2024年度报告填报表_2.xlsx" suffix.
    """
    t = unicodedata.normalize("NFKC", text)
    t = re.sub(r'[\\/:*?"<>|\x00-\x1f]', "_", t)
    t = t.strip().rstrip(". ")
    t = t[:max_len]
    while len(t.encode("utf-8")) > max_bytes:
        t = t[:-1]
    t = t.rstrip(". ")
    if not t or t.upper().split(".")[0] in _WINDOWS_RESERVED:
        t = f"_{t}"
    return t.lstrip("-") or "_"


def unique_filenames(units: list[Unit], year: int) -> list[str]:
    names: list[str] = []
    used: set[str] = set()
    for u in units:
        stem = safe_filename(f"{u.code}_{u.name}" if u.code else u.name) + f"_{year}年度报告填报表"
        cand, i = stem, 2
        while cand.casefold() in used:  # Windows file names are case-insensitive
            cand, i = f"{stem}_{i}", i + 1
        used.add(cand.casefold())
        names.append(cand + ".xlsx")
    return names
