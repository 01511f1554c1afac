"""Importing HTML pages shaped like real government sites (fixtures in tests/fixtures/published)."""

from __future__ import annotations

from pathlib import Path

from xxgk.importers import import_bytes, import_file

FIX = Path(__file__).parent / "fixtures" / "published"


def test_gbk_page_with_spans_split_table_and_layout_table() -> None:
    raw = (FIX / "hongze-2024-gbk.html").read_bytes()
    assert "gb2312" in raw[:400].decode("ascii", "ignore")
    r = import_file(FIX / "hongze-2024-gbk.html")
    assert r.kind == "html" and r.findings == []
    d = r.document
    assert d["unit"] == {"name": "洪泽区人民政府", "code": None, "level": "县级政府", "parent": None}
    assert d["year"] == 2024
    assert d["proactive"]["normative_documents"] == {"issued": 3, "repealed": 0, "in_force": 8}
    assert d["source"]["remarks"] == {"proactive.normative_documents.in_force": "含修订2件"}
    assert (d["proactive"]["licensing"], d["proactive"]["punishment"], d["proactive"]["enforcement"]) == (1200, 350, 12)
    assert d["proactive"]["fees"] == 7545
    req = d["requests"]
    assert req["new_received"]["total"] == 95 and req["new_received"]["commercial"] == 5
    # rows from the second <table> (the page split table 三 in two)
    assert req["unavailable_not_held"]["total"] == 31
    assert req["rejected_petition"]["natural_person"] == 1
    assert req["other_other"]["total"] == 0
    assert req["total_processed"]["total"] == 95
    assert req["carried_forward"]["research"] is None  # &nbsp; is blank, not 0
    assert d["review_litigation"]["litigation_after_review"] == {
        "upheld": 2, "corrected": 0, "other": 1, "pending": 0, "total": 3}
    ov = d["overview"]
    assert ov["intro"] == "2024年，洪泽区深入贯彻落实政务公开各项部署。"
    assert ov["management"] == "开展规范性文件清理，动态调整公开目录。\n严格落实发布审查制度。"  # <br> splits
    assert all(ov[k] for k in ("proactive", "requests", "platform", "supervision"))
    assert d["problems"] == {"problems": "部分单位公开内容不够及时。", "improvements": "下一步将加强督促检查。"}
    assert d["other"]["fee_charged"] is True and d["other"]["fee_amount_yuan"] == 300
    # the page footer is not part of section 六
    assert d["other"]["text"] == "本年度人大代表建议和政协提案办理结果均已公开。"
    assert "document.write" not in d["source"]["fulltext"]


def test_2019_format_page_is_reported_and_what_maps_is_imported() -> None:
    r = import_file(FIX / "qingshan-2021-format2019.html")
    d = r.document
    signatures = {f.right for f in r.findings if f.rule == "FMT-VERSION"}
    assert {"本年新制作数量", "上一年项目数量", "政府集中采购", "规范性文件",
            "（六）其他处理只有一行，没有1-3项"} <= signatures
    assert all(f.severity == "error" for f in r.findings if f.rule == "FMT-VERSION")
    # 处理决定数量 is the same figure in both formats
    assert (d["proactive"]["licensing"], d["proactive"]["punishment"], d["proactive"]["enforcement"]) == (14, 21, 2)
    # the 2019 规范性文件 counts and the fee row do not map: left blank and reported, never guessed
    assert d["proactive"]["normative_documents"] == {"issued": None, "repealed": None, "in_force": None}
    assert d["proactive"]["fees"] is None
    tables = [f.location for f in r.findings if f.rule == "FMT-TABLE-UNREAD"]
    assert "表二“规范性文件”行" in tables and "表二“行政事业性收费”行" in tables
    # the single （六） row holds zeros, which split one way only (each of 1-3 is 0): read, still FMT-VERSION
    assert "表三“（六）其他处理”行" not in tables
    assert d["requests"]["new_received"]["total"] == 3
    assert d["requests"]["unavailable_not_held"]["total"] == 1
    assert d["requests"]["other_no_correction"]["total"] == 0
    assert d["review_litigation"]["review"]["total"] == 2
    assert d["other"]["fee_charged"] is None


def test_extra_subtotal_column_is_skipped_and_reported() -> None:
    r = import_file(FIX / "liulin-2023-subtotal.html")
    d = r.document
    assert [f.rule for f in r.findings] == ["FMT-EXTRA-COLUMN"]
    assert r.findings[0].severity == "warning" and "小计" in r.findings[0].message
    assert d["requests"]["new_received"] == {"natural_person": 10, "commercial": 4, "research": 0,
                                             "social_welfare": 1, "legal_services": 0, "other": 0, "total": 15}
    assert d["requests"]["unavailable_not_held"]["total"] == 4
    assert d["unit"]["level"] == "街道" and d["year"] == 2023
    assert d["proactive"]["enforcement"] == "-"  # a placeholder stays as written
    assert d["review_litigation"]["review"]["upheld"] == "/"
    assert d["source"]["sections"] == ["一", "二", "三", "四", "五", "六"]  # 四 worded after the 条例
    assert d["other"]["fee_charged"] is False


def test_undeclared_gbk_page_and_utf8_page_decode() -> None:
    page = ("<html><body><p>青山乡人民政府2024年政府信息公开工作年度报告</p>"
            "<p>一、总体情况</p><p>本乡工作。</p></body></html>")
    for enc in ("utf-8", "gb18030"):
        d = import_bytes(page.encode(enc), "x.html", "html").document
        assert d["unit"]["name"] == "青山乡人民政府" and d["overview"]["intro"] == "本乡工作。"


def test_missing_tables_are_reported_not_guessed() -> None:
    page = ("<html><body><h1>青山乡人民政府2024年政府信息公开工作年度报告</h1><p>一、总体情况</p><p>x</p>"
            "<p>二、主动公开政府信息情况</p><p><img src='t2.png'></p><p>三、收到和处理政府信息公开申请情况</p>"
            "<p>四、政府信息公开行政复议、行政诉讼情况</p><p>五、存在的主要问题及改进情况</p><p>六、其他需要报告的事项</p>"
            "</body></html>")
    r = import_bytes(page.encode(), "x.html", "html")
    locs = {f.location for f in r.findings if f.rule == "FMT-TABLE-UNREAD"}
    assert {"表二", "表三", "表四"} == locs  # one finding a table, not one a row or cell
    assert r.document["requests"]["granted"]["total"] is None
