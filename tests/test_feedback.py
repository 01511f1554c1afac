"""`xxgk check --feedback DIR`: what each unit gets back, and that a feedback copy checks as the
unit's own file (the list sheet, highlights and comments are not tampering; anything more is)."""

from __future__ import annotations

import hashlib
import io
import json
import re
import zipfile
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from docx import Document
from openxml_audit import OpenXmlValidator

from test_check_integration import filled
from xxgk.check.run import check_file, check_paths
from xxgk.cli import main
from xxgk.generate.fill import set_cells, sheet_parts, zip_members
from xxgk.report.feedback import write_feedback
from xxgk.report.feedback_xlsx import FEEDBACK_HEADER, FEEDBACK_SHEET, FILL_ERROR, FILL_WARNING, annotate_workbook
from xxgk.report.model import FileResult, RunResult, finding

T3 = "三、收到和处理政府信息公开申请情况"
T6 = "六、其他需要报告的事项"
SAMPLE_TXT = next((Path(__file__).resolve().parents[1] / "samples" / "published").glob("*.txt"))
VALIDATOR = OpenXmlValidator(max_errors=1000)

# 商业企业 granted 70 instead of 73: T3-BALANCE at E30 and J30 (errors); 自然人 granted typed as text:
# CELL-TEXT-NUMBER at D8 (an error: SUM ignores it); no 信息处理费 choice: S6-FEE at 六!B3 (error).
DEFECTS = {"requests.granted.commercial": 70, "requests.granted.natural_person": "3440",
           "other.fee_charged": None}


def failing_workbook(tmp: Path) -> Path:
    return filled(tmp, 2024, "in/宿迁市2024.xlsx", DEFECTS)


def fails(r: FileResult) -> list[tuple[str, str | None, str | None]]:
    return sorted((f.rule, f.sheet, f.cell) for f in r.findings if f.outcome == "fail")


def sha(p: Path) -> str:
    return hashlib.sha256(p.read_bytes()).hexdigest()


def audit_errors(p: Path) -> int:
    return VALIDATOR.validate(str(p)).error_count


def feedback_of(src: Path, out: Path) -> Path:
    run = check_paths([src], jobs=1)
    res = write_feedback(run, out)
    assert len(res.files) == 1
    return res.files[0].path


def test_failing_workbook_gets_an_annotated_copy_and_the_input_is_untouched(tmp_path: Path) -> None:
    src = failing_workbook(tmp_path)
    before = sha(src)
    original = check_file(src)
    assert fails(original) == [("CELL-TEXT-NUMBER", T3, "D8"), ("S6-FEE", T6, "B3"), ("T3-BALANCE", T3, "E30"),
                               ("T3-BALANCE", T3, "J30")]
    copy = feedback_of(src, tmp_path / "fb")
    assert sha(src) == before
    assert copy.name == "321300_宿迁市人民政府_2024年度检查反馈.xlsx"

    wb = openpyxl.load_workbook(copy)
    assert wb.sheetnames[0] == FEEDBACK_SHEET
    assert wb.active.title == FEEDBACK_SHEET  # the unit sees the list first
    ws = wb[FEEDBACK_SHEET]
    assert [c.value for c in ws[3]] == list(FEEDBACK_HEADER)
    rows = [[c.value for c in r] for r in ws.iter_rows(min_row=4)]
    assert sorted((r[1], r[3]) for r in rows) == [("CELL-TEXT-NUMBER", "第三部分 D8"), ("S6-FEE", "第六部分 B3"),
                                                  ("T3-BALANCE", "第三部分 E30"), ("T3-BALANCE", "第三部分 J30")]
    by_rule = {r[1]: r for r in rows}
    assert "信息处理费" in by_rule["S6-FEE"][4] and by_rule["S6-FEE"][5]  # message and fix hint
    links = {c.coordinate: c.hyperlink.location for r in ws.iter_rows(min_row=4) for c in r if c.hyperlink}
    assert sorted(links.values()) == [f"'{T3}'!D8", f"'{T3}'!E30", f"'{T3}'!J30", f"'{T6}'!B3"]

    orig = openpyxl.load_workbook(src)
    for sheet, cell, colour in ((T3, "E30", FILL_ERROR), (T3, "D8", FILL_ERROR), (T6, "B3", FILL_ERROR)):
        c = wb[sheet][cell]
        assert c.fill.fgColor.rgb == colour
        assert c.protection.locked == orig[sheet][cell].protection.locked  # an input stays an input
        assert c.value == orig[sheet][cell].value
        assert c.comment is not None and "修改" in c.comment.text
    assert "本年新收+上年结转" in wb[T3]["E30"].comment.text
    assert wb[T3]["D9"].comment is None and wb[T3]["D9"].fill.fgColor.rgb != FILL_ERROR

    # every part we had no reason to touch keeps its bytes
    a, b = zip_members(src.read_bytes()), zip_members(copy.read_bytes())
    parts = sheet_parts(a)
    touched = {"[Content_Types].xml", "xl/workbook.xml", "xl/_rels/workbook.xml.rels", "xl/styles.xml",
               parts[T3], parts[T6]}
    touched |= {p for p in parts.values() if re.search(rb'tabSelected="(1|true)"', a[p])}
    assert set(a) <= set(b)
    assert [n for n in a if n not in touched and a[n] != b[n]] == []
    assert parts["四、政府信息公开行政复议、行政诉讼情况"] not in touched

    # the copy, untouched, checks exactly as the original: no TAMPER-* for the list, colours or comments
    again = check_file(copy)
    assert fails(again) == fails(original)
    assert again.status == original.status == "fail"
    # and it is no less valid than the unit's file
    assert audit_errors(copy) <= audit_errors(src) == 0


def _edit(data: bytes, part: str, fn) -> bytes:
    members = zip_members(data)
    text = members[part].decode("utf-8")
    new = fn(text)
    assert new != text
    members[part] = new.encode("utf-8")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for n, v in members.items():
            z.writestr(n, v)
    return out.getvalue()


def _list_part(data: bytes) -> str:
    return sheet_parts(zip_members(data))[FEEDBACK_SHEET]


@pytest.mark.parametrize("case", ["extra column", "number", "not a rule id", "formula", "not first",
                                  "header changed"])
def test_a_list_sheet_that_is_more_than_the_list_is_an_extra_sheet(tmp_path: Path, case: str) -> None:
    src = failing_workbook(tmp_path)
    data = feedback_of(src, tmp_path / "fb").read_bytes()
    part = _list_part(data)
    end4 = '</row><row r="5"'
    if case == "extra column":  # figures parked beside the list
        data = _edit(data, part, lambda t: t.replace(end4, '<c r="G4"><v>3440</v></c>' + end4, 1))
    elif case == "number":  # a figure inside the list's own columns
        data = _edit(data, part, lambda t: t.replace(end4, '<c r="F4"><v>3440</v></c>' + end4, 1))
    elif case == "not a rule id":
        b4 = r'(<c r="B4"[^>]*><is><t[^>]*>)[^<]*'
        data = _edit(data, part, lambda t: re.sub(b4, r"\g<1>自然人 3440", t, count=1))
    elif case == "formula":
        data = _edit(data, part, lambda t: t.replace(end4, '<c r="F4"><f>1+1</f><v>2</v></c>' + end4, 1))
    elif case == "not first":
        def move(t: str) -> str:
            m = re.search(r'<sheet name="问题清单"[^>]*/>', t)
            assert m
            t = t.replace(m.group(0), "")
            return t.replace("</sheets>", m.group(0) + "</sheets>")
        data = _edit(data, "xl/workbook.xml", move)
    else:
        data = _edit(data, part, lambda t: t.replace("修改建议", "备注", 1))
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(data)
    r = check_file(bad)
    assert ("TAMPER-SHEET-EXTRA", FEEDBACK_SHEET, None) in fails(r)
    assert r.status == "fail"


def test_a_warning_is_marked_in_the_warning_colour(tmp_path: Path) -> None:
    """A workbook whose only problem is a warning (one topic of 一 left empty) still gets a copy;
    the cell is marked yellow, not red, and its note says what to add."""
    src = filled(tmp_path, 2024, "in/宿迁市2024.xlsx", {"overview.platform": ""})
    assert fails(check_file(src)) == [("FMT-OVERVIEW-5", "一、总体情况", "B7")]
    wb = openpyxl.load_workbook(feedback_of(src, tmp_path / "fb"))
    cell = wb["一、总体情况"]["B7"]
    assert cell.fill.fgColor.rgb == FILL_WARNING != FILL_ERROR
    assert cell.comment is not None and "政府信息公开平台建设" in cell.comment.text


def test_a_copy_of_a_copy_replaces_the_list_comments_and_colours(tmp_path: Path) -> None:
    """The unit fixed the balance in its feedback copy and sent it back with the fee still missing:
    the next copy lists only what is left, and the cells it fixed are no longer coloured."""
    src = failing_workbook(tmp_path)
    first = feedback_of(src, tmp_path / "fb1")
    returned = tmp_path / "back" / "宿迁市2024.xlsx"
    returned.parent.mkdir()
    returned.write_bytes(set_cells(first.read_bytes(), {T3: {"E8": 73}}))
    second = feedback_of(returned, tmp_path / "fb2")
    left = [("CELL-TEXT-NUMBER", T3, "D8"), ("S6-FEE", T6, "B3")]
    assert fails(check_file(second)) == fails(check_file(returned)) == left
    wb, orig = openpyxl.load_workbook(second), openpyxl.load_workbook(src)
    assert wb.sheetnames.count(FEEDBACK_SHEET) == 1 and wb.sheetnames[0] == FEEDBACK_SHEET
    assert [r[1].value for r in wb[FEEDBACK_SHEET].iter_rows(min_row=4)] == ["CELL-TEXT-NUMBER", "S6-FEE"]
    comments = [c.coordinate for ws in wb for row in ws.iter_rows() for c in row if c.comment]
    assert sorted(comments) == ["B3", "D8"]
    for cell in ("E30", "J30"):  # fixed: back to the workbook's own look
        assert wb[T3][cell].fill.fgColor.rgb == orig[T3][cell].fill.fgColor.rgb != FILL_ERROR
        assert wb[T3][cell].protection.locked == orig[T3][cell].protection.locked
    assert wb[T3]["D8"].fill.fgColor.rgb == FILL_ERROR and wb[T6]["B3"].fill.fgColor.rgb == FILL_ERROR
    z = zipfile.ZipFile(second)
    for name in z.namelist():
        if name.endswith(".vml"):  # one note box per comment, none left over from the first round
            comments_part = name.replace("drawings/vmlDrawing", "comments").replace(".vml", ".xml")
            assert z.read(name).count(b'ObjectType="Note"') == z.read(comments_part).count(b"<comment ")
    assert audit_errors(second) == 0


def test_sample_submissions_copies_check_as_the_originals(tmp_path: Path) -> None:
    """LibreOffice-saved samples (平乐镇 unbalanced, 孟津区财政局 numbers as text): their copies give the
    same findings and no more audit errors than the files the units sent."""
    root = Path(__file__).resolve().parents[1] / "samples" / "submissions"
    for name in ("410308104_平乐镇_2024年度报告填报表.xlsx", "410308202_孟津区财政局_2024年度报告填报表.xlsx"):
        src = root / name
        r = check_file(src)
        copy = tmp_path / name
        copy.write_bytes(annotate_workbook(src.read_bytes(), [f for f in r.findings if f.outcome == "fail"],
                                           r.unit or ""))
        assert fails(check_file(copy)) == fails(r) != []
        assert audit_errors(copy) <= audit_errors(src)


def test_unreadable_file_gets_a_note_for_notepad(tmp_path: Path) -> None:
    inp = tmp_path / "in"
    inp.mkdir()
    (inp / "城关镇.xlsx").write_bytes(b"PK\x03\x04 this is not a real zip")
    run = check_paths([inp], jobs=1)
    res = write_feedback(run, tmp_path / "fb")
    [f] = res.files
    assert f.kind == "txt" and f.path.name == "城关镇_检查反馈.txt"
    raw = f.path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw and b"\n" not in raw.replace(b"\r\n", b"")
    text = raw.decode("utf-8-sig")
    assert "城关镇.xlsx" in text and "无法读取" in text and "重新报送" in text


def test_workbook_changed_after_the_check_gets_a_note_not_a_copy(tmp_path: Path) -> None:
    src = failing_workbook(tmp_path)
    run = check_paths([src], jobs=1)
    src.write_bytes(src.read_bytes() + b"\0")  # replaced between the check and the feedback
    [f] = write_feedback(run, tmp_path / "fb").files
    assert f.kind == "txt"
    assert "检查之后被修改" in f.path.read_bytes().decode("utf-8-sig")


def test_published_report_gets_a_docx_list_that_passes_the_audit(tmp_path: Path) -> None:
    run = check_paths([SAMPLE_TXT], jobs=1)
    [f] = write_feedback(run, tmp_path / "fb").files
    assert f.kind == "docx" and f.path.name == "孟津区小浪底镇人民政府_2024年度检查反馈_文本.docx"
    doc = Document(str(f.path))
    rows = [[c.text for c in r.cells] for r in doc.tables[0].rows]
    assert rows[0][2] == "规则编号"
    assert sorted((r[2], r[4]) for r in rows[1:]) == [("FMT-OVERVIEW-5", "第一部分"), ("S5-IMPROVE", "第五部分")]
    assert "有警告" in "\n".join(p.text for p in doc.paragraphs)
    assert audit_errors(f.path) == 0


def test_missing_unit_and_odd_names_get_their_own_safe_files(tmp_path: Path) -> None:
    bad = finding("S5-PRESENT", location="第五部分")
    doc = {"unit": {"name": 'A:B*"C"', "code": ""}, "year": 2024}
    files = [FileResult(path=str(tmp_path / f"x{i}.txt"), kind="text", unit='A:B*"C"', findings=[bad],
                        document=doc) for i in range(2)]
    run = RunResult(files=files, roster_missing=[{"name": "会盟镇会盟村", "code": "410308103001"}], year=2024)
    res = write_feedback(run, tmp_path / "fb")
    names = [f.path.name for f in res.files]
    assert names == ["A_B__C__2024年度检查反馈_文本.docx", "A_B__C__2024年度检查反馈_文本_2.docx",
                     "410308103001_会盟镇会盟村_2024年度检查反馈.txt"]
    assert "没有收到" in res.files[2].path.read_bytes().decode("utf-8-sig")


def test_cli_refuses_a_feedback_folder_inside_the_inputs(tmp_path: Path) -> None:
    src = failing_workbook(tmp_path)
    inp = src.parent
    runner = CliRunner()
    for target in (inp, src):
        r = runner.invoke(main, ["check", str(inp), "--out", str(tmp_path / "s"), "--jobs", "1",
                                 "--feedback", str(target)])
        assert r.exit_code == 2 and "--feedback" in r.output, r.output
    (inp / "old").mkdir()
    (inp / "old" / "x.txt").write_text("x", encoding="utf-8")
    r = runner.invoke(main, ["check", str(inp), "--out", str(tmp_path / "s"), "--jobs", "1",
                             "--feedback", str(inp / "old")])
    assert r.exit_code == 2 and "不是空的" in r.output
    (tmp_path / "a-file").write_text("x", encoding="utf-8")
    for target, words in ((tmp_path / "a-file", "是一个文件"), (tmp_path / "a-file" / "sub", "无法创建")):
        r = runner.invoke(main, ["check", str(inp), "--out", str(tmp_path / "s"), "--jobs", "1",
                                 "--feedback", str(target)])
        assert r.exit_code == 2 and words in r.output, r.output
    assert sorted(p.name for p in inp.rglob("*")) == ["old", "x.txt", "宿迁市2024.xlsx"]  # nothing written


COPY_NAME = "321300_宿迁市人民政府_2024年度检查反馈.xlsx"


def test_cli_writes_feedback_and_says_where_last(tmp_path: Path) -> None:
    src = failing_workbook(tmp_path)
    filled(tmp_path, 2024, "in/宿迁市2024-ok.xlsx", {})  # a passing unit gets nothing
    dedicated = src.parent / "反馈"  # an empty dedicated subfolder is allowed
    r = CliRunner().invoke(main, ["check", str(src.parent), "--out", str(tmp_path / "s"), "--jobs", "1",
                                  "--feedback", str(dedicated)])
    assert r.exit_code == 1, r.output
    last = r.output.strip().splitlines()[-1]
    assert str(dedicated) in last and "标注副本1份" in last
    assert sorted(p.name for p in dedicated.iterdir()) == [".xxgk-output", COPY_NAME]
    # the next round over the same folder, feedback folder and all: the copies are not read as submissions
    r = CliRunner().invoke(main, ["check", str(src.parent), "--out", str(tmp_path / "s"), "--jobs", "1",
                                  "--feedback", str(dedicated)])
    assert r.exit_code == 1 and "已跳过1" in r.output, r.output
    paths = [f["path"] for f in json.loads((tmp_path / "s" / "summary.json").read_text(encoding="utf-8"))["files"]]
    assert len(paths) == 3 and not [p for p in paths if "检查反馈" in p], paths
    assert sorted(p.name for p in dedicated.iterdir()) == [".xxgk-output", COPY_NAME]
    # round 3: the failing file withdrawn, the unit passes: its old feedback copy is not left to be sent
    src.unlink()
    r = CliRunner().invoke(main, ["check", str(src.parent), "--out", str(tmp_path / "s"), "--jobs", "1",
                                  "--feedback", str(dedicated)])
    assert r.exit_code == 0 and "上次留下的1份" in r.output, r.output
    assert [p.name for p in dedicated.iterdir()] == [".xxgk-output"]

