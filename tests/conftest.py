"""Shared fixtures: the form, generated workbooks, and a driver for a real LibreOffice."""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl
import pytest

from xxgk.form.definition import Form, load_form
from xxgk.generate.roster import Unit
from xxgk.generate.workbook import build_workbook

ROOT = Path(__file__).resolve().parents[1]
SCRIPTS = ROOT / "scripts"
LO_FILL = SCRIPTS / "lo_fill.py"
SYSTEM_PYTHON = "/usr/bin/python3"
FIXTURES = Path(__file__).resolve().parent / "fixtures"

# scripts/make_fixtures.py holds the real-report figures and turns them into lo_fill jobs;
# the LibreOffice tests reuse it so that the committed fixtures and the tests cannot drift apart.
if str(SCRIPTS) not in sys.path:
    sys.path.insert(0, str(SCRIPTS))


def _libreoffice_available() -> bool:
    if shutil.which("soffice") is None or not Path(SYSTEM_PYTHON).exists():
        return False
    probe = subprocess.run([SYSTEM_PYTHON, "-c", "import uno"], capture_output=True)
    return probe.returncode == 0


LIBREOFFICE = _libreoffice_available()
# scripts/test.sh (and so CI) sets XXGK_REQUIRE_APPS=1: a missing application then fails the test
# instead of skipping it, so a green run always means LibreOffice really ran.
REQUIRE_APPS = os.environ.get("XXGK_REQUIRE_APPS") == "1"
requires_libreoffice = pytest.mark.skipif(
    not LIBREOFFICE and not REQUIRE_APPS, reason="需要 LibreOffice（soffice）和 /usr/bin/python3 的 uno 模块"
)

XIAOLANGDI = Unit(name="小浪底镇", code="410308101", level="乡镇", parent="孟津区人民政府")


@pytest.fixture(scope="session")
def form() -> Form:
    return load_form()


@pytest.fixture(scope="session")
def township() -> Unit:
    return XIAOLANGDI


@pytest.fixture(scope="session")
def workbook_bytes(form: Form) -> bytes:
    """One generated workbook for the township, built once per session."""
    return build_workbook(form, XIAOLANGDI, 2024)


@pytest.fixture(scope="session")
def wb(workbook_bytes: bytes) -> openpyxl.Workbook:
    """The generated workbook opened the way the checker opens it (formulas, not cached values)."""
    return openpyxl.load_workbook(io.BytesIO(workbook_bytes))


def sheet_xml(data: bytes, index: int) -> str:
    """Raw XML of the index-th worksheet part (1-based, in workbook order)."""
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return z.read(f"xl/worksheets/sheet{index}.xml").decode("utf-8")


def lo_fill(jobs: list[dict], workdir: Path) -> None:
    """Run scripts/lo_fill.py once (one soffice start) for all jobs; raise with its stderr on failure."""
    spec = workdir / "lo_jobs.json"
    spec.write_text(json.dumps(jobs, ensure_ascii=False), encoding="utf-8")
    done = subprocess.run([SYSTEM_PYTHON, str(LO_FILL), str(spec)], capture_output=True, text=True, timeout=600)
    if done.returncode != 0:
        raise RuntimeError(f"lo_fill.py failed ({done.returncode}):\n{done.stderr}")
