"""A file that LibreOffice merely opened and saved must not raise any TAMPER finding."""

from __future__ import annotations

import shutil
import subprocess
import uuid
from pathlib import Path

import pytest

from conftest import REQUIRE_APPS
from test_read_helpers import fill, generated
from xxgk.check.load import read_file

pytestmark = pytest.mark.libreoffice

SOFFICE = shutil.which("soffice")
FILLED = {"requests.new_received.natural_person": 5, "requests.new_received.commercial": 7,
          "requests.granted.natural_person": 3, "requests.partially_granted.natural_person": 2,
          "requests.carried_forward.commercial": 7, "requests.granted.research": "１２",
          "review_litigation.review.upheld": 1, "proactive.fees": 1.25,
          "overview.proactive": "本年度主动公开政府信息120条。", "other.fee_charged": "未收取"}


def _convert(tmp: Path, files: list[Path], fmt: str) -> Path:
    out = tmp / f"out-{fmt}"
    profile = tmp / f"profile-{uuid.uuid4().hex}"
    subprocess.run([SOFFICE, f"-env:UserInstallation=file://{profile}", "--headless", "--norestore",
                    "--convert-to", fmt, "--outdir", str(out), *map(str, files)],
                   check=True, capture_output=True, timeout=180)
    return out


@pytest.fixture(scope="module")
def resaved(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if SOFFICE is None and not REQUIRE_APPS:
        pytest.skip("LibreOffice (soffice) is not installed")
    tmp = tmp_path_factory.mktemp("lo")
    (tmp / "blank.xlsx").write_bytes(generated())
    (tmp / "filled.xlsx").write_bytes(fill(generated(), FILLED))
    return _convert(tmp, [tmp / "blank.xlsx", tmp / "filled.xlsx"], "xlsx")


def test_resaved_blank_workbook_raises_nothing(resaved: Path) -> None:
    loaded = read_file(resaved / "blank.xlsx")
    assert loaded.kind == "workbook"
    assert loaded.findings == []
    assert loaded.document["year"] == 2024 and loaded.document["unit"]["name"] == "小浪底镇"


def test_resaved_filled_workbook_keeps_values_and_totals(resaved: Path) -> None:
    loaded = read_file(resaved / "filled.xlsx")
    assert [f.rule for f in loaded.findings] == ["CELL-TEXT-NUMBER"]  # the "１２" typed as text
    doc = loaded.document
    assert doc["requests"]["new_received"]["total"] == 12
    assert doc["requests"]["granted"]["total"] == 15
    assert doc["requests"]["total_processed"]["natural_person"] == 5
    assert doc["proactive"]["fees"] == 1.25
    assert doc["overview"]["proactive"] == "本年度主动公开政府信息120条。"
    assert doc["other"]["fee_charged"] is False


def test_legacy_xls(tmp_path: Path) -> None:
    if SOFFICE is None and not REQUIRE_APPS:
        pytest.skip("LibreOffice (soffice) is not installed")
    src = tmp_path / "报表.xlsx"
    src.write_bytes(generated())
    out = _convert(tmp_path, [src], "xls")
    xls = out / "报表.xls"
    renamed = tmp_path / "改了扩展名.xlsx"
    renamed.write_bytes(xls.read_bytes())
    for p in (xls, renamed):
        loaded = read_file(p)
        assert [f.rule for f in loaded.findings] == ["FILE-LEGACY-XLS"]
        assert loaded.document is None
