"""Import speed and memory of published reports (HTML and PDF) on the real corpus in tests/fixtures/real.
See benchmarks/README.md.

    . .venv/bin/activate
    python benchmarks/import_speed.py              # every report, 5 runs each, one core
    python benchmarks/import_speed.py --runs 20

For each report: pages (PDF) or bytes (HTML), the median wall time of `import_file` over --runs runs in
this process (after one warm-up run, so module imports are not counted), time per page, and the peak
memory the import adds (tracemalloc, Python allocations; pdfminer's objects are Python objects) and the
process's peak RSS. Also the end-to-end time of `xxgk import FILE` as a fresh process (start-up included).
Target (issue 12): a typical 10-page PDF report in under 1 s on one core.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

from xxgk.importers import import_file

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "tests" / "fixtures" / "real"


def pages_of(path: Path) -> int | None:
    if path.suffix.lower() != ".pdf":
        return None
    import pdfplumber

    with pdfplumber.open(path) as pdf:
        return len(pdf.pages)


def time_import(path: Path, runs: int) -> tuple[float, float]:
    import_file(path)  # warm-up: imports, form definition, regex compilation
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        r = import_file(path)
        times.append(time.perf_counter() - t0)
        assert r.document is not None, path
    tracemalloc.start()
    import_file(path)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return statistics.median(times), peak / 1024 / 1024


def parse_floor(path: Path, runs: int) -> float | None:
    """pdfplumber/pdfminer parsing every page's objects and nothing else: the floor of a PDF import."""
    if path.suffix.lower() != ".pdf":
        return None
    import pdfplumber

    def once() -> None:
        with pdfplumber.open(path) as pdf:
            for page in pdf.pages:
                page.objects  # noqa: B018 - parsing the page is the point

    once()
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        once()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def cli_seconds(path: Path) -> float:
    with tempfile.TemporaryDirectory() as out:
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "xxgk.cli", "import", str(path), "-o", out], check=False,
                       capture_output=True, timeout=300)
        return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--no-cli", action="store_true", help="skip the fresh-process timing")
    args = ap.parse_args()
    files = sorted(p for p in CORPUS.iterdir() if p.suffix.lower() in (".pdf", ".html", ".htm"))
    print(f"# import speed — {platform.python_implementation()} {platform.python_version()}, "
          f"{platform.machine()}, {os.cpu_count()} cores, one core used, median of {args.runs} runs")
    print(f"# load average at start: {' '.join(f'{x:.1f}' for x in os.getloadavg())} (other work on the machine "
          "slows every figure alike; the parse floor column shows how much)")
    print("| report | kind | size | pages | import (s) | s/page | pdfminer parse floor (s) | +peak alloc (MiB) "
          "| `xxgk import` (s) |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    per_page = []
    for path in files:
        pages = pages_of(path)
        median, peak = time_import(path, args.runs)
        floor = parse_floor(path, args.runs)
        cli = "" if args.no_cli else f"{cli_seconds(path):.2f}"
        size = f"{path.stat().st_size / 1024:.0f} KiB"
        spp = f"{median / pages:.3f}" if pages else ""
        if pages:
            per_page.append(median / pages)
        fl = f"{floor:.3f}" if floor is not None else ""
        print(f"| {path.name} | {path.suffix[1:]} | {size} | {pages or ''} | {median:.3f} | {spp} | {fl} "
              f"| {peak:.1f} | {cli} |")
    if per_page:
        print(f"\nPDF: median {statistics.median(per_page):.3f} s a page -> a 10-page report about "
              f"{10 * statistics.median(per_page):.2f} s")
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS of this process: {rss:.0f} MiB")


if __name__ == "__main__":
    main()
