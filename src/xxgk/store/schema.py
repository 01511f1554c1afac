"""The store's tables (SQLAlchemy Core) and its versioned migrations.

Migrations are a numbered list applied in order and recorded in `schema_version`, inside one
transaction each. Alembic was not used: a workspace is opened by a desktop command (`xxgk serve`,
`xxgk check --db`) that must upgrade it in-process on open, with no migration folder or config
file to ship; a numbered list of functions over the same Core tables does that in a few lines.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import (
    Boolean,
    Column,
    Connection,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    insert,
    inspect,
    select,
)

metadata = MetaData()

schema_version = Table(
    "schema_version", metadata,
    Column("version", Integer, primary_key=True),
    Column("applied_at", DateTime(timezone=True), nullable=False),
)

settings = Table(
    "settings", metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)

rosters = Table(
    "rosters", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", Text, nullable=False),  # the uploaded file's name, shown only
    Column("uploaded_at", DateTime(timezone=True), nullable=False),
    Column("unit_count", Integer, nullable=False),
)

units = Table(
    "units", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("roster_id", Integer, ForeignKey("rosters.id"), nullable=False),
    Column("position", Integer, nullable=False),
    Column("unit_key", Text, nullable=False),  # normalised name: what submissions and decisions refer to
    Column("name", Text, nullable=False),
    Column("code", Text, nullable=False),
    Column("level", Text, nullable=False),
    Column("parent", Text, nullable=False),
    Index("ix_units_roster", "roster_id", "position"),
)

blobs = Table(
    "blobs", metadata,
    Column("sha256", String(64), primary_key=True),
    Column("size", Integer, nullable=False),
    Column("content", LargeBinary, nullable=True),  # only when files are kept in the database
)

rounds = Table(
    "rounds", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("source", String(8), nullable=False),  # web or cli
    Column("started_at", DateTime(timezone=True), nullable=False),
    Column("finished_at", DateTime(timezone=True), nullable=True),  # None while being checked
    Column("file_count", Integer, nullable=False),
    Column("checked_count", Integer, nullable=False),
)

submissions = Table(
    "submissions", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("round_id", Integer, ForeignKey("rounds.id"), nullable=False),
    Column("sha256", String(64), ForeignKey("blobs.sha256"), nullable=False),
    Column("name", Text, nullable=False),  # as uploaded; shown only, never a path
    Column("size", Integer, nullable=False),
    Column("received_at", DateTime(timezone=True), nullable=False),
    Column("checked", Boolean, nullable=False),
    Column("unit_key", Text, nullable=True),  # roster unit it was matched to
    Column("unit_found", Text, nullable=True),  # unit name read from the file
    Column("year", Integer, nullable=True),
    Column("kind", String(16), nullable=True),
    Column("status", String(16), nullable=True),
    Column("errors", Integer, nullable=False),
    Column("warnings", Integer, nullable=False),
    Column("infos", Integer, nullable=False),
    Column("current", Boolean, nullable=False),
    Column("first_problem", Text, nullable=True),  # where + message of its first error, else first warning
    Column("figures", Text, nullable=True),  # JSON {path: value} of a passing file's non-zero figures
    Index("ix_submissions_unit", "unit_key", "year", "current"),
    Index("ix_submissions_round", "round_id"),
)

findings = Table(
    "findings", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("submission_id", Integer, ForeignKey("submissions.id"), nullable=False),
    Column("seq", Integer, nullable=False),
    Column("rule", String(64), nullable=False),
    Column("severity", String(8), nullable=False),
    Column("outcome", String(16), nullable=False),
    Column("message", Text, nullable=False),
    Column("hint", Text, nullable=False),
    Column("sheet", Text, nullable=True),
    Column("cell", String(16), nullable=True),
    Column("location", Text, nullable=True),
    Column("left_value", Text, nullable=True),
    Column("op", String(8), nullable=True),
    Column("right_value", Text, nullable=True),
    Column("path", Text, nullable=True),
    Column("fingerprint", String(64), nullable=False),
    Index("ix_findings_submission", "submission_id", "seq"),
)

decisions = Table(
    "decisions", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("unit_key", Text, nullable=False),
    Column("fingerprint", String(64), nullable=False),
    Column("rule", String(64), nullable=False),
    Column("place", Text, nullable=False),
    Column("values_text", Text, nullable=False),
    Column("reviewer", Text, nullable=False),
    Column("reason", Text, nullable=False),
    Column("decided_at", DateTime(timezone=True), nullable=False),
    Index("ix_decisions_unit", "unit_key", "fingerprint"),
)


def _v1(conn: Connection) -> None:
    metadata.create_all(conn, tables=[settings, rosters, units, blobs, rounds, submissions, findings, decisions])


MIGRATIONS: list[tuple[int, Callable[[Connection], None]]] = [(1, _v1)]
LATEST = MIGRATIONS[-1][0]


def migrate(conn: Connection, now: Callable[[], object]) -> int:
    """Apply every migration newer than the workspace's version; return the version reached."""
    if not inspect(conn).has_table("schema_version"):
        schema_version.create(conn)
    done = set(conn.execute(select(schema_version.c.version)).scalars())
    for version, step in MIGRATIONS:
        if version not in done:
            step(conn)
            conn.execute(insert(schema_version).values(version=version, applied_at=now()))
    return max(done | {v for v, _ in MIGRATIONS})
