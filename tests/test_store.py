"""The workspace store on SQLite and on a real PostgreSQL server (tests/pg_server.py starts one).

Each test runs three times: a SQLite workspace folder, a PostgreSQL database with the files kept in
the database, and a PostgreSQL database with the files in a named folder.
"""

from __future__ import annotations

import hashlib
import os
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from hostile.corpus import GRANTED, NP, passing, with_values
from pg_server import fresh_database, postgres_server
from xxgk.generate.roster import Unit
from xxgk.store import Store, StoreError
from xxgk.store.checking import check_round, export_current
from xxgk.store.schema import LATEST, schema_version

UNITS = [Unit("城关镇", "", "乡镇", "某县人民政府"), Unit("平乐镇", "", "乡镇", "某县人民政府"),
         Unit("白鹤镇", "", "乡镇", "某县人民政府")]
WARNING = {"proactive.regulations.in_force": 3}  # a township with 规章 in force: T2-REG-AUTHORITY
DEFECT = {NP: 4, GRANTED: 3}


@pytest.fixture(scope="module")
def pg_url() -> Iterator[str]:
    with postgres_server() as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql", "postgresql+folder"])
def location(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[str, Path | None]:
    if request.param == "sqlite":
        return str(tmp_path / "ws"), None
    url = fresh_database(request.getfixturevalue("pg_url"))
    return url, (tmp_path / "files" if request.param.endswith("folder") else None)


@pytest.fixture
def store(location: tuple[str, Path | None]) -> Iterator[Store]:
    s = Store.open(*location)
    s.set_roster(UNITS, "名单.csv")
    yield s
    s.close()


def receive(store: Store, files: list[tuple[str, bytes]]) -> int:
    rid = store.start_round("web", files)
    check_round(store, rid, jobs=1)
    return rid


def test_migrations_are_recorded_once_and_data_survives_reopening(location: tuple[str, Path | None]) -> None:
    s = Store.open(*location)
    s.set_roster(UNITS, "名单.csv")
    s.close()
    again = Store.open(*location)
    with again.engine.connect() as conn:
        assert list(conn.execute(select(schema_version.c.version)).scalars()) == [LATEST]
    assert [u.name for u in again.units()] == ["城关镇", "平乐镇", "白鹤镇"]
    again.close()


def test_files_are_kept_by_hash_read_only_and_never_by_name(store: Store, location: tuple[str, Path | None],
                                                            tmp_path: Path) -> None:
    data = passing("城关镇")
    sha = hashlib.sha256(data).hexdigest()
    rid = store.start_round("web", [("../../逃逸.xlsx", data), ("城关镇（再次）.xlsx", data)])
    subs = store.round_files(rid)
    assert [s.sha256 for s in subs] == [sha, sha] and store.counts()["blobs"] == 1
    assert subs[0].name == "../../逃逸.xlsx"  # kept as a name to show, nothing more
    assert store.file_bytes(sha) == data
    assert not any(p.name == "逃逸.xlsx" for p in tmp_path.rglob("*"))
    if store.blobs.in_database:
        assert not any(p.is_file() for p in tmp_path.rglob("*"))
    else:
        path = store.blobs.path(sha)
        assert path.name == sha and path.parent.name == sha[:2]
        assert stat.S_IMODE(path.stat().st_mode) & 0o222 == 0, "read-only after receipt"


def test_rounds_current_and_history(store: Store) -> None:
    receive(store, [("城关镇.xlsx", passing("城关镇")), ("平乐镇.xlsx", with_values("平乐镇", DEFECT))])
    cur = store.current(2024)
    assert {k: c.status for k, c in cur.items()} == {"城关镇": "pass", "平乐镇": "fail"}
    assert cur["平乐镇"].first_problem.startswith("三、收到和处理政府信息公开申请情况!D30：")
    receive(store, [("平乐镇.xlsx", passing("平乐镇"))])
    hist = store.history("平乐镇")
    assert [(s.round_id, s.status, s.current) for s in hist] == [(2, "pass", True), (1, "fail", False)]
    assert any(f.rule == "T3-BALANCE" and f.where == "三、收到和处理政府信息公开申请情况!D30" for f in hist[1].findings)
    assert store.current(2024)["平乐镇"].status == "pass"
    assert "白鹤镇" not in store.current(2024)  # 未报送


def test_a_decision_holds_while_the_same_warning_recurs(store: Store) -> None:
    receive(store, [("白鹤镇.xlsx", with_values("白鹤镇", WARNING))])
    warning = next(f for f in store.history("白鹤镇")[0].findings if f.severity == "warning")
    store.decide("白鹤镇", warning.id, "李四", "系上级规章误填，已电话核实")
    assert store.current(2024)["白鹤镇"].effective == "accepted"
    [d] = store.decisions("白鹤镇")
    assert (d["reviewer"], d["reason"], d["rule"]) == ("李四", "系上级规章误填，已电话核实", warning.rule)
    assert d["decided_at"] is not None
    # the same file again, and a new file with the same finding: still accepted
    receive(store, [("白鹤镇.xlsx", with_values("白鹤镇", WARNING))])
    assert store.current(2024)["白鹤镇"].effective == "accepted"
    # a different value at the same place is a different finding: not accepted
    receive(store, [("白鹤镇.xlsx", with_values("白鹤镇", {"proactive.regulations.in_force": 5}))])
    assert store.current(2024)["白鹤镇"].effective == "warn"


def test_a_decision_never_hides_an_error(store: Store) -> None:
    receive(store, [("平乐镇.xlsx", with_values("平乐镇", DEFECT))])
    error = next(f for f in store.history("平乐镇")[0].findings if f.severity == "error")
    with pytest.raises(StoreError, match="错误必须由填报单位改正"):
        store.decide("平乐镇", error.id, "李四", "想跳过")
    with pytest.raises(StoreError, match="找不到该问题"):  # another unit's finding
        store.decide("城关镇", error.id, "李四", "理由")
    assert store.decisions() == [] and store.current(2024)["平乐镇"].effective == "fail"


def test_export_is_the_clis_summary(store: Store, tmp_path: Path) -> None:
    receive(store, [("城关镇.xlsx", passing("城关镇")), ("平乐镇.xlsx", with_values("平乐镇", DEFECT))])
    written = export_current(store, tmp_path / "out", jobs=1)
    assert [p.name for p in written] == ["summary.xlsx", "summary.json", "summary.html"]
    import json

    js = json.loads((tmp_path / "out" / "summary.json").read_text(encoding="utf-8"))
    assert {f["unit"]: f["status"] for f in js["files"]} == {"城关镇": "pass", "平乐镇": "fail"}
    assert [m["name"] for m in js["roster"]["missing"]] == ["白鹤镇"]


def test_an_interrupted_receipt_records_nothing(store: Store) -> None:
    def files() -> Iterator[tuple[str, bytes]]:
        yield "城关镇.xlsx", passing("城关镇")
        raise ConnectionResetError("upload cut")

    with pytest.raises(ConnectionResetError):
        store.start_round("web", files())
    assert store.counts()["rounds"] == 0 and store.counts()["submissions"] == 0
    assert store.pending_rounds() == []


def test_check_db_records_the_cli_run(store: Store, location: tuple[str, Path | None], tmp_path: Path) -> None:
    folder = tmp_path / "报送"
    folder.mkdir()
    (folder / "城关镇.xlsx").write_bytes(passing("城关镇"))
    (folder / "平乐镇.xlsx").write_bytes(with_values("平乐镇", DEFECT))
    roster = tmp_path / "名单.csv"
    roster.write_text("单位名称,单位代码,单位层级,上级单位\n城关镇,,乡镇,某县\n平乐镇,,乡镇,某县\n", encoding="utf-8")
    db = location[0]  # check --db takes a folder or a URL (files then in the database)
    exe = Path(sys.executable).with_name("xxgk")
    done = subprocess.run([str(exe), "check", str(folder), "--roster", str(roster), "--out", str(tmp_path / "s"),
                           "--jobs", "1", "--quiet", "--db", db], capture_output=True, text=True, timeout=300)
    assert done.returncode == 1, done.stderr  # 平乐镇 fails
    assert "已记入工作区（第1轮）" in done.stdout
    again = Store.open(db)
    cur = again.current(2024)
    assert {k: c.status for k, c in cur.items()} == {"城关镇": "pass", "平乐镇": "fail"}
    assert [u.name for u in again.units()] == ["城关镇", "平乐镇"]  # the CLI's roster replaced the old one
    assert again.rounds()[0]["source"] == "cli"
    again.close()


def test_killed_during_receipt_leaves_the_store_consistent(tmp_path: Path) -> None:
    """kill -9 in the middle of a receipt (files written, transaction open): nothing is recorded,
    every recorded file is whole, and the workspace opens and works."""
    ws = tmp_path / "ws"
    script = f"""
import os, signal, sys
sys.path.insert(0, {str(Path(__file__).parent)!r})
from hostile.corpus import passing
from xxgk.store import Store
s = Store.open({str(ws)!r})
def files():
    yield "城关镇.xlsx", passing("城关镇")
    yield "平乐镇.xlsx", passing("平乐镇")
    os.kill(os.getpid(), signal.SIGKILL)
s.start_round("web", files())
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, timeout=120)
    assert done.returncode == -9
    s = Store.open(ws)
    assert s.counts() == {"blobs": 0, "submissions": 0, "rounds": 0}
    s.set_roster(UNITS, "名单.csv")
    assert not list((ws / "files").glob(".tmp-*"))
    rid = receive(s, [("城关镇.xlsx", passing("城关镇"))])  # and it still works
    assert s.round_progress(rid)["done"] and s.current(2024)["城关镇"].status == "pass"
    s.close()


def test_a_workspace_path_that_is_a_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "f").write_text("x")
    with pytest.raises(StoreError, match="不是文件夹"):
        Store.open(tmp_path / "f")
    with pytest.raises(StoreError, match="不支持的数据库地址"):
        Store.open("mysql://x/y")
    assert os.path.isfile(tmp_path / "f")


def test_scratch_names_never_carry_a_path() -> None:
    from xxgk.store.checking import scratch_name

    assert scratch_name("../../etc/passwd") == "passwd"
    assert scratch_name("..\\..\\城关镇 2024.XLSX") == "城关镇 2024.xlsx"
    assert scratch_name("CON.xlsx") == "_CON.xlsx"
    assert scratch_name("~$城关镇.xlsx") == "~$城关镇.xlsx"  # still a lock file to the checker
    assert "/" not in scratch_name("a/b/c:d*?.html") and scratch_name("a/b/c:d*?.html").endswith(".html")
