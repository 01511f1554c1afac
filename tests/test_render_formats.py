"""What the rendered report looks like in each format: the national layout, merged headers, texts."""

from __future__ import annotations

import json
import re
import zipfile
from io import BytesIO
from pathlib import Path
from types import SimpleNamespace

import pytest

from xxgk.document import set_path
from xxgk.importers import import_file
from xxgk.render import RenderError, RenderRefused, render_document, render_file

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "samples" / "published" / "孟津区小浪底镇人民政府2024年政府信息公开工作年度报告.txt"


@pytest.fixture
def doc() -> dict:
    d = import_file(SAMPLE).document
    d.pop("source")
    return d


def html_of(doc: dict) -> str:
    return render_document(doc, "html").decode("utf-8")


def test_html_has_the_official_merged_headers(doc: dict) -> None:
    h = html_of(doc)
    assert "<h1>孟津区小浪底镇人民政府2024年政府信息公开工作年度报告</h1>" in h
    for heading in ("一、总体情况", "二、主动公开政府信息情况", "三、收到和处理政府信息公开申请情况",
                    "四、政府信息公开行政复议、行政诉讼情况", "五、存在的主要问题及改进情况", "六、其他需要报告的事项"):
        assert f"<h2>{heading}</h2>" in h
    corner = "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"
    assert re.search(rf'<th rowspan="3" colspan="3"[^>]*>{corner}</th>', h)
    assert re.search(r'<th colspan="7"[^>]*>申请人情况</th>', h)
    assert re.search(r'<th colspan="5"[^>]*>法人或其他组织</th>', h)
    assert re.search(r'<th rowspan="22"[^>]*>三、本年度办理结果</th>', h)
    assert re.search(r'<th rowspan="8"[^>]*>（三）不予公开</th>', h)
    assert re.search(r'<th colspan="3"[^>]*>本年收费金额（单位：万元）</th>', h)
    assert re.search(r'<th colspan="4"[^>]*>第二十条第（八）项</th>', h)
    assert re.search(r'<th colspan="10"[^>]*>行政诉讼</th>', h)
    assert h.count('<td class="num">0</td>') == 175 + 10 + 15 - 4  # B7/B10/B11/B14 are merged cells
    assert h.count('<td colspan="3" class="num">0</td>') == 4
    assert not re.search(r'\s(src|href)=', h)  # self-contained


def test_overview_subheadings_only_for_written_topics(doc: dict) -> None:
    h = html_of(doc)
    assert [m for m in re.findall(r"<h3>(.*?)</h3>", h)] == [
        "（一）主动公开", "（二）依申请公开", "（三）政府信息公开平台建设", "（四）监督保障"]
    intro = h.index("政务公开，不仅是推动依法行政")
    assert h.index("<h2>一、总体情况</h2>") < intro < h.index("<h3>（一）主动公开</h3>")


def test_problems_subheadings_and_fee_sentence(doc: dict) -> None:
    set_path(doc, "other.text", None)
    h = html_of(doc)
    assert "<h3>（一）存在的主要问题</h3>" not in h  # problems only: no sub-heading
    assert "<p>本年度未收取政府信息公开信息处理费。</p>" in h
    set_path(doc, "problems.improvements", "下一步将组织专题培训。")
    set_path(doc, "other.fee_charged", True)
    set_path(doc, "other.fee_amount_yuan", 300)
    set_path(doc, "other.text", "本年度无其他需要报告的事项。")
    h = html_of(doc)
    assert h.index("<h3>（一）存在的主要问题</h3>") < h.index("<h3>（二）改进情况</h3>") < h.index("专题培训")
    assert "<p>本年度收取政府信息公开信息处理费共计300元。</p>" in h
    set_path(doc, "other.text", "本单位2024年度未收取政府信息公开信息处理费。")
    set_path(doc, "other.fee_charged", False)
    h = html_of(doc)
    assert h.count("信息处理费") == 1  # the text already says it: no generated sentence


def test_text_is_escaped_and_blank_differs_from_placeholder(doc: dict) -> None:
    set_path(doc, "overview.intro", "<script>alert(1)</script> & “引号”")
    set_path(doc, "requests.granted.research", None)
    set_path(doc, "proactive.punishment", "/")
    h = html_of(doc)
    assert "<script>alert" not in h and "&lt;script&gt;alert(1)&lt;/script&gt; &amp; “引号”" in h
    assert '<td colspan="3" class="num">/</td>' in h
    md = render_document(doc, "md").decode("utf-8")
    row = next(ln for ln in md.splitlines() if "（一）予以公开" in ln)
    assert row.split("|")[4].strip() == ""  # 科研机构 left empty
    assert "| 行政处罚 | / |" in md


def test_markdown_pipe_tables(doc: dict) -> None:
    md = render_document(doc, "md").decode("utf-8")
    lines = md.splitlines()
    assert lines[0] == "# 孟津区小浪底镇人民政府2024年政府信息公开工作年度报告"
    assert "## 三、收到和处理政府信息公开申请情况" in lines
    t3 = [ln for ln in lines if ln.startswith("| ") and ln.count("|") == 9]
    assert len(t3) == 2 + 25
    assert t3[0].startswith("| （本列数据的勾稽关系为") and "法人或其他组织：商业企业" in t3[0]
    assert "| （六）其他处理 3\\.其他 | 0 |" in md  # Markdown punctuation escaped
    t4 = [ln for ln in lines if ln.count("|") == 16]
    assert len(t4) == 3 and "行政诉讼（复议后起诉）：总计" in t4[0]


def test_docx_layout(doc: dict) -> None:
    data = render_document(doc, "docx")
    with zipfile.ZipFile(BytesIO(data)) as z:
        xml = z.read("word/document.xml").decode("utf-8")
        styles = z.read("word/styles.xml").decode("utf-8")
        names = z.namelist()
        footer = "".join(z.read(n).decode("utf-8") for n in names if n.startswith("word/footer"))
    assert 'w:eastAsia="仿宋"' in styles and 'w:eastAsia="黑体"' in styles
    assert "word/stylesWithEffects.xml" not in names  # it no longer matched styles.xml
    # portrait A4, then tables 三 and 四 in a landscape A4 section, then portrait again
    sizes = re.findall(r'<w:pgSz w:w="(\d+)" w:h="(\d+)"(?: w:orient="(\w+)")?', xml)
    assert [(w, h) for w, h, _ in sizes] == [("11906", "16838"), ("16838", "11906"), ("11906", "16838")]
    assert xml.count("<w:tbl>") == 3
    assert 'w:gridSpan w:val="7"' in xml and 'w:gridSpan w:val="3"' in xml and 'w:gridSpan w:val="10"' in xml
    assert xml.count('<w:vMerge w:val="restart"/>') >= 8
    assert "本年收费金额（单位：万元）" in xml
    # real heading styles: Word's navigation pane lists 一…六 and the overview's sub-headings
    assert xml.count('<w:pStyle w:val="Title"/>') == 1
    assert xml.count('<w:pStyle w:val="Heading1"/>') == 6
    assert xml.count('<w:pStyle w:val="Heading2"/>') == 4
    # table cells at 10.5 pt (sz is in half-points), none smaller
    assert set(re.findall(r'<w:sz w:val="(\d+)"/>', xml)) == {"21"}
    assert 'w:instrText xml:space="preserve"> PAGE <' in footer  # page numbers
    assert "未通过检查" not in xml


def test_render_file_from_json_and_errors(tmp_path: Path, doc: dict) -> None:
    src = tmp_path / "report.json"
    src.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    for suffix in (".docx", ".html", ".md"):
        out = tmp_path / f"out{suffix}"
        render_file(src, out)
        assert out.stat().st_size > 1000
    with pytest.raises(RenderError, match="不支持的输出格式"):
        render_file(src, tmp_path / "out.pdf")
    bad = tmp_path / "bad.json"
    bad.write_text("{", encoding="utf-8")
    with pytest.raises(RenderError, match="不是有效的JSON（第1行第2列"):
        render_file(bad, tmp_path / "o.html")
    set_path(doc, "unit.name", None)
    with pytest.raises(RenderError, match="单位名称"):
        render_document(doc, "html")


SUBMISSIONS = ROOT / "samples" / "submissions"


def test_render_refuses_a_failing_workbook_unless_forced(tmp_path: Path) -> None:
    book = SUBMISSIONS / "410308104_平乐镇_2024年度报告填报表.xlsx"
    out = tmp_path / "平乐镇.docx"
    with pytest.raises(RenderRefused) as e:
        render_file(book, out)
    assert [f.rule for f in e.value.errors] == ["T3-BALANCE", "T3-BALANCE"]
    assert "D30" in str(e.value) and "--force" in str(e.value)
    assert not out.exists()
    for suffix in (".docx", ".html", ".md"):
        out = tmp_path / f"平乐镇{suffix}"
        result = render_file(book, out, force=True)
        assert result.stamped
        data = out.read_bytes()
        text = zipfile.ZipFile(BytesIO(data)).read("word/document.xml").decode() if suffix == ".docx" else data.decode()
        assert "未通过检查" in text, suffix


def test_title_uses_the_full_organ_name(tmp_path: Path) -> None:
    for stem, title in (("410308101_小浪底镇", "孟津区小浪底镇人民政府2024年政府信息公开工作年度报告"),
                        ("410308001_河阳街道", "孟津区河阳街道办事处2024年政府信息公开工作年度报告"),
                        ("410308201_孟津区教育局", "孟津区教育局2024年政府信息公开工作年度报告")):
        out = tmp_path / f"{stem}.html"
        result = render_file(SUBMISSIONS / f"{stem}_2024年度报告填报表.xlsx", out)
        assert not result.stamped
        assert f"<h1>{title}</h1>" in out.read_text(encoding="utf-8")


def test_roster_full_name_reaches_the_cover_and_the_report_title(tmp_path: Path) -> None:
    """单位全称 from the roster is written into the workbook (cover title and hidden sheet) and the
    report rendered from the filled workbook is titled with it."""
    from hostile.corpus import FORM, TEXTS
    from xxgk.generate.fill import fill_document
    from xxgk.generate.roster import read_roster
    from xxgk.generate.workbook import build_workbook

    roster = tmp_path / "名单.csv"
    roster.write_text("单位名称,单位代码,单位层级,上级单位,单位全称\n"
                      "小浪底镇,410308101,乡镇,孟津区人民政府,洛阳市孟津区小浪底镇人民政府\n", encoding="utf-8")
    [unit] = read_roster(roster)
    book = tmp_path / "小浪底镇.xlsx"
    book.write_bytes(fill_document(build_workbook(FORM, unit, 2024), FORM, TEXTS))
    import openpyxl

    title = "洛阳市孟津区小浪底镇人民政府2024年政府信息公开工作年度报告"
    assert openpyxl.load_workbook(book).worksheets[0]["A1"].value == title
    render_file(book, tmp_path / "r.html")
    assert f"<h1>{title}</h1>" in (tmp_path / "r.html").read_text(encoding="utf-8")


def test_render_file_from_unreadable_workbook(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import xxgk.check.load as load

    book = tmp_path / "小浪底镇.xlsx"
    book.write_bytes(b"PK")
    error = SimpleNamespace(severity="error", message="工作表“三、收到和处理政府信息公开申请情况”缺失")
    monkeypatch.setattr(load, "read_file", lambda p: SimpleNamespace(document=None, findings=[error]))
    with pytest.raises(RenderError, match="工作表“三、收到和处理政府信息公开申请情况”缺失"):
        render_file(book, tmp_path / "o.html")


def test_markdown_keeps_no_html_tag(tmp_path: Path, doc: dict) -> None:
    set_path(doc, "overview.intro", '<img src=x onerror="alert(1)"> 与 <script>alert(2)</script>')
    set_path(doc, "problems.problems", "[点此](javascript:alert(3)) *强调* `代码`")
    md = render_document(doc, "md").decode("utf-8")
    assert not re.search(r"<\s*[a-zA-Z/!]", md), "an HTML tag survived"
    assert r'&lt;img src=x onerror="alert\(1\)"&gt;' in md
    assert r"\[点此\]\(javascript:alert\(3\)\)" in md  # no link is formed
    # and it still reads back as the same text
    from xxgk.importers.text import md_unescape
    assert md_unescape(r'&lt;img src=x onerror="alert\(1\)"&gt;') == '<img src=x onerror="alert(1)">'


def test_odd_documents_give_a_clear_error(tmp_path: Path) -> None:
    deep = tmp_path / "deep.json"
    deep.write_text('{"a":' * 20000 + "1" + "}" * 20000, encoding="utf-8")
    big = tmp_path / "big.json"
    big.write_text('{"unit": {"name": "某镇"}, "year": ' + "9" * 5000 + "}", encoding="utf-8")
    for src, words in ((deep, "JSON嵌套过深"), (big, "字段 year是一个5000位的数字")):
        with pytest.raises(RenderError, match=words):  # the field named, in Chinese
            render_file(src, tmp_path / "o.html")
