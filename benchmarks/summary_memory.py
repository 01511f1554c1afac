"""Peak memory and time of writing summary.xlsx for a large run, three ways:

- `writer`: the real write_xlsx (streamed, constant_memory, worst first, rows sized, all sheets);
- `bare`: the same 概览/问题明细 cells streamed in file order with nothing else (the floor);
- `in_memory`: the same cells with xlsxwriter's default mode (shared strings, whole workbook in
  memory): what avoiding constant_memory would cost.

    . .venv/bin/activate
    python benchmarks/summary_memory.py                # 10,000 files, 3 findings each
    python benchmarks/summary_memory.py --n 2000 --findings 5

Each mode runs in its own subprocess; the figure is the growth of the process's peak RSS while the
workbook is written (ru_maxrss after, minus the RSS once the run's results are in place), so the
results themselves (kept on disk by FileStore, as in `xxgk check`) are not counted.

Measured on the project machine (2 cores shared by six sessions; 2026-12-05), 10,000 files × 3
findings: writer +30 MB peak, 26 s; bare +3 MB, 12 s; in_memory +65 MB, 8 s for the bare cells alone
(a first version of the new writer, built in memory with shared strings and row sizing, grew by
170 MB). Times are wall-clock on a busy machine; the memory figures are what decided the mode.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CHILD = r"""
import json, resource, sys, time
from pathlib import Path
from xxgk.report.model import FileResult, FileStore, RunResult, finding

n, per, mode, out = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], Path(sys.argv[4])
store = FileStore(n)
for i in range(n):
    fs = [finding("T3-BALANCE", sheet="三、收到和处理政府信息公开申请情况", cell=f"D{30 + k}", col_label="自然人",
                  left=4 + k, right=3, op="==") for k in range(per)]
    store.put(i, FileResult(path=f"/srv/报送/{i:05d}_某某镇{i}_2024年度报告填报表.xlsx", unit=f"某某镇{i}",
                            code=f"41030{i:07d}", contact_person="王丽", contact_phone="0379-67912345", year=2024,
                            kind="workbook", sha256=f"{i:064x}", findings=fs, document={}))
run = RunResult(files=store, year=2024)
def rss_kb():
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
base = rss_kb()
t0 = time.perf_counter()
if mode == "writer":
    from xxgk.report.summary_xlsx import write_xlsx
    write_xlsx(run, out)
else:  # the same cells, in file order: streamed (bare) or in memory with shared strings
    import xlsxwriter
    from xxgk.report.summary_xlsx import first_problem_text
    wb = xlsxwriter.Workbook(str(out), {"constant_memory": mode == "bare", "strings_to_formulas": False,
                                        "strings_to_urls": False, "strings_to_numbers": False})
    a, b = wb.add_worksheet("概览"), wb.add_worksheet("问题明细")
    rb = 1
    for i, r in enumerate(run.files, start=1):
        for c, v in enumerate([r.status, r.unit, r.code, r.contact_person, r.contact_phone, 0, 0, 0,
                               first_problem_text(r), r.path, r.year, r.kind, r.sha256]):
            a.write(i, c, v)
        for f in r.findings:
            for c, v in enumerate([r.unit, f.severity, f.where, f.message, f.hint, f.rule, f.left, f.op, f.right,
                                   f.outcome, r.path]):
                b.write(rb, c, v)
            rb += 1
    wb.close()
secs = time.perf_counter() - t0
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"mode": mode, "seconds": round(secs, 2), "peak_growth_mb": round((peak - base) / 1024, 1),
                  "peak_mb": round(peak / 1024, 1), "bytes": out.stat().st_size}))
"""


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=10_000)
    ap.add_argument("--findings", type=int, default=3)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        for mode in ("writer", "bare", "in_memory"):
            out = Path(tmp) / f"{mode}.xlsx"
            t0 = time.perf_counter()
            res = subprocess.run([sys.executable, "-c", CHILD, str(args.n), str(args.findings), mode, str(out)],
                                 capture_output=True, text=True, check=True)
            data = json.loads(res.stdout.strip().splitlines()[-1])
            data["wall_seconds"] = round(time.perf_counter() - t0, 1)
            print(json.dumps(data, ensure_ascii=False))


if __name__ == "__main__":
    main()
