"""A workspace: one database (SQLite in a folder by default, or a PostgreSQL URL) and the files
received, by content hash. Everything the web page and `xxgk check --db` remember goes here.

The store holds no rules: it records FileResults produced by the checker and answers queries.
A review decision is keyed by unit and by a fingerprint of the finding (rule, place, values), so it
holds for as long as the same finding recurs, across re-uploads and re-checks, and is only ever
applied to warnings: an error is never hidden.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, and_, create_engine, event, func, insert, select, text, update

from ..check.roster import normalise
from ..report.model import FileResult, Finding
from .blobs import DatabaseBlobs, FolderBlobs
from .schema import blobs, decisions, findings, migrate, rosters, rounds, settings, submissions, units

DB_NAME = "xxgk.sqlite3"


class StoreError(Exception):
    """A workspace that cannot be opened; the message is Chinese and says what to do."""


def now() -> datetime:
    return datetime.now(UTC)


def unit_key(name: str) -> str:
    return normalise(name)


def fingerprint(f: Finding) -> str:
    """The identity of a finding for review decisions: rule, place and the values compared. A finding
    without compared values (e.g. CELL-TEXT-NUMBER) names its value only in its message, which
    then stands for the values: a different value at the same place is a different finding."""
    return _fingerprint(f.rule, place(f), f.left, f.op, f.right, f.message)


def _fingerprint(rule: str, where: str, left: Any, op: str | None, right: Any, message: str) -> str:
    values = [_text(left), op or "", _text(right)] if (left is not None or op or right is not None) else [message]
    return hashlib.sha256(json.dumps([rule, where, *values], ensure_ascii=False).encode("utf-8")).hexdigest()


def place(f: Finding) -> str:
    return f.where or (f.path or "")


def _text(v: Any) -> str:
    return "" if v is None else str(v)


@dataclass
class UnitRow:
    key: str
    name: str
    code: str
    level: str
    parent: str
    position: int


@dataclass
class Current:
    """A unit's current submission for a year, with the review decisions applied."""

    submission_id: int
    round_id: int
    name: str
    status: str  # pass / warn / fail / error / skipped, as the checker said
    errors: int
    warnings: int
    accepted: int  # warnings accepted by a reviewer
    first_problem: str
    received_at: datetime

    @property
    def effective(self) -> str:
        """The status a reviewer sees: a warn whose every warning is accepted counts as passed."""
        if self.status == "warn" and self.warnings and self.accepted >= self.warnings:
            return "accepted"
        return self.status


@dataclass
class StoredFinding:
    id: int
    rule: str
    severity: str
    outcome: str
    message: str
    hint: str
    where: str
    fingerprint: str
    decision: dict[str, Any] | None = None


@dataclass
class SubmissionRow:
    id: int
    round_id: int
    name: str
    sha256: str
    size: int
    received_at: datetime
    checked: bool
    unit_key: str | None
    unit_found: str | None
    year: int | None
    status: str | None
    errors: int
    warnings: int
    current: bool
    findings: list[StoredFinding] = field(default_factory=list)


class Store:
    def __init__(self, engine: Engine, blob_store: FolderBlobs | DatabaseBlobs, location: str):
        self.engine = engine
        self.blobs = blob_store
        self.location = location
        self._lock = threading.Lock()  # serialises the "current" bookkeeping within one process
        with engine.begin() as conn:
            self.version = migrate(conn, now)

    # ------------------------------------------------------------ opening

    @classmethod
    def open(cls, location: str | Path, files: str | Path | None = None) -> Store:
        """A folder (created if needed; SQLite inside, files in files/), or a database URL
        (postgresql://… or sqlite:///…; files in `files` if given, else in the database)."""
        text = str(location)
        if "://" in text:
            url = text
            if url.startswith("postgresql://") or url.startswith("postgres://"):
                url = "postgresql+psycopg://" + url.split("://", 1)[1]
            elif not (url.startswith("postgresql+") or url.startswith("sqlite")):
                raise StoreError(f"不支持的数据库地址：{text}（可用文件夹路径或 postgresql://… 地址）")
            blob_store: FolderBlobs | DatabaseBlobs = FolderBlobs(Path(files)) if files else DatabaseBlobs()
        else:
            folder = Path(text)
            if folder.exists() and not folder.is_dir():
                raise StoreError(f"工作区“{folder}”已存在但不是文件夹，请换一个文件夹路径。")
            folder.mkdir(parents=True, exist_ok=True)
            url = f"sqlite:///{(folder / DB_NAME).resolve()}"
            blob_store = FolderBlobs(Path(files) if files else folder / "files")
        try:
            engine = _engine(url)
            return cls(engine, blob_store, text)
        except StoreError:
            raise
        except Exception as e:
            raise StoreError(f"无法打开工作区数据库（{type(e).__name__}: {str(e)[:200]}），请检查路径或地址。") from e

    def close(self) -> None:
        self.engine.dispose()

    # ------------------------------------------------------------ settings

    def setting(self, key: str, default: str = "") -> str:
        with self.engine.connect() as conn:
            v = conn.execute(select(settings.c.value).where(settings.c.key == key)).scalar()
        return default if v is None else v

    def set_setting(self, key: str, value: str) -> None:
        with self.engine.begin() as conn:
            if conn.execute(select(settings.c.key).where(settings.c.key == key)).first():
                conn.execute(update(settings).where(settings.c.key == key).values(value=value))
            else:
                conn.execute(insert(settings).values(key=key, value=value))

    # ------------------------------------------------------------ roster

    def set_roster(self, roster_units: Sequence[Any], name: str) -> int:
        """Make `roster_units` (generate.roster.Unit) the workspace's roster; earlier ones stay recorded."""
        with self.engine.begin() as conn:
            rid = conn.execute(insert(rosters).values(name=name, uploaded_at=now(), unit_count=len(roster_units))
                               ).inserted_primary_key[0]
            conn.execute(insert(units), [
                {"roster_id": rid, "position": i, "unit_key": unit_key(u.name), "name": u.name, "code": u.code or "",
                 "level": u.level or "", "parent": u.parent or ""} for i, u in enumerate(roster_units)])
        return int(rid)

    def roster_info(self) -> dict[str, Any] | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(rosters).order_by(rosters.c.id.desc()).limit(1)).mappings().first()
        return dict(row) if row else None

    def units(self) -> list[UnitRow]:
        """The current roster's units, in file order."""
        with self.engine.connect() as conn:
            rid = conn.execute(select(func.max(rosters.c.id))).scalar()
            if rid is None:
                return []
            rows = conn.execute(select(units).where(units.c.roster_id == rid).order_by(units.c.position)).mappings()
            return [UnitRow(r["unit_key"], r["name"], r["code"], r["level"], r["parent"], r["position"]) for r in rows]

    def roster_units(self) -> list[Any]:
        from ..generate.roster import Unit

        return [Unit(name=u.name, code=u.code, level=u.level, parent=u.parent) for u in self.units()]

    def unit(self, key: str) -> UnitRow | None:
        return next((u for u in self.units() if u.key == key), None)

    # ------------------------------------------------------------ receiving

    def start_round(self, source: str, files: Iterable[tuple[str, bytes]]) -> int:
        """Receive files (name as uploaded, bytes) as one new round, in one transaction: either all of
        them are recorded or none is. Returns the round id; the files are checked later."""
        received = now()
        with self.engine.begin() as conn:
            rid = conn.execute(insert(rounds).values(source=source, started_at=received, file_count=0,
                                                     checked_count=0)).inserted_primary_key[0]
            n = 0
            for name, data in files:
                self._receive(conn, rid, name, data, received)
                n += 1
            conn.execute(update(rounds).where(rounds.c.id == rid).values(file_count=n))
        return int(rid)

    def _receive(self, conn: Any, round_id: int, name: str, data: bytes, at: datetime) -> int:
        sha = hashlib.sha256(data).hexdigest()
        self.blobs.put(conn, sha, data)
        return int(conn.execute(insert(submissions).values(
            round_id=round_id, sha256=sha, name=name[:500], size=len(data), received_at=at, checked=False,
            errors=0, warnings=0, infos=0, current=False)).inserted_primary_key[0])

    def file_bytes(self, sha: str) -> bytes:
        with self.engine.connect() as conn:
            return self.blobs.get(conn, sha)

    def pending_rounds(self) -> list[int]:
        """Rounds not yet fully checked (e.g. the server stopped while checking): to check again."""
        with self.engine.connect() as conn:
            return list(conn.execute(select(rounds.c.id).where(rounds.c.finished_at.is_(None))
                                     .order_by(rounds.c.id)).scalars())

    def round_files(self, round_id: int) -> list[SubmissionRow]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(submissions).where(submissions.c.round_id == round_id)
                                .order_by(submissions.c.id)).mappings().all()
        return [_submission(r) for r in rows]

    def round_progress(self, round_id: int) -> dict[str, Any] | None:
        with self.engine.connect() as conn:
            r = conn.execute(select(rounds).where(rounds.c.id == round_id)).mappings().first()
        if r is None:
            return None
        return {"round": r["id"], "total": r["file_count"], "checked": r["checked_count"],
                "done": r["finished_at"] is not None}

    def set_progress(self, round_id: int, checked: int) -> None:
        with self.engine.begin() as conn:
            conn.execute(update(rounds).where(rounds.c.id == round_id).values(checked_count=checked))

    def rounds(self) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            return [dict(r) for r in conn.execute(select(rounds).order_by(rounds.c.id)).mappings()]

    # ------------------------------------------------------------ recording results

    def record(self, round_id: int, results: Sequence[tuple[int, FileResult, dict[str, Any] | None]],
               roster_match: dict[int, str | None]) -> None:
        """Record the checker's results for submissions of a round (submission id, result, figures),
        with the roster unit each was matched to; then make the latest submission of every
        (unit, year) current. One transaction: a crash leaves the round unchecked, not half done."""
        with self._lock, self.engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                # another process (a second server, xxgk check --db) may record the same unit at the same
                # time: one recorder at a time, so "latest is current" holds (SQLite locks the file anyway)
                conn.execute(text("SELECT pg_advisory_xact_lock(7165)"))
            touched: set[tuple[str, int | None]] = set()
            rows = []
            for sid, r, figs in results:
                c = r.counts
                key = roster_match.get(sid)
                conn.execute(update(submissions).where(submissions.c.id == sid).values(
                    checked=True, unit_key=key, unit_found=r.unit, year=r.year, kind=r.kind, status=r.status,
                    errors=c["error"], warnings=c["warning"], infos=c["info"], first_problem=_first_problem(r),
                    figures=json.dumps(figs, ensure_ascii=False) if figs is not None else None,
                    current=key is None))
                if key is not None:
                    touched.add((key, r.year))
                for seq, f in enumerate(r.findings):
                    rows.append({"submission_id": sid, "seq": seq, "rule": f.rule, "severity": f.severity,
                                 "outcome": f.outcome, "message": f.message, "hint": f.hint or "",
                                 "sheet": f.sheet, "cell": f.cell, "location": f.location,
                                 "left_value": None if f.left is None else str(f.left), "op": f.op,
                                 "right_value": None if f.right is None else str(f.right), "path": f.path,
                                 "fingerprint": fingerprint(f)})
            if rows:
                conn.execute(insert(findings), rows)
            for key, year in touched:
                self._recompute_current(conn, key, year)
            conn.execute(update(rounds).where(rounds.c.id == round_id).values(
                finished_at=now(), checked_count=len(results)))

    @staticmethod
    def _recompute_current(conn: Any, key: str, year: int | None) -> None:
        same = and_(submissions.c.unit_key == key, submissions.c.checked.is_(True),
                    submissions.c.year.is_(None) if year is None else submissions.c.year == year)
        latest = conn.execute(select(func.max(submissions.c.id)).where(same)).scalar()
        conn.execute(update(submissions).where(same).values(current=submissions.c.id == latest))

    # ------------------------------------------------------------ reading results

    def years(self) -> list[int]:
        with self.engine.connect() as conn:
            return sorted(y for y in conn.execute(select(submissions.c.year).where(
                submissions.c.current.is_(True), submissions.c.year.is_not(None)).distinct()).scalars())

    def working_year(self) -> int | None:
        """The year of this collection: the one chosen on the 生成 page, else the most common year of
        the current submissions (latest on a tie)."""
        y = self.setting("year")
        if y.isdigit():
            return int(y)
        with self.engine.connect() as conn:
            rows = conn.execute(select(submissions.c.year, func.count()).where(
                submissions.c.current.is_(True), submissions.c.year.is_not(None)).group_by(submissions.c.year)).all()
        return max(rows, key=lambda r: (r[1], r[0]))[0] if rows else None

    def current(self, year: int | None) -> dict[str, Current]:
        """unit key -> its current submission for `year`, with accepted warnings counted."""
        with self.engine.connect() as conn:
            cond = [submissions.c.current.is_(True), submissions.c.unit_key.is_not(None)]
            cond.append(submissions.c.year == year if year is not None else submissions.c.year.is_(None))
            rows = conn.execute(select(submissions.c.id, submissions.c.round_id, submissions.c.name,
                                       submissions.c.unit_key, submissions.c.status, submissions.c.errors,
                                       submissions.c.warnings, submissions.c.first_problem,
                                       submissions.c.received_at).where(*cond)).all()
            accepted = dict(conn.execute(
                select(findings.c.submission_id, func.count(func.distinct(findings.c.id)))
                .select_from(findings.join(submissions, submissions.c.id == findings.c.submission_id)
                             .join(decisions, and_(decisions.c.unit_key == submissions.c.unit_key,
                                                   decisions.c.fingerprint == findings.c.fingerprint)))
                .where(*cond, findings.c.severity == "warning", findings.c.outcome == "fail")
                .group_by(findings.c.submission_id)).all())
        return {r.unit_key: Current(r.id, r.round_id, r.name, r.status or "error", r.errors, r.warnings,
                                    int(accepted.get(r.id, 0)), r.first_problem or "", r.received_at)
                for r in rows}

    def unmatched(self) -> list[SubmissionRow]:
        """Checked submissions that match no roster unit (unknown unit, or unreadable without a name);
        not the files the checker skips (lock files, Thumbs.db)."""
        with self.engine.connect() as conn:
            rows = conn.execute(select(submissions).where(submissions.c.checked.is_(True),
                                                          submissions.c.unit_key.is_(None),
                                                          submissions.c.status != "skipped")
                                .order_by(submissions.c.id.desc())).mappings().all()
        return [_submission(r) for r in rows]

    def history(self, key: str) -> list[SubmissionRow]:
        """A unit's submissions, newest first, each with its findings and the decisions that apply."""
        with self.engine.connect() as conn:
            subs = [_submission(r) for r in conn.execute(
                select(submissions).where(submissions.c.unit_key == key).order_by(submissions.c.id.desc())
            ).mappings()]
            decided = {d["fingerprint"]: dict(d) for d in conn.execute(
                select(decisions).where(decisions.c.unit_key == key).order_by(decisions.c.id)).mappings()}
            ids = [s.id for s in subs]
            by_sub: dict[int, list[StoredFinding]] = {i: [] for i in ids}
            if ids:
                for f in conn.execute(select(findings).where(findings.c.submission_id.in_(ids))
                                      .order_by(findings.c.submission_id, findings.c.seq)).mappings():
                    sf = _stored_finding(f)
                    if sf.severity == "warning" and sf.outcome == "fail":
                        sf.decision = decided.get(sf.fingerprint)
                    by_sub[f["submission_id"]].append(sf)
        for s in subs:
            s.findings = by_sub[s.id]
        return subs

    def submission(self, sid: int) -> SubmissionRow | None:
        with self.engine.connect() as conn:
            r = conn.execute(select(submissions).where(submissions.c.id == sid)).mappings().first()
        return _submission(r) if r else None

    def figures_of(self, year: int) -> dict[str, dict[str, float]]:
        """unit key -> figures of its current submission for `year` (passing files only)."""
        with self.engine.connect() as conn:
            rows = conn.execute(select(submissions.c.unit_key, submissions.c.figures).where(
                submissions.c.current.is_(True), submissions.c.year == year,
                submissions.c.unit_key.is_not(None), submissions.c.figures.is_not(None))).all()
        return {k: json.loads(f) for k, f in rows}

    def current_files(self, year: int | None) -> list[tuple[str, str, str]]:
        """(unit key, sha256, uploaded name) of the current submission of every unit for `year`."""
        with self.engine.connect() as conn:
            cond = [submissions.c.current.is_(True), submissions.c.unit_key.is_not(None),
                    submissions.c.year == year if year is not None else submissions.c.year.is_(None)]
            return [tuple(r) for r in conn.execute(select(submissions.c.unit_key, submissions.c.sha256,
                                                          submissions.c.name).where(*cond)
                                                   .order_by(submissions.c.id)).all()]

    def current_findings(self, year: int, rule_suffix: str) -> list[dict[str, Any]]:
        """Failing findings whose rule id ends with `rule_suffix`, of the current submissions of `year`."""
        with self.engine.connect() as conn:
            rows = conn.execute(select(submissions.c.unit_key, findings).join(
                submissions, submissions.c.id == findings.c.submission_id).where(
                submissions.c.current.is_(True), submissions.c.year == year, findings.c.outcome == "fail",
                findings.c.rule.like(f"%{rule_suffix}")).order_by(findings.c.submission_id, findings.c.seq)
            ).mappings().all()
        return [{"unit_key": r["unit_key"], "finding": _stored_finding(r)} for r in rows]

    # ------------------------------------------------------------ review decisions

    def decide(self, key: str, finding_id: int, reviewer: str, reason: str) -> dict[str, Any]:
        """Accept (已核实) the warning `finding_id` of unit `key`. Raises StoreError for an error
        finding or one of another unit: a decision never hides an error."""
        reason = reason.strip()
        reviewer = reviewer.strip()
        if not reason:
            raise StoreError("请填写核实理由。")
        if not reviewer:
            raise StoreError("请填写核实人。")
        with self.engine.begin() as conn:
            f = conn.execute(select(findings, submissions.c.unit_key).join(
                submissions, submissions.c.id == findings.c.submission_id).where(findings.c.id == finding_id)
            ).mappings().first()
            if f is None or f["unit_key"] != key:
                raise StoreError("找不到该问题，请刷新页面后重试。")
            if f["severity"] != "warning" or f["outcome"] != "fail":
                raise StoreError("只有“警告”可以标记为已核实；错误必须由填报单位改正。")
            sf = _stored_finding(f)
            existing = conn.execute(select(decisions).where(decisions.c.unit_key == key,
                                                            decisions.c.fingerprint == sf.fingerprint)).first()
            if existing is None:
                conn.execute(insert(decisions).values(
                    unit_key=key, fingerprint=sf.fingerprint, rule=sf.rule, place=sf.where,
                    values_text=" ".join(x for x in (f["left_value"], f["op"], f["right_value"]) if x) or f["message"],
                    reviewer=reviewer[:100], reason=reason[:1000], decided_at=now()))
        return {"fingerprint": sf.fingerprint}

    def decisions(self, key: str | None = None) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            q = select(decisions).order_by(decisions.c.id)
            if key is not None:
                q = q.where(decisions.c.unit_key == key)
            return [dict(r) for r in conn.execute(q).mappings()]

    def counts(self) -> dict[str, int]:
        with self.engine.connect() as conn:
            return {"blobs": conn.execute(select(func.count()).select_from(blobs)).scalar_one(),
                    "submissions": conn.execute(select(func.count()).select_from(submissions)).scalar_one(),
                    "rounds": conn.execute(select(func.count()).select_from(rounds)).scalar_one()}


def _engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn: Any, _record: Any) -> None:
            # WAL: readers never block the one writer; NORMAL sync is still crash-safe in WAL mode
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.close()

        return engine
    return create_engine(url, pool_pre_ping=True)


def _first_problem(r: FileResult) -> str:
    failing = [f for f in r.findings if f.outcome == "fail"]
    for sev in ("error", "warning"):
        for f in failing:
            if f.severity == sev:
                return (f"{f.where}：" if f.where else "") + f.message
    return ""


def _submission(r: Any) -> SubmissionRow:
    return SubmissionRow(r["id"], r["round_id"], r["name"], r["sha256"], r["size"], r["received_at"], r["checked"],
                         r["unit_key"], r["unit_found"], r["year"], r["status"], r["errors"], r["warnings"],
                         r["current"])


def _stored_finding(f: Any) -> StoredFinding:
    where = f"{f['sheet']}!{f['cell']}" if f["sheet"] and f["cell"] else (f["sheet"] or f["location"] or "")
    return StoredFinding(f["id"], f["rule"], f["severity"], f["outcome"], f["message"], f["hint"], where,
                         f["fingerprint"])

