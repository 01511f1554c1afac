"""Runs a batch of fuzz cases through the real command line, in one process under a memory limit.

Usage: python tests/fuzz_paths_runner.py JOBS.json RESULTS.json

JOBS.json is a list of {"argv": [...]} (the arguments after `xxgk`). Each is run as `xxgk ARGV`
would run, in this process (one interpreter for the whole batch keeps CI cheap): stdout and
stderr captured, the exit code recorded, and anything that escapes the command line — a traceback
a user would see — recorded as "escaped". The address-space limit (RLIMIT_AS, default 1 GiB,
$XXGK_FUZZ_MEMORY bytes) is set before anything is imported, so a case that needs more memory
than that shows as a MemoryError, not as a slow machine.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import resource
import sys
import time
import traceback

LIMIT = int(os.environ.get("XXGK_FUZZ_MEMORY", str(1 << 30)))
resource.setrlimit(resource.RLIMIT_AS, (LIMIT, LIMIT))


def run(argv: list[str]) -> dict:
    from xxgk.cli import main

    out, err = io.StringIO(), io.StringIO()
    t0 = time.perf_counter()
    code: int | None = None
    escaped = None
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            main.main(args=argv, prog_name="xxgk", standalone_mode=True)
            code = 0
        except SystemExit as e:
            code = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
        except BaseException:  # what would reach the user as a traceback
            escaped = traceback.format_exc()
    return {"argv": argv, "code": code, "stdout": out.getvalue(), "stderr": err.getvalue(), "escaped": escaped,
            "seconds": time.perf_counter() - t0}


def main() -> None:
    with open(sys.argv[1], encoding="utf-8") as fh:
        jobs = json.load(fh)
    results = [run(job["argv"]) for job in jobs]
    with open(sys.argv[2], "w", encoding="utf-8") as fh:
        json.dump(results, fh, ensure_ascii=False)


if __name__ == "__main__":
    main()
