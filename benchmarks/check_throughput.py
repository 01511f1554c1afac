"""Throughput and memory of `xxgk check`, against a straightforward openpyxl checker and the
bare cost of unzipping and parsing the workbook XML (the floor). See benchmarks/README.md.

    . .venv/bin/activate
    python benchmarks/check_throughput.py                  # N = 2,000 workbooks
    python benchmarks/check_throughput.py --n 10000        # N = 10,000 (add --skip-single to save time)
    python benchmarks/check_throughput.py --stages         # where the time goes inside one check

The first run generates a pool of filled workbooks with realistic figures and a realistic share
of defects into benchmarks/work/pool/ (gitignored; about 24 KB each, reused by later runs), and
links the first N into benchmarks/work/corpus-N/. Then, on the same files:

  (c) floor      zipfile + lxml parsing every worksheet, sharedStrings, styles and workbook part;
  (b) openpyxl   openpyxl normal mode (the only mode exposing protection and validations)
                 reading every input cell and each sheet's protection;
  (a) in-process `check_file` in this process: read, extract, tamper, schema, rules, text rules;
  (e) end to end `xxgk check FOLDER --jobs J` as a subprocess (start-up, workers, result
                 transfer, totals and the three summaries included): wall time, files/s, and the
                 peak memory of the whole process tree (parent + workers; /proc VmRSS sampled).

(a), (b), (c) are medians over a sample of files (--sample, default 300) timed one by one.
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import random
import statistics
import subprocess
import sys
import threading
import time
import zipfile
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

from lxml import etree

from xxgk.form.definition import load_form
from xxgk.generate.fill import fill_document, set_cells
from xxgk.generate.roster import Unit
from xxgk.generate.workbook import build_workbook

ROOT = Path(__file__).resolve().parent
WORK = ROOT / "work"
LEVELS = ["乡镇"] * 6 + ["街道"] * 2 + ["县级部门"] * 3 + ["村社区"]


# ---------------------------------------------------------------- the corpus


def realistic_values(rng: random.Random, level: str) -> dict:
    """A balanced report: most townships receive few or no requests, departments more."""
    form = load_form()
    v: dict = {}
    cols = [c["key"] for c in form.grid_columns("requests") if c["key"] != "total"]
    results = form.groups["requests"]["results"]
    scale = {"乡镇": 2, "街道": 3, "县级部门": 12, "村社区": 0}.get(level, 5)
    for c in cols:
        weight = 1.0 if c == "natural_person" else 0.15
        new = int(rng.expovariate(1 / (scale * weight))) if scale else 0
        carried = rng.choice([0, 0, 0, 1]) if new else 0
        forward = min(new + carried, rng.choice([0, 0, 1]))
        done = new + carried - forward
        v[f"requests.new_received.{c}"] = new
        v[f"requests.carried_over.{c}"] = carried
        v[f"requests.carried_forward.{c}"] = forward
        for _ in range(done):
            r = rng.choice(results[:2] * 6 + results)
            v[f"requests.{r}.{c}"] = v.get(f"requests.{r}.{c}", 0) + 1
    v["proactive.normative_documents.issued"] = rng.randint(0, 5)
    v["proactive.normative_documents.in_force"] = rng.randint(5, 30)
    v["proactive.licensing"] = rng.randint(0, 500) if level != "村社区" else 0
    v["proactive.punishment"] = rng.randint(0, 80)
    v["proactive.fees"] = round(rng.uniform(0, 50), 4) if level == "县级部门" else 0
    texts = {
        "overview.proactive": "本年度主动公开政府信息，及时发布政策文件和工作动态。",
        "overview.requests": "本年度依申请公开工作依法按时答复。",
        "overview.management": "加强政府信息管理，开展公开属性审查和文件清理。",
        "overview.platform": "依托政府网站和政务新媒体做好政府信息公开平台建设。",
        "overview.supervision": "加强监督保障，组织业务培训，纳入年度考核。",
        "problems.problems": "公开内容的及时性和解读质量仍需提高。",
        "problems.improvements": "下一步将加强培训，完善发布审核流程。",
    }
    v.update(texts)
    v["other.fee_charged"] = False
    return v


def _make(args: tuple[int, str]) -> None:
    """Workbook number i: realistic figures; about 16% carry a defect (balance, typed total, text number)."""
    i, target = args
    rng = random.Random(i)
    form = load_form()
    level = LEVELS[i % len(LEVELS)]
    unit = Unit(f"测试{i:05d}{'镇' if level == '乡镇' else '单位'}", f"41{i:08d}", level, "测试区人民政府")
    data = fill_document(build_workbook(form, unit, 2024), form, realistic_values(rng, level))
    roll = rng.random()
    sheet3 = form.sheet_of_section("requests")
    if roll < 0.08:  # broken balance
        data = set_cells(data, {sheet3: {form.field("requests.carried_forward.natural_person").cell: 7}})
    elif roll < 0.12:  # a total typed over
        data = set_cells(data, {sheet3: {form.field("requests.granted.total").cell: 99}})
    elif roll < 0.16:  # a number stored as text
        data = set_cells(data, {sheet3: {form.field("requests.granted.commercial").cell: "１"}})
    tmp = Path(target + ".part")
    tmp.write_bytes(data)
    tmp.replace(target)  # an interrupted run leaves no half-written workbook in the pool


def make_corpus(n: int, jobs: int) -> Path:
    """benchmarks/work/corpus-N/ holding hard links to the first N workbooks of the pool."""
    pool = WORK / "pool"
    pool.mkdir(parents=True, exist_ok=True)
    todo = [(i, str(pool / f"{i:05d}.xlsx")) for i in range(n) if not (pool / f"{i:05d}.xlsx").exists()]
    if todo:
        t = time.perf_counter()
        print(f"generating {len(todo)} workbooks into {pool} (once; later runs reuse them) …", flush=True)
        with ProcessPoolExecutor(jobs) as ex:
            list(ex.map(_make, todo, chunksize=32))
        print(f"generated {len(todo)} workbooks in {time.perf_counter() - t:.1f} s", flush=True)
    folder = WORK / f"corpus-{n}"
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        link = folder / f"{i:05d}.xlsx"
        if not link.exists():
            try:
                os.link(pool / link.name, link)
            except OSError:  # a file system without hard links
                link.write_bytes((pool / link.name).read_bytes())
    for extra in folder.iterdir():  # a folder left from a larger run of the same N: keep exactly N
        if extra.suffix != ".xlsx" or int(extra.stem) >= n:
            extra.unlink()
    return folder


# ---------------------------------------------------------------- memory of a process tree


def _rss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status", encoding="ascii", errors="replace") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def _children(pid: int) -> list[int]:
    out: list[int] = []
    try:
        for tid in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{tid}/children", encoding="ascii") as fh:
                out.extend(int(x) for x in fh.read().split())
    except OSError:
        pass
    return out


def tree_rss_kb(root: int) -> int:
    """Sum of VmRSS over a process and all its descendants (shared pages counted in each)."""
    total, stack, seen = 0, [root], set()
    while stack:
        pid = stack.pop()
        if pid in seen:
            continue
        seen.add(pid)
        total += _rss_kb(pid)
        stack.extend(_children(pid))
    return total


class TreeSampler(threading.Thread):
    """Samples the process tree of `pid` every `interval` seconds; `peak_mb` is the largest sum."""

    def __init__(self, pid: int, interval: float = 0.05):
        super().__init__(daemon=True)
        self.pid, self.interval, self.peak_kb, self.max_procs = pid, interval, 0, 0
        self._halt = threading.Event()

    def run(self) -> None:
        while not self._halt.is_set():
            self.peak_kb = max(self.peak_kb, tree_rss_kb(self.pid))
            self._halt.wait(self.interval)

    def stop(self) -> None:
        self._halt.set()
        self.join()

    @property
    def peak_mb(self) -> float:
        return self.peak_kb / 1024


# ---------------------------------------------------------------- the measurements


def time_check_end_to_end(folder: Path, jobs: int) -> tuple[float, float, str]:
    """(wall seconds, peak MB of the process tree, exit status) of `xxgk check FOLDER --jobs J`."""
    out = WORK / f"summary-{folder.name}-j{jobs}"
    t = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "xxgk.cli", "check", str(folder), "--out", str(out),
                             "--jobs", str(jobs), "--quiet"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    sampler = TreeSampler(proc.pid)
    sampler.start()
    _, err = proc.communicate()
    wall = time.perf_counter() - t
    sampler.stop()
    if proc.returncode not in (0, 1):
        raise SystemExit(f"xxgk check failed ({proc.returncode}):\n{err.decode(errors='replace')[-2000:]}")
    return wall, sampler.peak_mb, "exit 1 (some files fail, as planted)" if proc.returncode else "exit 0"


def _openpyxl_read(p: Path, inputs: list[tuple[str, str]]) -> None:
    from openpyxl import load_workbook

    wb = load_workbook(p)  # normal mode: the only one exposing protection and validations
    for sheet, cell in inputs:
        _ = wb[sheet][cell].value
    _ = [ws.protection.sheet for ws in wb.worksheets]
    wb.close()


_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)


def _floor_read(p: Path) -> None:
    with zipfile.ZipFile(p) as z:
        for name in z.namelist():
            if name.startswith("xl/worksheets/") or name in ("xl/sharedStrings.xml", "xl/styles.xml",
                                                              "xl/workbook.xml"):
                etree.fromstring(z.read(name), _PARSER)


def time_per_file(paths: list[Path]) -> tuple[list[float], list[float], list[float]]:
    """(c) floor, (b) openpyxl and (a) check_file in ms, each file timed by all three back to back,
    so that a change of machine load touches all three alike (the ratios are per file)."""
    from xxgk.check.run import check_file

    form = load_form()
    inputs = [(f.sheet, f.cell) for f in form.fields if f.kind == "input"]
    check_file(paths[0])  # warm up: form, schema validator, per-form tables
    _floor_read(paths[0])
    floor, base, check = [], [], []
    for p in paths:
        for out, fn, args in ((floor, _floor_read, (p,)), (base, _openpyxl_read, (p, inputs)),
                              (check, check_file, (p,))):
            t = time.perf_counter()
            fn(*args)
            out.append((time.perf_counter() - t) * 1000)
    return floor, base, check


def stages(paths: list[Path]) -> None:
    """Median CPU time of each step of one check, in this process (no profiler overhead)."""
    import hashlib
    import pickle
    from collections import defaultdict

    from xxgk.check import extract as ex
    from xxgk.check.rules import evaluate
    from xxgk.check.run import _check_task, _init, make_locator
    from xxgk.check.text import evaluate_text
    from xxgk.check.validate import validate_document
    from xxgk.form.definition import CHECK_SHEET
    from xxgk.read.safe_open import SafeZip, zip_kind
    from xxgk.read.xlsx import read_workbook

    form = load_form()
    times: dict[str, list[float]] = defaultdict(list)

    def timed(step: str, fn: Any, *a: Any, **kw: Any) -> Any:
        t0 = time.process_time()  # CPU time: steadier than wall time on a shared machine
        r = fn(*a, **kw)
        times[step].append((time.process_time() - t0) * 1000)
        return r

    def read_sha(p: Path) -> bytes:
        data = p.read_bytes()
        hashlib.sha256(data).hexdigest()
        return data

    def open_zip(data: bytes) -> SafeZip:
        z = SafeZip(data)
        zip_kind(z)
        return z

    _init({"previous": None, "year": None, "timeout": 60.0})
    for p in [paths[0], *paths]:
        data = timed("read bytes + sha256", read_sha, p)
        z = timed("zip directory + content types", open_zip, data)
        raw = timed("workbook.xml, rels, custom props", read_workbook, z)
        timed("sheet XML: unzip, parse, cell loop", lambda raw: [s.cells for s in raw.sheets if s.name != CHECK_SHEET],
              raw)  # the sheets extract() reads (it never reads 校验)
        e = timed("extraction, tamper rules", ex.extract, raw, name=p.name, sha256="")
        loc = make_locator(form, e.locations, False)
        timed("schema validation", validate_document, form, e.document, loc)
        timed("arithmetic rules", evaluate, form, e.document, None, loc)
        timed("text rules", evaluate_text, form, e.document, loc, file_name=p.name)
        res = timed("whole worker task (all of the above)", _check_task, str(p))
        timed("result pickling (both ways)", lambda r: pickle.loads(pickle.dumps(r)), res)
        times["result size (KB, not ms)"].append(len(pickle.dumps(res)) / 1000)
    for k in times:
        del times[k][0]  # the warm-up file
    print(f"\nstages, median CPU ms over {len(paths)} files (one process):")
    for k, v in times.items():
        print(f"  {k:45s} {statistics.median(v):7.3f}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=2000, help="number of workbooks (default 2000; try 10000)")
    ap.add_argument("--sample", type=int, default=300, help="files timed one by one for (a), (b), (c)")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="workers of the parallel run (default: "
                    "all cores)")
    ap.add_argument("--skip-single", action="store_true", help="skip the 1-worker end-to-end run")
    ap.add_argument("--stages", action="store_true", help="only print the time of each step of a check")
    args = ap.parse_args()
    cores = os.cpu_count() or 1
    folder = make_corpus(args.n, cores)
    paths = sorted(folder.glob("*.xlsx"))
    sample = paths[:: max(1, len(paths) // args.sample)][: args.sample]
    if args.stages:
        stages(sample)
        return
    load_before = os.getloadavg()
    floors, bases, checks = time_per_file(sample)
    floor, base, inproc = statistics.median(floors), statistics.median(bases), statistics.median(checks)
    ratio_base = statistics.median(b / c for b, c in zip(bases, checks, strict=True))
    ratio_floor = statistics.median(c / f for c, f in zip(checks, floors, strict=True))
    runs = [(jobs, *time_check_end_to_end(folder, jobs))
            for jobs in ([args.jobs] if args.skip_single else [1, args.jobs])]
    load_after = os.getloadavg()

    machine = platform.processor() or platform.machine()
    print(f"\nxxgk check benchmark — {datetime.datetime.now():%Y-%m-%d %H:%M}, {machine}, {cores} cores, "
          f"Python {platform.python_version()}")
    print(f"load average (1/5/15 min) before {load_before[0]:.2f}/{load_before[1]:.2f}/{load_before[2]:.2f}, "
          f"after {load_after[0]:.2f}/{load_after[1]:.2f}/{load_after[2]:.2f}")
    print(f"N = {args.n} workbooks; (a)-(c) median over {len(sample)} of them\n")
    print(f"(c) floor, unzip + lxml parse of all parts:  {floor:7.2f} ms/file")
    print(f"(b) openpyxl normal mode, all inputs:         {base:7.2f} ms/file")
    print(f"(a) xxgk check_file in one process:           {inproc:7.2f} ms/file   "
          f"openpyxl/(a) {ratio_base:5.1f}x   (a)/floor {ratio_floor:4.2f}x   (medians of per-file ratios)")
    for jobs, wall, peak, status in runs:
        per_core = wall * 1000 * jobs / args.n
        print(f"(e) xxgk check --jobs {jobs}: {wall:6.2f} s wall, {args.n / wall:6.0f} files/s, "
              f"{per_core:5.2f} ms/file/core, peak RSS of the process tree {peak:5.0f} MB; "
              f"openpyxl/(e) {base / per_core:4.1f}x, (e)/floor {per_core / floor:4.2f}x; {status}")


if __name__ == "__main__":
    main()
