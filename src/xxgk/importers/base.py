"""What every importer returns."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..report.model import Finding, Location


@dataclass
class ImportResult:
    kind: str  # "text", "html" or "docx"
    document: dict[str, Any] | None  # None when nothing of a report could be read
    locations: dict[str, Location] = field(default_factory=dict)  # document path -> where it was read
    findings: list[Finding] = field(default_factory=list)
