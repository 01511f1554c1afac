"""The command line speaks Chinese, click's own framing included; render refuses failing documents;
import and check print user text with terminal escapes removed. Run as a real subprocess where the
output a person sees matters (click's CliRunner does not go through the installed entry point)."""

from __future__ import annotations

import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SUBMISSIONS = ROOT / "samples" / "submissions"
FAILING = {"平乐镇": "T3-BALANCE", "白鹤镇": "TAMPER-FORMULA", "朝阳镇": "FMT-VERSION", "康乐街道": "S6-FEE"}
# click's English framing, word by word
CLICK_WORDS = re.compile(r"\b(Usage|Options|Commands|Error|Missing|argument|required|default|Show|such|"
                         r"Try|help|Invalid|value|version|exit)\b")
SENTENCE = re.compile(r"[A-Za-z]{2,}(?:[ ,]+[A-Za-z]{2,}){2,}")  # three English words in a row


def xxgk(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "xxgk.cli", *args], capture_output=True, text=True, timeout=120,
                          cwd=cwd)


def english(text: str) -> list[str]:
    # option names, file names and paths are not sentences
    prose = re.sub(r"(--?[\w-]+|\S+\.(csv|xlsx|json|docx|html|md)\b|\S*/\S*)", " ", text)
    return CLICK_WORDS.findall(prose) + SENTENCE.findall(prose)


@pytest.mark.parametrize("args", [["--help"], ["check", "--help"], ["render", "-h"], ["generate", "--help"],
                                  ["check", "--nosuch", "x"], ["check"], ["chek"], ["generate", "--year", "1999"],
                                  ["render", "不存在.xlsx", "-o", "x.docx"], ["render", "x"]])
def test_no_english_sentences(args: list[str]) -> None:
    r = xxgk(*args)
    out = r.stdout + r.stderr
    assert "Traceback" not in out
    assert english(out) == [], out
    assert re.search(r"[\u4e00-\u9fff]", out)


def test_mistyped_option_says_what_and_suggests() -> None:
    r = xxgk("check", "--rooster", "名单.csv", "samples")
    assert r.returncode == 2
    assert "错误：没有选项 '--rooster'" in r.stderr and "--roster" in r.stderr
    assert "用法： xxgk check [选项] 路径…" in r.stderr and "运行“xxgk check --help”查看帮助。" in r.stderr


def test_help_lists_options_in_chinese_with_required_marked() -> None:
    r = xxgk("generate", "--help")
    assert "选项：" in r.stdout and "显示本帮助并退出。" in r.stdout
    assert re.search(r"--year 整数 +报告年度，如 2024  \[2021<=x<=2100; 必填\]", r.stdout)
    assert re.search(r"--out 文件夹 +输出文件夹", r.stdout)  # aligned by display width


@pytest.mark.parametrize("unit", sorted(FAILING))
def test_render_refuses_each_failing_sample(tmp_path: Path, unit: str) -> None:
    book = next(SUBMISSIONS.glob(f"*_{unit}_*.xlsx"))
    out = tmp_path / "report.docx"
    r = xxgk("render", str(book), "-o", str(out))
    assert r.returncode == 1
    assert "未通过检查" in r.stderr and f"[{FAILING[unit]}]" in r.stderr and "--force" in r.stderr
    assert not out.exists()
    r = xxgk("render", "--force", str(book), "-o", str(out))
    assert r.returncode == 0, r.stderr
    assert "未通过检查" in r.stderr  # said on the terminal too
    xml = zipfile.ZipFile(out).read("word/document.xml").decode("utf-8")
    header = "".join(zipfile.ZipFile(out).read(n).decode("utf-8") for n in zipfile.ZipFile(out).namelist()
                     if n.startswith("word/header"))
    assert "未通过检查" in xml and "未通过检查" in header  # on the first page and atop every page


def test_render_passing_sample(tmp_path: Path) -> None:
    out = tmp_path / "r.md"
    r = xxgk("render", str(next(SUBMISSIONS.glob("*_小浪底镇_*.xlsx"))), "-o", str(out))
    assert r.returncode == 0 and "已生成" in r.stdout
    assert out.read_text(encoding="utf-8").startswith("# 孟津区小浪底镇人民政府2024年政府信息公开工作年度报告")


def test_import_prints_names_without_terminal_escapes(tmp_path: Path) -> None:
    src = tmp_path / "\x1b[2J\x1b]0;title\x07报告.txt"
    published = ROOT / "samples" / "published" / "孟津区小浪底镇人民政府2024年政府信息公开工作年度报告.txt"
    src.write_text(published.read_text(encoding="utf-8").replace("小浪底镇", "小浪底镇\x1b[31m", 1),
                   encoding="utf-8")
    r = xxgk("import", str(src), "-o", str(tmp_path / "out"))
    out = r.stdout + r.stderr
    assert "\x1b" not in out and "\x07" not in out
    assert "报告.txt" in out and "→" in out


def test_check_says_which_file_to_open(tmp_path: Path) -> None:
    r = xxgk("check", str(SUBMISSIONS), "--year", "2024", "--out", str(tmp_path / "s"), "--quiet", "--jobs", "1")
    lines = r.stdout.splitlines()
    tail = "查看每个文件的问题和修改建议（表格见同一文件夹的 summary.xlsx）。"
    assert any(ln.startswith("请用浏览器打开") and ln.endswith(tail) and "summary.html" in ln for ln in lines)
    pingle = next(ln for ln in lines if "平乐镇" in ln and "不通过" in ln)
    assert pingle.rstrip().endswith("表三勾稽关系（D30）")  # the first problem in a few words


def test_help_lines_never_start_with_closing_punctuation_or_split_a_word() -> None:
    from xxgk.click_zh import _wrap

    text = "把已发布的报告（文本、HTML、Word .docx、PDF）转换为报告文档（JSON），见 postgresql://… 地址。"
    for width in range(12, 60):
        lines = _wrap(text, width)
        assert not [ln for ln in lines[1:] if ln[:1] in "，。、；：）」”》"], lines
        assert not [ln for ln in lines[:-1] if ln[-1:] in "（“《「"], lines
        assert "JSON" in "".join(lines) and all("JSO" not in ln or "JSON" in ln for ln in lines), lines
