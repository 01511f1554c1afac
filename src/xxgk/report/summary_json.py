"""summary.json: the machine-readable result of a run (versioned)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from .. import __version__
from ..atomic import atomic_path
from ..sanitize import clean
from .model import FileResult, Finding, RunResult

SCHEMA_VERSION = 1
FINDING_KEYS = ("rule", "severity", "sheet", "cell", "location", "message", "hint", "left", "op", "right", "outcome")


_SURROGATE = re.compile("[\ud800-\udfff]")


def _clean_tree(v: Any) -> Any:
    """Every string (keys too) checked once: JSON escapes control characters itself (\\u001b), so names
    and paths stay exact for the programs that read this file; a string holding a lone surrogate (an
    `_xDFFF_` escape, a file name that is not UTF-8) cannot be written as UTF-8 and goes through the
    sanitiser."""
    if isinstance(v, str):
        return clean(v) if _SURROGATE.search(v) else v
    if isinstance(v, dict):
        return {_clean_tree(k): _clean_tree(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_clean_tree(x) for x in v]
    return v


def finding_dict(f: Finding) -> dict[str, Any]:
    d = f.to_dict()
    return {k: d.get(k) for k in FINDING_KEYS}


def file_dict(r: FileResult) -> dict[str, Any]:
    return _clean_tree({"path": r.path, "unit": r.unit, "code": r.code, "contact_person": r.contact_person,
                        "contact_phone": r.contact_phone, "year": r.year, "kind": r.kind, "status": r.status,
                        "sha256": r.sha256, "counts": r.counts, "findings": [finding_dict(f) for f in r.findings]})


def summary_dict(run: RunResult) -> dict[str, Any]:
    return _summary(run, [file_dict(r) for r in run.files])


def _summary(run: RunResult, files: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "schema_version": SCHEMA_VERSION,
        "generator": f"xxgk {__version__}",
        "year": run.year,
        "files": files,
        "roster": _clean_tree({"missing": run.roster_missing,
                               "findings": [finding_dict(f) for f in run.roster_findings]}),
        "rule_counts": run.rule_counts(),
        "totals": {"units": run.totals_units, "values": run.totals},
    }


class _Files(list):  # type: ignore[type-arg]
    """The file dicts of a run for json.dump, made one at a time while it writes them.

    json.dump always encodes with the pure-Python encoder (the C one is for dumps without
    indent), which tests a list for emptiness with len() and then iterates it with `for`:
    both are answered from run.files, so no list of all the files is ever built."""

    def __init__(self, run: RunResult):
        super().__init__()
        self.run = run

    def __len__(self) -> int:
        return len(self.run.files)

    def __iter__(self) -> Iterator[dict[str, Any]]:  # type: ignore[override]
        return (file_dict(r) for r in self.run.files)


def write_json(run: RunResult, path: Path) -> Path:
    """The same text as json.dump(summary_dict(run)), without holding all the files in memory."""
    with atomic_path(path) as tmp, tmp.open("w", encoding="utf-8") as fh:
        json.dump(_summary(run, _Files(run)), fh, ensure_ascii=False, indent=1)
        fh.write("\n")
    return Path(path)
