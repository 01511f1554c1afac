"""Evaluate the arithmetic rules of the form (rules as data) on a report document."""

from __future__ import annotations

import operator
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from ..document import get_path, is_imported
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


def _side(terms: tuple[Term, ...], doc: dict[str, Any], prev: dict[str, Any] | None,
          zeros: frozenset[str] = frozenset(), used: set[str] | None = None) -> Decimal | None:
    """The value of one side; a path in `zeros` (a blank cell of a published table) counts as 0."""
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
            if v is None and t.path in zeros and get_path(doc, t.path, None) is None:
                v = Decimal(0)
                if used is not None:
                    used.add(t.path)
        if v is None:
            return None
        total += t.sign * v
    return total


def published_blanks(form: Form, doc: dict[str, Any]) -> frozenset[str]:
    """Blank cells of the tables of a published report that the importer did read: the sums take
    them as 0 (and say so) instead of giving up. A cell the importer could not read is not blank."""
    if not is_imported(doc):
        return frozenset()
    source = doc.get("source") if isinstance(doc.get("source"), dict) else {}
    if "bodies" not in source:
        return frozenset()  # a document from before the importer recorded what it could not read
    unread = set(source.get("unread") or [])
    out = set()
    for f in form.fields:
        ft = form.field_types.get(f.type)
        if ft is None or not ft.numeric or f.section == "other" or f.path in unread:
            continue
        if get_path(doc, f.path, None) is None:
            out.add(f.path)
    return frozenset(out)


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
    zeros = published_blanks(form, doc)
    unread = set(((doc.get("source") or {}) if isinstance(doc.get("source"), dict) else {}).get("unread") or [])
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
        used: set[str] = set()
        left, right = _side(rule.left, doc, prev, zeros, used), _side(rule.right, doc, prev, zeros, used)
        sheet, cell, location = locate(rule.cell_path)
        params = {**rule.params, "left": _plain(left), "right": _plain(right),
                  "level": get_path(doc, "unit.level", "") or ""}
        if left is None or right is None:
            terms = [t.path for t in (*rule.left, *rule.right) if t.path and not t.path.startswith("prev.")]
            if any(p in unread for p in terms):
                why, hint = "有数字未能从原文读取（见“表格或行未能读取”）", "请核对原文表格；读取问题已单独列出。"
            else:
                why, hint = "参与计算的数值缺失或不是数字", "请先补全或更正相关单元格。"
            out.append(Finding(
                rule=rule.id, severity="info", outcome="not_assessable", sheet=sheet, cell=cell, location=location,
                path=rule.cell_path, op=rule.op,
                message=f"无法检查“{rule.title}”（{_label(rule)}）：{why}。", hint=hint,
            ))
            continue
        if OPS[rule.op](left, right):
            continue
        message = rule.message.format(**params)
        if used:
            message += f"（其中{len(used)}个空白格按0计算）"
        out.append(Finding(
            rule=rule.id, severity=rule.severity, message=message, hint=rule.hint,
            sheet=sheet, cell=cell, location=location, path=rule.cell_path,
            left=params["left"], op=rule.op, right=params["right"],
        ))
    # a page has no cells to point at one by one: repeats over a row or column become one finding;
    # a workbook keeps one finding a cell, which the feedback copy marks cell by cell
    return group_findings(out) if is_imported(doc) else out


# ---------------------------------------------------------------- grouping

GROUP_MIN = 3  # this many findings of one rule (over rows or columns) become one finding naming the range
_SHOWN = 6  # instances spelled out in a grouped message; the rest are counted


def _cell_range(cells: list[str]) -> str:
    """"C5:C12" for cells of one column or one row, else the cells listed."""
    parts = [re.fullmatch(r"([A-Z]+)(\d+)", c) for c in cells]
    if all(parts):
        cols = [_col_index(m.group(1)) for m in parts if m]
        rows = [int(m.group(2)) for m in parts if m]
        # a range only where it is one: one column of consecutive rows, or one row of consecutive columns
        if len(set(cols)) == 1 and rows == list(range(rows[0], rows[0] + len(rows))):
            return f"{cells[0]}:{cells[-1]}"
        if len(set(rows)) == 1 and cols == list(range(cols[0], cols[0] + len(cols))):
            return f"{cells[0]}:{cells[-1]}"
    return "、".join(cells[:_SHOWN]) + ("等" if len(cells) > _SHOWN else "")


def _col_index(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n


def group_findings(findings: list[Finding], min_count: int = GROUP_MIN) -> list[Finding]:
    """Findings of one rule with one outcome that repeat over a row or column range, as one finding
    that names the range and the count (every output shows the same grouped finding)."""
    buckets: dict[tuple[str, str, str, str | None], list[Finding]] = {}
    for f in findings:
        buckets.setdefault((f.rule, f.outcome, f.severity, f.sheet), []).append(f)
    out: list[Finding] = []
    done: set[int] = set()
    for f in findings:
        if id(f) in done:
            continue
        group = buckets[(f.rule, f.outcome, f.severity, f.sheet)]
        if len(group) < min_count:
            out.append(f)
            done.add(id(f))
            continue
        done.update(id(g) for g in group)
        out.append(_grouped(group))
    return out


_NOT_ASSESSABLE = re.compile(r"无法检查“(.+?)”（(.*)）：(.*?)。?$")


def _grouped(group: list[Finding]) -> Finding:
    first = group[0]
    n = len(group)
    cells = [g.cell for g in group if g.cell]
    places = [g.location for g in group if g.location]
    parts = [_NOT_ASSESSABLE.match(g.message) for g in group]
    if all(parts) and len({(m.group(1), m.group(3)) for m in parts if m}) == 1 and parts[0]:
        # "无法检查“表三勾稽关系”共7处（自然人、商业企业…）：…" rather than the same sentence seven times
        names = "、".join(m.group(2) for m in parts[:_SHOWN] if m) + ("等" if n > _SHOWN else "")
        shown, more = f"无法检查“{parts[0].group(1)}”（{names}）：{parts[0].group(3)}", ""
    else:
        shown = "；".join(g.message.rstrip("。") for g in group[:_SHOWN])
        more = f"；另有{n - _SHOWN}处同类问题" if n > _SHOWN else ""
    where = _cell_range(cells) if len(cells) == n else None
    location = None if where else (f"{places[0]}等{n}处" if places else None)
    return Finding(
        rule=first.rule, severity=first.severity, outcome=first.outcome,
        message=f"共{n}处：{shown}{more}。", hint=first.hint, sheet=first.sheet, cell=where,
        location=location or first.location, path=first.path, op=first.op,
    )
