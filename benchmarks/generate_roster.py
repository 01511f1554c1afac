"""Time `generate_roster` for a 1,000-unit roster, on all cores and on one.

    . .venv/bin/activate && python benchmarks/generate_roster.py [N_UNITS]

The roster is written as a GB18030 CSV (as Chinese Excel saves it) into a temporary folder and
read with read_roster, so the figure covers what `xxgk generate --roster` does.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

from xxgk.form.definition import load_form
from xxgk.generate.roster import read_roster
from xxgk.generate.workbook import generate_roster

LEVELS = ["乡镇", "街道", "县级部门", "村社区"]


def make_roster(path: Path, n: int) -> None:
    lines = ["单位名称,单位代码,单位层级,上级单位"]
    for i in range(n):
        lines.append(f"测试单位{i:04d}号,4103{i:08d},{LEVELS[i % len(LEVELS)]},孟津区人民政府")
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("gb18030"))


def main(argv: list[str]) -> int:
    n = int(argv[1]) if len(argv) > 1 else 1000
    load_form()  # parse the definition once, outside the timings
    cores = os.cpu_count() or 1
    with tempfile.TemporaryDirectory(prefix="xxgk_bench_") as tmp:
        roster = Path(tmp) / "名单.csv"
        make_roster(roster, n)
        t0 = time.perf_counter()
        units = read_roster(roster)
        t_read = time.perf_counter() - t0
        print(f"read_roster: {n} units in {t_read:.3f} s")
        for label, jobs in ((f"jobs=default ({min(cores, 8)} of {cores} cores)", None), ("jobs=1", 1)):
            out = Path(tmp) / f"out-{jobs}"
            t0 = time.perf_counter()
            written = generate_roster(units, 2024, out, jobs=jobs)
            dt = time.perf_counter() - t0
            size = sum(p.stat().st_size for p in written) / len(written)
            print(f"generate_roster {label}: {len(written)} files in {dt:.2f} s "
                  f"({dt / len(written) * 1000:.1f} ms/file, {size / 1024:.1f} KiB/file)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
