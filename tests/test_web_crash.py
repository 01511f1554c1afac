"""A real `xxgk serve` process killed with SIGKILL in the middle of an upload, and in the middle of
checking a round: the store stays consistent, and a restarted server finishes the round."""

from __future__ import annotations

import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from hostile.corpus import passing
from xxgk.generate.roster import Unit
from xxgk.store import Store

XXGK = Path(sys.executable).with_name("xxgk")
N = 40


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def server(ws: Path) -> Iterator[tuple[subprocess.Popen, str]]:
    port = _port()
    proc = subprocess.Popen([str(XXGK), "serve", "--data", str(ws), "--port", str(port), "--no-browser", "--jobs", "1"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                httpx.get(url + "/static/app.css", timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.1)
        else:
            raise RuntimeError(proc.stderr.read().decode() if proc.poll() is not None else "server did not start")
        yield proc, url
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def _token(client: httpx.Client) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', client.get("/upload").text).group(1)


def _workspace(tmp_path: Path) -> Path:
    ws = tmp_path / "ws"
    s = Store.open(ws)
    s.set_roster([Unit(f"甲{i}镇", "", "乡镇", "某县") for i in range(N)], "名单.csv")
    s.close()
    return ws


def test_killed_in_the_middle_of_an_upload(tmp_path: Path) -> None:
    ws = _workspace(tmp_path)
    body = passing("甲0镇")
    with server(ws) as (proc, url):
        with httpx.Client(base_url=url) as c:
            token = _token(c)
            cookie = "; ".join(f"{k}={v}" for k, v in c.cookies.items())
        port = int(url.rsplit(":", 1)[1])
        boundary = "xxgkboundary"
        head = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{token}\r\n"
                f"--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"a.xlsx\"\r\n"
                "Content-Type: application/octet-stream\r\n\r\n").encode()
        total = len(head) + len(body) * 3 + 100
        with socket.create_connection(("127.0.0.1", port)) as sock:
            sock.sendall((f"POST /upload HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: {cookie}\r\n"
                          f"Content-Type: multipart/form-data; boundary={boundary}\r\n"
                          f"Content-Length: {total}\r\n\r\n").encode() + head + body)
            time.sleep(0.5)  # half of the request is in the server
            proc.kill()
            proc.wait()
    assert proc.returncode == -9
    s = Store.open(ws)
    assert s.counts() == {"blobs": 0, "submissions": 0, "rounds": 0}
    s.close()


def test_killed_while_checking_then_restarted(tmp_path: Path) -> None:
    ws = _workspace(tmp_path)
    files = [("files", (f"甲{i}镇.xlsx", passing(f"甲{i}镇"))) for i in range(N)]
    with server(ws) as (proc, url), httpx.Client(base_url=url, timeout=120) as c:
        r = c.post("/upload", data={"csrf": _token(c)}, files=files, headers={"accept": "application/json"})
        assert r.status_code == 200 and r.json()["files"] == N
        rid = r.json()["round"]
        proc.kill()  # the round was received; its check is under way
        proc.wait()
    s = Store.open(ws)
    assert s.counts()["submissions"] == N and s.pending_rounds() == [rid]
    assert s.current(2024) == {}  # nothing half-recorded
    s.close()
    with server(ws) as (_proc, url), httpx.Client(base_url=url) as c:
        for _ in range(600):
            p = c.get(f"/rounds/{rid}/progress").json()
            if p["done"]:
                break
            time.sleep(0.2)
        assert p == {"round": rid, "total": N, "checked": N, "done": True, "failed": None}
    s = Store.open(ws)
    assert sorted(s.current(2024)) == sorted(f"甲{i}镇" for i in range(N))
    assert all(c.status == "pass" for c in s.current(2024).values())
    s.close()
