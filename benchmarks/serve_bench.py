"""`xxgk serve` at the size of a province's round. See benchmarks/README.md.

    . .venv/bin/activate
    python benchmarks/serve_bench.py                 # 1,000 files in one upload; 检查结果 at 5,000 units
    python benchmarks/serve_bench.py --files 300 --units 2000

(1) Upload: a real `xxgk serve` process (its own workspace, --jobs J) receives N workbooks from the
    check_throughput pool (realistic figures, ~16% with a planted defect) in ONE multipart request,
    as a browser's drag and drop sends them. Timed: the request (receipt, hashing, storing), then
    the check of the round, following /rounds/{id}/progress every 0.25 s as the page's progress
    bar does; the distinct progress values seen show that the bar moves.
(2) 检查结果: a workspace with a roster of U units, 90% of which have a current submission (recorded
    through Store.record with results shaped like the checker's: 80% pass, 8% warn, 12% fail with
    a finding at a cell), served by a real `xxgk serve`; GET /results timed from the client
    (request sent → whole page received), 1 warm-up then 10 loads: median and max.
"""

from __future__ import annotations

import argparse
import platform
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from check_throughput import LEVELS, make_corpus  # noqa: E402

from xxgk.generate.roster import Unit  # noqa: E402
from xxgk.report.model import FileResult, Finding  # noqa: E402
from xxgk.store import Store  # noqa: E402

XXGK = Path(sys.executable).with_name("xxgk")
SHEET3 = "三、收到和处理政府信息公开申请情况"
BALANCE = "表三“自然人”列：本年新收+上年结转=5，办理结果总计+结转下年度=3，两者应相等。"
TEXT_NUMBER = "表三“一、本年新收政府信息公开申请数量”行“自然人”列的内容“3”是文本形式的数字，已按3读取。"


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    def __init__(self, ws: Path, jobs: int):
        self.port = _port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc = subprocess.Popen([str(XXGK), "serve", "--data", str(ws), "--port", str(self.port),
                                      "--no-browser", "--jobs", str(jobs)])
        for _ in range(300):
            try:
                httpx.get(self.url + "/static/app.css", timeout=1)
                return
            except httpx.HTTPError:
                time.sleep(0.1)
        raise RuntimeError("server did not start")

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def _units(n: int) -> list[Unit]:
    return [Unit(f"测试{i:05d}{'镇' if LEVELS[i % len(LEVELS)] == '乡镇' else '单位'}", f"41{i:08d}",
                 LEVELS[i % len(LEVELS)], "测试区人民政府") for i in range(n)]


def bench_upload(n: int, jobs: int, tmp: Path) -> None:
    corpus = make_corpus(n, jobs)
    ws = tmp / "upload-ws"
    s = Store.open(ws)
    s.set_roster(_units(n), "名单.csv")
    s.close()
    server = Server(ws, jobs)
    try:
        with httpx.Client(base_url=server.url, timeout=600) as c:
            token = re.search(r'name="csrf" value="([^"]+)"', c.get("/upload").text).group(1)
            files = [("files", (p.name, p.read_bytes(), "application/octet-stream"))
                     for p in sorted(corpus.iterdir())]
            size = sum(len(f[1][1]) for f in files)
            t0 = time.perf_counter()
            r = c.post("/upload", data={"csrf": token}, files=files, headers={"accept": "application/json"})
            t_upload = time.perf_counter() - t0
            r.raise_for_status()
            rid = r.json()["round"]
            seen = []
            while True:
                p = c.get(f"/rounds/{rid}/progress").json()
                seen.append(p["checked"])
                if p["done"]:
                    break
                time.sleep(0.25)
            t_total = time.perf_counter() - t0
            page = c.get("/results").text
    finally:
        server.stop()
    statuses = {k: page.count(f'<tr class="st-{k}">') for k in ("pass", "warn", "fail", "error", "missing")}
    print(f"(1) upload of {n} files ({size / 1024 / 1024:.1f} MB) in one request, --jobs {jobs}")
    print(f"    request (receive + hash + store): {t_upload:.2f} s")
    print(f"    upload + check of the round:      {t_total:.2f} s ({n / t_total:.1f} files/s)")
    print(f"    progress values seen: {len(set(seen))} distinct ({', '.join(map(str, sorted(set(seen))[:8]))}, …)")
    print(f"    检查结果 rows by status: {statuses}")


def bench_results(units: int, tmp: Path) -> None:
    ws = tmp / "results-ws"
    s = Store.open(ws)
    roster = _units(units)
    s.set_roster(roster, "名单.csv")
    sent = [u for i, u in enumerate(roster) if i % 10 != 9]  # 90% sent
    t0 = time.perf_counter()
    rid = s.start_round("web", ((f"{u.name}.xlsx", f"{u.code}".encode()) for u in sent))
    subs = s.round_files(rid)
    results = []
    for k, (sub, u) in enumerate(zip(subs, sent, strict=True)):
        r = FileResult(path=sub.name, kind="workbook", unit=u.name, year=2024, document={"unit": {"name": u.name}})
        if k % 25 < 3:  # 12% fail
            r.findings.append(Finding("T3-BALANCE", "error", BALANCE, sheet=SHEET3, cell="D30", left=5, op="==",
                                      right=3))
        elif k % 25 < 5:  # 8% warn
            r.findings.append(Finding("CELL-TEXT-NUMBER", "warning", TEXT_NUMBER, sheet=SHEET3, cell="D6"))
        results.append((sub.id, r, {}))
    s.record(rid, results, {sub.id: u.name for sub, u in zip(subs, sent, strict=True)})
    s.set_setting("year", "2024")
    s.close()
    print(f"(2) 检查结果 at {units} units ({len(sent)} with a current submission; store filled in "
          f"{time.perf_counter() - t0:.1f} s)")
    server = Server(ws, 1)
    try:
        with httpx.Client(base_url=server.url, timeout=60) as c:
            c.get("/results")
            for query in ("", "?status=fail"):
                times = []
                for _ in range(10):
                    t = time.perf_counter()
                    r = c.get("/results" + query)
                    times.append(time.perf_counter() - t)
                    r.raise_for_status()
                rows = r.text.count("<tr class=\"st-")
                print(f"    GET /results{query:<13} {rows:>5} rows, {len(r.content) / 1024:.0f} KB: "
                      f"median {statistics.median(times) * 1000:.0f} ms, max {max(times) * 1000:.0f} ms")
    finally:
        server.stop()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--files", type=int, default=1000)
    ap.add_argument("--units", type=int, default=5000)
    ap.add_argument("--jobs", type=int, default=2)
    args = ap.parse_args()
    print(f"python {platform.python_version()}, {platform.machine()}, cores: {__import__('os').cpu_count()}")
    with tempfile.TemporaryDirectory(prefix="xxgk-serve-bench-") as tmp:
        if args.files:
            bench_upload(args.files, args.jobs, Path(tmp))
        if args.units:
            bench_results(args.units, Path(tmp))


if __name__ == "__main__":
    main()
