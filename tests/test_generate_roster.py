"""Rosters (CSV in three encodings, XLSX), bad rosters, and file names that work on Windows."""

from __future__ import annotations

import re
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from xxgk.cli import main as cli
from xxgk.generate import workbook as workbook_module
from xxgk.generate.roster import RosterError, Unit, infer_level, read_roster, safe_filename, unique_filenames
from xxgk.generate.workbook import generate_roster

ROOT = Path(__file__).resolve().parents[1]

ROSTER_TEXT = (
    "单位名称,单位代码,单位层级,上级单位\n"
    "小浪底镇,410308101,乡镇,孟津区人民政府\n"
    "河阳街道,410308001,街道办事处,孟津区人民政府\n"
    "孟津区教育局,410308201,县直部门,孟津区人民政府\n"
    "城关镇东关社区,410308102001,社区,城关镇\n"
)
EXPECTED = [
    Unit("小浪底镇", "410308101", "乡镇", "孟津区人民政府"),
    Unit("河阳街道", "410308001", "街道", "孟津区人民政府"),
    Unit("孟津区教育局", "410308201", "县级部门", "孟津区人民政府"),
    Unit("城关镇东关社区", "410308102001", "村社区", "城关镇"),
]
WINDOWS_FORBIDDEN = re.compile(r'[\\/:*?"<>|\x00-\x1f]')
WINDOWS_RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(1, 10)), *(f"LPT{i}" for i in range(1, 10))}


def windows_safe(name: str) -> bool:
    stem = name.split(".")[0]
    return (not WINDOWS_FORBIDDEN.search(name) and not name.endswith((".", " "))
            and stem.upper() not in WINDOWS_RESERVED and len(name) <= 255 and len(name.encode("utf-8")) <= 255)


# ---------------------------------------------------------------- encodings and formats


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_csv_in_each_encoding_reads_the_same_units(tmp_path, encoding):
    path = tmp_path / "名单.csv"
    path.write_bytes(ROSTER_TEXT.replace("\n", "\r\n").encode(encoding))
    assert read_roster(path) == EXPECTED


def test_gb18030_roster_through_the_cli(tmp_path):
    path = tmp_path / "名单.csv"
    path.write_bytes(ROSTER_TEXT.encode("gb18030"))
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["generate", "--roster", str(path), "--year", "2024", "--out", str(out)])
    assert result.exit_code == 0, result.output
    cover = openpyxl.load_workbook(out / "410308102001_城关镇东关社区_2024年度报告填报表.xlsx")["填报说明"]
    assert (cover["B3"].value, cover["B5"].value, cover["B6"].value) == ("城关镇东关社区", "村社区", "城关镇")


def test_xlsx_roster_with_numeric_codes(tmp_path):
    path = tmp_path / "名单.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["单位名称", "单位代码", "单位层级", "上级单位"])
    for u in EXPECTED:
        ws.append([u.name, int(u.code), {"街道": "街道办事处"}.get(u.level, u.level), u.parent])
    ws.append([None, None, None, None])  # an empty row at the end, as Excel often leaves
    wb.save(path)
    assert read_roster(path) == [Unit(u.name, u.code, u.level, u.parent) for u in EXPECTED]


def test_columns_in_another_order_and_full_width_spaces(tmp_path):
    path = tmp_path / "名单.csv"
    path.write_text("上级单位,单位层级,单位名称,单位代码\n孟津区人民政府,镇,　小浪底镇　,410308101\n", encoding="utf-8")
    assert read_roster(path) == [EXPECTED[0]]


# ---------------------------------------------------------------- bad rosters


BAD_ROSTERS = {
    # name: (csv text, row number the message must name, words it must contain)
    "missing column": ("单位名称,单位代码,上级单位\n小浪底镇,410308101,孟津区人民政府\n", 1, ["单位层级"]),
    "duplicate unit": (ROSTER_TEXT + "小浪底镇,410308109,乡镇,孟津区人民政府\n", 6, ["小浪底镇", "重复", "第2行"]),
    "empty name": (ROSTER_TEXT.replace("河阳街道,", ",", 1), 3, ["单位名称", "为空"]),
    "unknown level": (ROSTER_TEXT.replace("县直部门", "委办局"), 4, ["委办局", "层级"]),
}


@pytest.mark.parametrize("case", list(BAD_ROSTERS))
def test_bad_roster_names_the_row(tmp_path, case):
    text, row, words = BAD_ROSTERS[case]
    path = tmp_path / "名单.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(RosterError) as exc:
        read_roster(path)
    message = str(exc.value)
    assert f"第{row}行" in message
    assert all(w in message for w in words), message


@pytest.mark.parametrize("case", list(BAD_ROSTERS))
def test_bad_roster_cli_exits_2_and_writes_nothing(tmp_path, case):
    text, row, _ = BAD_ROSTERS[case]
    work = tmp_path / "work"
    work.mkdir()
    path = work / "名单.csv"
    path.write_text(text, encoding="gb18030")
    result = CliRunner().invoke(cli, ["generate", "--roster", str(path), "--year", "2024",
                                      "--out", str(work / "填报表")])
    assert result.exit_code == 2
    assert f"第{row}行" in result.output and "未生成任何文件" in result.output
    assert [p.name for p in work.iterdir()] == ["名单.csv"]  # neither the target nor a temp folder


def test_all_problems_reported_at_once(tmp_path):
    path = tmp_path / "名单.csv"
    path.write_text(ROSTER_TEXT.replace("县直部门", "委办局") + ",1,乡镇,孟津区人民政府\n", encoding="utf-8")
    with pytest.raises(RosterError) as exc:
        read_roster(path)
    assert len(exc.value.problems) == 2 and "第4行" in str(exc.value) and "第6行" in str(exc.value)


def test_empty_roster_and_header_only(tmp_path):
    for text in ("", "单位名称,单位代码,单位层级,上级单位\n"):
        path = tmp_path / "名单.csv"
        path.write_text(text, encoding="utf-8")
        with pytest.raises(RosterError, match="名单"):
            read_roster(path)


def test_generation_failure_leaves_no_folder(tmp_path, monkeypatch):
    """If writing the 3rd workbook fails, neither the target nor a half-written temp folder remains."""
    real = workbook_module.build_workbook
    calls = {"n": 0}

    def flaky(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 3:
            raise OSError("磁盘已满")
        return real(*args, **kwargs)

    monkeypatch.setattr(workbook_module, "build_workbook", flaky)
    with pytest.raises(OSError):
        generate_roster(EXPECTED, 2024, tmp_path / "填报表", jobs=1)
    assert list(tmp_path.iterdir()) == []


def test_regenerating_into_an_existing_folder_replaces_files(tmp_path):
    out = tmp_path / "填报表"
    first = generate_roster(EXPECTED[:2], 2024, out, jobs=1)
    (out / "说明.txt").write_text("keep", encoding="utf-8")
    second = generate_roster(EXPECTED[:2], 2024, out, jobs=1)
    assert first == second
    assert sorted(p.name for p in out.iterdir()) == sorted([*(p.name for p in first), "说明.txt"])
    assert [p.name for p in tmp_path.iterdir()] == ["填报表"]


# ---------------------------------------------------------------- file names


@pytest.mark.parametrize("name", [
    'a\\b/c:d*e?f"g<h>i|j', "尾部有点.", "尾部有空格 ", "CON", "con", "LPT1", "Nul.txt", "..", "   ",
    "-开头是减号", "制表\t符", "x" * 300, "很长的单位名称" * 40,
])
def test_safe_filename_is_windows_safe(name):
    stem = safe_filename(name)
    assert stem and windows_safe(stem) and windows_safe(stem + "_2024年度报告填报表.xlsx"), stem
    assert not stem.startswith("-")


def test_unique_names_for_units_that_sanitise_alike():
    units = [Unit("城关镇/东关"), Unit("城关镇:东关"), Unit("城关镇?东关"), Unit("Abc村"), Unit("ABC村"), Unit("abc村")]
    names = unique_filenames(units, 2024)
    assert len({n.casefold() for n in names}) == len(units)
    assert all(windows_safe(n) for n in names)
    assert names[0] == "城关镇_东关_2024年度报告填报表.xlsx"


def test_roster_generation_writes_distinct_files_for_clashing_names(tmp_path):
    units = [Unit("城关镇/东关", level="村社区"), Unit("城关镇:东关", level="村社区"), Unit("Abc村", level="村社区"),
             Unit("ABC村", level="村社区")]
    written = generate_roster(units, 2024, tmp_path / "out", jobs=1)
    assert len({p.name.casefold() for p in written}) == 4
    names = {openpyxl.load_workbook(p, read_only=True)["填报说明"]["B3"].value for p in written}
    assert names == {u.name for u in units}


def test_very_long_chinese_name_can_be_written(tmp_path):
    unit = Unit("很长的单位名称" * 30, level="县级部门")
    written = generate_roster([unit], 2024, tmp_path / "out", jobs=1)
    assert written[0].exists() and len(written[0].name.encode("utf-8")) <= 255


def test_sample_roster_gives_thirteen_distinct_names():
    units = read_roster(Path(__file__).resolve().parents[1] / "samples" / "roster.csv")
    names = unique_filenames(units, 2024)
    assert len(units) == 13 and len(set(names)) == 13


# ---------------------------------------------------------------- level from the name


@pytest.mark.parametrize(("name", "level"), [
    ("小浪底镇", "乡镇"), ("马屯乡", "乡镇"), ("白鹤镇人民政府", "乡镇"), ("宝峰民族乡", "乡镇"),
    ("河阳街道", "街道"), ("康乐街道办事处", "街道"), ("东城街道办", "街道"),
    ("孟津区财政局", "县级部门"), ("孟津区卫生健康委", "县级部门"), ("孟津区人民政府办公室", "县级部门"),
    ("县发展和改革委员会", "县级部门"), ("孟津区教育局（体育局）", "县级部门"),
    ("城关镇东关社区", "村社区"), ("会盟镇会盟村", "村社区"), ("西关村委会", "村社区"),
    ("孟津区人民政府", "县级政府"), ("宜阳县人民政府", "县级政府"), ("汝阳县政府", "县级政府"),
])
def test_infer_level_from_the_name(name: str, level: str) -> None:
    assert infer_level(name) == level


@pytest.mark.parametrize("name", ["洛阳市人民政府", "孟津区融媒体中心", "河南省", "镇", "小浪底", ""])
def test_infer_level_gives_up_rather_than_guess(name: str) -> None:
    assert infer_level(name) is None


def test_cli_generate_infers_the_level_and_says_so(tmp_path: Path) -> None:
    target = tmp_path / "财政局.xlsx"
    result = CliRunner().invoke(cli, ["generate", "--unit", "孟津区财政局", "--year", "2024", "-o", str(target)])
    assert result.exit_code == 0, result.output
    assert "按单位名称推断" in result.stderr and "县级部门" in result.stderr
    assert openpyxl.load_workbook(target)["填报说明"]["B5"].value == "县级部门"


def test_cli_generate_refuses_a_name_it_cannot_place(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["generate", "--unit", "孟津区融媒体中心", "--year", "2024",
                                      "-o", str(tmp_path / "x.xlsx")])
    assert result.exit_code == 2 and "--level" in result.output and "孟津区融媒体中心" in result.output
    assert not any(tmp_path.iterdir())


def test_generate_never_overwrites_a_workbook_without_being_told(tmp_path):
    """A unit's filled workbook saved back into the blanks folder is not replaced by a blank one."""
    out = tmp_path / "填报表"
    args = ["generate", "--roster", str(ROOT / "samples" / "roster.csv"), "--year", "2024", "--out", str(out)]
    assert CliRunner().invoke(cli, args).exit_code == 0
    filled = next(out.glob("*小浪底镇*.xlsx"))
    filled.write_bytes(b"PK filled by the unit")
    again = CliRunner().invoke(cli, args)
    assert again.exit_code == 2 and "已有13个同名填报表" in again.output and "--overwrite" in again.output
    assert filled.read_bytes() == b"PK filled by the unit"
    assert CliRunner().invoke(cli, [*args, "--overwrite"]).exit_code == 0
    assert filled.read_bytes()[:2] == b"PK" and filled.stat().st_size > 1000
    single = tmp_path / "一个.xlsx"
    single.write_bytes(b"keep")
    one = ["generate", "--unit", "小浪底镇", "--level", "乡镇", "--year", "2024", "-o", str(single)]
    r = CliRunner().invoke(cli, one)
    assert r.exit_code == 2 and "已存在" in r.output and single.read_bytes() == b"keep"
    r = CliRunner().invoke(cli, ["generate", "--unit", "小浪底镇", "--level", "乡镇", "--year", "2024",
                                 "-o", str(tmp_path / "a.txt")])
    assert r.exit_code == 2 and ".xlsx" in r.output and not (tmp_path / "a.txt").exists()


@pytest.mark.parametrize("text", ["小浪底镇\u202e", "小浪底\x1b[31m镇", "镇" * 101])
def test_unit_text_that_cannot_travel_into_files_is_refused(tmp_path, text):
    roster = tmp_path / "名单.csv"
    roster.write_text(f"单位名称,单位代码,单位层级,上级单位\n{text},1,乡镇,孟津区人民政府\n", encoding="utf-8")
    r = CliRunner().invoke(cli, ["generate", "--roster", str(roster), "--year", "2024", "--out", str(tmp_path / "o")])
    assert r.exit_code == 2 and "第2行" in r.output and not (tmp_path / "o").exists()
    assert "\x1b" not in r.output and "\u202e" not in r.output
    r = CliRunner().invoke(cli, ["generate", "--unit", text, "--level", "乡镇", "--year", "2024",
                                 "-o", str(tmp_path / "x.xlsx")])
    assert r.exit_code == 2 and not (tmp_path / "x.xlsx").exists()


def test_a_roster_that_is_not_a_regular_file_is_refused(tmp_path):
    import os

    fifo = tmp_path / "名单.csv"
    os.mkfifo(fifo)  # reading it would block for ever
    r = CliRunner().invoke(cli, ["generate", "--roster", str(fifo), "--year", "2024", "--out", str(tmp_path / "o")])
    assert r.exit_code == 2 and "名单文件无法读取" in r.output
