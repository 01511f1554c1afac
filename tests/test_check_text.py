"""Text rules: each fires with its location on a defective report and stays quiet on a correct one."""

from __future__ import annotations

from test_check_docs import FORM, check_doc, locate_workbook, suqian
from xxgk.check.text import evaluate_text, fee_statement
from xxgk.document import empty_document, get_path, set_path
from xxgk.importers.common import section_bodies

# Modelled on a real township report (孟津区小浪底镇 2024): tables as tab-separated lines.
TOWNSHIP = """孟津区小浪底镇人民政府 2024 年政府信息公开工作 年度报告

一、总体情况
下面将对我镇 2024 年政务公开相关情况进行总结：
（一）主动公开方面
持续加大主动公开力度，及时公开各类政府信息。
（二）依申请公开方面
在 2024 年，小浪底镇并未收到群众主动提出的公开政府信息申请。
（三）政府信息管理方面
开展政策文件清理，落实保密审查制度。
（四）政府信息公开平台建设方面
依托政府门户网站发布政务信息。
（五）监督保障方面
不定期对各村政务公开工作进行实地检查与指导。

二、主动公开政府信息情况
第二十条第（一）项
信息内容\t本年制发件数\t本年废止件数\t现行有效件数
规章\t0\t0\t0

三、收到和处理政府信息公开申请情况
一、本年新收政府信息公开申请数量\t\t0\t0\t0\t0\t0\t0\t0
二、上年结转政府信息公开申请数量\t\t0\t0\t0\t0\t0\t0\t0
四、结转下年度继续办理\t\t0\t0\t0\t0\t0\t0\t0

四、政府信息公开行政复议、行政诉讼情况
0\t0\t0\t0\t0\t0\t0\t0\t0\t0\t0\t0\t0\t0\t0

五、存在的主要问题及改进情况
政务公开队伍建设有待强化，工作人员业务能力有待提升。下一步将加强业务培训。

六、其他需要报告的事项
本单位 2024 年度未收取政府信息公开信息处理费。
"""


def township(text: str = TOWNSHIP, sections: list[str] | None = None) -> dict:
    doc = empty_document(FORM)
    doc["unit"] = {"name": "孟津区小浪底镇人民政府", "code": None, "level": "乡镇", "parent": None}
    doc["year"] = 2024
    for f in FORM.fields:
        if FORM.field_types.get(f.type) and FORM.field_types[f.type].numeric and f.section != "other":
            set_path(doc, f.path, 0)
    order, _ = section_bodies(text)
    doc["source"] = {"kind": "text", "file": "小浪底镇2024年报.txt", "sha256": "0" * 64,
                     "title": "孟津区小浪底镇人民政府 2024 年政府信息公开工作 年度报告",
                     "sections": order if sections is None else sections, "fulltext": text}
    return doc


def text_rules(doc, year=2024, name=None) -> list:
    return [f for f in evaluate_text(FORM, doc, locate_workbook, report_year=year, file_name=name)
            if f.outcome == "fail"]


def ids(found) -> list[str]:
    return sorted(f.rule for f in found)


# ---------------------------------------------------------------- correct reports stay quiet


def test_correct_township_text_has_no_text_findings() -> None:
    assert text_rules(township()) == []


def test_correct_workbook_has_no_text_findings() -> None:
    assert text_rules(suqian()) == []


def test_imported_township_passes_all_rules() -> None:
    r = check_doc(township(), year=2024, name="小浪底镇2024.txt")
    assert r.status == "pass", [(f.rule, f.message) for f in r.findings]
    assert r.document["other"]["fee_charged"] is False  # read from 六


# ---------------------------------------------------------------- FMT-SECTIONS


def test_fmt_sections_missing_and_out_of_order() -> None:
    text = TOWNSHIP.replace("五、存在的主要问题及改进情况", "存在的问题")
    found = [f for f in text_rules(township(text)) if f.rule == "FMT-SECTIONS"]
    assert len(found) == 1 and "缺少第五部分" in found[0].message and found[0].location == "全文"
    found = [f for f in text_rules(township(sections=["一", "三", "二", "四", "五", "六"]))
             if f.rule == "FMT-SECTIONS"]
    assert len(found) == 1 and "顺序不对" in found[0].message


def test_fmt_sections_does_not_apply_to_workbooks() -> None:
    assert "FMT-SECTIONS" not in ids(text_rules(suqian()))


# ---------------------------------------------------------------- FMT-OVERVIEW-5


def test_overview_topic_missing_in_imported_text() -> None:
    text = TOWNSHIP.replace("（三）政府信息管理方面\n开展政策文件清理，落实保密审查制度。\n", "")
    found = text_rules(township(text))
    assert [(f.rule, f.location) for f in found] == [("FMT-OVERVIEW-5", "第一部分")]
    assert "政府信息管理" in found[0].message


def test_overview_topic_empty_in_workbook_names_the_cell() -> None:
    doc = suqian()
    doc["overview"]["platform"] = "  "
    found = text_rules(doc)
    assert [(f.rule, f.sheet, f.cell) for f in found] == [("FMT-OVERVIEW-5", "一、总体情况", "B7")]


# ---------------------------------------------------------------- FMT-VERSION


def test_2019_signature_is_fmt_version_error() -> None:
    text = TOWNSHIP.replace("信息内容\t本年制发件数\t本年废止件数\t现行有效件数",
                            "信息内容\t本年新制作数量\t本年新公开数量\t对外公开总数量")
    found = [f for f in text_rules(township(text)) if f.rule == "FMT-VERSION"]
    assert len(found) == 1 and found[0].severity == "error" and found[0].location == "第二部分"
    assert "本年新制作数量" in found[0].message


# ---------------------------------------------------------------- S5-PRESENT / S5-IMPROVE


def test_s5_present_when_five_is_only_wu() -> None:
    text = TOWNSHIP.replace("政务公开队伍建设有待强化，工作人员业务能力有待提升。下一步将加强业务培训。", "无。")
    found = text_rules(township(text))
    assert [(f.rule, f.location) for f in found] == [("S5-PRESENT", "第五部分")]


def test_s5_present_workbook_cell() -> None:
    doc = suqian()
    doc["problems"]["problems"] = "无"
    found = text_rules(doc)
    assert [(f.rule, f.cell) for f in found] == [("S5-PRESENT", "B3")]


def test_s5_improve_problems_only() -> None:
    text = TOWNSHIP.replace("下一步将加强业务培训。", "")
    found = text_rules(township(text))
    assert [(f.rule, f.location, f.severity) for f in found] == [("S5-IMPROVE", "第五部分", "warning")]
    doc = suqian()
    doc["problems"]["improvements"] = None
    found = text_rules(doc)
    assert [(f.rule, f.cell) for f in found] == [("S5-IMPROVE", "B4")]
    doc["problems"]["problems"] = "培训不足，今后将加强培训。"  # the measure is written with the problem
    assert text_rules(doc) == []


# ---------------------------------------------------------------- S6-FEE


def test_s6_fee_missing_in_imported_six() -> None:
    text = TOWNSHIP.replace("本单位 2024 年度未收取政府信息公开信息处理费。", "无。")
    found = text_rules(township(text))
    assert [(f.rule, f.location, f.severity) for f in found] == [("S6-FEE", "第六部分", "error")]


def test_s6_fee_workbook_choice_and_amount() -> None:
    doc = suqian()
    doc["other"]["fee_charged"] = None
    found = text_rules(doc)
    assert [(f.rule, f.cell) for f in found] == [("S6-FEE", "B3")]
    doc["other"]["fee_charged"] = True
    found = text_rules(doc)
    assert [(f.rule, f.cell) for f in found] == [("S6-FEE", "B4")]
    doc["other"]["fee_amount_yuan"] = 300
    assert text_rules(doc) == []


def test_fee_statement_reads_whether_and_how_much() -> None:
    assert fee_statement("本单位2024年度未收取政府信息公开信息处理费。") == (False, 0, True)
    charged, amount, found = fee_statement("本年度共收取信息处理费1,200元。")
    assert (charged, amount, found) == (True, 1200, True)
    assert fee_statement("无其他事项。") == (None, None, False)


# ---------------------------------------------------------------- TXT-T3


def test_txt_t3_no_requests_said_but_table_has_some() -> None:
    doc = township()
    set_path(doc, "requests.new_received.natural_person", 2)
    set_path(doc, "requests.new_received.total", 2)
    found = [f for f in text_rules(doc) if f.rule == "TXT-T3"]
    assert len(found) == 1 and found[0].location == "第一部分" and found[0].severity == "warning"
    assert "并未收到" in found[0].message and "总计为2" in found[0].message


def test_txt_t3_number_contradicts_table_in_workbook_cell() -> None:
    doc = suqian()
    doc["overview"]["requests"] = "全年共收到政府信息公开申请3600件。"
    found = text_rules(doc)
    assert [(f.rule, f.cell, f.left, f.right) for f in found] == [("TXT-T3", "B5", 3600, "3525")]


def test_txt_t3_ignores_other_counts() -> None:
    doc = suqian()
    doc["overview"]["requests"] = ("全年新收政府信息公开申请3525件（含上年结转申请121件），"
                                   "受理信访投诉申请900件，办理人大代表建议56件。")
    assert text_rules(doc) == []
    doc["overview"]["requests"] = "受理3646件，答复3521件。"  # no word 申请 next to the number
    assert text_rules(doc) == []


# ---------------------------------------------------------------- TXT-T4


def test_txt_t4_no_cases_said_but_table_has_some() -> None:
    doc = suqian()
    doc["overview"]["supervision"] = "本年度未发生因政府信息公开引起的行政复议、行政诉讼案件。"
    found = text_rules(doc)
    assert sorted((f.rule, f.cell) for f in found) == [("TXT-T4", "B8"), ("TXT-T4", "B8")]
    assert any("行政复议”总计为170" in f.message for f in found)


def test_txt_t4_converse_number_with_zero_table() -> None:
    doc = township()
    doc["source"]["fulltext"] = TOWNSHIP.replace("不定期对各村政务公开工作进行实地检查与指导。",
                                                 "全年因政府信息公开被申请行政复议2件。")
    found = [f for f in text_rules(doc) if f.rule == "TXT-T4"]
    assert len(found) == 1 and found[0].left == 2 and found[0].location == "第一部分"


def test_txt_t4_filing_sentences_do_not_fire() -> None:
    """宿迁市 2024: the narrative counts filings (备案), not table 四."""
    doc = suqian()
    doc["overview"]["supervision"] = ("推进政府信息公开工作的同时，全年备案审查行政复议案件134件、行政诉讼案件57件。"
                                      "行政诉讼案件57件。")
    doc["other"]["text"] = "依法做好政府信息公开，报送备案行政诉讼案件57件。"
    assert [f for f in text_rules(doc) if f.rule == "TXT-T4"] == []
    r = check_doc(doc, prev=suqian(2023), year=2024)
    assert r.status == "pass"


def test_txt_t4_consistent_statement_is_quiet() -> None:
    doc = township()
    doc["source"]["fulltext"] = TOWNSHIP.replace("0\t0\t0\t0\t0\t0\t0\t0\t0\t0\t0\t0\t0\t0\t0",
                                                 "本年度未发生政府信息公开行政复议、行政诉讼案件。")
    assert text_rules(doc) == []


# ---------------------------------------------------------------- YEAR-MISMATCH


def test_year_mismatch_with_run_year_points_at_year_cell() -> None:
    found = text_rules(suqian(2023), year=2024)
    assert [(f.rule, f.sheet, f.cell) for f in found] == [("YEAR-MISMATCH", "填报说明", "B7")]


def test_year_mismatch_in_title_and_file_name() -> None:
    doc = township()
    doc["source"]["title"] = "孟津区小浪底镇人民政府2023年政府信息公开工作年度报告"
    found = text_rules(doc, name="小浪底镇2022年报.txt")
    assert sorted(f.location for f in found) == ["文件名", "标题"]
    assert text_rules(township(), name="20250115_小浪底镇2024年报.txt") == []


def test_workbook_text_copied_from_an_old_report() -> None:
    """Old text pasted into this year's workbook: 2019 wording is FMT-VERSION at the cell, and text that
    names only earlier years is YEAR-MISMATCH; a comparison with last year stays quiet."""
    doc = suqian(2024)
    for f in FORM.fields:  # last year's texts everywhere
        if f.type == "text" and isinstance(get_path(doc, f.path, None), str):
            set_path(doc, f.path, get_path(doc, f.path).replace("2024", "2023"))
    set_path(doc, "overview.proactive", "2023年，本年新制作数量12件，对外公开总数量30件。")
    found = text_rules(doc)
    assert [(f.rule, f.sheet, f.cell) for f in found] == [
        ("FMT-VERSION", "一、总体情况", "B4"), ("YEAR-MISMATCH", "一、总体情况", "B3")]
    assert "本年新制作数量" in found[0].message and "2023年" in found[1].message
    set_path(doc, "overview.proactive", "2024年主动公开文件较2023年增加12件。")
    assert text_rules(doc) == []
