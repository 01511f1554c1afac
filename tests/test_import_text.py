"""Importing plain text as copied from a government web page (the 小浪底镇 sample and variants)."""

from __future__ import annotations

from pathlib import Path

import pytest

from xxgk.document import figures
from xxgk.form.definition import load_form
from xxgk.importers import import_bytes, import_file
from xxgk.importers.common import guess_level, parse_fee, parse_title, parse_value

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "samples" / "published" / "孟津区小浪底镇人民政府2024年政府信息公开工作年度报告.txt"
FORM = load_form()


def sample_text() -> str:
    return SAMPLE.read_text(encoding="utf-8")


def imp(text: str, name: str = "report.txt"):
    return import_bytes(text.encode("utf-8"), name, "text")


def test_sample_yields_every_figure() -> None:
    r = import_file(SAMPLE)
    assert r.kind == "text"
    assert r.findings == []
    doc = r.document
    figs = figures(doc, FORM)
    t3 = {k: v for k, v in figs.items() if k.startswith("requests.")}
    t2 = {k: v for k, v in figs.items() if k.startswith("proactive.")}
    t4 = {k: v for k, v in figs.items() if k.startswith("review_litigation.")}
    assert (len(t3), len(t2), len(t4)) == (175, 10, 15)
    assert all(v == 0 and isinstance(v, int) for v in figs.values())
    assert doc["requests"]["other_other"]["natural_person"] == 0  # the "3. 其他" line placed under （六）
    # every figure names where it was read: the form's cell and the source table, row and column
    assert r.locations["requests.granted.commercial"] == (None, None,
                                                          "表三“（一）予以公开”行“商业企业”列（原文表格2第6行第4列）")


def test_sample_text_parts() -> None:
    doc = import_file(SAMPLE).document
    assert doc["unit"]["name"] == "孟津区小浪底镇人民政府"
    assert doc["unit"]["level"] == "乡镇"
    assert doc["year"] == 2024
    ov = doc["overview"]
    assert ov["intro"].startswith("政务公开，不仅是推动依法行政")
    assert ov["proactive"].startswith("2024 年，小浪底镇党委与政府")
    assert ov["requests"].startswith("在 2024 年，小浪底镇并未收到")
    assert ov["platform"].startswith("2024 年，小浪底镇主要依托")
    assert ov["supervision"].startswith("2024 年，小浪底镇对所有拟公开信息")
    assert ov["management"] is None
    assert doc["problems"]["problems"].startswith("政务公开队伍建设有待强化")
    assert doc["problems"]["improvements"] is None
    assert doc["other"]["fee_charged"] is False
    assert doc["other"]["fee_amount_yuan"] is None
    assert doc["other"]["text"] == "本单位 2024 年度未收取政府信息公开信息处理费。"
    src = doc["source"]
    assert src["kind"] == "text" and src["sections"] == ["一", "二", "三", "四", "五", "六"]
    assert src["title"] == "孟津区小浪底镇人民政府 2024 年政府信息公开工作 年度报告"
    assert len(src["sha256"]) == 64 and "勾稽关系" in src["fulltext"]


def test_gbk_text_file_is_decoded(tmp_path: Path) -> None:
    p = tmp_path / "x.txt"
    p.write_bytes(sample_text().encode("gb18030"))
    doc = import_file(p).document
    assert doc["unit"]["name"] == "孟津区小浪底镇人民政府"
    assert doc["review_litigation"]["review"]["total"] == 0


def test_number_with_remark_placeholder_and_blank() -> None:
    text = sample_text()
    text = text.replace("行政规范性文件\t0\t0\t0", "行政规范性文件\t22（其中修订16件）\t1,234\t／")
    text = text.replace("行政许可\t0", "行政许可\t")
    result = imp(text)
    doc = result.document
    nd = doc["proactive"]["normative_documents"]
    assert nd == {"issued": 22, "repealed": 1234, "in_force": "／"}
    assert doc["source"]["remarks"] == {"proactive.normative_documents.issued": "其中修订16件"}
    assert doc["proactive"]["licensing"] is None  # blank stays blank, never 0


def test_unreadable_row_is_reported_and_left_blank() -> None:
    text = sample_text().replace("4. 保护第三方合法权益\t0\t0", "4. 保护第三方合法权益\t约5\t0")
    result = imp(text)
    row = result.document["requests"]["withheld_third_party"]
    assert row["natural_person"] is None and row["commercial"] == 0
    msgs = [f for f in result.findings if f.rule == "FMT-TABLE-UNREAD"]
    assert len(msgs) == 1
    assert msgs[0].location == "表三“（三）4.保护第三方合法权益”行“自然人”列" and "约5" in msgs[0].message


def test_missing_row_is_reported() -> None:
    lines = [ln for ln in sample_text().splitlines() if "重复申请" not in ln]
    result = imp("\n".join(lines))
    bad = [f for f in result.findings if f.rule == "FMT-TABLE-UNREAD"]
    assert len(bad) == 1 and "（五）2.重复申请" in bad[0].message
    assert result.document["requests"]["rejected_repeated"]["total"] is None


def test_unit_and_year_from_file_name_when_title_lacks_them() -> None:
    text = sample_text().replace("孟津区小浪底镇人民政府 2024 年政府信息公开工作 年度报告", "政府信息公开工作年度报告")
    result = imp(text, "孟津区小浪底镇人民政府2024年政府信息公开工作年度报告.txt")
    assert result.document["unit"]["name"] == "孟津区小浪底镇人民政府"
    assert result.document["year"] == 2024
    assert result.locations["unit.name"][2] == "文件名"
    assert not [f for f in result.findings if f.rule == "UNIT-UNKNOWN"]


def test_unit_unknown_when_neither_title_nor_name_says() -> None:
    text = sample_text().replace("孟津区小浪底镇人民政府 2024 年政府信息公开工作 年度报告", "年度报告")
    result = imp(text, "a.txt")
    assert [f.rule for f in result.findings] == ["UNIT-UNKNOWN"]
    assert result.document["unit"]["name"] is None and result.document["year"] is None
    assert result.document["requests"]["granted"]["total"] == 0  # the figures are still read


def test_year_in_file_name_differs() -> None:
    result = imp(sample_text(), "小浪底镇2023年报.txt")
    assert [f.rule for f in result.findings] == ["YEAR-MISMATCH"]
    assert result.document["year"] == 2024


def test_single_six_row_is_2019_format() -> None:
    lines = sample_text().splitlines()
    out = []
    for ln in lines:
        if "逾期" in ln or ln.startswith("3. 其他"):
            continue
        out.append(ln)
    out.insert(next(i for i, ln in enumerate(out) if ln.startswith("(七)")), "\t(六) 其他处理\t\t0\t0\t0\t0\t0\t0\t0")
    result = imp("\n".join(out))
    rules = [f.rule for f in result.findings]
    assert "FMT-VERSION" in rules
    assert any("（六）其他处理只有一行" in f.message for f in result.findings)
    # a row of zeros splits one way only: 1-3 are each 0, and the sums can be checked
    assert result.document["requests"]["other_other"]["total"] == 0
    assert result.document["requests"]["total_processed"]["total"] == 0
    assert "requests.other_other.total" not in result.document["source"].get("unread", [])


def test_single_six_row_with_figures_is_not_split() -> None:
    lines = [ln for ln in sample_text().splitlines() if not ("逾期" in ln or ln.startswith("3. 其他"))]
    at = next(i for i, ln in enumerate(lines) if ln.startswith("(七)"))
    lines.insert(at, "\t(六) 其他处理\t\t2\t0\t0\t0\t0\t0\t2")
    result = imp("\n".join(lines))
    assert result.document["requests"]["other_other"]["total"] is None  # never guessed
    unread = [f for f in result.findings if f.rule == "FMT-TABLE-UNREAD"]
    assert len(unread) == 1 and "（六）其他处理" in unread[0].message
    assert "requests.other_other.total" in result.document["source"]["unread"]


def test_subtotal_column_in_text_is_skipped() -> None:
    text = sample_text().replace("法律服务机构\t其他\t", "法律服务机构\t其他\t小计\t")
    text = text.replace("一、本年新收政府信息公开申请数量\t\t0\t0\t0\t0\t0\t0\t0",
                        "一、本年新收政府信息公开申请数量\t\t1\t2\t0\t0\t0\t0\t2\t3")
    lines = []
    for ln in text.splitlines():
        cells = ln.split("\t")
        if ln.count("\t") >= 8 and "本年新收" not in ln and cells[-1] == "" and cells[-2] == "0":
            ln = ln[:-1] + "\t0\t"  # one more 0 for 小计 in every other body row
        elif ln.count("\t") >= 8 and cells[-1] == "0" and "本年新收" not in ln:
            ln = ln + "\t0"
        lines.append(ln)
    result = imp("\n".join(lines))
    assert "FMT-EXTRA-COLUMN" in [f.rule for f in result.findings]
    assert result.document["requests"]["new_received"] == {
        "natural_person": 1, "commercial": 2, "research": 0, "social_welfare": 0, "legal_services": 0,
        "other": 0, "total": 3}


def test_section_heading_variant_and_not_a_report() -> None:
    text = sample_text().replace("四、政府信息公开行政复议、行政诉讼情况",
                                 "四、因政府信息公开工作被申请行政复议、提起行政诉讼情况")
    assert imp(text).document["source"]["sections"] == ["一", "二", "三", "四", "五", "六"]
    nothing = imp("这是一份会议通知。\n请各单位准时参加。")
    # not a report, by its content: skipped with the reason, not checked as a broken report
    assert nothing.document is None and [f.rule for f in nothing.findings] == ["FILE-SKIPPED"]
    assert "不是政府信息公开工作年度报告" in nothing.findings[0].message


@pytest.mark.parametrize(("text", "expected"), [
    ("本单位2024年度未收取政府信息公开信息处理费。", (False, None)),
    ("本年度没有收取信息处理费。", (False, None)),
    ("本机关收取信息处理费共计300元。", (True, 300)),
    ("共收取政府信息公开信息处理费0.03万元。", (True, 300)),
    ("收取信息处理费0元。", (False, 0)),
    ("本年度人大建议均已公开。", (None, None)),
])
def test_fee_statement(text: str, expected: tuple) -> None:
    assert parse_fee(text) == expected


@pytest.mark.parametrize(("name", "level"), [
    ("孟津区小浪底镇人民政府", "乡镇"), ("青山乡人民政府", "乡镇"), ("柳林街道办事处", "街道"),
    ("红旗村民委员会", "村社区"), ("城关社区", "村社区"), ("宿迁市人民政府", "市级政府"),
    ("洪泽区人民政府", "县级政府"), ("某县人民政府", "县级政府"), ("某县教育局", None),
])
def test_level_guess(name: str, level: str | None) -> None:
    assert guess_level(name) == level


def test_title_shapes() -> None:
    assert parse_title("2024年度小浪底镇人民政府政府信息公开工作年度报告") == ("小浪底镇人民政府", 2024)
    assert parse_title("宿迁市人民政府办公室关于2024年政府信息公开工作年度报告") == ("宿迁市人民政府办公室", 2024)
    assert parse_value("1. 属于国家秘密") is None
    assert parse_value("３") .value == 3
    assert parse_value("&nbsp;".replace("&nbsp;", "\xa0")).value is None


def test_every_rendition_in_samples_published_gives_the_same_report() -> None:
    files = sorted((ROOT / "samples" / "published").iterdir())
    assert {f.suffix for f in files} >= {".txt", ".html", ".docx"}
    base = import_file(SAMPLE).document
    for f in files:
        r = import_file(f)
        assert r.findings == [], f.name
        d = r.document
        assert figures(d, FORM) == figures(base, FORM), f.name
        assert d["unit"] == base["unit"] and d["year"] == base["year"]
        assert d["other"]["fee_charged"] is False
        assert [k for k, v in d["overview"].items() if v] == ["intro", "proactive", "requests", "platform",
                                                              "supervision"]
