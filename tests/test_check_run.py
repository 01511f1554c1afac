"""The run over folders: one result per file, skips, errors, time limit, previous year, totals,
year, roster and exit code. The reader is replaced by one that loads JSON documents, so these
tests do not depend on the workbook reader."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

from test_check_docs import FORM, Loaded, check_doc, rules_of, suqian
from xxgk.check import run as run_mod
from xxgk.check.run import check_file, check_paths, iter_entries
from xxgk.document import set_path
from xxgk.generate.roster import Unit


def fake_reader(path: Path) -> Loaded:
    name = Path(path).name
    if name.startswith("slow"):
        time.sleep(5)
    if name.startswith("crash"):
        os._exit(3)  # a worker dying in the middle of a file
    if name.startswith("bug"):
        raise RuntimeError("boom")
    try:
        doc = json.loads(Path(path).read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError):
        return Loaded(None, kind="unknown", path=str(path),
                      findings=[run_mod.finding("FILE-NOT-WORKBOOK", location="文件", kind="其他")])
    return Loaded(doc, kind="workbook", path=str(path))


@pytest.fixture(autouse=True)
def _reader(monkeypatch):
    monkeypatch.setattr(run_mod, "READER", fake_reader)


def write(folder: Path, name: str, doc: dict) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    p = folder / name
    p.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return p


def unit_doc(name: str, year: int = 2024, **changes) -> dict:
    doc = suqian(year, level="市级政府")
    doc["unit"]["name"] = name
    doc["unit"]["code"] = None
    for path, value in changes.items():
        set_path(doc, path.replace("__", "."), value)
    return doc


# ---------------------------------------------------------------- arithmetic rules with last year


def test_cross_year_rules_fire_at_their_cells() -> None:
    prev = suqian(2023)
    prev["requests"]["carried_forward"]["natural_person"] = 117
    prev["proactive"]["regulations"]["in_force"] = 10
    r = check_doc(suqian(2024), prev=prev, year=2024)
    got = {(f.rule, f.cell) for f in r.findings if f.outcome == "fail"}
    assert got == {("T3-CARRY-XYEAR", "D7"), ("T2-STOCK-XYEAR", "D5")}
    assert r.status == "warn"


# ---------------------------------------------------------------- walking


def test_every_file_gives_one_result_including_lock_files(tmp_path: Path) -> None:
    write(tmp_path / "b", "乙镇.json", unit_doc("乙镇"))
    write(tmp_path / "a", "甲镇.json", unit_doc("甲镇"))
    (tmp_path / "a" / "~$甲镇.xlsx").write_bytes(b"x")
    (tmp_path / "a" / ".~lock.甲镇.xlsx#").write_bytes(b"x")
    (tmp_path / "a" / "notes.txt").write_text("不是报告", encoding="utf-8")
    run = check_paths([tmp_path], jobs=1)
    names = [Path(r.path).name for r in run.files]
    assert names == [".~lock.甲镇.xlsx#", "notes.txt", "~$甲镇.xlsx", "甲镇.json", "乙镇.json"]
    status = {Path(r.path).name: r.status for r in run.files}
    assert status["~$甲镇.xlsx"] == "skipped" and status[".~lock.甲镇.xlsx#"] == "skipped"
    skipped = next(r for r in run.files if r.path.endswith("~$甲镇.xlsx"))
    assert skipped.findings[0].rule == "FILE-SKIPPED" and "锁定文件" in skipped.findings[0].message
    assert status["notes.txt"] == "error"
    assert status["甲镇.json"] == "pass"


def test_symlink_loop_and_broken_link_give_error_results(tmp_path: Path) -> None:
    (tmp_path / "d").mkdir()
    write(tmp_path / "d", "甲镇.json", unit_doc("甲镇"))
    os.symlink(tmp_path / "d", tmp_path / "d" / "loop")
    os.symlink(tmp_path / "nowhere", tmp_path / "d" / "broken.xlsx")
    os.symlink("self.xlsx", tmp_path / "d" / "self.xlsx")
    results = {e.path.name: e for e in iter_entries([tmp_path])}
    assert results["loop"].error and "循环" in results["loop"].error
    assert results["broken.xlsx"].error
    assert "循环" in results["self.xlsx"].error
    run = check_paths([tmp_path], jobs=1)
    assert len(run.files) == 4
    assert sorted(r.status for r in run.files) == ["error", "error", "error", "pass"]


def test_same_file_given_twice_is_checked_once(tmp_path: Path) -> None:
    p = write(tmp_path, "甲镇.json", unit_doc("甲镇"))
    run = check_paths([tmp_path, p], jobs=1)
    assert [r.status for r in run.files] == ["pass", "skipped"]


def test_empty_folder_gives_no_files(tmp_path: Path) -> None:
    run = check_paths([tmp_path], jobs=1)
    assert run.files == [] and run.exit_code == 0 and run.totals == {}


# ---------------------------------------------------------------- robustness


def test_time_limit_and_internal_error_do_not_stop_the_run(tmp_path: Path) -> None:
    write(tmp_path, "slow.json", unit_doc("慢镇"))
    write(tmp_path, "bug.json", unit_doc("错镇"))
    write(tmp_path, "甲镇.json", unit_doc("甲镇"))
    t0 = time.perf_counter()
    run = check_paths([tmp_path], jobs=1, timeout=0.3)
    assert time.perf_counter() - t0 < 4
    by = {Path(r.path).name: r for r in run.files}
    assert [f.rule for f in by["slow.json"].findings] == ["FILE-TIMEOUT"]
    assert by["slow.json"].status == "error"
    assert [f.rule for f in by["bug.json"].findings] == ["CHECK-INTERNAL"]
    assert by["甲镇.json"].status == "pass"
    assert run.exit_code == 1


def test_parallel_run_survives_a_dying_worker(tmp_path: Path) -> None:
    for i in range(6):
        write(tmp_path, f"镇{i}.json", unit_doc(f"镇{i}"))
    write(tmp_path, "crash.json", unit_doc("崩镇"))
    seen = []
    run = check_paths([tmp_path], jobs=2, progress=lambda d, t: seen.append((d, t)))
    by = {Path(r.path).name: r for r in run.files}
    assert len(run.files) == 7
    assert by["crash.json"].status == "error" and "意外退出" in by["crash.json"].findings[0].message
    assert all(by[f"镇{i}.json"].status == "pass" for i in range(6))
    assert seen[-1] == (7, 7)
    assert run.totals_units == 6


def test_check_file_with_previous_document(tmp_path: Path) -> None:
    p = write(tmp_path, "宿迁市2024.json", suqian(2024))
    assert check_file(p, previous=suqian(2023), year=2024).status == "pass"
    prev = suqian(2023)
    prev["requests"]["carried_forward"]["total"] = 100
    assert rules_of(check_file(p, previous=prev, year=2024)) == ["T3-CARRY-XYEAR"]


# ---------------------------------------------------------------- previous year, totals, year


def test_previous_folder_is_matched_by_unit(tmp_path: Path) -> None:
    write(tmp_path / "2023", "宿迁2023.json", suqian(2023))
    bad = suqian(2024)
    bad["requests"]["carried_over"]["natural_person"] = 119
    bad["requests"]["carried_over"]["total"] = 122
    bad["requests"]["carried_forward"]["natural_person"] = 119
    bad["requests"]["carried_forward"]["total"] = 126
    write(tmp_path / "2024", "宿迁市人民政府2024.json", bad)
    run = check_paths([tmp_path / "2024"], previous=[tmp_path / "2023"], jobs=1)
    f = [x for x in run.files[0].findings if x.rule == "T3-CARRY-XYEAR"]
    assert [(x.cell, x.left, x.right) for x in f] == [("D7", 119, 118), ("J7", 122, 121)]
    good = check_paths([tmp_path / "2023"], previous=[tmp_path / "2023"], jobs=1)  # same year: not used
    assert good.files[0].status == "pass"


def test_totals_sum_passing_units_of_the_run_year(tmp_path: Path) -> None:
    write(tmp_path, "甲镇.json", unit_doc("甲镇"))
    write(tmp_path, "乙镇.json", unit_doc("乙镇"))
    write(tmp_path, "丙镇.json", unit_doc("丙镇", requests__granted__natural_person=1))  # fails T3 sums
    write(tmp_path, "丁镇.json", unit_doc("丁镇", year=2023))  # another year
    run = check_paths([tmp_path], jobs=1)
    assert run.year == 2024
    assert run.totals_units == 2
    assert run.totals["requests.new_received.total"] == 2 * 3525
    assert run.totals["proactive.fees"] == pytest.approx(2 * 72701.2578)
    ding = next(r for r in run.files if r.unit == "丁镇")
    assert [f.rule for f in ding.findings if f.outcome == "fail"] == ["YEAR-MISMATCH"]
    assert (ding.findings[-1].sheet, ding.findings[-1].cell) == ("填报说明", "B7")
    assert run.exit_code == 1  # 丙镇 fails


def test_given_year_is_used_and_checked_in_each_file(tmp_path: Path) -> None:
    write(tmp_path, "甲镇.json", unit_doc("甲镇"))
    run = check_paths([tmp_path], year=2025, jobs=1)
    assert run.year == 2025
    assert [f.rule for f in run.files[0].findings] == ["YEAR-MISMATCH"]
    assert run.totals_units == 0


def test_roster_duplicate_is_taken_out_of_totals(tmp_path: Path) -> None:
    write(tmp_path, "甲镇.json", unit_doc("甲镇"))
    write(tmp_path, "甲镇（修改）.json", unit_doc("甲镇人民政府"))
    write(tmp_path, "乙镇.json", unit_doc("乙镇"))
    write(tmp_path, "外镇.json", unit_doc("外镇"))
    roster = [Unit("甲镇"), Unit("乙镇"), Unit("丙镇", "410322", "乡镇", "孟津区")]
    run = check_paths([tmp_path], roster=roster, jobs=1)
    by = {r.unit: r for r in run.files}
    assert by["甲镇"].status == "fail" and by["甲镇人民政府"].status == "fail"
    assert by["外镇"].status == "warn" and by["外镇"].findings[-1].rule == "ROSTER-UNKNOWN"
    assert run.roster_missing == [{"name": "丙镇", "code": "410322", "level": "乡镇", "parent": "孟津区"}]
    assert run.totals_units == 2  # 乙镇 and 外镇
    assert run.exit_code == 1


def test_exit_code_zero_when_only_warnings(tmp_path: Path) -> None:
    write(tmp_path, "甲镇.json", unit_doc("甲镇", problems__improvements=None))
    run = check_paths([tmp_path], roster=[Unit("甲镇")], jobs=1)
    assert run.files[0].status == "warn" and run.exit_code == 0


def test_form_loaded_once() -> None:
    assert FORM is run_mod.load_form()


# ---------------------------------------------------------------- memory of the run


def test_the_run_keeps_findings_on_disk_not_in_memory(tmp_path: Path, monkeypatch) -> None:
    """The parent keeps a few bytes per file (offset, status, year); each file's findings are read
    back from the run's temporary file when run.files is indexed or iterated."""
    import gc
    import tracemalloc

    from xxgk.report.model import FileStore, Finding

    per_file = 12

    def noisy_reader(path: Path) -> Loaded:
        doc = json.loads(Path(path).read_text(encoding="utf-8"))
        many = [run_mod.finding("TXT-T3", location=f"第{k}段", message="某某" * 40) for k in range(per_file)]
        return Loaded(doc, kind="workbook", path=str(path), findings=many)

    monkeypatch.setattr(run_mod, "READER", noisy_reader)
    n = 300
    for i in range(n):
        write(tmp_path / "many", f"{i:04d}.json", unit_doc(f"第{i:04d}镇"))
    write(tmp_path / "warm", "甲镇.json", unit_doc("甲镇"))
    check_paths([tmp_path / "warm"], jobs=1)  # per-form tables, catalogue

    def findings_alive() -> int:
        gc.collect()
        return sum(isinstance(o, Finding) for o in gc.get_objects())

    alive = findings_alive()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        run = check_paths([tmp_path / "many"], roster=[Unit("第0000镇")], jobs=1)
        gc.collect()
        kept = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert isinstance(run.files, FileStore)
    assert findings_alive() <= alive  # 3,600 findings, none of them in memory until read back
    # 12 findings of ~300 characters per file would be ~8 KB a file; the run keeps a few dozen
    # bytes per file (plus a fixed part: the temporary file's buffer, Python's free lists)
    assert kept < 40_000 + n * 200, kept
    results = list(run.files)
    assert len(results) == n and all(len(r.findings) >= per_file for r in results)
    assert results[1].findings[-1].rule == "ROSTER-UNKNOWN"  # a finding added after the checks
    assert run.files[-1] == results[-1] and run.files[:2] == results[:2]
    assert run.statuses() == [r.status for r in results]
