"""Render -> import gives back the same report document, for every output format."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from xxgk.document import empty_document, set_path
from xxgk.form.definition import load_form
from xxgk.importers import import_bytes
from xxgk.importers.common import guess_level
from xxgk.render import render_document

FORM = load_form()
KIND = {"md": "text", "html": "html", "docx": "docx"}
APPLICANTS = FORM.groups["requests"]["applicants"]
RESULTS = FORM.groups["requests"]["results"]
OUTCOMES = FORM.groups["review_litigation"]["outcomes"]
UNITS = ["孟津区小浪底镇人民政府", "柳林街道办事处", "宿迁市人民政府", "洪泽区人民政府", "红旗村民委员会",
         "某县教育局", "青山乡人民政府", "城关社区居民委员会"]
# a small alphabet with no bracket, digit or heading word: generated prose never looks like a heading
ALPHABET = "政务公开工作推进落实加强规范完善制度建设服务群众信息平台网站渠道年度本镇单位进一步提升质量效率和的了在，"


def paragraphs() -> st.SearchStrategy[str | None]:
    para = st.text(alphabet=ALPHABET, min_size=1, max_size=40).map(lambda s: s.strip("，") + "。")
    return st.one_of(st.none(), st.lists(para, min_size=1, max_size=3).map("\n".join))


@st.composite
def documents(draw: st.DrawFn) -> dict[str, Any]:
    doc = empty_document(FORM)
    doc.pop("source")
    unit = draw(st.sampled_from(UNITS))
    set_path(doc, "unit.name", unit)
    set_path(doc, "unit.level", guess_level(unit))
    set_path(doc, "year", draw(st.integers(2021, 2030)))
    small = st.integers(0, 60)
    # table 二
    for row in ("regulations", "normative_documents"):
        for col in ("issued", "repealed", "in_force"):
            set_path(doc, f"proactive.{row}.{col}", draw(small))
    for key in ("licensing", "punishment", "enforcement"):
        set_path(doc, f"proactive.{key}", draw(st.integers(0, 3_000_000)))
    set_path(doc, "proactive.fees", draw(st.one_of(st.integers(0, 100_000),
                                                   st.integers(0, 10**9).map(lambda n: round(n / 10000, 4)))))
    # table 三, balanced per column
    for col in APPLICANTS:
        results = {r: draw(st.integers(0, 9) | st.just(0)) for r in RESULTS}
        total = sum(results.values())
        forward = draw(st.integers(0, 5))
        over = draw(st.integers(0, 5))
        over = min(over, total + forward)
        new = total + forward - over
        for r, v in results.items():
            set_path(doc, f"requests.{r}.{col}", v)
        set_path(doc, f"requests.total_processed.{col}", total)
        set_path(doc, f"requests.carried_forward.{col}", forward)
        set_path(doc, f"requests.carried_over.{col}", over)
        set_path(doc, f"requests.new_received.{col}", new)
    for row in FORM.grid_rows("requests"):
        set_path(doc, f"requests.{row['key']}.total",
                 sum(doc["requests"][row["key"]][c] for c in APPLICANTS))
    # table 四
    for block in ("review", "litigation_direct", "litigation_after_review"):
        vals = [draw(st.integers(0, 400)) for _ in OUTCOMES]
        for k, v in zip(OUTCOMES, vals, strict=True):
            set_path(doc, f"review_litigation.{block}.{k}", v)
        set_path(doc, f"review_litigation.{block}.total", sum(vals))
    # texts
    for key in ("intro", "proactive", "requests", "management", "platform", "supervision"):
        set_path(doc, f"overview.{key}", draw(paragraphs()))
    set_path(doc, "problems.problems", draw(paragraphs()))
    set_path(doc, "problems.improvements", draw(paragraphs()))
    set_path(doc, "other.text", draw(paragraphs()))
    charged = draw(st.booleans())
    set_path(doc, "other.fee_charged", charged)
    amount = draw(st.one_of(st.none(), st.integers(1, 5000), st.integers(1, 10**6).map(lambda n: n / 100)))
    set_path(doc, "other.fee_amount_yuan", amount if charged else None)
    return doc


def _round_trip(doc: dict[str, Any], fmt: str) -> tuple[dict[str, Any], list[str]]:
    data = render_document(doc, fmt)
    result = import_bytes(data, f"report.{fmt}", KIND[fmt])
    assert result.document is not None
    back = copy.deepcopy(result.document)
    back.pop("source")
    return back, [f"{f.rule} {f.message}" for f in result.findings]


def _expected(doc: dict[str, Any]) -> dict[str, Any]:
    d = copy.deepcopy(doc)
    d.pop("source", None)
    return d


@pytest.mark.parametrize("fmt", ["md", "html", "docx"])
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(doc=documents())
def test_round_trip_generated_documents(fmt: str, doc: dict[str, Any]) -> None:
    back, findings = _round_trip(doc, fmt)
    assert findings == []
    assert back == _expected(doc)


def suqian_2024() -> dict[str, Any]:
    """宿迁市 2024 (real-report-facts.md); result rows not transcribed are put under 予以公开."""
    doc = empty_document(FORM)
    doc.pop("source")
    set_path(doc, "unit.name", "宿迁市人民政府")
    set_path(doc, "unit.level", "市级政府")
    set_path(doc, "year", 2024)
    for path, v in {"regulations.issued": 2, "regulations.repealed": 1, "regulations.in_force": 12,
                    "normative_documents.issued": 50, "normative_documents.repealed": 227,
                    "normative_documents.in_force": 420, "licensing": 1573179, "punishment": 2676474,
                    "enforcement": 29351, "fees": 72701.2578}.items():
        set_path(doc, f"proactive.{path}", v)
    rows = {"new_received": [3440, 75, 0, 1, 6, 3, 3525], "carried_over": [118, 3, 0, 0, 0, 0, 121],
            "total_processed": [3440, 73, 0, 1, 5, 2, 3521], "carried_forward": [118, 5, 0, 0, 1, 1, 125]}
    cols = [c["key"] for c in FORM.grid_columns("requests")]
    for r in RESULTS:
        rows[r] = [0] * 7
    rows["granted"] = rows["total_processed"]
    for r, vals in rows.items():
        for c, v in zip(cols, vals, strict=True):
            set_path(doc, f"requests.{r}.{c}", v)
    t4 = {"review": [88, 18, 28, 36, 170], "litigation_direct": [7, 0, 11, 7, 25],
          "litigation_after_review": [33, 0, 6, 13, 52]}
    for block, vals in t4.items():
        for k, v in zip([*OUTCOMES, "total"], vals, strict=True):
            set_path(doc, f"review_litigation.{block}.{k}", v)
    set_path(doc, "overview.requests", "全年受理政府信息公开申请3525件，办结3521件。\n另有125件结转下年度继续办理。")
    set_path(doc, "overview.supervision", "行政复议案件134件、行政诉讼案件57件已备案。")
    set_path(doc, "problems.problems", "个别部门答复质量不高。")
    set_path(doc, "problems.improvements", "下一步将加强答复审核。")
    set_path(doc, "other.fee_charged", False)
    return doc


@pytest.mark.parametrize("fmt", ["md", "html", "docx"])
def test_round_trip_real_figures_suqian_2024(fmt: str) -> None:
    doc = suqian_2024()
    back, findings = _round_trip(doc, fmt)
    assert findings == []
    assert back == _expected(doc)
    assert back["proactive"]["fees"] == 72701.2578
    assert back["requests"]["carried_forward"]["total"] == 125


@pytest.mark.parametrize("fmt", ["md", "html", "docx"])
def test_round_trip_keeps_blank_and_placeholder_cells(fmt: str) -> None:
    doc = suqian_2024()
    set_path(doc, "requests.granted.research", None)
    set_path(doc, "requests.carried_forward.total", None)
    set_path(doc, "proactive.enforcement", "/")
    set_path(doc, "review_litigation.review.upheld", "-")
    set_path(doc, "review_litigation.litigation_after_review.total", None)
    back, findings = _round_trip(doc, fmt)
    assert findings == []
    assert back["requests"]["granted"]["research"] is None
    assert back["requests"]["carried_forward"]["total"] is None
    assert back["proactive"]["enforcement"] == "/"
    assert back["review_litigation"]["review"]["upheld"] == "-"
    assert back["review_litigation"]["litigation_after_review"]["total"] is None
    assert back == _expected(doc)
