"""Tamper rules: compare a workbook with what the form definition says the generator wrote.

Protection is never trusted; every file is compared with the form: sheet list, label text,
label positions (inserted/deleted rows and columns), formula text of every total, unit identity
and sheet protection. The comparisons tolerate what LibreOffice or Excel change on a plain
open-and-save: veryHidden -> hidden, lowercase password hashes, `$` and case in formulas,
shared formulas, inline vs shared strings, default styles.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from ..form.definition import META_SHEET, Field, Form, Label, per_form
from ..generate.formulas import excel_formula, normalise_formula
from ..read.xlsx import CellValue, RawCell, RawSheet, RawWorkbook, make_cell, split_cell
from ..report.feedback_xlsx import FEEDBACK_HEADER, FEEDBACK_HEADER_ROW, FEEDBACK_SHEET
from ..report.model import Finding, catalogue, finding

# How far a label may have moved and still be recognised as "the same label, shifted".
MAX_ROW_SHIFT = 40
MAX_COL_SHIFT = 20
_SPACE = re.compile(r"\s+")


def norm_text(value: CellValue) -> str:
    """Label comparison: NFKC, no whitespace at all (line breaks and spaces are layout, not text)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return _SPACE.sub("", unicodedata.normalize("NFKC", str(value)))


def shown(value: CellValue) -> str:
    """A cell value as the user sees it, for messages."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return "（空白）"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


@dataclass
class Structure:
    """What the structural comparison found, and where each expected sheet is in the file."""

    findings: list[Finding] = field(default_factory=list)
    sheet_map: dict[str, RawSheet] = field(default_factory=dict)  # expected name -> sheet in the file
    shifted: set[str] = field(default_factory=set)  # expected sheet names whose rows/columns moved
    recognised: int = 0  # visible form sheets found by name or by their labels (not by position alone)
    # expected sheet -> (row shift by expected label row, column shift by expected label column)
    moves: dict[str, tuple[dict[int, int], dict[int, int]]] = field(default_factory=dict)

    def moved(self, sheet: str, cell: str) -> str:
        """Where an expected cell is now, judged by the labels around it: a field takes the shift of
        the nearest label row above (or on) it and of the nearest label column left of (or at) it."""
        if sheet not in self.moves:
            return cell
        rows, cols = self.moves[sheet]
        r, c = split_cell(cell)
        dr = next((rows[k] for k in sorted(rows, reverse=True) if k <= r), 0)
        dc = next((cols[k] for k in sorted(cols, reverse=True) if k <= c), 0)
        return make_cell(r + dr, c + dc)


@per_form
def _labels_by_sheet(form: Form) -> dict[str, list[Label]]:
    out: dict[str, list[Label]] = {}
    for lab in form.labels:
        out.setdefault(lab.sheet, []).append(lab)
    return out


@per_form
def _label_checks(form: Form) -> dict[str, list[tuple[Label, str, str]]]:
    """Per sheet: (label, its top-left cell, its normalised text), derived from the form once."""
    return {sheet: [(lab, lab.cell, norm_text(lab.text)) for lab in labels]
            for sheet, labels in _labels_by_sheet(form).items()}


def _text_index(sheet: RawSheet) -> dict[str, list[tuple[int, int]]]:
    idx: dict[str, list[tuple[int, int]]] = {}
    for ref, c in sheet.cells.items():
        if isinstance(c.value, str) and c.value.strip():
            idx.setdefault(norm_text(c.value), []).append(split_cell(ref))
    return idx


def _label_score(sheet: RawSheet, labels: list[Label]) -> float:
    if not labels:
        return 0.0
    texts = {norm_text(c.value) for c in sheet.cells.values() if isinstance(c.value, str)}
    return sum(1 for lab in labels if norm_text(lab.text) in texts) / len(labels)


def feedback_list(raw: RawWorkbook) -> RawSheet | None:
    """The 问题清单 sheet of a feedback copy (report/feedback_xlsx.py), when the first sheet is exactly
    that: the name, the header row, text only (no number, no formula), nothing right of the list's
    columns or beside the title lines, and a known rule id in every row's 规则编号. Anything else
    under that name is an extra sheet like any other, so the list cannot carry a second copy of a
    table or hide figures."""
    first = raw.sheets[0] if raw.sheets else None
    if first is None or first.name != FEEDBACK_SHEET:
        return None
    header = [norm_text(first.value(make_cell(FEEDBACK_HEADER_ROW, i + 1))) for i in range(len(FEEDBACK_HEADER))]
    if header != [norm_text(h) for h in FEEDBACK_HEADER]:
        return None
    rules = catalogue()
    for ref, c in first.cells.items():
        if c.blank and c.formula is None:
            continue
        row, col = split_cell(ref)
        if (c.formula is not None or not c.is_text or col > len(FEEDBACK_HEADER)
                or (row < FEEDBACK_HEADER_ROW and col != 1)):
            return None
        if row > FEEDBACK_HEADER_ROW and col == 2 and str(c.value).strip() not in rules:
            return None
    return first


def match_sheets(raw: RawWorkbook, form: Form, out: Structure) -> None:
    """Pair expected sheets with the file's sheets; report missing, renamed and extra sheets.

    A feedback copy's 问题清单 sheet (see feedback_list) is neither extra nor a candidate for a
    renamed form sheet; the sheets behind it count their positions from the second place."""
    expected = [*form.sheet_names, META_SHEET]
    listed = feedback_list(raw)
    offset = 1 if listed is not None else 0
    present = set(raw.sheet_names)
    for name in expected:
        s = raw.sheet(name)
        if s is not None:
            out.sheet_map[name] = s
            out.recognised += name != META_SHEET
    unexpected = [s for s in raw.sheets if s.name not in expected and s is not listed]
    labels = _labels_by_sheet(form)
    for pos, name in enumerate(form.sheet_names):
        if name in present:
            continue
        pick: RawSheet | None = None
        if unexpected and labels.get(name):
            scored = [(_label_score(s, labels[name]), s) for s in unexpected]
            best = max(scored, key=lambda x: x[0])
            if best[0] >= 0.5:
                pick = best[1]
                out.recognised += 1
        if pick is None:
            pick = next((s for s in unexpected if s.index - offset == pos), None)
        if pick is not None:
            unexpected.remove(pick)
            out.sheet_map[name] = pick
            out.findings.append(finding("TAMPER-SHEET-RENAMED", sheet=pick.name, expected=name, found=pick.name))
        else:
            out.findings.append(finding("TAMPER-SHEET-MISSING", sheet=name))
    for s in unexpected:
        out.findings.append(finding("TAMPER-SHEET-EXTRA", sheet=s.name))


def _shift_words(dr: int, dc: int) -> str:
    if dr:
        return f"行（该处及以下内容{'下' if dr > 0 else '上'}移了{abs(dr)}行）"
    return f"列（该处及右侧内容{'右' if dc > 0 else '左'}移了{abs(dc)}列）"


def check_labels(form: Form, out: Structure) -> None:
    """TAMPER-LABEL per changed label; TAMPER-ROWS once per sheet whose labels moved."""
    for sheet_name, labels in _label_checks(form).items():
        sheet = out.sheet_map.get(sheet_name)
        if sheet is None:
            continue
        wrong: list[Label] = []
        right: list[str] = []
        cells = sheet.cells
        for lab, cell, text in labels:
            found = cells.get(cell)
            value = None if found is None else found.value  # sheet.value(cell)
            # unchanged text (the common case) is equal after normalising too
            if (value == lab.text and isinstance(value, str)) or norm_text(value) == text:
                right.append(cell)
            else:
                wrong.append(lab)
        if not wrong:
            continue
        in_place = {split_cell(cell) for cell in right}
        index = _text_index(sheet)
        shifts: list[tuple[Label, str, int, int]] = []
        for lab in wrong:
            r0, c0 = split_cell(lab.cell)
            best: tuple[int, int, int] | None = None  # (distance, dr, dc)
            for r, c in index.get(norm_text(lab.text), []):
                if (r, c) in in_place:
                    continue
                dr, dc = r - r0, c - c0
                if (dc == 0 and 0 < abs(dr) <= MAX_ROW_SHIFT) or (dr == 0 and 0 < abs(dc) <= MAX_COL_SHIFT):
                    d = abs(dr) + abs(dc)
                    if best is None or d < best[0]:
                        best = (d, dr, dc)
            if best is not None:
                shifts.append((lab, make_cell(r0 + best[1], c0 + best[2]), best[1], best[2]))
            else:
                out.findings.append(finding("TAMPER-LABEL", sheet=sheet.name, cell=lab.cell, expected=lab.text,
                                            found=shown(sheet.value(lab.cell))))
        if shifts:
            rows: dict[int, int] = dict.fromkeys((split_cell(c)[0] for c in right), 0)
            cols: dict[int, int] = dict.fromkeys((split_cell(c)[1] for c in right), 0)
            for lab, _found, dr, dc in shifts:
                r, c = split_cell(lab.cell)
                if dr:
                    rows[r] = dr
                else:
                    rows.setdefault(r, 0)
                if dc:
                    cols[c] = dc
                else:
                    cols.setdefault(c, 0)
            out.moves[sheet_name] = (rows, cols)
            lab, found_cell, dr, dc = min(shifts, key=lambda s: split_cell(s[0].cell))
            out.shifted.add(sheet_name)
            out.findings.append(finding("TAMPER-ROWS", sheet=sheet.name, cell=lab.cell, expected=lab.text,
                                        found_cell=found_cell, what=_shift_words(dr, dc)))


def check_protection(raw: RawWorkbook, form: Form, out: Structure) -> None:
    """TAMPER-PROTECTION (warning) for each visible form sheet that is no longer protected."""
    for name in form.sheet_names:
        sheet = out.sheet_map.get(name)
        if sheet is not None and not sheet.protected:
            out.findings.append(finding("TAMPER-PROTECTION", sheet=sheet.name))


def check_structure(raw: RawWorkbook, form: Form) -> Structure:
    out = Structure()
    match_sheets(raw, form, out)
    if out.recognised == 0:
        return out
    check_labels(form, out)
    check_protection(raw, form, out)
    return out


# ---------------------------------------------------------------- formulas

@per_form
def expected_formulas(form: Form) -> dict[str, str]:
    """Document path -> normalised formula text, for every formula field."""
    return {f.path: normalise_formula(excel_formula(form, f)) for f in form.fields if f.kind == "formula"}


def formula_state(form: Form, field: Field, cell: RawCell | None) -> tuple[bool, str]:
    """(intact, what is there instead) for a formula field's cell.

    A shared-formula reference that could not be resolved (text "") counts as intact.
    """
    if cell is not None and cell.formula is not None:
        if cell.formula == "" or normalise_formula(cell.formula) == expected_formulas(form)[field.path]:
            return True, ""
        return False, f"公式“={cell.formula}”"
    if cell is None or cell.blank:
        return False, "空白"
    if cell.is_text:
        return False, f"手工填写的文字“{cell.value}”"
    return False, f"手工填写的数值{shown(cell.value)}"


def formula_finding(form: Form, field: Field, sheet: str, found: str, cell: str | None = None) -> Finding:
    return finding("TAMPER-FORMULA", sheet=sheet, cell=cell or field.cell, path=field.path, label=field.label,
                   formula=excel_formula(form, field), found=found)
