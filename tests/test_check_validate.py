"""Schema validation: one clear finding per bad value, with the cell it is in."""

from __future__ import annotations

import pytest

from test_check_docs import FORM, check_doc, locate_workbook, rules_of, suqian
from xxgk.check.validate import validate_document, validator_for
from xxgk.document import set_path


def _validate(doc):
    return validate_document(FORM, doc, locate_workbook)


def test_correct_document_has_no_schema_findings() -> None:
    assert _validate(suqian()) == []


def test_validator_is_built_once_per_form() -> None:
    assert validator_for(FORM) is validator_for(FORM)


def test_blank_required_count_is_cell_blank_at_its_cell() -> None:
    doc = suqian()
    set_path(doc, "requests.granted.commercial", None)
    found = _validate(doc)
    assert [(f.rule, f.sheet, f.cell) for f in found] == [("CELL-BLANK", "三、收到和处理政府信息公开申请情况", "E8")]
    assert "商业企业" in found[0].message and "（一）予以公开" in found[0].message
    assert found[0].hint == "没有发生的请填0。"


@pytest.mark.parametrize(("path", "value", "rule", "reason"), [
    ("proactive.licensing", -3, "T2-VALUE", "不能为负数"),
    ("proactive.punishment", 2.5, "T2-VALUE", "不是整数"),
    ("proactive.enforcement", 1e15, "T2-VALUE", "数值过大"),
    ("requests.granted.natural_person", "/", "T3-VALUE", "占位符"),
    ("requests.new_received.research", "十二", "T3-VALUE", "不是数字"),
    ("requests.carried_forward.other", True, "T3-VALUE", "不是数字"),
    ("review_litigation.review.upheld", -1, "T4-VALUE", "不能为负数"),
    ("review_litigation.litigation_direct.pending", float("nan"), "T4-VALUE", "不是有效的数字"),
])
def test_wrong_value_gives_exactly_one_error_and_no_cascade(path, value, rule, reason) -> None:
    doc = suqian()
    set_path(doc, path, value)
    r = check_doc(doc, year=2024)
    errors = [f for f in r.findings if f.outcome == "fail" and f.severity == "error"]
    assert [f.rule for f in errors] == [rule], [(f.rule, f.message) for f in errors]
    f = errors[0]
    assert reason in f.message
    field = FORM.field(path)
    assert (f.sheet, f.cell) == (field.sheet, field.cell)
    assert r.status == "fail"


def test_fee_may_be_a_decimal_but_count_may_not() -> None:
    doc = suqian()
    set_path(doc, "proactive.fees", 0.5)
    assert _validate(doc) == []
    set_path(doc, "proactive.licensing", 0.5)
    assert [f.rule for f in _validate(doc)] == ["T2-VALUE"]


def test_negative_fee_amount_in_six_is_doc_schema() -> None:
    doc = suqian()
    doc["other"]["fee_charged"] = True
    doc["other"]["fee_amount_yuan"] = -100
    found = _validate(doc)
    assert [f.rule for f in found] == ["DOC-SCHEMA"]
    assert found[0].cell == FORM.field("other.fee_amount_yuan").cell
    assert "不能为负数" in found[0].message


def test_unknown_key_and_bad_choice_are_doc_schema() -> None:
    doc = suqian()
    doc["other"]["fee_charged"] = "也许"
    doc["extra"] = 1
    found = _validate(doc)
    assert sorted(f.rule for f in found) == ["DOC-SCHEMA", "DOC-SCHEMA"]
    assert {f.path for f in found} == {"other.fee_charged", "extra"}


def test_missing_year_and_unit_name_are_named() -> None:
    doc = suqian()
    doc["year"] = None
    doc["unit"]["name"] = ""
    found = _validate(doc)
    by_path = {f.path: f for f in found}
    assert set(by_path) == {"year", "unit.name"}
    assert "报告年度" in by_path["year"].message and by_path["year"].cell == "B7"
    assert by_path["unit.name"].cell == "B3"


def test_whole_blank_table_is_one_finding_not_175() -> None:
    doc = suqian()
    for f in FORM.fields:
        if f.path.startswith("requests."):
            set_path(doc, f.path, None)
    found = _validate(doc)
    assert [f.rule for f in found] == ["CELL-BLANK"]
    assert found[0].sheet == "三、收到和处理政府信息公开申请情况"
    assert "全部" in found[0].message


def test_missing_table_is_one_finding() -> None:
    doc = suqian()
    del doc["review_litigation"]
    found = _validate(doc)
    assert [(f.rule, f.path) for f in found] == [("DOC-SCHEMA", "review_litigation")]


def test_invalid_value_makes_dependent_rules_not_assessable() -> None:
    doc = suqian()
    set_path(doc, "requests.granted.natural_person", "/")
    r = check_doc(doc, year=2024)
    na = {f.rule for f in r.findings if f.outcome == "not_assessable"}
    assert {"T3-ROW-TOTAL", "T3-RESULT-SUM"} <= na
    assert rules_of(r) == ["T3-VALUE"]
