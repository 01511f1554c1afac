"""Through the real reader and generator: a filled 宿迁市 pair passes with the previous year, a
broken copy fails at the right cell, and the published township sample gets the expected verdict."""

from __future__ import annotations

from pathlib import Path

import pytest

from test_check_docs import FORM, suqian
from xxgk.check.run import check_paths
from xxgk.document import figures, get_path
from xxgk.generate import fill, workbook
from xxgk.generate.roster import Unit

SAMPLE = next((Path(__file__).resolve().parents[1] / "samples" / "published").glob("*.txt"))


def filled(tmp: Path, year: int, name: str, changes: dict | None = None) -> Path:
    doc = suqian(year)
    unit = Unit("宿迁市人民政府", "321300", "市级政府", "江苏省人民政府")
    blank = tmp / f"blank-{year}.xlsx"
    workbook.write_workbook(unit, year, blank, workbook.GenerateOptions())
    values = {f.path: get_path(doc, f.path, None) for f in FORM.fields if f.kind == "input"}
    values.update(changes or {})
    out = tmp / name
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(fill.fill_document(blank.read_bytes(), FORM, values))
    blank.unlink()
    return out


def test_filled_pair_passes_and_a_broken_copy_fails_at_its_cell(tmp_path: Path) -> None:
    filled(tmp_path, 2023, "2023/宿迁市2023.xlsx")
    filled(tmp_path, 2024, "2024/宿迁市2024.xlsx")
    filled(tmp_path, 2024, "2024b/宿迁市2024.xlsx", {"requests.granted.commercial": 70})
    run = check_paths([tmp_path / "2024"], previous=[tmp_path / "2023"], jobs=1)
    r = run.files[0]
    assert r.status == "pass", [(f.rule, f.where, f.message) for f in r.findings]
    assert run.totals_units == 1
    assert run.totals["requests.carried_forward.total"] == 125
    expected = figures(suqian(2024), FORM)
    assert run.totals["proactive.fees"] == pytest.approx(expected["proactive.fees"])
    bad = check_paths([tmp_path / "2024b"], previous=[tmp_path / "2023"], jobs=1).files[0]
    t3 = [f for f in bad.findings if f.outcome == "fail"]
    # totals are formulas, recomputed by the reader: the balance of 商业企业 and 总计 breaks
    assert [(f.rule, f.cell) for f in t3] == [("T3-BALANCE", "E30"), ("T3-BALANCE", "J30")]
    assert t3[0].sheet == "三、收到和处理政府信息公开申请情况" and (t3[0].left, t3[0].right) == (78, 75)


def test_published_township_sample_gets_two_warnings(tmp_path: Path) -> None:
    run = check_paths([SAMPLE], jobs=1)
    r = run.files[0]
    fails = sorted((f.rule, f.location) for f in r.findings if f.outcome == "fail")
    assert fails == [("FMT-OVERVIEW-5", "第一部分"), ("S5-IMPROVE", "第五部分")]
    assert r.status == "warn"
