"""The report document (DESIGN §2): one JSON-able dict per report, shaped by the form.

Values keep their state: a number, None for blank, or the original string when a placeholder
such as "/" was found where a number belongs. Nothing here converts one into another.
"""

from __future__ import annotations

from typing import Any

from .form.definition import Form

MISSING = object()


def empty_document(form: Form) -> dict[str, Any]:
    doc: dict[str, Any] = {"form": {"id": form.id, "version": form.version}}
    for f in form.fields:
        set_path(doc, f.path, None)
    doc["source"] = {}
    return doc


def get_path(doc: dict[str, Any], path: str, default: Any = MISSING) -> Any:
    cur: Any = doc
    for part in path.split("."):
        if not isinstance(cur, dict) or part not in cur:
            if default is MISSING:
                raise KeyError(path)
            return default
        cur = cur[part]
    return cur


def set_path(doc: dict[str, Any], path: str, value: Any) -> None:
    parts = path.split(".")
    cur = doc
    for part in parts[:-1]:
        cur = cur.setdefault(part, {})
    cur[parts[-1]] = value


def is_imported(doc: dict[str, Any]) -> bool:
    """A report read from a published page or Word file (its totals are as printed), not a workbook."""
    source = doc.get("source") if isinstance(doc.get("source"), dict) else {}
    if source.get("kind") == "workbook":
        return False
    return bool(source.get("kind")) or "fulltext" in source


def figures(doc: dict[str, Any], form: Form) -> dict[str, Any]:
    """Path -> value for every numeric field of the form (tables 二/三/四)."""
    return {f.path: get_path(doc, f.path, None) for f in form.fields if form.field_types.get(f.type)
            and form.field_types[f.type].numeric and f.section != "other"}
