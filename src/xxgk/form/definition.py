"""Load the form definition (templates/*.yaml) into one model every other module reads.

The model resolves official grid coordinates to sheet cells, expands tables into fields,
and expands rule templates (`for_each`) into concrete rule instances, so the generator,
checker, importers and renderer never interpret the YAML themselves.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache, wraps
from pathlib import Path
from typing import Any, TypeVar

import yaml
from openpyxl.utils.cell import column_index_from_string, get_column_letter, range_boundaries

TEMPLATES_DIR = Path(__file__).resolve().parents[3] / "templates"
DEFAULT_VERSION = "2021"


# ---------------------------------------------------------------- cell helpers


def shift(ref: str, rows: int, cols: int = 0) -> str:
    """Move an A1 cell or A1:B2 range by whole rows/columns."""

    def one(cell: str) -> str:
        m = re.fullmatch(r"([A-Z]+)(\d+)", cell)
        if not m:
            raise ValueError(f"bad cell {cell!r}")
        col = column_index_from_string(m.group(1)) + cols
        return f"{get_column_letter(col)}{int(m.group(2)) + rows}"

    return ":".join(one(c) for c in ref.split(":"))


def top_left(ref: str) -> str:
    return ref.split(":")[0]


def cells_in(ref: str) -> list[str]:
    c1, r1, c2, r2 = range_boundaries(ref)
    return [f"{get_column_letter(c)}{r}" for r in range(r1, r2 + 1) for c in range(c1, c2 + 1)]


# ---------------------------------------------------------------- model


@dataclass(frozen=True)
class FieldType:
    key: str
    json: dict[str, Any]
    excel: dict[str, Any] | None
    number_format: str | None
    message: str | None

    @property
    def numeric(self) -> bool:
        return self.key in ("count", "amount_wan_yuan", "amount_yuan")


@dataclass(frozen=True)
class Field:
    """One value of the report document and the cell that holds it in the workbook."""

    path: str  # document path, e.g. requests.granted.commercial
    sheet: str
    cell: str  # top-left cell on the sheet
    merge: str | None  # merged range on the sheet, if any
    type: str  # key of field_types, or "identity"
    label: str  # human label for messages, e.g. 表三“（一）予以公开”行“商业企业”列
    section: str
    kind: str  # "input", "formula" or "identity"
    required: bool = True
    formula: str | None = None  # expression (see Expr) for kind == "formula"
    choices: tuple[str, ...] = ()
    row_key: str | None = None
    col_key: str | None = None
    height: float | None = None


@dataclass(frozen=True)
class Label:
    sheet: str
    ref: str  # cell or merged range on the sheet
    text: str

    @property
    def cell(self) -> str:
        return top_left(self.ref)


@dataclass(frozen=True)
class Term:
    sign: int
    path: str | None  # None for a constant
    const: int = 0


@dataclass(frozen=True)
class RuleInstance:
    """A rule template expanded for one row/column: the unit the checker evaluates."""

    id: str
    severity: str
    title: str
    left: tuple[Term, ...]
    op: str
    right: tuple[Term, ...]
    cell_path: str
    message: str
    hint: str
    params: dict[str, str]
    needs_previous: bool = False
    unless_level: tuple[str, ...] = ()


@dataclass
class Form:
    id: str
    version: str
    raw: dict[str, Any]
    template_hash: str
    sections: list[dict[str, str]]
    field_types: dict[str, FieldType]
    fields: list[Field] = field(default_factory=list)
    labels: list[Label] = field(default_factory=list)
    rules: list[RuleInstance] = field(default_factory=list)
    groups: dict[str, dict[str, list[str]]] = field(default_factory=dict)  # table -> group -> keys

    # -- lookups ---------------------------------------------------------
    @property
    def cover_sheet(self) -> str:
        return self.raw["cover"]["sheet"]

    @property
    def section_sheets(self) -> list[str]:
        return [s["sheet"] for s in self.sections]

    @property
    def sheet_names(self) -> list[str]:
        """Visible sheets in workbook order."""
        return [self.cover_sheet, *self.section_sheets, CHECK_SHEET]

    def field(self, path: str) -> Field:
        return self._by_path[path]

    def has_field(self, path: str) -> bool:
        return path in self._by_path

    def fields_of(self, section: str) -> list[Field]:
        return [f for f in self.fields if f.section == section]

    def sheet_of_section(self, key: str) -> str:
        return next(s["sheet"] for s in self.sections if s["key"] == key)

    def table(self, key: str) -> dict[str, Any]:
        return self.raw["tables"][key]

    def grid_rows(self, table: str) -> list[dict[str, Any]]:
        return self.raw["tables"][table]["grid"]["rows"]

    def grid_columns(self, table: str) -> list[dict[str, Any]]:
        return self.raw["tables"][table]["grid"]["columns"]

    @property
    def unit_levels(self) -> dict[str, list[str]]:
        return self.raw["unit_levels"]

    def normalise_level(self, text: str) -> str | None:
        t = text.strip()
        for level, aliases in self.unit_levels.items():
            if t == level or t in aliases:
                return level
        return None

    @property
    def text_rules(self) -> dict[str, dict[str, Any]]:
        return self.raw["text_rules"]

    def __post_init__(self) -> None:
        self._by_path: dict[str, Field] = {}


CHECK_SHEET = "校验"
META_SHEET = "_xxgk"


# ---------------------------------------------------------------- expressions

_TERM = re.compile(r"\s*([+-])?\s*(sum\(([^)]+)\)|[A-Za-z_][\w.{}@]*|\d+)\s*")


def parse_expr(text: str, groups: dict[str, dict[str, list[str]]]) -> tuple[Term, ...]:
    """Parse `a.b + sum(t.@g.c) - 3` into signed terms, expanding @group references."""
    terms: list[Term] = []
    pos = 0
    text = text.strip()
    while pos < len(text):
        m = _TERM.match(text, pos)
        if not m or m.end() == pos:
            raise ValueError(f"cannot parse expression {text!r} at {pos}")
        sign = -1 if m.group(1) == "-" else 1
        if m.group(3):
            for p in expand_group(m.group(3).strip(), groups):
                terms.append(Term(sign, p))
        elif m.group(2).isdigit():
            terms.append(Term(sign, None, int(m.group(2))))
        else:
            terms.append(Term(sign, m.group(2)))
        pos = m.end()
    return tuple(terms)


def expand_group(path: str, groups: dict[str, dict[str, list[str]]]) -> list[str]:
    parts = path.split(".")
    table = parts[1] if parts[0] == "prev" else parts[0]
    out = [[]]
    for part in parts:
        if part.startswith("@"):
            keys = groups[table][part[1:]]
            out = [[*o, k] for o in out for k in keys]
        else:
            out = [[*o, part] for o in out]
    return [".".join(o) for o in out]


# ---------------------------------------------------------------- loading


def _table_fields(form: Form, key: str, t: dict[str, Any]) -> None:
    section = t["section"]
    sheet = form.sheet_of_section(section)
    r0 = int(re.sub(r"[A-Z]+", "", t["origin"])) - 1
    for ref, text in t["labels"]:
        form.labels.append(Label(sheet, shift(ref, r0), text))
    form.groups[key] = t.get("groups", {})
    if "fields" in t:
        for f in t["fields"]:
            ref = shift(f["cell"], r0)
            form.fields.append(
                Field(
                    path=f["path"], sheet=sheet, cell=top_left(ref), merge=ref if ":" in ref else None,
                    type=f["type"], label=f"表二“{f['label']}”", section=section, kind="input",
                )
            )
        return
    g = t["grid"]
    table_no = {"requests": "表三", "review_litigation": "表四"}.get(key, key)
    for row in g["rows"]:
        for i, col in enumerate(g["columns"]):
            if g.get("transposed"):
                cell = f"{row['cols'][i]}{g['data_row'] + r0}"
            else:
                cell = f"{col['col']}{row['row'] + r0}"
            expr = col.get("formula") or row.get("formula")
            form.fields.append(
                Field(
                    path=f"{g['path']}.{row['key']}.{col['key']}", sheet=sheet, cell=cell, merge=None,
                    type=g["type"], label=f"{table_no}“{row['label']}”行“{col['label']}”列"
                    if not g.get("transposed") else f"{table_no}“{row['label']}”“{col['label']}”",
                    section=section, kind="formula" if expr else "input",
                    formula=expr.replace("{row}", row["key"]).replace("{col}", col["key"]) if expr else None,
                    row_key=row["key"], col_key=col["key"],
                )
            )


def _text_fields(form: Form, block: dict[str, Any]) -> None:
    section = block["section"]
    sheet = form.sheet_of_section(section)
    row = int(re.sub(r"[A-Z]+", "", block["origin"]))
    for f in block["fields"]:
        form.labels.append(Label(sheet, f"A{row}", f["label"]))
        form.fields.append(
            Field(
                path=f["path"], sheet=sheet, cell=f"B{row}",
                merge=f"B{row}:{block['width']}{row}" if block["width"] != "B" else None,
                type=f["type"], label=f"第{_section_number(form, section)}部分“{f['label']}”",
                section=section, kind="input", required=f.get("required", True),
                choices=tuple(f.get("choices", ())), height=f.get("height"),
            )
        )
        row += 1


def _section_number(form: Form, key: str) -> str:
    return next(s["number"] for s in form.sections if s["key"] == key)


def _expand_rules(form: Form) -> None:
    raw = form.raw
    for r in raw["rules"]:
        (var, over), = r["for_each"].items()
        if isinstance(over, str):
            table, what = over.split(".")
            items = raw["tables"][table]["grid"][what]
        else:
            items = [{"key": k} for k in over]
        for item in items:
            k = item["key"]
            label = item.get("label") or raw["row_labels"].get(k, k)
            sub = lambda s, k=k, var=var: s.replace("{" + var + "}", k)  # noqa: E731
            form.rules.append(
                RuleInstance(
                    id=r["id"], severity=r["severity"], title=r["title"],
                    left=parse_expr(sub(r["left"]), form.groups), op=r["op"],
                    right=parse_expr(sub(str(r["right"])), form.groups),
                    cell_path=sub(r["cell"]), message=r["message"], hint=r["hint"],
                    params={f"{var}": k, f"{var}_label": label},
                    needs_previous=r.get("needs_previous", False),
                    unless_level=tuple(raw[r["unless_level"]]) if r.get("unless_level") else (),
                )
            )


def canonical_hash(raw: dict[str, Any]) -> str:
    data = json.dumps(raw, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(data.encode("utf-8")).hexdigest()


def build_form(raw: dict[str, Any]) -> Form:
    form = Form(
        id=raw["form"]["id"], version=str(raw["form"]["version"]), raw=raw, template_hash=canonical_hash(raw),
        sections=raw["sections"],
        field_types={
            k: FieldType(k, v["json"], v.get("excel"), v.get("number_format"), v.get("message"))
            for k, v in raw["field_types"].items()
        },
    )
    cover = raw["cover"]
    for f in cover["identity"]:
        form.fields.append(
            Field(path=f["path"], sheet=cover["sheet"], cell=f["cell"], merge=None, type="identity",
                  label=f"封面“{f['label']}”", section="cover", kind="identity")
        )
        form.labels.append(Label(cover["sheet"], shift(f["cell"], 0, -1), f["label"]))
    for f in cover["inputs"]:
        form.fields.append(
            Field(path=f["path"], sheet=cover["sheet"], cell=f["cell"], merge=None, type=f["type"],
                  label=f"封面“{f['label']}”", section="cover", kind="input", required=f.get("required", True))
        )
        form.labels.append(Label(cover["sheet"], shift(f["cell"], 0, -1), f["label"]))
    for block in raw["text_blocks"].values():
        _text_fields(form, block)
    for key, t in raw["tables"].items():
        _table_fields(form, key, t)
    form._by_path = {f.path: f for f in form.fields}
    _expand_rules(form)
    return form


_F = TypeVar("_F")


def per_form(fn: Callable[[Form], _F]) -> Callable[[Form], _F]:
    """Memoise a table derived from a form, once per form definition and process. (A Form is not
    hashable; its identity is id, version and template hash.)"""
    memo: dict[tuple[str, str, str], _F] = {}

    @wraps(fn)
    def derived(form: Form) -> _F:
        key = (form.id, form.version, form.template_hash)
        if key not in memo:
            memo[key] = fn(form)
        return memo[key]

    return derived


@cache
def load_form(version: str = DEFAULT_VERSION) -> Form:
    path = TEMPLATES_DIR / f"annual-report-{version}.yaml"
    with path.open(encoding="utf-8") as fh:
        return build_form(yaml.safe_load(fh))


def available_versions() -> list[str]:
    return sorted(p.stem.rsplit("-", 1)[1] for p in TEMPLATES_DIR.glob("annual-report-*.yaml"))
