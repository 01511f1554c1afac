"""RawWorkbook -> report document (DESIGN §2), the location of every value, and findings.

Values keep their state: a number, None for blank, or the original text when it is not a number
("/", "无"): the schema step reports those. Numbers typed as text are read (with a warning).
Cached formula results are never trusted: an intact total is recomputed from its inputs.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from ..document import empty_document, get_path
from ..form.definition import (
    DEFAULT_VERSION,
    META_SHEET,
    Field,
    Form,
    available_versions,
    load_form,
    parse_expr,
    per_form,
)
from ..read.xlsx import RawCell, RawWorkbook
from ..report.model import Finding, Location, finding
from .tamper import Structure, check_structure, formula_finding, formula_state, shown

IDENTITY_KEYS = {"unit.name": "unit_name", "unit.code": "unit_code", "unit.level": "unit_level",
                 "unit.parent": "unit_parent", "year": "year"}
META_KEYS = ("form_id", "form_version", "template_hash", "unit_name", "unit_code", "unit_level", "unit_parent",
             "year", "generator_version")
PROP_PREFIX = "xxgk_"


@dataclass
class Extracted:
    document: dict[str, Any] | None
    locations: dict[str, Location] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)
    form_version: str | None = None
    template_hash: str | None = None


# ---------------------------------------------------------------- numbers

_NUM = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)")
_GROUPED = re.compile(r"[+-]?\d{1,3}(?:,\d{3})+(?:\.\d*)?")
_MINUS = ("\u2212", "\u30fc", "\ufe63", "\u2010", "\u2011", "\u2012", "\u2013")


def plain_number(d: Decimal) -> int | float:
    return int(d) if d == d.to_integral_value() else float(d)


def parse_number_text(text: str) -> int | float | None:
    """A number typed as text: NFKC (full-width digits), no spaces or thousands separators, a
    leading U+2212/U+30FC read as '-'. None when it is not a number ("/", "无", "-", "12件")."""
    t = unicodedata.normalize("NFKC", text).strip()
    if t[:1] in _MINUS:
        t = "-" + t[1:]
    t = re.sub(r"\s+", "", t)
    if "," in t:
        if not _GROUPED.fullmatch(t):
            return None
        t = t.replace(",", "")
    if len(t) > 100 or not _NUM.fullmatch(t):  # 100+ digits is no count; 4300+ would not even print
        return None
    try:
        return plain_number(Decimal(t))
    except InvalidOperation:
        return None


def _cell_number(v: int | float) -> int | float | None:
    if isinstance(v, float):
        if not math.isfinite(v):
            return None
        return int(v) if v.is_integer() else v
    return v


# ---------------------------------------------------------------- cell -> document value


def numeric_value(form: Form, f: Field, cell: RawCell | None, sheet: str) -> tuple[Any, Finding | None]:
    if cell is None or cell.blank:
        return None, None
    v = cell.value
    if isinstance(v, bool):
        return v, None
    if isinstance(v, (int, float)):
        n = _cell_number(v)
        return (n, None) if n is not None else (str(v), None)
    text = str(v)
    if cell.type == "e":
        return text, None
    n = parse_number_text(text)
    if n is None:
        return text, None
    return n, finding("CELL-TEXT-NUMBER", sheet=sheet, cell=f.cell, path=f.path, label=f.label, raw=text, value=n)


def text_value(cell: RawCell | None) -> str | None:
    if cell is None or cell.blank:
        return None
    v = cell.value
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    if isinstance(v, bool):
        return "TRUE" if v else "FALSE"
    return str(v)


def yes_no_value(f: Field, cell: RawCell | None) -> Any:
    if cell is None or cell.blank:
        return None
    if isinstance(cell.value, bool):
        return cell.value
    text = unicodedata.normalize("NFKC", str(cell.value)).strip()
    if len(f.choices) == 2:
        if text == f.choices[0]:
            return False
        if text == f.choices[1]:
            return True
    return text_value(cell)


def identity_value(path: str, cell: RawCell | None) -> Any:
    if cell is None or cell.blank:
        return None
    if path == "year":
        v = cell.value
        n = _cell_number(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else (
            parse_number_text(str(v)))
        return n if isinstance(n, int) else text_value(cell)
    return (text_value(cell) or "").strip() or None


# ---------------------------------------------------------------- template identification


def read_meta(raw: RawWorkbook) -> tuple[dict[str, str] | None, dict[str, str] | None]:
    """(hidden sheet key -> value, custom properties without the prefix); None where absent."""
    meta: dict[str, str] | None = None
    sheet = raw.sheet(META_SHEET)
    if sheet is not None:
        meta = {}
        for ref, c in sheet.cells.items():
            if ref.startswith("A") and ref[1:].isdigit() and c.value is not None:
                meta[str(c.value).strip()] = text_value(sheet.cell("B" + ref[1:])) or ""
    props = {k[len(PROP_PREFIX):]: ("" if v == "-" else v) for k, v in raw.custom_props.items()
             if k.startswith(PROP_PREFIX)} or None
    return meta, props


def choose_form(meta: dict[str, str] | None, props: dict[str, str] | None,
                findings: list[Finding]) -> tuple[Form, str | None, str | None]:
    """The form to check against, with TAMPER-TEMPLATE findings when it is unknown or inconsistent."""
    default = load_form()
    src = meta or props
    if src is None:
        findings.append(finding("TAMPER-TEMPLATE", reason="找不到本系统的模板标识（隐藏工作表和文档属性都不存在）"))
        return default, None, None
    form_id, version, thash = src.get("form_id"), src.get("form_version"), src.get("template_hash")
    if meta and props and any((meta.get(k) or "") != (props.get(k) or "")
                              for k in ("form_id", "form_version", "template_hash")):
        findings.append(finding("TAMPER-TEMPLATE", reason="隐藏工作表与文档属性中的模板信息不一致"))
    if form_id != default.id:
        findings.append(finding("TAMPER-TEMPLATE", reason=f"模板标识为“{form_id or '空'}”，不是年度报告填报表"))
        return default, version, thash
    # the default version's template is loaded already (so it exists): no need to list the folder
    if version != DEFAULT_VERSION and version not in available_versions():
        findings.append(finding("TAMPER-TEMPLATE", reason=(
            f"模板版本“{version or '空'}”不受支持，本系统支持：{'、'.join(available_versions())}")))
        return default, version, thash
    form = load_form(version)
    if thash != form.template_hash:
        findings.append(finding("TAMPER-TEMPLATE", severity="warning",
                                reason="模板校验码与本系统当前的表格定义不一致，可能是用旧版程序生成的"))
    return form, version, thash


# ---------------------------------------------------------------- extraction


@dataclass
class _Plan:
    """Per-form data computed once: the empty document, split paths, parsed total expressions."""

    skeleton: dict[str, Any]
    parts: dict[str, tuple[str, ...]]
    terms: dict[str, tuple[tuple[int, str | None, int], ...]]
    # (field, kind, parent path, last part): how extract() reads and stores each field
    fields: tuple[tuple[Field, int, tuple[str, ...], str], ...] = ()


_IDENTITY, _FORMULA, _YES_NO, _NUMERIC, _TEXT = range(5)


def _field_kind(form: Form, f: Field) -> int:
    if f.kind == "identity":
        return _IDENTITY
    if f.kind == "formula":
        return _FORMULA
    if f.type == "yes_no":
        return _YES_NO
    return _NUMERIC if form.field_types[f.type].numeric else _TEXT


@per_form
def _plan(form: Form) -> _Plan:
    return _Plan(
        skeleton=empty_document(form),
        parts={f.path: tuple(f.path.split(".")) for f in form.fields},
        terms={f.path: tuple((t.sign, t.path, t.const) for t in parse_expr(f.formula, form.groups))
               for f in form.fields if f.formula},
        fields=tuple((f, _field_kind(form, f), tuple(f.path.split("."))[:-1], f.path.split(".")[-1])
                     for f in form.fields),
    )


def _copy_indexed(d: dict[str, Any], at: tuple[str, ...], nodes: dict[tuple[str, ...], dict[str, Any]]
                  ) -> dict[str, Any]:
    """_copy_tree that also records every dict of the copy by its path (for direct stores and reads)."""
    out: dict[str, Any] = {}
    nodes[at] = out
    for k, v in d.items():
        out[k] = _copy_indexed(v, (*at, k), nodes) if isinstance(v, dict) else v
    return out


def _copy_tree(d: dict[str, Any]) -> dict[str, Any]:
    return {k: _copy_tree(v) if isinstance(v, dict) else v for k, v in d.items()}


def _put(doc: dict[str, Any], parts: tuple[str, ...], value: Any) -> None:
    cur = doc
    for p in parts[:-1]:
        cur = cur.setdefault(p, {})
    cur[parts[-1]] = value


def _get(doc: dict[str, Any], parts: tuple[str, ...]) -> Any:
    cur: Any = doc
    for p in parts:
        if not isinstance(cur, dict):
            return None
        cur = cur.get(p)
    return cur


def _recompute(plan: _Plan, doc: dict[str, Any], path: str, intact: set[str], done: dict[str, Any],
               values: dict[str, Any] | None = None) -> Any:
    """Value of an intact formula field: the exact sum of its operands (None if one is not a number).

    `values`, when given, holds the document value of every field read from the file (the same
    as _get(doc, ...) for those paths), so that the common case needs no walk through the doc.
    """
    if path in done:
        return done[path]
    done[path] = None  # guards against a cycle in a broken definition
    total: int | Decimal = 0
    for sign, p, const in plan.terms[path]:
        if p is None:
            total += sign * const
            continue
        if p in intact:
            v = _recompute(plan, doc, p, intact, done, values)
        elif values is not None and p in values:
            v = values[p]
        else:
            v = _get(doc, plan.parts[p])
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            return None
        total += sign * (v if isinstance(v, int) else Decimal(str(v)))
    done[path] = result = total if isinstance(total, int) else plain_number(total)
    return result


def extract(raw: RawWorkbook, *, name: str, sha256: str | None) -> Extracted:
    findings: list[Finding] = []
    meta, props = read_meta(raw)
    form, version, thash = choose_form(meta, props, findings)
    structure: Structure = check_structure(raw, form)
    if structure.recognised == 0:
        return Extracted(None, findings=[finding(
            "FILE-NOT-REPORT", reason=f"没有找到填报表的任何工作表（如“{form.section_sheets[2]}”）")],
            form_version=version, template_hash=thash)
    if meta is None and props is not None:
        structure.findings.insert(0, finding("TAMPER-SHEET-MISSING", sheet=META_SHEET))
    findings.extend(structure.findings)

    plan = _plan(form)
    nodes: dict[tuple[str, ...], dict[str, Any]] = {}
    doc = _copy_indexed(plan.skeleton, (), nodes)  # every field's parent dict is in `nodes`
    locations: dict[str, Location] = {}
    intact: set[str] = set()
    values: dict[str, Any] = {}  # path -> value stored in doc for the fields read below
    formula_fields: list[tuple[Field, RawCell | None, str, str]] = []
    sheets: dict[str, tuple[str, dict[str, RawCell] | None]] = {}
    for f, kind, parent, leaf in plan.fields:
        where = sheets.get(f.sheet)
        if where is None:
            sheet = structure.sheet_map.get(f.sheet)
            where = sheets[f.sheet] = (sheet.name, sheet.cells) if sheet is not None else (f.sheet, None)
        sheet_name, cells = where
        # rows or columns inserted/deleted: read each value where its row label is now
        ref = structure.moved(f.sheet, f.cell) if f.sheet in structure.moves else f.cell
        locations[f.path] = (sheet_name, ref, None)
        cell = cells.get(ref) if cells is not None else None
        if kind == _FORMULA:
            formula_fields.append((f, cell, sheet_name, ref))
            continue
        if kind == _NUMERIC:
            if cell is not None and type(cell.value) is int:
                value = cell.value  # what numeric_value gives for a plain integer cell
            else:
                value, note = numeric_value(form, f, cell, sheet_name)
                if note:
                    findings.append(note)
        elif kind == _IDENTITY:
            value = identity_value(f.path, cell)
        elif kind == _YES_NO:
            value = yes_no_value(f, cell)
        else:
            value = text_value(cell)
        nodes[parent][leaf] = value
        values[f.path] = value

    for f, cell, sheet_name, ref in formula_fields:
        if f.sheet not in structure.sheet_map:
            continue  # the sheet is missing: already reported, the value stays None
        ok, found = formula_state(form, f, cell)
        if ok or (f.sheet in structure.moves and cell is not None and cell.has_formula):
            # on a sheet with moved rows the application rewrote the references; the total is
            # recomputed from the inputs read at their new places, and TAMPER-ROWS says the rest
            intact.add(f.path)
            continue
        if f.sheet not in structure.shifted or ref != f.cell or not (cell is not None and cell.has_formula):
            findings.append(formula_finding(form, f, sheet_name, found, ref))
        if cell is not None and cell.has_formula:
            value = _cached_number(cell)
        else:  # a typed value replaced the formula: the document takes it, so the sums show the gap
            value, note = numeric_value(form, f, cell, sheet_name)
            if note:
                findings.append(note)
        _put(doc, plan.parts[f.path], value)
        values[f.path] = value
    done: dict[str, Any] = {}
    for path in intact:
        _put(doc, plan.parts[path], _recompute(plan, doc, path, intact, done, values))

    findings.extend(identity_findings(form, doc, meta, props, structure))
    full_name = ((meta or props or {}).get("unit_full_name") or "").strip()
    if full_name and isinstance(doc.get("unit"), dict):
        doc["unit"]["full_name"] = full_name
    doc["source"] = {"kind": "workbook", "file": name, "sha256": sha256, "template_version": version,
                     "template_hash": thash}
    return Extracted(doc, locations, findings, version, thash)


def _cached_number(cell: RawCell) -> Any:
    """The cached result of a formula that is not ours (what the user saw), or None."""
    v = cell.value
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return _cell_number(v)
    return None


def identity_findings(form: Form, doc: dict[str, Any], meta: dict[str, str] | None,
                      props: dict[str, str] | None, structure: Structure) -> list[Finding]:
    """TAMPER-IDENTITY where the cover disagrees with the hidden sheet or the document properties."""
    out: list[Finding] = []
    cover = structure.sheet_map.get(form.cover_sheet)
    if cover is None:
        return out
    for path, key in IDENTITY_KEYS.items():
        if not form.has_field(path):
            continue
        f = form.field(path)
        found = get_path(doc, path, None)
        found_s = "" if found is None else str(found).strip()
        for src in (meta, props):
            if src is None or key not in src:
                continue
            expected = (src.get(key) or "").strip()
            if found_s != expected:
                out.append(finding("TAMPER-IDENTITY", sheet=cover.name, cell=f.cell, path=path, label=f.label,
                                   expected=expected or "（空白）", found=shown(found)))
                break
    return out
