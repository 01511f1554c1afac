"""The whole hostile corpus through `xxgk check` and through check_paths(jobs=2).

What a user sees: every file in the folder gives exactly one line in the summary, with the rule
that explains it (or skipped with a reason); the inputs are never modified; nothing crashes; the
run exits 1 because some files fail or cannot be read.
"""

from __future__ import annotations

import json
import time
import tracemalloc
from pathlib import Path

import openpyxl
import pytest

from xxgk.check.run import check_file, check_paths

from .conftest import Corpus, run_cli, tree_hashes
from .corpus import CASES, INJECTIONS, Case

STATUSES = {"pass", "warn", "fail", "error", "skipped"}


@pytest.fixture(scope="module")
def cli_run(corpus: Corpus, tmp_path_factory: pytest.TempPathFactory) -> dict:
    out = tmp_path_factory.mktemp("cli-out")
    t0 = time.perf_counter()
    proc = run_cli("check", str(corpus.root), "--out", str(out))
    seconds = time.perf_counter() - t0
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    return {"proc": proc, "summary": summary, "out": out, "seconds": seconds,
            "after": tree_hashes(corpus.root), "listing": sorted(p.name for p in corpus.root.iterdir())}


def by_name(summary: dict, root: Path) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for f in summary["files"]:
        out.setdefault(str(Path(f["path"]).relative_to(root)), []).append(f)
    return out


def check_case(case: Case, results: list[dict]) -> None:
    assert len(results) == 1, f"{case.name}: {len(results)} results"
    r = results[0]
    rules = {f["rule"] for f in r["findings"]}
    shown = [(f["rule"], f["message"]) for f in r["findings"]]
    assert r["status"] == case.status, shown
    if case.rule is None:
        assert rules == set(), shown
    else:
        assert case.rule in rules, shown
        assert rules - {case.rule} <= set(case.also), shown
    for f in r["findings"]:  # every message is complete: no unfilled placeholder reaches the user
        for text in (f["message"], f["hint"] or ""):
            assert "（未知）" not in text and "{" not in text, f


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_each_file_gives_one_result_with_its_rule(case: Case, corpus: Corpus, cli_run: dict) -> None:
    check_case(case, by_name(cli_run["summary"], corpus.root).get(case.name, []))


def test_nothing_else_in_the_summary_and_the_run_fails(corpus: Corpus, cli_run: dict) -> None:
    proc = cli_run["proc"]
    names = by_name(cli_run["summary"], corpus.root)
    assert sorted(names) == sorted(c.name for c in corpus.cases)  # the empty folder adds nothing
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stdout and "Traceback" not in proc.stderr
    assert proc.stderr == ""
    assert f"共{len(corpus.cases)}个文件" in proc.stdout
    assert cli_run["seconds"] < 60
    # the three summaries and nothing else (no CSV that would need formula escaping)
    # (plus the hidden mark that keeps a later check from reading the folder as input)
    assert sorted(p.name for p in cli_run["out"].iterdir()) == [
        ".xxgk-output", "summary.html", "summary.json", "summary.xlsx"]


def test_inputs_are_not_modified_and_nothing_is_written_next_to_them(corpus: Corpus, cli_run: dict) -> None:
    assert cli_run["after"] == corpus.sha
    assert cli_run["listing"] == sorted(p.name for p in corpus.root.iterdir())
    summary = by_name(cli_run["summary"], corpus.root)
    for name, sha in corpus.sha.items():
        r = summary[name][0]
        if r["status"] != "skipped":
            assert r["sha256"] == sha, name  # the summary identifies exactly the bytes that were checked


def test_skipped_lock_files_are_listed_with_their_reason_in_every_summary(corpus: Corpus, cli_run: dict) -> None:
    out: Path = cli_run["out"]
    wb = openpyxl.load_workbook(out / "summary.xlsx", read_only=True)
    overview = [row for row in wb["概览"].iter_rows(values_only=True)][1:]
    details = [row for row in wb["问题明细"].iter_rows(values_only=True)][1:]
    html = (out / "summary.html").read_text(encoding="utf-8")
    for lock in ("~$passing.xlsx", ".~lock.passing.xlsx#"):
        path = str(corpus.root / lock)
        # 概览: 状态 first, 文件 in column J; 问题明细: 说明 in column D, 文件 last
        assert [r[0] for r in overview if r[9] == path] == ["已跳过"]
        (msg,) = [r[3] for r in details if r[10] == path]
        assert "锁定文件" in msg
        assert f'data-file="{path}"' in html.replace("&#x27;", "'")
    assert len(overview) == len(corpus.cases)


def test_check_paths_with_two_jobs_agrees_with_the_cli(corpus: Corpus, cli_run: dict) -> None:
    run = check_paths([corpus.root], jobs=2)
    got = {str(Path(r.path).relative_to(corpus.root)): r for r in run.files}
    assert len(got) == len(run.files) == len(corpus.cases)
    cli = by_name(cli_run["summary"], corpus.root)
    for case in corpus.cases:
        r = got[case.name]
        check_case(case, [r.to_dict()])
        assert (r.status, sorted({f.rule for f in r.findings})) == (
            cli[case.name][0]["status"], sorted({f["rule"] for f in cli[case.name][0]["findings"]}))
    assert run.exit_code == 1
    # no file comes near the per-file time limit (the bomb is refused from its headers)
    assert max(r.seconds for r in run.files) < 5, max((r.seconds, r.path) for r in run.files)


@pytest.mark.parametrize("name", ["zip-bomb.xlsx", "zip-bomb-lying.xlsx"])
def test_zip_bombs_are_refused_quickly_with_bounded_memory(corpus: Corpus, name: str) -> None:
    path = corpus.root / name
    assert path.stat().st_size < 2 * 1024 * 1024  # ~1 MB on disk for 1 GiB inside
    tracemalloc.start()
    t = time.perf_counter()
    r = check_file(path)
    seconds = time.perf_counter() - t
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert r.status == "error" and r.findings[0].rule in ("FILE-TOO-LARGE", "FILE-UNREADABLE")
    assert seconds < 3
    assert peak < 64 * 1024 * 1024  # the expanded member would be 1024 MB


def test_unit_named_like_a_formula_stays_text(corpus: Corpus, cli_run: dict) -> None:
    (r,) = by_name(cli_run["summary"], corpus.root)["injection-unit.xlsx"]
    assert r["unit"] == INJECTIONS[0]
    wb = openpyxl.load_workbook(cli_run["out"] / "summary.xlsx")
    ws = wb["概览"]
    (cell,) = [row[1] for row in ws.iter_rows(min_row=2) if row[9].value.endswith("injection-unit.xlsx")]
    assert cell.data_type == "s" and cell.value == INJECTIONS[0]


def test_empty_folder_alone_reports_that_nothing_was_found(tmp_path: Path) -> None:
    (tmp_path / "空文件夹").mkdir()
    proc = run_cli("check", str(tmp_path / "空文件夹"), "--out", str(tmp_path / "out"))
    assert "没有找到任何文件" in proc.stdout
    assert proc.returncode == 0 and "Traceback" not in proc.stderr
    assert json.loads((tmp_path / "out" / "summary.json").read_text(encoding="utf-8"))["files"] == []


def test_file_with_a_leading_dash_can_be_named_on_the_command_line(corpus: Corpus, tmp_path: Path) -> None:
    proc = run_cli("check", "--out", str(tmp_path / "out"), "--", "-rf.xlsx", cwd=corpus.root)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    (f,) = json.loads((tmp_path / "out" / "summary.json").read_text(encoding="utf-8"))["files"]
    assert f["path"] == "-rf.xlsx" and f["status"] == "pass"
    # without "--" the name is taken for an option: a usage error (exit 2), not a crash
    bad = run_cli("check", "--out", str(tmp_path / "out2"), "-rf.xlsx", cwd=corpus.root)
    assert bad.returncode == 2 and "Traceback" not in bad.stderr
