"""Excel formula text for a form expression; shared by the generator and the tamper check."""

from __future__ import annotations

from ..form.definition import Field, Form, parse_expr


def expr_cells(form: Form, expr: str) -> list[tuple[int, str]]:
    """(sign, cell) for each term of an expression over fields on one sheet."""
    return [(t.sign, form.field(t.path).cell) for t in parse_expr(expr, form.groups) if t.path]


def excel_formula(form: Form, field: Field) -> str:
    """Formula text without the leading '=': plain A1 references joined by + and -.

    Plain sums (not SUM over a range) keep the formula valid for non-contiguous rows and make
    the text easy to compare after LibreOffice or Excel rewrite it.
    """
    assert field.formula, field.path
    out = ""
    for sign, cell in expr_cells(form, field.formula):
        out += ("-" if sign < 0 else ("+" if out else "")) + cell
    return out


def normalise_formula(text: str | None) -> str:
    """Compare formulas the way applications may rewrite them: case, '$', spaces, leading '='."""
    if not text:
        return ""
    t = text.strip().lstrip("=").upper().replace("$", "").replace(" ", "")
    return t.removeprefix("_XLFN.")
