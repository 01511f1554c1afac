"""The feedback round trip in a real LibreOffice: the unit opens its feedback copy, fixes the figures,
saves, sends it back, and it passes; the copy and its list are printed for a look."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import openpyxl
import pytest

from conftest import lo_fill, requires_libreoffice
from test_feedback import T3, T6, audit_errors, failing_workbook, fails, feedback_of
from xxgk.check.run import check_file
from xxgk.report.feedback_xlsx import FEEDBACK_SHEET, FILL_ERROR

ARTIFACTS = Path(__file__).parent / "artifacts"

pytestmark = pytest.mark.libreoffice


@requires_libreoffice
def test_fixed_in_libreoffice_the_feedback_copy_passes(tmp_path: Path) -> None:
    src = failing_workbook(tmp_path)
    original = check_file(src)
    assert original.status == "fail"
    copy = feedback_of(src, tmp_path / "fb")
    fixed, resaved = tmp_path / "fixed.xlsx", tmp_path / "resaved.xlsx"
    partly = tmp_path / "back" / "宿迁市2024.xlsx"
    partly.parent.mkdir()
    lo_fill([
        {"in": str(copy), "out": str(fixed), "ops": [
            {"op": "set", "sheet": T3, "cell": "E8", "value": 73},  # the balance
            {"op": "set", "sheet": T3, "cell": "D8", "value": 3440},  # a number, no longer text
            {"op": "set", "sheet": T6, "cell": "B3", "value": "未收取"},  # the fee choice
        ]},
        {"in": str(copy), "out": str(resaved), "ops": []},  # opened and saved, nothing fixed
        {"in": str(copy), "out": str(partly), "ops": [{"op": "set", "sheet": T3, "cell": "E8", "value": 73}]},
    ], tmp_path)

    r = check_file(fixed)
    assert r.status == "pass", [(f.rule, f.where, f.message) for f in r.findings]
    assert not [f for f in r.findings if f.rule.startswith("TAMPER")]
    wb = openpyxl.load_workbook(fixed)
    assert wb.sheetnames[0] == FEEDBACK_SHEET  # the list, comments and colours were really there
    assert wb[T3]["E30"].comment is not None

    # saved by LibreOffice without a fix: the same findings as the unit's own file, nothing more
    assert fails(check_file(resaved)) == fails(original)

    # only the balance fixed, in LibreOffice: the next copy lists what is left, and the fixed cells
    # lose their colour and comment (LibreOffice renumbered the styles; they are found by their fill)
    again = feedback_of(partly, tmp_path / "fb2")
    assert fails(check_file(again)) == [("CELL-TEXT-NUMBER", T3, "D8"), ("S6-FEE", T6, "B3")]
    wb2, orig = openpyxl.load_workbook(again), openpyxl.load_workbook(src)
    for cell in ("E30", "J30"):
        assert wb2[T3][cell].fill.fgColor.rgb == orig[T3][cell].fill.fgColor.rgb != FILL_ERROR
        assert wb2[T3][cell].comment is None
    assert wb2[T3]["D8"].fill.fgColor.rgb == FILL_ERROR and wb2[T3]["D8"].comment is not None
    assert audit_errors(again) <= audit_errors(partly)


def _pdf_pages(src: Path, tmp: Path) -> tuple[list[Path], list[str]]:
    subprocess.run(["soffice", "--headless", f"-env:UserInstallation=file://{tmp}/lo_profile", "--convert-to", "pdf",
                    "--outdir", str(tmp), str(src)], check=True, capture_output=True, timeout=180)
    pdf = tmp / (src.stem + ".pdf")
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    subprocess.run(["pdftoppm", "-png", "-r", "60", str(pdf), str(tmp / src.stem)], check=True, timeout=120)
    return sorted(tmp.glob(f"{src.stem}-*.png")), ["".join(p.split()) for p in text.split("\f")]


@requires_libreoffice
def test_feedback_copy_and_docx_print(tmp_path: Path) -> None:
    """Pages kept in tests/artifacts: the list sheet, table 三 with its highlighted cells, the Word list."""
    src = failing_workbook(tmp_path)
    copy = feedback_of(src, tmp_path / "fb")
    pages, texts = _pdf_pages(copy, tmp_path)
    assert "检查发现4个问题" in texts[0] and "T3-BALANCE" in texts[0] and "第三部分E30" in texts[0]
    t3 = next(i for i, t in enumerate(texts) if "申请人情况" in t)
    ARTIFACTS.mkdir(exist_ok=True)
    shutil.copyfile(pages[0], ARTIFACTS / "feedback-list.png")
    shutil.copyfile(pages[t3], ARTIFACTS / "feedback-table3.png")

    from test_feedback import SAMPLE_TXT
    from xxgk.check.run import check_paths
    from xxgk.report.feedback import write_feedback

    [f] = write_feedback(check_paths([SAMPLE_TXT], jobs=1), tmp_path / "fbdoc").files
    doc_pages, doc_texts = _pdf_pages(f.path, tmp_path)
    assert "FMT-OVERVIEW-5" in doc_texts[0] and "修改建议" in doc_texts[0]
    shutil.copyfile(doc_pages[0], ARTIFACTS / "feedback-docx.png")
