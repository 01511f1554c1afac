"""Variants seen in real published reports, read by structure rather than exact wording, and the
findings a reviewer can trust (one finding per unread table or row, grouped repeats, blanks of a
published table as one warning with the sums read as 0)."""

from __future__ import annotations

from pathlib import Path

import pytest

from xxgk.check.run import check_file, check_paths
from xxgk.check.text import fee_statement
from xxgk.importers import import_bytes
from xxgk.importers.common import parse_fee, parse_title

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "samples" / "published" / "孟津区小浪底镇人民政府2024年政府信息公开工作年度报告.txt"


def sample() -> str:
    return SAMPLE.read_text(encoding="utf-8")


def imp(text: str, name: str = "report.txt"):
    return import_bytes(text.encode("utf-8"), name, "text")


def check_text(tmp_path: Path, text: str, name: str = "report.txt"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return check_file(path)


# ---------------------------------------------------------------- titles and year


@pytest.mark.parametrize("title, unit, year", [
    ("平潭综合实验区金井片区管理局2023年政府信息公开年度报告", "平潭综合实验区金井片区管理局", 2023),  # no 工作
    ("平潭综合实验区2024年度政府信息公开工作年度报告_政府信息公开年报_平潭综合实验区党工委管委会",
     "平潭综合实验区", 2024),  # the site's name after the title
    ("某县教育局2023年度政府信息公开工作年度报告-某县人民政府门户网站", "某县教育局", 2023),
    ("2024年度青山乡人民政府政府信息公开年度报告", "青山乡人民政府", 2024),
])
def test_title_variants(title: str, unit: str, year: int) -> None:
    assert parse_title(title) == (unit, year)


def test_title_broken_over_two_lines() -> None:
    text = sample().replace("孟津区小浪底镇人民政府 2024 年政府信息公开工作 年度报告",
                            "孟津区小浪底镇人民政府\n2024 年政府信息公开工作年度报告")
    d = imp(text, "report.txt").document
    assert (d["unit"]["name"], d["year"]) == ("孟津区小浪底镇人民政府", 2024)


def test_year_from_the_statistics_period() -> None:
    text = sample().replace("孟津区小浪底镇人民政府 2024 年政府信息公开工作 年度报告",
                            "孟津区小浪底镇人民政府政府信息公开工作年度报告\n"
                            "本报告所列数据统计期限为2025年1月1日至2025年12月31日。")
    r = imp(text)
    assert r.document["year"] == 2025
    assert r.locations["year"][2] == "统计期限"
    assert "UNIT-UNKNOWN" not in [f.rule for f in r.findings]


# ---------------------------------------------------------------- tables by structure


def test_2021_table_two_with_a_row_called_guifanxing_wenjian() -> None:
    text = sample().replace("行政规范性文件\t0\t0\t0", "规范性文件\t1\t0\t7")
    r = imp(text)
    assert r.document["proactive"]["normative_documents"] == {"issued": 1, "repealed": 0, "in_force": 7}
    assert "FMT-VERSION" not in [f.rule for f in r.findings]  # the header columns are 2021's


def test_2019_table_two_columns_still_flagged() -> None:
    text = sample().replace("信息内容\t本年制发件数\t本年废止件数\t现行有效件数",
                            "信息内容\t本年新制作数量\t本年新公开数量\t对外公开总数量")
    text = text.replace("行政规范性文件\t0\t0\t0", "规范性文件\t1\t1\t7")
    r = imp(text)
    assert "FMT-VERSION" in [f.rule for f in r.findings]
    assert r.document["proactive"]["normative_documents"]["in_force"] is None  # never guessed


T4_THREE_TABLES = """行政复议\t\t\t\t
结果维持\t结果纠正\t其他结果\t尚未审结\t总计
1\t0\t2\t0\t3

未经复议直接起诉\t\t\t\t
结果维持\t结果纠正\t其他结果\t尚未审结\t总计
4\t1\t0\t0\t5

复议后起诉\t\t\t\t
结果维持\t结果纠正\t其他结果\t尚未审结\t总计
0\t0\t0\t1\t1
"""


def _replace_t4(text: str, new: str) -> str:
    start = text.index("四、政府信息公开行政复议、行政诉讼情况")
    end = text.index("五、存在的主要问题及改进情况")
    return text[:start] + "四、政府信息公开行政复议、行政诉讼情况\n\n" + new + "\n" + text[end:]


def test_table_four_as_three_five_column_tables() -> None:
    r = imp(_replace_t4(sample(), T4_THREE_TABLES))
    rl = r.document["review_litigation"]
    assert [rl[b]["total"] for b in ("review", "litigation_direct", "litigation_after_review")] == [3, 5, 1]
    assert (rl["review"]["other"], rl["litigation_direct"]["corrected"]) == (2, 1)
    assert not [f for f in r.findings if f.rule.startswith("FMT-TABLE")]


def test_table_four_as_one_row_a_block() -> None:
    rows = ("项目\t结果维持\t结果纠正\t其他结果\t尚未审结\t总计\n"
            "复议后起诉\t0\t0\t0\t1\t1\n行政复议\t1\t0\t2\t0\t3\n未经复议直接起诉\t4\t1\t0\t0\t5\n")
    rl = imp(_replace_t4(sample(), rows)).document["review_litigation"]
    assert [rl[b]["total"] for b in ("review", "litigation_direct", "litigation_after_review")] == [3, 5, 1]


def test_table_three_group_subheadings_and_extra_header_rows() -> None:
    text = sample().replace("\t(三) 不予公开\t1. 属于国家秘密", "\t(三) 不予公开\t\t\t\t\t\t\t\t\n\t\t1. 属于国家秘密")
    text = text.replace("(本列数据的勾稽关系为", "类别\t数据1\t数据2\t数据3\n(本列数据的勾稽关系为")
    text = text.replace("2. 重复申请\t0\t0", "2. 重复申请\t2\t0").replace(
        "一、本年新收政府信息公开申请数量\t\t0", "一、本年新收政府信息公开申请数量\t\t2")
    r = imp(text)
    assert not [f for f in r.findings if f.rule.startswith("FMT-TABLE")]
    assert r.document["requests"]["withheld_state_secret"]["natural_person"] == 0
    assert r.document["requests"]["rejected_repeated"]["natural_person"] == 2


def test_tables_after_a_narrative_with_its_own_numbering() -> None:
    """The narrative runs 一 to 六; the tables follow in an appendix numbered 一, 二 again."""
    text = sample()
    start, end = text.index("二、主动公开政府信息情况"), text.index("五、存在的主要问题及改进情况")
    tables = text[start:end].replace("二、主动公开政府信息情况", "附表一").replace(
        "三、收到和处理政府信息公开申请情况", "附表二").replace("四、政府信息公开行政复议、行政诉讼情况", "附表三")
    narrative = (text[:start] + "二、主动公开政府信息情况\n本年度主动公开情况见附表。\n"
                 "三、收到和处理政府信息公开申请情况\n见附表。\n四、政府信息公开行政复议、行政诉讼情况\n见附表。\n"
                 + text[end:])
    r = imp(narrative + "\n" + tables)
    assert not [f for f in r.findings if f.rule.startswith("FMT-TABLE")]
    assert r.document["requests"]["total_processed"]["total"] == 0
    assert r.document["source"]["sections"] == ["一", "二", "三", "四", "五", "六"]


# ---------------------------------------------------------------- 五, 六 and the overview


@pytest.mark.parametrize("sentence, charged, amount", [
    ("本年度未收取信息公开处理费。", False, None),
    ("2024年，政府信息公开未发生收费情况。", False, None),
    ("2023年度我局未产生信息公开处理费。", False, None),
    ("2024年，无收取信息处理费情况。", False, None),
    ("严格落实《政府信息公开信息处理费管理办法》，全年收取政府信息公开信息处理费 3940 元。", True, 3940),
    ("本机关依据《政府信息公开信息处理费管理办法》收取信息处理费。全年共收取信息处理费120元。", True, 120),
    ("全年收取政府信息公开信息处理费 0 元。", False, 0),
])
def test_fee_sentences(sentence: str, charged: bool, amount: int | None) -> None:
    assert parse_fee(sentence) == (charged, amount)
    # the checker reads the same sentence the same way
    got_charged, _amount, found = fee_statement(sentence)
    assert found and got_charged is charged


def test_no_fee_error_when_the_report_says_no_fee_was_charged(tmp_path: Path) -> None:
    text = sample().replace("本单位 2024 年度未收取政府信息公开信息处理费。", "2024年，政府信息公开未发生收费情况。")
    assert "2024年，政府信息公开未发生收费情况。" in text
    r = check_text(tmp_path, text, "孟津区小浪底镇人民政府2024年报.txt")
    assert "S6-FEE" not in [f.rule for f in r.findings]
    assert r.document["other"]["fee_charged"] is False


@pytest.mark.parametrize("section5", [
    "我局政府信息公开工作还存在不足：一是主动公开不够及时；二是解读形式单一。"
    "针对上述问题，一是加强信息发布审核，二是丰富解读形式。",
    "我局政府信息公开工作还存在不足，主要是主动公开不够及时。\n下一步，将加强信息发布审核。",
])
def test_improvements_in_ordinary_wording(tmp_path: Path, section5: str) -> None:
    text = sample()
    start, end = text.index("五、存在的主要问题及改进情况"), text.index("六、其他需要报告的事项")
    text = text[:start] + "五、存在的主要问题及改进情况\n" + section5 + "\n\n" + text[end:]
    r = check_text(tmp_path, text, "孟津区小浪底镇人民政府2024年报.txt")
    assert "S5-IMPROVE" not in [f.rule for f in r.findings]
    assert r.document["problems"]["improvements"].startswith(("针对上述问题", "下一步"))
    assert "针对" not in r.document["problems"]["problems"] and "下一步" not in r.document["problems"]["problems"]


def test_problems_only_still_gets_s5_improve(tmp_path: Path) -> None:
    text = sample()
    start, end = text.index("五、存在的主要问题及改进情况"), text.index("六、其他需要报告的事项")
    text = text[:start] + "五、存在的主要问题及改进情况\n主动公开不够及时，解读形式单一。\n\n" + text[end:]
    r = check_text(tmp_path, text, "孟津区小浪底镇人民政府2024年报.txt")
    assert "S5-IMPROVE" in [f.rule for f in r.findings]


def test_supervision_heading_with_guanli_is_supervision() -> None:
    text = sample().replace("（四）监督保障方面", "（四）常态化开展监督管理")
    d = imp(text).document
    assert d["overview"]["supervision"].startswith("2024 年，小浪底镇对所有拟公开信息制定了严格流程")
    assert d["overview"]["management"] is None


def test_page_furniture_is_dropped() -> None:
    text = sample().replace("二、主动公开政府信息情况", "— 7 —\n二、主动公开政府信息情况")
    text = text.replace("六、其他需要报告的事项", "-8-\n附件下载：\n六、其他需要报告的事项")
    d = imp(text).document
    for furniture in ("— 7 —", "-8-", "附件下载"):
        assert furniture not in d["source"]["fulltext"]
        assert furniture not in "".join(d["source"]["bodies"].values())


# ---------------------------------------------------------------- findings a reviewer can trust


def test_unread_table_is_one_finding_and_never_cell_blank(tmp_path: Path) -> None:
    text = sample()
    start, end = text.index("三、收到和处理政府信息公开申请情况"), text.index("四、政府信息公开行政复议、行政诉讼情况")
    text = text[:start] + "三、收到和处理政府信息公开申请情况\n（表格为图片，见附件）\n\n" + text[end:]
    r = check_text(tmp_path, text, "孟津区小浪底镇人民政府2024年报.txt")
    unread = [f for f in r.findings if f.rule == "FMT-TABLE-UNREAD"]
    assert len(unread) == 1 and unread[0].location == "表三"
    assert not any(f.rule in ("CELL-BLANK", "CELL-BLANK-PUBLISHED") for f in r.findings)
    assert not any("请填0" in f.message + f.hint for f in r.findings)
    # the three table 三 rules: one not-assessable finding each, naming the range, pointing at the unread table
    na = [f for f in r.findings if f.outcome == "not_assessable"]
    assert sorted(f.rule for f in na) == ["T3-BALANCE", "T3-RESULT-SUM", "T3-ROW-TOTAL"]
    assert all("未能从原文读取" in f.message for f in na)
    assert any("共25处" in f.message or "25处" in (f.location or "") for f in na)


def test_blank_column_of_a_published_table_is_one_warning_and_sums_read_it_as_zero(tmp_path: Path) -> None:
    # the 科研机构 column left blank in every row of table 三 (the numbers elsewhere are 0)
    lines = []
    blanked = 0
    for ln in sample().splitlines():
        cells = ln.split("\t")
        if len(cells) >= 9 and cells[-2] == "0" and ("申请" in ln or "结果" in ln or "公开" in ln or "提供" in ln
                                                    or "处理" in ln or "总计" in ln or "办理" in ln or "信息" in ln
                                                    or "其他" in ln or "案卷" in ln or "事项" in ln or "不明确" in ln
                                                    or "出版物" in ln or "制作" in ln or "权益" in ln):
            values_at = [i for i, c in enumerate(cells) if c == "0"]
            if len(values_at) == 7:
                cells[values_at[2]] = ""
                blanked += 1
        lines.append("\t".join(cells))
    text = "\n".join(lines)
    r = check_text(tmp_path, text, "孟津区小浪底镇人民政府2024年报.txt")
    blank = [f for f in r.findings if f.rule == "CELL-BLANK-PUBLISHED"]
    assert len(blank) == 1 and blank[0].severity == "warning"
    assert blanked >= 20
    assert f"{blanked}个单元格空白" in blank[0].message and "按0计算" in blank[0].message
    assert f"“科研机构”列的{blanked}格" in blank[0].message  # the range named, not every cell
    assert not any(f.rule == "CELL-BLANK" for f in r.findings)
    # every sum over those cells was assessed (blank as 0), so nothing is left not assessable
    assert [f for f in r.findings if f.outcome == "not_assessable"] == []
    assert r.status == "warn"


def test_blank_cell_in_a_failing_sum_says_it_was_read_as_zero(tmp_path: Path) -> None:
    text = sample().replace("一、本年新收政府信息公开申请数量\t\t0\t0\t0", "一、本年新收政府信息公开申请数量\t\t0\t5\t")
    r = check_text(tmp_path, text, "孟津区小浪底镇人民政府2024年报.txt")
    sums = [f for f in r.findings if f.rule in ("T3-ROW-TOTAL", "T3-BALANCE") and f.outcome == "fail"]
    assert sums and any("空白格按0计算" in f.message for f in sums)


def test_repeated_rule_findings_are_grouped_with_range_and_count(tmp_path: Path) -> None:
    text = sample()
    for row in ("(一) 予以公开", "1. 属于国家秘密", "2. 其他法律行政法规禁止公开", "3. 危及“三安全一稳定”"):
        text = text.replace(f"{row}\t0\t0\t0\t0\t0\t0\t0", f"{row}\t1\t0\t0\t0\t0\t0\t0")
    r = check_text(tmp_path, text, "孟津区小浪底镇人民政府2024年报.txt")
    row_total = [f for f in r.findings if f.rule == "T3-ROW-TOTAL"]
    assert len(row_total) == 1
    f = row_total[0]
    assert f.message.startswith("共4处：") and "等4处" in (f.location or "")
    assert "（一）予以公开" in f.message and "危及" in f.message


def test_notes_in_a_folder_are_skipped_by_content(tmp_path: Path) -> None:
    (tmp_path / "说明.md").write_text("# 报送说明\n\n请各单位于1月31日前报送年度报告。\n", encoding="utf-8")
    (tmp_path / "名单.csv").write_text("单位,联系人\n青山乡人民政府,张三\n", encoding="utf-8")
    (tmp_path / "孟津区小浪底镇人民政府2024年报.txt").write_text(sample(), encoding="utf-8")
    run = check_paths([tmp_path])
    by_name = {Path(f.path).name: f for f in run.files}
    for name in ("说明.md", "名单.csv"):
        assert by_name[name].status == "skipped"
        assert "不是政府信息公开工作年度报告" in by_name[name].findings[0].message
    assert by_name["孟津区小浪底镇人民政府2024年报.txt"].status != "skipped"
