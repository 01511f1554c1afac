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
from decimal import Decimal
from typing import Any

from jsonschema import Draft202012Validator

from ..document import MISSING, get_path
from ..form.definition import Field, Form
from ..form.schema import build_schema
from ..report.model import Finding, finding

Locator = Callable[[str], tuple[str | None, str | None, str | None]]

MAX_PLAUSIBLE = 10**9
PLACEHOLDERS = frozenset({"/", "／", "-", "－", "—", "——", "–", "无", "空", "n/a", "N/A", "NA", "null", "—-"})
VALUE_RULES = {"proactive": "T2-VALUE", "requests": "T3-VALUE", "review_litigation": "T4-VALUE"}
# Labels of document paths that are not fields of a table or text block.
EXTRA_LABELS = {"year": "报告年度", "form": "表格版本", "form.id": "表格标识", "form.version": "表格版本",
                "unit": "单位信息", "source": "来源信息"}

_VALIDATORS: dict[tuple[str, str, str], Draft202012Validator] = {}


def validator_for(form: Form) -> Draft202012Validator:
    """The schema validator of a form, built once per form definition."""
    key = (form.id, form.version, form.template_hash)
    v = _VALIDATORS.get(key)
    if v is None:
        v = Draft202012Validator(build_schema(form))
        _VALIDATORS[key] = v
    return v


def _no_location(path: str) -> tuple[str | None, str | None, str | None]:
    return None, None, None


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


def _is_imported(doc: dict[str, Any]) -> bool:
    source = doc.get("source")
    kind = source.get("kind") if isinstance(source, dict) else None
    return kind not in (None, "workbook")


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


def validate_document(form: Form, doc: dict[str, Any], locate: Locator = _no_location) -> list[Finding]:
    """Findings for every invalid or blank value of `doc`; at most one per document path."""
    out: list[Finding] = []
    handled: set[str] = set()
    imported = _is_imported(doc)
    missing_groups: set[str] = set()
    required_tops = set(validator_for(form).schema.get("required", []))
    for f in form.fields:
        top = f.path.split(".")[0]
        if top in missing_groups:
            handled.add(f.path)
            continue
        if "." in f.path and top in required_tops and not isinstance(doc.get(top), dict):
            # a whole part is missing (e.g. no table 三): say so once, not once per cell
            missing_groups.add(top)
            handled.add(top)
            out.append(finding("DOC-SCHEMA", location=top, path=top, label=_section_label(form, top),
                               reason="整个部分缺失"))
            continue
        if not _checked_numeric(form, f, imported):
            if form.field_types.get(f.type) is not None and form.field_types[f.type].numeric:
                handled.add(f.path)  # formula cells of a workbook: judged by the rules and tamper checks
            continue
        handled.add(f.path)
        value = get_path(doc, f.path, MISSING)
        sheet, cell, location = locate(f.path)
        if value is MISSING or value is None:
            if f.required:
                out.append(finding("CELL-BLANK", sheet=sheet, cell=cell, location=location, path=f.path,
                                   label=f.label))
            continue
        reason = value_problem(value, f.type)
        if reason is None:
            continue
        rule = VALUE_RULES.get(f.path.split(".")[0])
        if rule:
            out.append(finding(rule, sheet=sheet, cell=cell, location=location, path=f.path,
                               label=f.label, raw=raw_text(value), reason=reason))
        else:
            out.append(finding("DOC-SCHEMA", sheet=sheet, cell=cell, location=location, path=f.path,
                               label=f.label, reason=f"“{raw_text(value)}”{reason}"))
    out = _collapse_blank_tables(form, out, imported)
    seen: set[str] = set()
    for err in sorted(validator_for(form).iter_errors(doc), key=lambda e: (list(map(str, e.absolute_path)),
                                                                            e.validator)):
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


def invalid_paths(findings: list[Finding]) -> set[str]:
    """Document paths whose value was judged invalid (to be treated as missing by the rules)."""
    rules = {"CELL-BLANK", "DOC-SCHEMA", *VALUE_RULES.values()}
    return {f.path for f in findings if f.rule in rules and f.path}
