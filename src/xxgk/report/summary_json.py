"""summary.json: the machine-readable result of a run (versioned)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .. import __version__
from .model import FileResult, Finding, RunResult

SCHEMA_VERSION = 1
FINDING_KEYS = ("rule", "severity", "sheet", "cell", "location", "message", "hint", "left", "op", "right", "outcome")


def finding_dict(f: Finding) -> dict[str, Any]:
    d = f.to_dict()
    return {k: d.get(k) for k in FINDING_KEYS}


def file_dict(r: FileResult) -> dict[str, Any]:
    return {"path": r.path, "unit": r.unit, "year": r.year, "kind": r.kind, "status": r.status, "sha256": r.sha256,
            "counts": r.counts, "findings": [finding_dict(f) for f in r.findings]}


def summary_dict(run: RunResult) -> dict[str, Any]:
    return {
        "schema_version": SCHEMA_VERSION,
        "generator": f"xxgk {__version__}",
        "year": run.year,
        "files": [file_dict(r) for r in run.files],
        "roster": {"missing": run.roster_missing, "findings": [finding_dict(f) for f in run.roster_findings]},
        "rule_counts": run.rule_counts(),
        "totals": {"units": run.totals_units, "values": run.totals},
    }


def write_json(run: RunResult, path: Path) -> Path:
    with path.open("w", encoding="utf-8") as fh:
        json.dump(summary_dict(run), fh, ensure_ascii=False, indent=1)
        fh.write("\n")
    return path
