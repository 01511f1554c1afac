"""Derive the JSON Schema (2020-12) of the report document from the form definition."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .definition import Form, load_form

SCHEMA_DIR = Path(__file__).resolve().parents[3] / "schema"


def _leaf(form: Form, type_key: str, required: bool) -> dict[str, Any]:
    if type_key == "identity":
        return {"type": ["string", "null"]}
    schema = dict(form.field_types[type_key].json)
    if form.field_types[type_key].numeric and required:
        return schema  # a blank number is reported (CELL-BLANK), so null is not valid
    t = schema.pop("type")
    schema["type"] = [t, "null"]
    schema.pop("minLength", None)  # emptiness of text is judged by the text rules, not the schema
    return schema


def build_schema(form: Form) -> dict[str, Any]:
    root: dict[str, Any] = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"https://xxgk.local/schema/{form.id}-{form.version}.schema.json",
        "title": f"政府信息公开工作年度报告（{form.raw['form']['basis']}）",
        "type": "object",
        "properties": {
            "form": {
                "type": "object",
                "properties": {"id": {"const": form.id}, "version": {"const": form.version}},
                "required": ["id", "version"],
            },
            "source": {"type": "object"},
        },
        "required": ["form"],
        "additionalProperties": False,
    }
    for f in form.fields:
        parts = f.path.split(".")
        node = root
        for part in parts[:-1]:
            props = node.setdefault("properties", {})
            node = props.setdefault(part, {"type": "object", "additionalProperties": False})
            node.setdefault("required", [])
        leaf = _leaf(form, f.type, f.required)
        node.setdefault("properties", {})[parts[-1]] = leaf
        node.setdefault("required", []).append(parts[-1])
    props = root["properties"]
    props["year"] = {"type": "integer", "minimum": 2000, "maximum": 2100}
    unit = props["unit"]["properties"]
    unit["name"] = {"type": "string", "minLength": 1}
    unit["level"] = {"enum": [*form.unit_levels, None]}
    # optional: the roster's 单位全称, carried by the workbook's hidden sheet for the report title
    unit["full_name"] = {"type": ["string", "null"]}
    root["required"] = sorted({"form", *(k for k in props if k not in ("source", "contact"))})
    return root


def schema_path(form: Form) -> Path:
    return SCHEMA_DIR / f"{form.id}-{form.version}.schema.json"


def schema_text(form: Form) -> str:
    return json.dumps(build_schema(form), ensure_ascii=False, indent=2) + "\n"


def write_schema(version: str = "2021") -> Path:
    form = load_form(version)
    path = schema_path(form)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(schema_text(form), encoding="utf-8")
    return path
