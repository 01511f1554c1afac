"""对比: this year against last year, from the store. Everything here is information for the
reviewer, never an error: the cross-year rules' own findings (the checker's, as recorded),
year-over-year outliers, and where each unit stands among the units of its level."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..form.definition import load_form
from ..store import Store

JUMP = 5  # a figure this many times last year's, or more, is an outlier
MANY = 10  # from 0 last year to at least this many is an outlier
# The figures a county office compares units by (DESIGN: the totals of tables 二, 三 and 四).
KEY_FIGURES = ("requests.new_received.total", "requests.total_processed.total", "proactive.regulations.in_force",
               "proactive.normative_documents.in_force", "review_litigation.review.total")


@dataclass
class Outlier:
    unit: Any
    path: str
    label: str
    before: float
    after: float
    kind: str  # "jump" or "from_zero"


def _label(path: str) -> str:
    form = load_form()
    return form.field(path).label if form.has_field(path) else path


def _num(v: float) -> str:
    return str(int(v)) if float(v).is_integer() else f"{v:g}"


def build(store: Store, year: int | None) -> dict[str, Any]:
    if year is None:
        return {"year": None}
    units = store.units()
    by_key = {u.key: u for u in units}
    now = store.figures_of(year)
    before = store.figures_of(year - 1)
    cross = [{"unit": by_key.get(x["unit_key"]), "finding": x["finding"]}
             for x in store.current_findings(year, "-XYEAR")]
    outliers: list[Outlier] = []
    for key, figs in now.items():
        if key not in before or key not in by_key:
            continue
        prev = before[key]
        for path, after in sorted(figs.items()):
            b = float(prev.get(path, 0) or 0)
            if b > 0 and after >= JUMP * b:
                outliers.append(Outlier(by_key[key], path, _label(path), b, after, "jump"))
            elif b == 0 and after >= MANY:
                outliers.append(Outlier(by_key[key], path, _label(path), b, after, "from_zero"))
    peers: dict[str, list[dict[str, Any]]] = {}
    for level in sorted({u.level for u in units if u.level}):
        members = [u for u in units if u.level == level and u.key in now]
        if not members:
            continue
        table = []
        for path in KEY_FIGURES:
            values = sorted(((float(now[u.key].get(path, 0) or 0), u) for u in members), key=lambda t: -t[0])
            ordered = [v for v, _u in values]
            median = ordered[len(ordered) // 2] if len(ordered) % 2 else (
                (ordered[len(ordered) // 2 - 1] + ordered[len(ordered) // 2]) / 2)
            table.append({"label": _label(path), "median": _num(median), "rows": [
                {"unit": u, "value": _num(v), "rank": 1 + ordered.index(v)} for v, u in values]})
        peers[level] = table
    return {"year": year, "prev_year": year - 1, "has_prev": bool(before), "cross": cross, "outliers": outliers,
            "peers": peers, "num": _num, "jump": JUMP, "many": MANY}
