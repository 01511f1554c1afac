"""Validate a report document against the JSON Schema derived from the form definition.

Numeric fields of the form are judged here field by field, so that one bad value gives exactly
one clear finding (CELL-BLANK, T2-VALUE, T3-VALUE, T4-VALUE); the rest of the schema (identity,
text, choices, unknown keys) is checked with a cached Draft202012Validator and mapped to
DOC-SCHEMA findings, one per document path.

Plausibility: counts and amounts above MAX_PLAUSIBLE (10^9) are reported as implausible. The
largest real figures seen are a few million (宿迁市 行政许可 1,808,595 / 淮安市 行政处罚 3,985,758);
10^9 leaves a wide margin while catching typing slips such as 1e15 or a pasted ID number.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from jsonschema import Draft202012Validator

from ..document import MISSING, is_imported
from ..form.definition import Field, Form, per_form
from ..form.schema import build_schema
from ..report.model import Finding, Locator, finding
from ..report.model import no_location as _no_location

MAX_PLAUSIBLE = 10**9
PLACEHOLDERS = frozenset({"/", "／", "-", "－", "—", "——", "–", "无", "空", "n/a", "N/A", "NA", "null", "—-"})
VALUE_RULES = {"proactive": "T2-VALUE", "requests": "T3-VALUE", "review_litigation": "T4-VALUE"}
# Labels of document paths that are not fields of a table or text block.
EXTRA_LABELS = {"year": "报告年度", "form": "表格版本", "form.id": "表格标识", "form.version": "表格版本",
                "unit": "单位信息", "source": "来源信息"}

@per_form
def validator_for(form: Form) -> Draft202012Validator:
    """The schema validator of a form, built once per form definition."""
    return Draft202012Validator(build_schema(form))


@per_form
def rest_validator_for(form: Form) -> Draft202012Validator:
    """The schema with every numeric field's own schema replaced by `true`, built once per form.

    `validate_document` judges numeric fields itself and drops every schema error at a numeric
    field's path, so the full schema would only spend time there (two thirds of the document);
    the errors that remain (shapes, required and unknown keys, identity, text, choices) are the
    same with either schema.
    """
    schema = build_schema(form)
    for f in form.fields:
        ft = form.field_types.get(f.type)
        if ft is None or not ft.numeric:
            continue
        node = schema
        *parents, leaf = f.path.split(".")
        for part in parents:
            node = node["properties"][part]
        node["properties"][leaf] = True
    return Draft202012Validator(schema)


# ---------------------------------------------------------------- a quick "surely valid" test

_ANNOTATIONS = frozenset({"$schema", "$id", "title", "description"})
_PLAIN_TYPES = {"object": (dict,), "string": (str,), "boolean": (bool,), "null": (type(None),), "array": (list,),
                "integer": (int,), "number": (int, float)}
_NOT_NUMBERS = (str, bool, type(None), dict, list)  # types that minimum/maximum/minLength ignore


def _quick_test(schema: Any) -> Callable[[Any], bool] | None:
    """A plain-Python test of the schema subset emitted by build_schema, True only when the
    instance surely has no error (exact types only; anything unusual answers False, and the full
    validator then decides). None when the schema uses a keyword this test does not know."""
    if schema is True:
        return lambda x: True
    if not isinstance(schema, dict):
        return None
    known = {"type", "properties", "required", "additionalProperties", "const", "enum", "minimum", "maximum",
             "minLength"}
    if set(schema) - known - _ANNOTATIONS:
        return None
    t = schema.get("type")
    names = [t] if isinstance(t, str) else t
    if names is not None and (not isinstance(names, list) or any(n not in _PLAIN_TYPES for n in names)):
        return None
    types = None if names is None else tuple(c for n in names for c in _PLAIN_TYPES[n])
    whole_ok = names is not None and "integer" in names
    props: list[tuple[str, Callable[[Any], bool]]] = []
    for k, sub in (schema.get("properties") or {}).items():
        test = _quick_test(sub)
        if test is None:
            return None
        props.append((k, test))
    required = tuple(schema.get("required") or ())
    additional = schema.get("additionalProperties", True)
    if not isinstance(additional, bool):
        return None
    allowed = None if additional else frozenset(k for k, _ in props)
    const = schema.get("const", _NO)
    if const is not _NO and not isinstance(const, str):
        return None
    enum = schema.get("enum")
    if enum is not None and not all(e is None or isinstance(e, str) for e in enum):
        return None
    enum_set = None if enum is None else frozenset(enum)
    lo, hi, min_len = schema.get("minimum"), schema.get("maximum"), schema.get("minLength")
    for bound in (lo, hi, min_len):
        if bound is not None and type(bound) not in (int, float):
            return None

    def test(x: Any) -> bool:
        tx = type(x)
        if types is not None and tx not in types and not (tx is float and whole_ok and x.is_integer()):
            return False  # jsonschema takes 5.0 as an integer
        if tx is dict:
            for k in required:
                if k not in x:
                    return False
            if allowed is not None and not x.keys() <= allowed:
                return False
            for k, sub in props:
                if k in x and not sub(x[k]):
                    return False
        if const is not _NO and not (tx is str and x == const):
            return False
        if enum_set is not None and not (x is None or (tx is str and x in enum_set)):
            return False
        if lo is not None or hi is not None:
            if tx is int or tx is float:
                if (lo is not None and not x >= lo) or (hi is not None and not x <= hi):
                    return False
            elif tx not in _NOT_NUMBERS:
                return False
        if min_len is not None:
            if tx is str:
                if len(x) < min_len:
                    return False
            elif tx not in _NOT_NUMBERS:
                return False
        return True

    return test


_NO = object()


@per_form
def quick_test_for(form: Form) -> Callable[[Any], bool] | None:
    """`_quick_test` of the schema that `rest_validator_for` checks, built once per form."""
    return _quick_test(rest_validator_for(form).schema)


def raw_text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return str(value)


def value_problem(value: Any, type_key: str) -> str | None:
    """Chinese reason why `value` is not a valid number of `type_key`, or None when it is valid."""
    if isinstance(value, bool):
        return "不是数字"
    if isinstance(value, str):
        if value.strip() in PLACEHOLDERS:
            return "是占位符而不是数字（没有发生的应填0）"
        return "不是数字"
    if not isinstance(value, (int, float, Decimal)):
        return "不是数字"
    if isinstance(value, float) and not math.isfinite(value):
        return "不是有效的数字"
    if isinstance(value, Decimal) and not value.is_finite():
        return "不是有效的数字"
    if value < 0:
        return "不能为负数"
    if type_key == "count" and value != int(value):
        return "不是整数（件数应为整数）"
    if value > MAX_PLAUSIBLE:
        return "数值过大（超过10亿），不合理，可能是输入错误"
    return None


def _label(form: Form, path: str) -> str:
    if form.has_field(path):
        return form.field(path).label
    return EXTRA_LABELS.get(path, path)


def _section_label(form: Form, key: str) -> str:
    for s in form.sections:
        if s["key"] == key:
            return s["heading"]
    return EXTRA_LABELS.get(key, key)


def _checked_numeric(form: Form, f: Field, imported: bool) -> bool:
    ft = form.field_types.get(f.type)
    if ft is None or not ft.numeric:
        return False
    # In a workbook a formula cell is derived from inputs (its overwrite is a TAMPER finding);
    # judging it again would repeat the input's problem. Imported pages typed the totals in.
    return imported or f.kind != "formula"


_SCHEMA_REASONS = {
    "type": "类型不对",
    "minimum": "不能小于{v}",
    "maximum": "不能大于{v}",
    "minLength": "不能为空",
    "enum": "不在可选范围内",
    "const": "应为“{v}”",
    "required": "缺少此项",
    "additionalProperties": "多出了不认识的项目",
}
_TYPE_ZH = {"string": "文字", "integer": "整数", "number": "数字", "boolean": "是/否", "object": "一组数据",
            "null": "空"}


def _schema_reason(err: Any) -> str:
    if err.validator == "type":
        want = err.validator_value if isinstance(err.validator_value, list) else [err.validator_value]
        return "类型不对，应为" + "或".join(_TYPE_ZH.get(w, w) for w in want if w != "null")
    template = _SCHEMA_REASONS.get(err.validator, "不符合格式要求")
    return template.format(v=err.validator_value)


@dataclass(frozen=True)
class _FieldCheck:
    field: Field
    top: str  # first part of the path
    dotted: bool  # the path has more than one part
    numeric: bool
    formula: bool  # kind == "formula"
    parts: tuple[str, ...]


@dataclass(frozen=True)
class _Plan:
    fields: tuple[_FieldCheck, ...]
    required_tops: frozenset[str]


@per_form
def _plan(form: Form) -> _Plan:
    """What validate_document needs of each field, derived from the form once."""
    checks = []
    for f in form.fields:
        ft = form.field_types.get(f.type)
        checks.append(_FieldCheck(f, f.path.split(".")[0], "." in f.path, ft is not None and ft.numeric,
                                  f.kind == "formula", tuple(f.path.split("."))))
    return _Plan(tuple(checks), frozenset(validator_for(form).schema.get("required", [])))


def _value_at(doc: dict[str, Any], parts: tuple[str, ...]) -> Any:
    """get_path(doc, path, MISSING) for a path already split."""
    cur: Any = doc
    for part in parts:
        if not isinstance(cur, dict) or part not in cur:
            return MISSING
        cur = cur[part]
    return cur


def validate_document(form: Form, doc: dict[str, Any], locate: Locator = _no_location) -> list[Finding]:
    """Findings for every invalid or blank value of `doc`; at most one per document path."""
    out: list[Finding] = []
    handled: set[str] = set()
    imported = is_imported(doc)
    source = doc.get("source") if isinstance(doc.get("source"), dict) else {}
    # cells the importer could not read: their one FMT-TABLE-UNREAD says so; they are not blank
    unread = set(source.get("unread") or []) if imported else set()
    published = imported and "bodies" in source  # read by this importer, which records what it could not read
    blanks: list[str] = []
    missing_groups: set[str] = set()
    plan = _plan(form)
    required_tops = plan.required_tops
    for e in plan.fields:
        f, top = e.field, e.top
        if top in missing_groups:
            handled.add(f.path)
            continue
        if e.dotted and top in required_tops and not isinstance(doc.get(top), dict):
            # a whole part is missing (e.g. no table 三): say so once, not once per cell
            missing_groups.add(top)
            handled.add(top)
            out.append(finding("DOC-SCHEMA", location=top, path=top, label=_section_label(form, top),
                               reason="整个部分缺失"))
            continue
        if not e.numeric:
            continue
        handled.add(f.path)
        if e.formula and not imported:
            continue  # formula cells of a workbook: judged by the rules and tamper checks (_checked_numeric)
        value = _value_at(doc, e.parts)
        if type(value) is int and 0 <= value <= MAX_PLAUSIBLE:
            continue  # the common case, valid for every numeric type (value_problem gives None)
        if value is MISSING or value is None:
            if f.path in unread:
                continue
            if published and f.section != "other":
                blanks.append(f.path)  # a blank cell in a published table: one warning per table, below
                continue
            if f.required:
                sheet, cell, location = locate(f.path)
                out.append(finding("CELL-BLANK", sheet=sheet, cell=cell, location=location, path=f.path,
                                   label=f.label))
            continue
        reason = value_problem(value, f.type)
        if reason is None:
            continue
        sheet, cell, location = locate(f.path)
        rule = VALUE_RULES.get(top)
        if rule:
            out.append(finding(rule, sheet=sheet, cell=cell, location=location, path=f.path,
                               label=f.label, raw=raw_text(value), reason=reason))
        else:
            out.append(finding("DOC-SCHEMA", sheet=sheet, cell=cell, location=location, path=f.path,
                               label=f.label, reason=f"“{raw_text(value)}”{reason}"))
    out = _collapse_blank_tables(form, out, imported)
    out += _published_blanks(form, blanks, locate)
    seen: set[str] = set()
    quick = quick_test_for(form)
    errors = () if quick is not None and quick(doc) else rest_validator_for(form).iter_errors(doc)
    for err in sorted(errors, key=lambda e: (list(map(str, e.absolute_path)), e.validator)):
        base = ".".join(str(p) for p in err.absolute_path)
        if err.validator == "required":
            names = [p for p in err.validator_value if not isinstance(err.instance, dict) or p not in err.instance]
            paths = [f"{base}.{n}" if base else n for n in names]
        elif err.validator == "additionalProperties" and isinstance(err.instance, dict):
            allowed = set(err.schema.get("properties", {}))
            paths = [f"{base}.{k}" if base else k for k in err.instance if k not in allowed]
        else:
            paths = [base]
        for path in paths:
            if path in seen or any(path == h or path.startswith(h + ".") for h in handled):
                continue
            seen.add(path)
            sheet, cell, location = locate(path) if form.has_field(path) else (None, None, None)
            reason = _schema_reason(err)
            if err.validator not in ("required", "additionalProperties") and err.instance is not None:
                reason = f"“{raw_text(err.instance)[:40]}”{reason}" if not isinstance(err.instance, dict) else reason
            if err.validator == "type" and err.instance is None:
                reason = "不能为空"
            out.append(finding("DOC-SCHEMA", sheet=sheet, cell=cell, location=location or (None if cell else path),
                               path=path, label=_label(form, path), reason=reason))
    return out


def _collapse_blank_tables(form: Form, found: list[Finding], imported: bool) -> list[Finding]:
    """A table with every input blank (e.g. not filled at all, or not found on a page) gives one
    CELL-BLANK for the table instead of one per cell."""
    if not any(f.rule == "CELL-BLANK" for f in found):
        return found
    checked: dict[str, int] = {}
    for f in form.fields:
        if f.required and _checked_numeric(form, f, imported):
            top = f.path.split(".")[0]
            checked[top] = checked.get(top, 0) + 1
    blank: dict[str, int] = {}
    for f in found:
        if f.rule == "CELL-BLANK" and f.path:
            top = f.path.split(".")[0]
            blank[top] = blank.get(top, 0) + 1
    whole = {t for t, n in blank.items() if n == checked.get(t) and n > 3}
    if not whole:
        return found
    out = [f for f in found if not (f.rule == "CELL-BLANK" and f.path and f.path.split(".")[0] in whole)]
    for top in sorted(whole, key=lambda t: [s["key"] for s in form.sections].index(t)):
        heading = _section_label(form, top)
        sheet = None if imported else form.sheet_of_section(top)
        out.append(finding("CELL-BLANK", sheet=sheet, location=heading if imported else None, path=top,
                           label=f"{heading}的全部{checked[top]}个应填单元格"))
    return out


def _published_blanks(form: Form, paths: list[str], locate: Locator) -> list[Finding]:
    """One warning per table of a published report naming its blank cells; the sums read them as 0."""
    by_table: dict[str, list[str]] = {}
    for p in paths:
        by_table.setdefault(p.split(".")[0], []).append(p)
    out: list[Finding] = []
    for top, ps in by_table.items():
        heading = _section_label(form, top)
        parts = [p.split(".") for p in ps]
        columns = {x[2] for x in parts if len(x) == 3}
        rows = {x[1] for x in parts if len(x) == 3}
        if len(ps) > 2 and len(columns) == 1 and all(len(x) == 3 for x in parts):
            # one column left blank: name the column and its rows, not every cell
            col = _column_label(form, top, next(iter(columns)))
            shown = f"“{col}”列的{len(ps)}格（{_label(form, ps[0])}起）"
        elif len(ps) > 2 and len(rows) == 1 and all(len(x) == 3 for x in parts):
            shown = f"{_label(form, ps[0]).split('”行')[0]}”行的{len(ps)}格"
        else:
            names = [locate(p)[2] or _label(form, p) for p in ps]
            shown = "；".join(names[:6]) + (f"等{len(ps)}格" if len(ps) > 6 else "")
        out.append(finding("CELL-BLANK-PUBLISHED", location=f"{heading}（{len(ps)}个空白格）", path=None,
                           message=f"已发布的{heading}中有{len(ps)}个单元格空白：{shown}。"
                                   "检查合计时按0计算，结论以此为准。"))
    return out


def _column_label(form: Form, table: str, key: str) -> str:
    for c in form.grid_columns(table):
        if c["key"] == key:
            return str(c.get("label") or key)
    return key


def invalid_paths(findings: list[Finding]) -> set[str]:
    """Document paths whose value was judged invalid (to be treated as missing by the rules)."""
    rules = {"CELL-BLANK", "DOC-SCHEMA", *VALUE_RULES.values()}
    return {f.path for f in findings if f.rule in rules and f.path}
