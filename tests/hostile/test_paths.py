"""Regression tests for issue 14: every path (check, import, render, generate, the output options)
keeps the promises — one result per input, input unchanged, no traceback, bounded memory and time.

One test per case the issue lists (the writer half — sanitising summaries, Markdown and console
text — is tested with the writers). Amplification cases are built at the sizes the issue measured
(tests/hostile/amplify.py); each must be refused by its cap in seconds, not read for minutes.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from xxgk.check.load import read_bytes, read_file
from xxgk.check.run import check_paths
from xxgk.importers import import_bytes, import_file
from xxgk.outputs import TEMP_PREFIX, locked
from xxgk.read.limits import Limits

from . import amplify
from .conftest import run_cli
from .corpus import passing

ROOT = Path(__file__).resolve().parents[2]
PUBLISHED = ROOT / "samples" / "published"
HTML = next(PUBLISHED.glob("*.html")).read_bytes()
DOCX = next(PUBLISHED.glob("*.docx")).read_bytes()


def sha(p: Path) -> str:
    return hashlib.sha256(p.read_bytes()).hexdigest()


def rules(loaded) -> list[str]:
    return [f.rule for f in loaded.findings]


def no_traceback(p: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in p.stderr + p.stdout, p.stderr[-2000:]


# ---------------------------------------------------------------- amplification, refused by the caps


@pytest.mark.parametrize(("name", "build", "ext"), [
    ("gridSpan 300,000,000", amplify.docx_gridspan, "docx"),
    ("30,000 cells of gridSpan 100", amplify.docx_many_spans, "docx"),
    ("colspan=100 × 30,000", amplify.html_colspans, "html"),
    ("colspan 300,000,000", amplify.html_huge_span, "html"),
    ("48 MB of tabs", amplify.text_tabs, "txt"),
    ("9.7 million empty shared strings", amplify.xlsx_empty_strings, "xlsx"),
])
def test_amplification_is_refused_by_a_cap(tmp_path: Path, name: str, build, ext: str) -> None:
    p = tmp_path / f"case.{ext}"
    p.write_bytes(build())
    before = sha(p)
    t0 = time.perf_counter()
    loaded = read_file(p)
    assert time.perf_counter() - t0 < 20, name  # the issue measured > 60 s or 1.4–5 GB before the caps
    assert rules(loaded) == ["FILE-TOO-LARGE"], (name, [f.message for f in loaded.findings])
    assert "上限" in loaded.findings[0].message  # says which cap, in Chinese
    if ext != "xlsx":  # import goes through the same opener and caps
        assert [f.rule for f in import_file(p).findings] == ["FILE-TOO-LARGE"]
    assert sha(p) == before


def test_a_file_at_the_caps_is_still_read(tmp_path: Path) -> None:
    """The caps leave room: a table of 10 × 990 columns × 1,000 rows is read, not refused."""
    loaded = read_bytes(amplify.html_colspans(1000, 10, 99, 1), "big.html")
    assert "FILE-TOO-LARGE" not in rules(loaded)


def test_pdf_deflate_bomb_is_refused_before_it_is_inflated() -> None:
    small = Limits(max_entry_bytes=2 * 1024 * 1024)  # the same check as the 50 MB default, in a test's time
    loaded = read_bytes(amplify.pdf_bomb(8 * 1024 * 1024), "bomb.pdf", limits=small)
    assert rules(loaded) == ["FILE-TOO-LARGE"] and "解压后超过上限2 MB" in loaded.findings[0].message
    fine = read_bytes(amplify.pdf_bomb(1024 * 1024), "blank.pdf", limits=small)  # under the cap: read
    assert rules(fine) == ["FILE-SCANNED-PDF"]


def test_deep_html_nesting_gives_one_result() -> None:
    loaded = read_bytes(amplify.html_deep(10_000), "deep.html")
    assert len(loaded.findings) >= 1 and loaded.document is None
    assert rules(loaded)[0] in ("FILE-NOT-REPORT", "FILE-SKIPPED", "FILE-UNREADABLE", "FILE-TOO-LARGE")


# ---------------------------------------------------------------- import opens files like check


def test_import_applies_the_docx_zip_caps_and_refuses_doctype(tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.docx"
    bomb.write_bytes(amplify.docx_bomb())
    doctype = tmp_path / "doctype.docx"
    doctype.write_bytes(amplify.docx_doctype())
    assert [f.rule for f in import_file(bomb).findings] == ["FILE-TOO-LARGE"]
    assert [f.rule for f in import_file(doctype).findings] == ["FILE-XML-HOSTILE"]
    assert rules(read_file(doctype)) == ["FILE-XML-HOSTILE"]  # and check says the same
    p = run_cli("import", str(bomb), str(doctype), "-o", str(tmp_path / "out"))
    no_traceback(p)
    assert p.returncode == 1 and "FILE-TOO-LARGE" in p.stderr and "FILE-XML-HOSTILE" in p.stderr
    assert not list((tmp_path / "out").glob("*.json"))


def test_a_normal_docx_still_imports_with_its_figures() -> None:
    r = import_bytes(DOCX, "小浪底镇.docx", "docx")
    assert r.document is not None
    assert r.document["unit"]["name"] and r.document["year"] == 2024
    assert r.document["proactive"]["licensing"] == 0  # 表二 行政许可, printed as 0 in the sample


# ---------------------------------------------------------------- time limit


def test_timeout_is_its_own_finding_on_the_read_and_import_paths(tmp_path: Path) -> None:
    slow = amplify.html_colspans(1000, 10, 99, 1)  # about a second of honest work
    tight = Limits(seconds=0.05)
    loaded = read_bytes(slow, "slow.html", limits=tight)
    assert rules(loaded) == ["FILE-TIMEOUT"]
    assert "秒" in loaded.findings[0].message and "Timeout" not in loaded.findings[0].message
    p = tmp_path / "slow.html"
    p.write_bytes(slow)
    assert [f.rule for f in import_file(p, limits=tight).findings] == ["FILE-TIMEOUT"]


def test_timeout_in_a_check_worker_is_file_timeout_not_unreadable(tmp_path: Path) -> None:
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "slow.html").write_bytes(amplify.html_colspans(1000, 10, 99, 1))
    (tmp_path / "in" / "ok.xlsx").write_bytes(passing("城关镇"))
    run = check_paths([tmp_path / "in"], jobs=2, timeout=0.05)
    try:
        by_name = {Path(r.path).name: [f.rule for f in r.findings] for r in run.files}
    finally:
        run.files.close()
    assert by_name["slow.html"] == ["FILE-TIMEOUT"]
    assert len(by_name) == 2


# ---------------------------------------------------------------- things that are not files


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="FIFO")
def test_fifo_in_a_folder_and_dev_zero_as_argument_are_skipped(tmp_path: Path) -> None:
    folder = tmp_path / "收到"
    folder.mkdir()
    (folder / "a.xlsx").write_bytes(passing("城关镇"))
    os.mkfifo(folder / "pipe.xlsx")
    p = run_cli("check", str(folder), "/dev/zero", "--out", str(tmp_path / "out"), timeout=120)
    no_traceback(p)
    summary = json.loads((tmp_path / "out" / "summary.json").read_text(encoding="utf-8"))
    files = {Path(f["path"]).name: f for f in summary["files"]}
    assert set(files) == {"a.xlsx", "pipe.xlsx", "zero"}
    for name, kind in (("pipe.xlsx", "命名管道"), ("zero", "字符设备")):
        assert files[name]["status"] == "skipped"
        assert kind in json.dumps(files[name], ensure_ascii=False)
    imp = run_cli("import", str(folder / "pipe.xlsx"), "/dev/zero", "-o", str(tmp_path / "imp"), timeout=60)
    no_traceback(imp)
    assert imp.returncode == 1 and imp.stderr.count("已跳过") >= 2
    assert read_file(Path("/dev/zero")).skipped


def _gbk_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "in"
    folder.mkdir()
    with open(os.path.join(os.fsencode(folder), "城关镇报表.xlsx".encode("gbk")), "wb") as fh:
        fh.write(passing("城关镇"))
    with open(os.path.join(os.fsencode(folder), "小浪底镇".encode("gbk") + b".html"), "wb") as fh:
        fh.write(HTML)
    return folder


def test_gbk_file_names_give_one_result_each_and_import_shows_them_escaped(tmp_path: Path) -> None:
    folder = _gbk_folder(tmp_path)
    run = check_paths([folder], jobs=1)
    try:
        results = list(run.files)
    finally:
        run.files.close()
    assert len(results) == 2 and all(r.status in ("pass", "warn") for r in results), \
        [(r.path, [f.message for f in r.findings]) for r in results]
    html = os.fsdecode(os.path.join(os.fsencode(folder), "小浪底镇".encode("gbk") + b".html"))
    imp = run_cli("import", html, "-o", str(tmp_path / "imp"))
    no_traceback(imp)
    assert imp.returncode == 0 and "\\xc0" in imp.stdout  # the GBK bytes shown as \xNN, not as mojibake
    assert len(list((tmp_path / "imp").glob("*.json"))) == 1


def test_gbk_file_names_in_check_summaries(tmp_path: Path) -> None:
    folder = _gbk_folder(tmp_path)
    p = run_cli("check", str(folder), "--out", str(tmp_path / "out"))
    no_traceback(p)
    summary = json.loads((tmp_path / "out" / "summary.json").read_text(encoding="utf-8"))
    assert len(summary["files"]) == 2


# ---------------------------------------------------------------- output paths


@pytest.mark.parametrize("where", ["under-file", "proc", "dev-null"])
def test_bad_out_is_a_chinese_usage_error(tmp_path: Path, where: str) -> None:
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.xlsx").write_bytes(passing("城关镇"))
    (tmp_path / "plain.txt").write_text("x")
    out = {"under-file": str(tmp_path / "plain.txt" / "summary"), "proc": "/proc/xxgk-out",
           "dev-null": "/dev/null"}[where]
    for args in (["check", str(tmp_path / "in"), "--out", out], ["import", str(tmp_path / "in" / "a.xlsx"), "-o", out],
                 ["generate", "--unit", "城关镇", "--year", "2024", "-o", out]):
        p = run_cli(*args)
        no_traceback(p)
        assert p.returncode == 2, (args, p.stderr)
        assert "请换" in p.stderr


def test_out_equal_to_the_input_folder_never_overwrites_a_submission(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "summary.xlsx").write_bytes(passing("城关镇"))  # a unit's file that happens to be so named
    before = sha(folder / "summary.xlsx")
    p = run_cli("check", str(folder), "--out", str(folder))
    no_traceback(p)
    assert p.returncode == 2 and "输入文件夹" in p.stderr
    assert sha(folder / "summary.xlsx") == before and sorted(os.listdir(folder)) == ["summary.xlsx"]
    # an empty subfolder named for the purpose is allowed, and a later run does not read it as input
    for _ in range(2):
        p = run_cli("check", str(folder), "--out", str(folder / "汇总"))
        no_traceback(p)
        summary = json.loads((folder / "汇总" / "summary.json").read_text(encoding="utf-8"))
        names = sorted(Path(f["path"]).name for f in summary["files"])
        assert names == ["summary.xlsx", "汇总"] and sha(folder / "summary.xlsx") == before


def test_a_second_run_on_a_locked_out_folder_is_refused(tmp_path: Path) -> None:
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.xlsx").write_bytes(passing("城关镇"))
    out = tmp_path / "out"
    out.mkdir()
    with locked(out):
        p = run_cli("check", str(tmp_path / "in"), "--out", str(out))
    no_traceback(p)
    assert p.returncode == 2 and "另一个xxgk" in p.stderr
    assert not (out / "summary.json").exists()


def test_two_checks_at_once_leave_valid_summaries(tmp_path: Path) -> None:
    (tmp_path / "in").mkdir()
    for i in range(6):
        (tmp_path / "in" / f"u{i}.xlsx").write_bytes(passing(f"城关镇{i}"))
    code = "import sys; from xxgk.cli import main; sys.argv[0] = 'xxgk'; main()"
    args = ["check", str(tmp_path / "in"), "--out", str(tmp_path / "out"), "--jobs", "1"]
    procs = [subprocess.Popen([sys.executable, "-c", code, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True) for _ in range(2)]
    results = [(pr.wait(120), pr.stderr.read() if pr.stderr else "") for pr in procs]
    for pr in procs:
        for fh in (pr.stdout, pr.stderr):
            if fh:
                fh.close()
    assert all("Traceback" not in err for _, err in results)
    assert sorted(c for c, _ in results) in ([1, 1], [1, 2], [0, 0], [0, 2])  # both ran in turn, or one refused
    summary = json.loads((tmp_path / "out" / "summary.json").read_text(encoding="utf-8"))
    assert len(summary["files"]) == 6


def test_import_into_one_folder_never_overwrites(tmp_path: Path) -> None:
    for d in ("a", "b"):
        (tmp_path / d).mkdir()
        (tmp_path / d / "报告.html").write_bytes(HTML)
    out = tmp_path / "out"
    out.mkdir()
    (out / "报告.json").write_text("earlier work", encoding="utf-8")
    p = run_cli("import", str(tmp_path / "a" / "报告.html"), str(tmp_path / "b" / "报告.html"), "-o", str(out))
    no_traceback(p)
    assert p.returncode == 0
    assert (out / "报告.json").read_text(encoding="utf-8") == "earlier work"
    made = sorted(x.name for x in out.glob("*.json"))
    assert made == ["报告 (2).json", "报告 (3).json", "报告.json"]
    assert p.stdout.count("同名文件已存在") == 2


def _children(pid: int) -> list[int]:
    try:
        return [int(x) for x in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def test_generate_interrupted_leaves_no_temporary_folder(tmp_path: Path) -> None:
    roster = tmp_path / "roster.csv"
    roster.write_text("单位名称,单位代码,单位层级,上级单位\n" + "".join(
        f"测试镇{i},{410000000 + i},乡镇,某区人民政府\n" for i in range(400)), encoding="utf-8")
    code = "import sys; from xxgk.cli import main; sys.argv[0] = 'xxgk'; main()"
    out = tmp_path / "填报表"
    for sig in (signal.SIGTERM, signal.SIGINT):
        pr = subprocess.Popen([sys.executable, "-c", code, "generate", "--roster", str(roster), "--year", "2024",
                               "--out", str(out)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        deadline = time.time() + 60
        while time.time() < deadline and not any(n.startswith(TEMP_PREFIX) for n in os.listdir(tmp_path)):
            time.sleep(0.05)
        time.sleep(0.3)
        pr.send_signal(sig)
        _, err = pr.communicate(timeout=60)
        assert "Traceback" not in err
        assert not [n for n in os.listdir(tmp_path) if n.startswith(TEMP_PREFIX)], sig
    # SIGKILL: nothing can clean up; the next generate removes the leftover and check skips it meanwhile
    pr = subprocess.Popen([sys.executable, "-c", code, "generate", "--roster", str(roster), "--year", "2024",
                           "--out", str(out)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 60
    while time.time() < deadline and not any(n.startswith(TEMP_PREFIX) for n in os.listdir(tmp_path)):
        time.sleep(0.05)
    time.sleep(0.3)
    workers = _children(pr.pid)
    pr.kill()
    pr.wait(30)
    for w in workers:  # orphaned pool workers of the killed run (they would wait for work forever)
        with contextlib.suppress(ProcessLookupError):
            os.kill(w, signal.SIGKILL)
    left = [n for n in os.listdir(tmp_path) if n.startswith(TEMP_PREFIX)]
    assert left, "the run was killed before it made its temporary folder"
    p = run_cli("check", str(tmp_path), "--out", str(tmp_path.parent / f"{tmp_path.name}-summary"))
    summary = json.loads((tmp_path.parent / f"{tmp_path.name}-summary" / "summary.json").read_text(encoding="utf-8"))
    skipped = [f for f in summary["files"] if Path(f["path"]).name.startswith(TEMP_PREFIX)]
    assert [f["status"] for f in skipped] == ["skipped"]
    small = tmp_path / "small.csv"
    small.write_text("单位名称,单位代码,单位层级,上级单位\n测试镇,410000001,乡镇,某区人民政府\n", encoding="utf-8")
    p = run_cli("generate", "--roster", str(small), "--year", "2024", "--out", str(out))
    assert p.returncode == 0, p.stderr
    assert not [n for n in os.listdir(tmp_path) if n.startswith(TEMP_PREFIX)]


# ---------------------------------------------------------------- render on odd documents


def _doc() -> dict:
    loaded = read_bytes(HTML, "小浪底镇.html")
    assert loaded.document is not None
    return loaded.document


@pytest.mark.parametrize(("field", "text", "expect"), [
    ("fee", '"约100元"', "other.fee_amount_yuan"),
    ("list", "[1, 2]", "proactive.licensing"),
    ("digits", "9" * 5000, "proactive.licensing"),
    ("control", '"a\\u001b[31mb"', "overview.intro"),
    ("surrogate", '"a\\ud800b"', "overview.intro"),
    ("nan", "NaN", "proactive.licensing"),
])
def test_render_refuses_an_odd_document_naming_the_field(tmp_path: Path, field: str, text: str,
                                                         expect: str) -> None:
    doc = _doc()
    marker = "__VALUE__"
    if field == "fee":
        doc["other"]["fee_charged"] = True
        doc["other"]["fee_amount_yuan"] = marker
    elif field in ("control", "surrogate"):
        doc["overview"]["intro"] = marker
    else:
        doc["proactive"]["licensing"] = marker
    src = tmp_path / "doc.json"
    src.write_text(json.dumps(doc, ensure_ascii=False).replace(f'"{marker}"', text), encoding="utf-8")
    for fmt in ("md", "docx", "html"):
        p = run_cli("render", str(src), "-o", str(tmp_path / f"out.{fmt}"))
        no_traceback(p)
        assert p.returncode == 1 and expect in p.stderr and "未生成报告" in p.stderr, p.stderr
        assert not (tmp_path / f"out.{fmt}").exists()


def test_render_refuses_nesting_10000_deep(tmp_path: Path) -> None:
    src = tmp_path / "deep.json"
    src.write_text('{"unit": {"name": "x"}, "year": 2024, "source": ' + "[" * 10_000 + "]" * 10_000 + "}")
    p = run_cli("render", str(src), "-o", str(tmp_path / "out.md"))
    no_traceback(p)
    assert p.returncode == 1 and "嵌套过深" in p.stderr


def test_render_of_an_imported_document_still_works(tmp_path: Path) -> None:
    src = tmp_path / "doc.json"
    src.write_text(json.dumps(_doc(), ensure_ascii=False), encoding="utf-8")
    p = run_cli("render", str(src), "-o", str(tmp_path / "out.md"))
    assert p.returncode == 0, p.stderr
    assert "主动公开" in (tmp_path / "out.md").read_text(encoding="utf-8")


# ---------------------------------------------------------------- misreadings


def test_script_in_a_cell_is_dropped_and_the_figure_read_once() -> None:
    cell = '<td colspan="3" class="num">'
    old = f"<th>行政许可</th>\n{cell}0</td>".encode()
    page = HTML.replace(old, f"<th>行政许可</th>\n{cell}<script>var x=3;</script><style>p{{}}</style>3</td>".encode())
    assert page != HTML
    doc = import_bytes(page, "x.html", "html").document
    assert doc is not None and doc["proactive"]["licensing"] == 3


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le-meta", "utf-16-be-meta", "utf-32", "gb18030-meta"])
def test_utf16_and_declared_encodings_are_decoded(encoding: str) -> None:
    text = HTML.decode("utf-8")
    if encoding == "utf-16":
        data = text.encode("utf-16")  # with BOM
    elif encoding == "utf-32":
        data = text.encode("utf-32")  # with BOM
    elif encoding == "gb18030-meta":
        data = text.replace('<meta charset="utf-8">', '<meta charset="gb18030">').encode("gb18030")
    else:
        enc = encoding[:9]
        data = text.replace('<meta charset="utf-8">', '<meta charset="utf-16">').encode(enc)  # no BOM
    loaded = read_bytes(data, "page.html")
    assert loaded.document is not None, [f.message for f in loaded.findings]
    assert loaded.document["year"] == 2024
    assert loaded.document["proactive"]["licensing"] == 0
    assert "小浪底" in loaded.document["unit"]["name"]


# ---------------------------------------------------------------- internal errors


def test_internal_error_is_a_finding_with_the_log_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import xxgk.importers.common as common

    log = tmp_path / "errors.log"
    monkeypatch.setenv("XXGK_ERROR_LOG", str(log))

    def broken(*a, **k):
        raise KeyError("planted bug")

    monkeypatch.setattr(common, "parse_t2", broken)
    loaded = read_bytes(HTML, "x.html")
    assert rules(loaded) == ["CHECK-INTERNAL"]
    assert str(log) in loaded.findings[0].message and "KeyError" in loaded.findings[0].message
    assert "planted bug" in log.read_text(encoding="utf-8") and "Traceback" in log.read_text(encoding="utf-8")


def test_cli_internal_error_exits_2_with_the_log_path(tmp_path: Path) -> None:
    log = tmp_path / "errors.log"
    code = ("import sys, xxgk.check.run as r; from xxgk.cli import main\n"
            "def boom(*a, **k): raise RuntimeError('planted')\n"
            "r.check_paths = boom; sys.argv[0] = 'xxgk'; main()")
    (tmp_path / "in").mkdir()
    p = subprocess.run([sys.executable, "-c", code, "check", str(tmp_path / "in"), "--out", str(tmp_path / "o")],
                       capture_output=True, text=True, env={**os.environ, "XXGK_ERROR_LOG": str(log)}, timeout=60)
    assert p.returncode == 2 and "Traceback" not in p.stderr
    assert str(log) in p.stderr and "planted" in log.read_text(encoding="utf-8")
