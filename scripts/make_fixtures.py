"""Regenerate the checker fixtures in tests/fixtures/libreoffice/ with a real LibreOffice.

    . .venv/bin/activate && python scripts/make_fixtures.py [OUT_DIR]

Each file is a workbook made by the generator, then opened, filled or edited and saved by
LibreOffice Calc through scripts/lo_fill.py (one soffice start for all files), so the checker is
tested on what a real application writes. The figures are those of the 宿迁市 2023 and 2024
reports (shared/samples/real-report-facts.md); the split of table 三's results over the rows is
made up so that every column adds up to the published （七）总计.

This module is also imported by the tests and by scripts/make_samples.py: `document_ops` turns
a {document path: value} mapping into lo_fill "set" operations.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from xxgk.form.definition import Form, load_form
from xxgk.generate.roster import Unit
from xxgk.generate.workbook import build_workbook

ROOT = Path(__file__).resolve().parents[1]
LO_FILL = ROOT / "scripts" / "lo_fill.py"
OUT = ROOT / "tests" / "fixtures" / "libreoffice"

SUQIAN = Unit(name="宿迁市人民政府", code="321300", level="市级政府", parent="江苏省人民政府")
APPLICANTS = ["natural_person", "commercial", "research", "social_welfare", "legal_services", "other"]
OUTCOMES = ["upheld", "corrected", "other", "pending"]
BLOCKS = ["review", "litigation_direct", "litigation_after_review"]

# Table 三, applicant columns only (总计 is a formula). Rows 一、二、四 and the （七）总计 each
# column must reach are the published figures; the split over the result rows is illustrative.
SUQIAN_REQUESTS: dict[int, dict[str, list[int]]] = {
    2023: {
        "new_received": [3402, 99, 0, 4, 5, 1],
        "carried_over": [91, 3, 0, 0, 2, 0],
        "granted": [1450, 55, 0, 3, 4, 1],
        "partially_granted": [470, 14, 0, 0, 0, 0],
        "withheld_third_party": [55, 0, 0, 0, 0, 0],
        "withheld_process_info": [45, 0, 0, 0, 0, 0],
        "unavailable_not_held": [880, 20, 0, 1, 3, 0],
        "unavailable_needs_creation": [95, 0, 0, 0, 0, 0],
        "unavailable_unclear": [60, 0, 0, 0, 0, 0],
        "rejected_petition": [160, 6, 0, 0, 0, 0],
        "rejected_repeated": [75, 0, 0, 0, 0, 0],
        "other_no_correction": [65, 4, 0, 0, 0, 0],
        "other_other": [20, 0, 0, 0, 0, 0],
        "carried_forward": [118, 3, 0, 0, 0, 0],
    },
    2024: {
        "new_received": [3440, 75, 0, 1, 6, 3],
        "carried_over": [118, 3, 0, 0, 0, 0],
        "granted": [1500, 40, 0, 1, 3, 1],
        "partially_granted": [480, 10, 0, 0, 0, 1],
        "withheld_third_party": [60, 0, 0, 0, 0, 0],
        "withheld_process_info": [40, 0, 0, 0, 0, 0],
        "unavailable_not_held": [900, 15, 0, 0, 2, 0],
        "unavailable_needs_creation": [100, 0, 0, 0, 0, 0],
        "unavailable_unclear": [60, 0, 0, 0, 0, 0],
        "rejected_petition": [150, 5, 0, 0, 0, 0],
        "rejected_repeated": [80, 0, 0, 0, 0, 0],
        "other_no_correction": [50, 3, 0, 0, 0, 0],
        "other_other": [20, 0, 0, 0, 0, 0],
        "carried_forward": [118, 5, 0, 0, 1, 1],
    },
}
# Published （七）总计 per column incl. the 总计 column (what LibreOffice must compute).
SUQIAN_TOTAL_PROCESSED = {2023: [3375, 99, 0, 4, 7, 1, 3486], 2024: [3440, 73, 0, 1, 5, 2, 3521]}
# Table 四: four outcomes per block (the 总计 cells are formulas) and the published totals.
SUQIAN_REVIEW = {
    2023: {"review": [309, 17, 88, 26], "litigation_direct": [1, 1, 16, 6], "litigation_after_review": [13, 0, 67, 9]},
    2024: {"review": [88, 18, 28, 36], "litigation_direct": [7, 0, 11, 7], "litigation_after_review": [33, 0, 6, 13]},
}
SUQIAN_REVIEW_TOTALS = {2023: [440, 24, 89], 2024: [170, 25, 52]}
SUQIAN_PROACTIVE = {
    2023: {"regulations": (2, 0, 11), "normative_documents": (109, 489, 597), "licensing": 1808595,
           "punishment": 2822652, "enforcement": 20163, "fees": 59237.2449},
    2024: {"regulations": (2, 1, 12), "normative_documents": (50, 227, 420), "licensing": 1573179,
           "punishment": 2676474, "enforcement": 29351, "fees": 72701.2578},
}


def suqian_texts(year: int) -> dict[str, str]:
    req = SUQIAN_REQUESTS[year]
    new, carried = sum(req["new_received"]), sum(req["carried_over"])
    done, forward = SUQIAN_TOTAL_PROCESSED[year][-1], sum(req["carried_forward"])
    texts = {
        "overview.intro": f"{year}年，宿迁市人民政府坚持以公开为常态、不公开为例外，"
                           "认真贯彻落实《中华人民共和国政府信息公开条例》，"
                          "全面推进政务公开标准化规范化建设。",
        "overview.proactive": f"{year}年，全市围绕重大决策、重点民生领域和财政预决算等事项加大主动公开力度，"
                              "通过市政府门户网站主动公开各类政府信息，及时发布政策解读材料。",
        "overview.requests": f"{year}年，全市共新收政府信息公开申请{new}件，上年结转{carried}件，办理完毕{done}件，"
                             f"结转下年度继续办理{forward}件。依申请公开办理流程进一步规范，答复质量稳步提升。",
        "overview.management": "严格落实公开属性源头认定和发布审查制度，开展行政规范性文件清理，"
                               "对政府信息实行动态调整管理。",
        "overview.platform": "优化市政府门户网站政府信息公开专栏，统筹政务新媒体发布，加强政府公报建设。",
        "overview.supervision": "将政务公开纳入年度综合考核，组织业务培训，开展社会评议，落实责任追究制度。",
        "problems.problems": "政策解读形式还不够丰富，部分基层单位政务公开专业力量不足，依申请公开答复规范性有待提升。",
        "problems.improvements": "下一步，将进一步丰富解读形式，加强基层业务培训，完善依申请公开办理工作机制，"
                                 "持续提升政务公开质量。",
        "other.fee_charged": "未收取",
        "other.text": f"{year}年度本机关未收取政府信息公开信息处理费。",
    }
    if year == 2024:
        # Filings, not table 四: a text-versus-table check must not flag this sentence.
        texts["overview.supervision"] += "全年依法办理行政复议案件134件、行政诉讼应诉案件57件。"
    return texts


def suqian_values(year: int) -> dict[str, Any]:
    """{document path: value} of every input the 宿迁市 report of `year` fills in."""
    values: dict[str, Any] = {}
    p = SUQIAN_PROACTIVE[year]
    for row in ("regulations", "normative_documents"):
        for key, v in zip(("issued", "repealed", "in_force"), p[row], strict=True):
            values[f"proactive.{row}.{key}"] = v
    for key in ("licensing", "punishment", "enforcement", "fees"):
        values[f"proactive.{key}"] = p[key]
    for row, numbers in SUQIAN_REQUESTS[year].items():
        for col, v in zip(APPLICANTS, numbers, strict=True):
            values[f"requests.{row}.{col}"] = v
    for block, numbers in SUQIAN_REVIEW[year].items():
        for col, v in zip(OUTCOMES, numbers, strict=True):
            values[f"review_litigation.{block}.{col}"] = v
    values.update(suqian_texts(year))
    values["contact.person"] = "张明"
    values["contact.phone"] = "0527-84350000"
    return values


def document_ops(form: Form, values: dict[str, Any]) -> list[dict[str, Any]]:
    """lo_fill 'set' operations that type each value into the cell of its document path."""
    ops = []
    for path, value in values.items():
        f = form.field(path)
        ops.append({"op": "set", "sheet": f.sheet, "cell": f.cell, "value": value})
    return ops


def run_lo_fill(jobs: list[dict[str, Any]], workdir: Path) -> None:
    spec = workdir / "lo_jobs.json"
    spec.write_text(json.dumps(jobs, ensure_ascii=False), encoding="utf-8")
    subprocess.run(["/usr/bin/python3", str(LO_FILL), str(spec)], check=True)


def fixture_jobs(form: Form, workdir: Path, out: Path) -> list[dict[str, Any]]:
    """The lo_fill jobs that make every fixture; blank inputs are written into workdir."""
    requests = form.sheet_of_section("requests")
    review = form.sheet_of_section("review_litigation")
    proactive = form.sheet_of_section("proactive")
    jobs = []
    for year in (2023, 2024):
        blank = workdir / f"blank-{year}.xlsx"
        blank.write_bytes(build_workbook(form, SUQIAN, year))
        jobs.append({"in": str(blank), "out": str(out / f"suqian-{year}.xlsx"),
                     "ops": document_ops(form, suqian_values(year))})
    jobs.append({"in": str(workdir / "blank-2024.xlsx"), "out": str(out / "resaved-blank.xlsx"), "ops": []})
    filled = str(out / "suqian-2024.xlsx")  # saved by the job above: jobs run in order
    row_one_total = form.field("requests.new_received.total").cell
    jobs += [
        {"in": filled, "out": str(out / "tampered-total.xlsx"),
         "ops": [{"op": "set", "sheet": requests, "cell": row_one_total, "value": 3600}]},
        {"in": filled, "out": str(out / "tampered-inserted-row.xlsx"),
         "ops": [{"op": "insert_rows", "sheet": requests, "row": 9, "count": 1}]},
        {"in": filled, "out": str(out / "tampered-renamed-sheet.xlsx"),
         "ops": [{"op": "rename_sheet", "sheet": review, "to": "四、行政复议和行政诉讼情况"}]},
        {"in": filled, "out": str(out / "tampered-unprotected.xlsx"),
         "ops": [{"op": "unprotect", "sheet": proactive}]},
    ]
    return jobs


def main(argv: list[str]) -> int:
    out = Path(argv[1]).resolve() if len(argv) > 1 else OUT
    out.mkdir(parents=True, exist_ok=True)
    form = load_form()
    with tempfile.TemporaryDirectory(prefix="xxgk_fixtures_") as tmp:
        run_lo_fill(fixture_jobs(form, Path(tmp), out), Path(tmp))
    for p in sorted(out.glob("*.xlsx")):
        print(f"{p.relative_to(ROOT) if p.is_relative_to(ROOT) else p}  {p.stat().st_size} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
