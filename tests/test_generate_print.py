"""A blank and a filled workbook printed through LibreOffice (issue 10 §3): every page is A4, text
sheets print at 90 % or more, every page has the footer (unit, sheet, 第X页/共Y页), and the 校验
headline of the filled workbook is there. The page images are kept in tests/artifacts/print/ to be
looked at."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pdfplumber
import pytest
from make_fixtures import SUQIAN, document_ops, suqian_values

from conftest import XIAOLANGDI, lo_fill, requires_libreoffice
from xxgk.form.definition import CHECK_SHEET, Form
from xxgk.generate.workbook import build_workbook

ARTIFACTS = Path(__file__).resolve().parent / "artifacts" / "print"

A4 = (595, 842)  # points, portrait
TITLE_POINTS = 16  # the sheet titles are 16 pt (workbook._Styles.title)


def _pdf(xlsx: Path, out: Path) -> Path:
    subprocess.run(["soffice", "--headless", f"-env:UserInstallation=file://{out}/lo_profile", "--convert-to", "pdf",
                    "--outdir", str(out), str(xlsx)], check=True, capture_output=True, timeout=300)
    return out / (xlsx.stem + ".pdf")


@pytest.fixture(scope="module")
def printed(form: Form, tmp_path_factory) -> dict[str, Path]:
    work = tmp_path_factory.mktemp("print")
    blank = work / "blank.xlsx"
    blank.write_bytes(build_workbook(form, XIAOLANGDI, 2024))
    src = work / "filled-in.xlsx"
    src.write_bytes(build_workbook(form, SUQIAN, 2024))
    filled = work / "filled.xlsx"
    values = suqian_values(2024)
    values["requests.granted.natural_person"] += 1  # one defect, so that the 校验 headline is red
    lo_fill([{"in": str(src), "out": str(filled), "ops": document_ops(form, values)}], work)
    out = {"blank": _pdf(blank, work), "filled": _pdf(filled, work)}
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for name, pdf in out.items():
        for old in ARTIFACTS.glob(f"{name}-*.png"):
            old.unlink()
        subprocess.run(["pdftoppm", "-png", "-r", "60", str(pdf), str(ARTIFACTS / name)], check=True, timeout=120)
    return out


def _pages(pdf: Path) -> list[tuple[tuple[float, float], str, float]]:
    """(page size, text, largest font size) per page."""
    with pdfplumber.open(pdf) as doc:
        return [((round(p.width), round(p.height)), p.extract_text() or "",
                 max((c["size"] for c in p.chars), default=0.0)) for p in doc.pages]


@requires_libreoffice
@pytest.mark.parametrize(("name", "unit"), [("blank", XIAOLANGDI.name), ("filled", SUQIAN.name)])
def test_every_page_is_a4_with_the_footer(form: Form, printed: dict[str, Path], name: str, unit: str) -> None:
    pages = _pages(printed[name])
    total = len(pages)
    assert total >= 7  # cover, 一…六, 校验
    for i, (size, text, _big) in enumerate(pages, start=1):
        assert size in (A4, A4[::-1]), (i, size)
        assert f"第{i}页/共{total}页" in text.replace(" ", ""), (i, text[-200:])
        assert unit in text, i
    sheets_named = {s for s in form.sheet_names if any(s in t for _sz, t, _b in pages)}
    assert sheets_named == set(form.sheet_names)  # the footer (or title) names every sheet


@requires_libreoffice
@pytest.mark.parametrize("name", ["blank", "filled"])
def test_text_sheets_print_at_ninety_percent_or_more(form: Form, printed: dict[str, Path], name: str) -> None:
    text_sheets = [form.cover_sheet, *(s["sheet"] for s in form.sections if s["key"] in ("overview", "problems",
                                                                                           "other"))]
    pages = _pages(printed[name])
    seen = 0
    for size, text, biggest in pages:
        footer = text.strip().splitlines()[-1] if text.strip() else ""
        if any(s in footer for s in text_sheets):
            seen += 1
            assert size == A4, footer  # portrait
            assert biggest >= 0.9 * TITLE_POINTS, (footer, biggest)
    assert seen >= len(text_sheets)


@requires_libreoffice
def test_filled_check_sheet_prints_its_red_headline_and_no_mirror(printed: dict[str, Path]) -> None:
    pages = _pages(printed["filled"])
    check = [t for _s, t, _b in pages if f" {CHECK_SHEET} 第" in t.strip().splitlines()[-1]]
    assert check and "1项未通过：T3-BALANCE" in check[0].replace(" ", "")
    assert "报送后由区县检查" in "".join(check)
    assert not any("#N/A" in t or "ISBLANK" in t for t in check)  # the hidden mirror does not print
