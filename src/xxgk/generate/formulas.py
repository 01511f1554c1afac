"""Excel formula text for a form expression; shared by the generator and the tamper check."""

from __future__ import annotations

from xlsxwriter.utility import xl_cell_to_rowcol

from ..form.definition import Field, Form, Term, parse_expr


def _runs(cells: list[str]) -> list[str]:
    """Group consecutive cells of one row or one column into A1:B1 ranges, keeping order."""
    out: list[list[str]] = []
    prev: tuple[int, int] | None = None
    step: tuple[int, int] | None = None
    for cell in cells:
        rc = xl_cell_to_rowcol(cell)
        if out and prev is not None:
            d = (rc[0] - prev[0], rc[1] - prev[1])
            if d in ((0, 1), (1, 0)) and (step is None or step == d):
                out[-1].append(cell)
                step, prev = d, rc
                continue
        out.append([cell])
        prev, step = rc, None
    return [r[0] if len(r) == 1 else f"{r[0]}:{r[-1]}" for r in out]


def terms_formula(terms: list[tuple[int, str | None, int]], prefix: str = "") -> str:
    """Formula text (no '=') for signed terms (sign, cell or None, constant).

    Runs of added cells become SUM(first:last), so a 21-row column total stays short and reads
    the way a person would write it; the rest is joined with + and -.
    """
    parts: list[str] = []
    plus = [c for s, c, _ in terms if s > 0 and c]
    if plus:
        ranges = _runs(plus)
        if any(":" in r for r in ranges):
            parts.append("SUM(" + ",".join(prefix + r for r in ranges) + ")")
        else:
            parts.extend(prefix + r for r in ranges)
    out = "+".join(parts)
    for s, c, k in terms:
        if c and s < 0:
            out += "-" + prefix + c
        elif c is None and k:
            out += ("-" if s < 0 else ("+" if out else "")) + str(k)
    return out or "0"


def side_terms(form: Form, terms: tuple[Term, ...]) -> list[tuple[int, str | None, int]]:
    return [(t.sign, form.field(t.path).cell if t.path else None, t.const) for t in terms]


def excel_formula(form: Form, field: Field) -> str:
    """Formula text of a total cell, without the leading '='."""
    assert field.formula, field.path
    return terms_formula(side_terms(form, parse_expr(field.formula, form.groups)))


def normalise_formula(text: str | None) -> str:
    """Compare formulas the way applications may rewrite them: case, '$', spaces, leading '='."""
    if not text:
        return ""
    t = text.strip().lstrip("=").upper().replace("$", "").replace(" ", "")
    return t.removeprefix("_XLFN.")
