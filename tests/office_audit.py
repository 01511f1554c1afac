"""openxml-audit as one small helper for every test that writes an Office file.

`audit(path)` returns (errors, warnings) as lists of one-line strings. Errors are what Word/Excel
would repair or refuse (schema, semantic, package); warnings are openxml-audit's app-compat
findings (for example Excel rewriting a part on first save), which a test lists and explains.
"""

from __future__ import annotations

from pathlib import Path

from openxml_audit import OpenXmlValidator, ValidationSeverity


def _line(e: object) -> str:
    return str(e)


def audit(path: str | Path) -> tuple[list[str], list[str]]:
    """(errors, warnings) that openxml-audit reports for the .xlsx/.docx at `path`."""
    result = OpenXmlValidator(max_errors=0).validate(str(path))
    errors = [_line(e) for e in result.errors if e.severity == ValidationSeverity.ERROR]
    warnings = [_line(e) for e in result.errors if e.severity != ValidationSeverity.ERROR]
    return errors, warnings
