"""Evaluate the arithmetic rules of the form (rules as data) on a report document."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from ..document import get_path
from ..form.definition import Form, RuleInstance, Term
from ..report.model import Finding

# Where a document path lives in the source: (sheet, cell, location)
Locator = Callable[[str], tuple[str | None, str | None, str | None]]

OPS: dict[str, Callable[[Decimal, Decimal], bool]] = {
    "==": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
    "<=": lambda a, b: a <= b,
    ">=": lambda a, b: a >= b,
    "<": lambda a, b: a < b,
    ">": lambda a, b: a > b,
}


def no_location(path: str) -> tuple[str | None, str | None, str | None]:
    return None, None, None


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


def evaluate(form: Form, doc: dict[str, Any], prev: dict[str, Any] | None = None,
             locate: Locator = no_location) -> list[Finding]:
    """Every failing or not-assessable rule instance as a finding; passing ones give nothing."""
    out: list[Finding] = []
    for rule in form.rules:
        if not applies(rule, doc, prev):
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
