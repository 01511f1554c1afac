"""The expected structure of a generated workbook, for a form version.

The checker compares returned files with this (never with what a file claims about itself):
sheet names and order, label text per cell, formula text per cell, which cells are inputs
(unlocked) and what validation each carries. Everything else on a form sheet is locked.
"""

from __future__ import annotations

from typing import Any

from .. import __version__
from ..form.definition import CHECK_SHEET, META_SHEET, Form
from .formulas import excel_formula
from .workbook import _validation


def build_manifest(form: Form) -> dict[str, Any]:
    sheets: dict[str, dict[str, Any]] = {
        name: {"labels": {}, "merges": [], "formulas": {}, "inputs": {}, "identity": {}} for name in form.sheet_names
    }
    for lab in form.labels:
        s = sheets[lab.sheet]
        s["labels"][lab.cell] = lab.text
        if ":" in lab.ref:
            s["merges"].append(lab.ref)
    for f in form.fields:
        s = sheets[f.sheet]
        if f.merge:
            s["merges"].append(f.merge)
        if f.kind == "formula":
            s["formulas"][f.cell] = "=" + excel_formula(form, f)
        elif f.kind == "identity":
            s["identity"][f.cell] = f.path
        else:
            v = _validation(form, f)
            s["inputs"][f.cell] = {
                "path": f.path, "type": f.type, "required": f.required,
                "validation": {k: v[k] for k in ("validate", "criteria", "value", "source") if k in v},
            }
    return {
        "form_id": form.id, "form_version": form.version, "template_hash": form.template_hash,
        "generator_version": __version__, "sheet_order": form.sheet_names, "hidden_sheet": META_SHEET,
        "check_sheet": CHECK_SHEET, "protected": form.sheet_names, "locked": "every cell except inputs",
        "sheets": sheets,
    }
