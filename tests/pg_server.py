"""A real PostgreSQL server for the store tests: initdb + pg_ctl from Debian's postgresql package
(scripts/setup-system.sh installs it), in a temporary folder, on a free loopback port, stopped at
the end. initdb refuses to run as root, so as root (CI) the server runs as the `postgres` user
that Debian's package creates. XXGK_REQUIRE_APPS=1 makes a missing server a failure, not a skip.
"""

from __future__ import annotations

import glob
import itertools
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

_names = itertools.count(1)


def _unavailable(reason: str) -> None:
    if os.environ.get("XXGK_REQUIRE_APPS") == "1":
        pytest.fail(f"{reason} (XXGK_REQUIRE_APPS=1)")
    pytest.skip(reason)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def postgres_server() -> Iterator[str]:
    """Yield the URL of a fresh server's `postgres` database."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not found:
        _unavailable("需要 PostgreSQL（/usr/lib/postgresql/*/bin/initdb；scripts/setup-system.sh 会安装）")
    bindir = os.path.dirname(found[-1])
    prefix: list[str] = []
    base = tempfile.mkdtemp(prefix="xxgk-pg-")
    if os.geteuid() == 0:
        try:
            pw = pwd.getpwnam("postgres")
        except KeyError:
            _unavailable("以 root 运行时需要 postgres 系统用户（postgresql 软件包会创建）")
        os.chown(base, pw.pw_uid, pw.pw_gid)
        prefix = ["runuser", "-u", "postgres", "--"]
    data = os.path.join(base, "data")
    port = _free_port()

    def run(*args: str) -> None:
        subprocess.run([*prefix, *args], check=True, capture_output=True, timeout=120)

    started = False
    try:
        run(f"{bindir}/initdb", "-D", data, "-A", "trust", "-U", "postgres", "-E", "UTF8", "--locale=C")
        run(f"{bindir}/pg_ctl", "-D", data, "-l", os.path.join(base, "log"), "-w", "-t", "60", "-o",
            f"-p {port} -k {base} -c listen_addresses=127.0.0.1 -c fsync=off", "start")
        started = True
        yield f"postgresql://postgres@127.0.0.1:{port}/postgres"
    except subprocess.CalledProcessError as e:
        log = ""
        if os.path.exists(os.path.join(base, "log")):
            with open(os.path.join(base, "log"), encoding="utf-8", errors="replace") as fh:
                log = fh.read()[-2000:]
        raise RuntimeError(f"PostgreSQL did not start: {e.stderr!r}\n{log}") from e
    finally:
        if started:
            subprocess.run([*prefix, f"{bindir}/pg_ctl", "-D", data, "-m", "immediate", "stop"],
                           capture_output=True, timeout=60)
        shutil.rmtree(base, ignore_errors=True)


def fresh_database(server_url: str) -> str:
    """A new, empty database on the server; its URL."""
    from sqlalchemy import create_engine, text

    name = f"xxgk_test_{os.getpid()}_{next(_names)}"
    engine = create_engine("postgresql+psycopg://" + server_url.split("://", 1)[1], isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return server_url.rsplit("/", 1)[0] + "/" + name
