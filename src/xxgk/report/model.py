"""Findings, file results and run results: what the core returns and the writers render."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from ..form.definition import load_form

SEVERITIES = ("error", "warning", "info")
SEVERITY_ZH = {"error": "错误", "warning": "警告", "info": "提示"}
STATUS_ZH = {"pass": "通过", "warn": "有警告", "fail": "不通过", "error": "无法读取", "skipped": "已跳过"}


@dataclass
class Finding:
    rule: str
    severity: str
    message: str
    hint: str = ""
    sheet: str | None = None
    cell: str | None = None
    location: str | None = None  # table/row/column of an imported page, when there is no cell
    left: Any = None
    op: str | None = None
    right: Any = None
    outcome: str = "fail"  # "fail", or "not_assessable" when an operand was missing
    path: str | None = None  # document path of the value concerned

    @property
    def where(self) -> str:
        if self.sheet and self.cell:
            return f"{self.sheet}!{self.cell}"
        return self.sheet or self.location or ""

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        for k in ("left", "right"):
            if d[k] is not None and not isinstance(d[k], (int, float, str, bool)):
                d[k] = str(d[k])
        return d


@dataclass
class FileResult:
    path: str
    sha256: str | None = None
    kind: str = "unknown"  # workbook, text, html, docx, unknown
    unit: str | None = None
    year: int | None = None
    form_version: str | None = None
    findings: list[Finding] = field(default_factory=list)
    document: dict[str, Any] | None = None
    seconds: float = 0.0
    skipped: bool = False

    @property
    def counts(self) -> dict[str, int]:
        c = dict.fromkeys(SEVERITIES, 0)
        for f in self.findings:
            if f.outcome == "fail":
                c[f.severity] += 1
        return c

    @property
    def status(self) -> str:
        if self.skipped:
            return "skipped"
        failing = [f for f in self.findings if f.outcome == "fail"]
        if any(f.rule.startswith("FILE-") and f.severity == "error" for f in failing) or self.document is None:
            return "error"
        if any(f.severity == "error" for f in failing):
            return "fail"
        if any(f.severity == "warning" for f in failing):
            return "warn"
        return "pass"

    def to_dict(self, with_document: bool = False) -> dict[str, Any]:
        d = {
            "path": self.path, "sha256": self.sha256, "kind": self.kind, "unit": self.unit, "year": self.year,
            "form_version": self.form_version, "status": self.status, "counts": self.counts,
            "seconds": round(self.seconds, 4), "findings": [f.to_dict() for f in self.findings],
        }
        if with_document:
            d["document"] = self.document
        return d


@dataclass
class RunResult:
    files: list[FileResult] = field(default_factory=list)
    roster_findings: list[Finding] = field(default_factory=list)
    roster_missing: list[dict[str, Any]] = field(default_factory=list)
    totals: dict[str, Any] = field(default_factory=dict)
    totals_units: int = 0
    year: int | None = None
    seconds: float = 0.0

    @property
    def exit_code(self) -> int:
        bad = any(r.status in ("fail", "error") for r in self.files)
        return 1 if bad or self.roster_missing or any(
            f.severity == "error" for f in self.roster_findings) else 0

    def rule_counts(self) -> dict[str, dict[str, Any]]:
        out: dict[str, dict[str, Any]] = {}
        for r in self.files:
            seen = set()
            for f in r.findings:
                e = out.setdefault(f.rule, {"rule": f.rule, "severity": f.severity, "findings": 0, "files": 0,
                                            "not_assessable": 0})
                if f.outcome == "not_assessable":
                    e["not_assessable"] += 1
                    continue
                e["findings"] += 1
                if f.rule not in seen:
                    e["files"] += 1
                    seen.add(f.rule)
        for f in self.roster_findings:
            e = out.setdefault(f.rule, {"rule": f.rule, "severity": f.severity, "findings": 0, "files": 0,
                                        "not_assessable": 0})
            e["findings"] += 1
        return dict(sorted(out.items()))


# ---------------------------------------------------------------- the catalogue


@cache
def catalogue() -> dict[str, dict[str, str]]:
    """Every finding id with severity, title, message template and fix hint."""
    with (Path(__file__).parent / "catalogue.yaml").open(encoding="utf-8") as fh:
        cat: dict[str, dict[str, str]] = yaml.safe_load(fh)
    form = load_form()
    for r in form.raw["rules"]:
        cat[r["id"]] = {"severity": r["severity"], "title": r["title"], "message": r["message"], "hint": r["hint"]}
    return cat


class _Default(dict):
    def __missing__(self, key: str) -> str:
        return "（未知）"


def finding(rule: str, *, sheet: str | None = None, cell: str | None = None, location: str | None = None,
            path: str | None = None, severity: str | None = None, **params: Any) -> Finding:
    """Build a finding from the catalogue entry of `rule`, filling its message and hint."""
    entry = catalogue()[rule]
    # sheet/cell/location are keyword arguments of this function, and messages name them too
    # ("工作表“{sheet}”…", "{cell}应为…"): without this they would read "（未知）".
    named = {k: v for k, v in (("sheet", sheet), ("cell", cell), ("location", location)) if v is not None}
    values = _Default({**named, **{k: "" if v is None else v for k, v in params.items()}})
    return Finding(
        rule=rule, severity=severity or entry["severity"], message=entry["message"].format_map(values),
        hint=entry.get("hint", "").format_map(values), sheet=sheet, cell=cell, location=location, path=path,
        left=params.get("left"), op=params.get("op"), right=params.get("right"),
    )


# Where a value came from: (sheet, cell, location). Workbooks give sheet and cell; imported
# pages give a location such as "表三 “（一）予以公开”行".
Location = tuple[str | None, str | None, str | None]
