"""Received files, addressed by content hash (sha256), never by the name they were uploaded with.

In a folder: files/ab/<sha256>, written to a temporary name beside it and renamed into place, then
made read-only. In the database: the blobs.content column (for a PostgreSQL server without a
shared folder). Either way a file is written once and never changed after receipt.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from pathlib import Path

from sqlalchemy import Connection, select

from .schema import blobs


class FolderBlobs:
    in_database = False

    def __init__(self, root: Path):
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        for left in self.root.glob(".tmp-*"):  # a write cut short by a crash: never referenced
            with contextlib.suppress(OSError):
                left.unlink()

    def path(self, sha: str) -> Path:
        if len(sha) != 64 or any(c not in "0123456789abcdef" for c in sha):
            raise ValueError("not a sha256")
        return self.root / sha[:2] / sha

    def put(self, conn: Connection, sha: str, data: bytes) -> None:
        target = self.path(sha)
        if not target.exists():
            target.parent.mkdir(exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=self.root)
            try:
                with os.fdopen(fd, "wb") as fh:
                    fh.write(data)
                    fh.flush()
                    os.fsync(fh.fileno())
                os.chmod(tmp, stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)
                os.replace(tmp, target)
            except BaseException:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)
                raise
        _insert_row(conn, sha, len(data), None)

    def get(self, conn: Connection, sha: str) -> bytes:
        return self.path(sha).read_bytes()


class DatabaseBlobs:
    in_database = True

    def put(self, conn: Connection, sha: str, data: bytes) -> None:
        _insert_row(conn, sha, len(data), data)

    def get(self, conn: Connection, sha: str) -> bytes:
        data = conn.execute(select(blobs.c.content).where(blobs.c.sha256 == sha)).scalar_one()
        return bytes(data)


def _insert_row(conn: Connection, sha: str, size: int, content: bytes | None) -> None:
    # Same content twice (two units' identical files, or one re-sent): one row. Two requests racing
    # on a new hash: the loser's insert fails on the primary key, which a savepoint absorbs.
    if conn.execute(select(blobs.c.sha256).where(blobs.c.sha256 == sha)).first():
        return
    from sqlalchemy.exc import IntegrityError

    try:
        with conn.begin_nested():
            conn.execute(blobs.insert().values(sha256=sha, size=size, content=content))
    except IntegrityError:
        pass
