"""Evaluate the arithmetic rules of the form (rules as data) on a report document."""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from ..document import get_path
from ..form.definition import Form, RuleInstance, Term, per_form
from ..report.model import Finding, Locator, no_location

# the same comparisons serve the integer fast path and the Decimal path
OPS: dict[str, Callable[[Any, Any], bool]] = {
    "==": operator.eq, "!=": operator.ne, "<=": operator.le, ">=": operator.ge, "<": operator.lt, ">": operator.gt,
}


def _number(v: Any) -> Decimal | None:
    if isinstance(v, bool) or v is None:
        return None
    if isinstance(v, (int, float, Decimal)):
        return Decimal(str(v))
    return None


def _side(terms: tuple[Term, ...], doc: dict[str, Any], prev: dict[str, Any] | None) -> Decimal | None:
    total = Decimal(0)
    for t in terms:
        if t.path is None:
            total += t.sign * t.const
            continue
        if t.path.startswith("prev."):
            if prev is None:
                return None
            v = _number(get_path(prev, t.path[5:], None))
        else:
            v = _number(get_path(doc, t.path, None))
        if v is None:
            return None
        total += t.sign * v
    return total


def _plain(d: Decimal | None) -> int | float | None:
    if d is None:
        return None
    return int(d) if d == d.to_integral_value() else float(d)


def _label(rule: RuleInstance) -> str:
    return next((v for k, v in rule.params.items() if k.endswith("_label")), "")


def applies(rule: RuleInstance, doc: dict[str, Any], prev: dict[str, Any] | None) -> bool:
    if rule.needs_previous and prev is None:
        return False
    if rule.unless_level:
        level = get_path(doc, "unit.level", None)
        if level is None or level in rule.unless_level:
            return False
    return True


# A term made ready for the quick pass: (sign, index of its parent dict or -1 for a constant,
# last part of its path, constant).
_QuickTerm = tuple[int, int, str, int]


@dataclass(frozen=True)
class _Compiled:
    rules: list[tuple[RuleInstance, tuple[_QuickTerm, ...], tuple[_QuickTerm, ...]]]
    parents: list[tuple[bool, tuple[str, ...]]]  # (from last year's report, path of the parent dict)


@per_form
def _compiled(form: Form) -> _Compiled:
    parents: list[tuple[bool, tuple[str, ...]]] = []
    index: dict[tuple[bool, tuple[str, ...]], int] = {}

    def terms(ts: tuple[Term, ...]) -> tuple[_QuickTerm, ...]:
        out: list[_QuickTerm] = []
        for t in ts:
            if t.path is None:
                out.append((t.sign, -1, "", t.const))
                continue
            from_prev = t.path.startswith("prev.")
            *parent, leaf = (t.path[5:] if from_prev else t.path).split(".")
            k = (from_prev, tuple(parent))
            if k not in index:
                index[k] = len(parents)
                parents.append(k)
            out.append((t.sign, index[k], leaf, 0))
        return tuple(out)

    rules = [(r, terms(r.left), terms(r.right)) for r in form.rules]
    return _Compiled(rules, parents)


def _parent_dicts(compiled: _Compiled, doc: dict[str, Any], prev: dict[str, Any] | None) -> list[dict | None]:
    """Each parent dict the rules read from, looked up once per document (None where a part is not a dict)."""
    out: list[dict | None] = []
    for from_prev, parts in compiled.parents:
        cur: Any = prev if from_prev else doc
        for p in parts:
            if type(cur) is not dict:
                break
            cur = cur.get(p)
        out.append(cur if type(cur) is dict else None)
    return out


# Operands below this stay exact in Decimal's 28 digits however many are added, so the int
# result is the Decimal result; larger ones take the Decimal way (which rounds beyond 28 digits).
_EXACT = 10**18


def _int_side(terms: tuple[_QuickTerm, ...], parents: list[dict | None]) -> int | None:
    """The side as an int when every operand is a modest int (then exactly what _side computes); else None."""
    total = 0
    for sign, at, leaf, const in terms:
        if at < 0:
            if type(const) is not int or not -_EXACT < const < _EXACT:
                return None
            total += sign * const
            continue
        d = parents[at]
        if d is None:
            return None
        v = d.get(leaf)
        if type(v) is not int or not -_EXACT < v < _EXACT:
            return None
        total += sign * v
    return total


def evaluate(form: Form, doc: dict[str, Any], prev: dict[str, Any] | None = None,
             locate: Locator = no_location) -> list[Finding]:
    """Every failing or not-assessable rule instance as a finding; passing ones give nothing."""
    out: list[Finding] = []
    compiled = _compiled(form)
    parents = _parent_dicts(compiled, doc, prev)
    for rule, quick_left, quick_right in compiled.rules:
        if not applies(rule, doc, prev):
            continue
        # Quick pass in plain ints (figures are almost always ints); anything else, or a rule that
        # does not hold, goes the exact Decimal way below.
        a = _int_side(quick_left, parents)
        if a is not None:
            b = _int_side(quick_right, parents)
            if b is not None and OPS[rule.op](a, b):
                continue
        left, right = _side(rule.left, doc, prev), _side(rule.right, doc, prev)
        sheet, cell, location = locate(rule.cell_path)
        params = {**rule.params, "left": _plain(left), "right": _plain(right),
                  "level": get_path(doc, "unit.level", "") or ""}
        if left is None or right is None:
            out.append(Finding(
                rule=rule.id, severity="info", outcome="not_assessable", sheet=sheet, cell=cell, location=location,
                path=rule.cell_path, op=rule.op,
                message=f"无法检查“{rule.title}”（{_label(rule)}）：参与计算的数值缺失或不是数字。",
                hint="请先补全或更正相关单元格。",
            ))
            continue
        if OPS[rule.op](left, right):
            continue
        out.append(Finding(
            rule=rule.id, severity=rule.severity, message=rule.message.format(**params), hint=rule.hint,
            sheet=sheet, cell=cell, location=location, path=rule.cell_path,
            left=params["left"], op=rule.op, right=params["right"],
        ))
    return out
