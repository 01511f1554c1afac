"""Report documents built in code for the checker tests (宿迁市 2023/2024 figures from
shared/samples/real-report-facts.md), plus tests that the correct pair passes every rule."""

from __future__ import annotations

import copy
from typing import Any

from xxgk.check.run import check_loaded, make_locator
from xxgk.document import empty_document, set_path
from xxgk.form.definition import load_form

FORM = load_form()
COLS = ["natural_person", "commercial", "research", "social_welfare", "legal_services", "other", "total"]
RESULT_ROWS = FORM.groups["requests"]["results"]

SUQIAN = {
    2023: {
        "regulations": (2, 0, 11), "normative_documents": (109, 489, 597),
        "licensing": 1808595, "punishment": 2822652, "enforcement": 20163, "fees": 59237.2449,
        "new_received": (3402, 99, 0, 4, 5, 1, 3511), "carried_over": (91, 3, 0, 0, 2, 0, 96),
        "total_processed": (3375, 99, 0, 4, 7, 1, 3486), "carried_forward": (118, 3, 0, 0, 0, 0, 121),
        "t4": ((309, 17, 88, 26, 440), (1, 1, 16, 6, 24), (13, 0, 67, 9, 89)),
    },
    2024: {
        "regulations": (2, 1, 12), "normative_documents": (50, 227, 420),
        "licensing": 1573179, "punishment": 2676474, "enforcement": 29351, "fees": 72701.2578,
        "new_received": (3440, 75, 0, 1, 6, 3, 3525), "carried_over": (118, 3, 0, 0, 0, 0, 121),
        "total_processed": (3440, 73, 0, 1, 5, 2, 3521), "carried_forward": (118, 5, 0, 0, 1, 1, 125),
        "t4": ((88, 18, 28, 36, 170), (7, 0, 11, 7, 25), (33, 0, 6, 13, 52)),
    },
}

TEXTS = {
    "overview.intro": "2024年，宿迁市深入贯彻政府信息公开条例。",
    "overview.proactive": "全年主动公开政府信息12万余条。",
    "overview.requests": "全年新收政府信息公开申请3525件，上年结转121件，均依法按时答复。",
    "overview.management": "开展政策文件清理，动态调整主动公开基本目录，落实保密审查制度。",
    "overview.platform": "优化政府门户网站政府信息公开专栏，规范政务新媒体。",
    "overview.supervision": "强化监督考核，组织业务培训3次。"
                            "全年备案审查行政复议案件134件、行政诉讼案件57件。",
    "problems.problems": "依申请公开答复规范化水平有待提升。",
    "problems.improvements": "下一步将加强业务培训，完善答复模板。",
    "other.text": "行政诉讼案件57件已全部报送备案。",
}


def suqian(year: int = 2024, level: str = "市级政府") -> dict[str, Any]:
    """A correct workbook-shaped document with 宿迁市's published figures."""
    d = SUQIAN[year]
    doc = empty_document(FORM)
    doc["unit"] = {"name": "宿迁市人民政府", "code": "321300", "level": level, "parent": "江苏省人民政府"}
    doc["year"] = year
    doc["source"] = {"kind": "workbook", "file": f"宿迁市{year}.xlsx"}
    for key in ("regulations", "normative_documents"):
        for part, v in zip(("issued", "repealed", "in_force"), d[key], strict=True):
            set_path(doc, f"proactive.{key}.{part}", v)
    for key in ("licensing", "punishment", "enforcement", "fees"):
        set_path(doc, f"proactive.{key}", d[key])
    for row in ("new_received", "carried_over", "total_processed", "carried_forward"):
        for c, v in zip(COLS, d[row], strict=True):
            set_path(doc, f"requests.{row}.{c}", v)
    for row in RESULT_ROWS:
        for c in COLS:
            set_path(doc, f"requests.{row}.{c}", 0)
    for c, v in zip(COLS, d["total_processed"], strict=True):
        set_path(doc, f"requests.granted.{c}", v)
    for block, values in zip(("review", "litigation_direct", "litigation_after_review"), d["t4"], strict=True):
        for c, v in zip(("upheld", "corrected", "other", "pending", "total"), values, strict=True):
            set_path(doc, f"review_litigation.{block}.{c}", v)
    for path, text in TEXTS.items():
        set_path(doc, path, text.replace("2024", str(year)))
    if year == 2023:
        set_path(doc, "overview.requests", "全年新收政府信息公开申请3511件，上年结转96件。")
    doc["other"]["fee_charged"] = False
    return doc


class Loaded:
    """Stands in for xxgk.check.load.Loaded in unit tests."""

    def __init__(self, document: dict[str, Any] | None, kind: str = "workbook", findings: list | None = None,
                 path: str = "x.xlsx", skipped: bool = False):
        self.path = path
        self.kind = kind
        self.sha256 = "0" * 64
        self.document = document
        self.locations: dict[str, Any] = {}
        self.findings = findings or []
        self.form_version = "2021"
        self.skipped = skipped


def check_doc(doc: dict[str, Any], prev: dict[str, Any] | None = None, year: int | None = None,
              name: str = "宿迁市人民政府.xlsx"):
    kind = (doc.get("source") or {}).get("kind") or "workbook"
    return check_loaded(name, Loaded(copy.deepcopy(doc), kind=kind), FORM,
                        (lambda _d: prev) if prev is not None else None, year)


def rules_of(result) -> list[str]:
    return sorted(f.rule for f in result.findings if f.outcome == "fail")


def locate_workbook(path: str):
    return make_locator(FORM, {}, False)(path)


# ---------------------------------------------------------------- the correct pair passes


def test_suqian_2024_passes_with_previous_year() -> None:
    r = check_doc(suqian(2024), prev=suqian(2023), year=2024)
    assert rules_of(r) == []
    assert r.status == "pass"
    assert not [f for f in r.findings if f.outcome == "not_assessable"]


def test_suqian_2023_passes_alone() -> None:
    r = check_doc(suqian(2023), year=2023, name="宿迁市2023.xlsx")
    assert r.status == "pass", [(f.rule, f.message) for f in r.findings]
