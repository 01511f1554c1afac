"""Peak memory and time of every reader on the amplification cases of issue 14 (and on a normal file).

Each case is written to benchmarks/work/hostile/ and run through the real command line in a fresh
process under /usr/bin/time -v: `xxgk check FILE` (and `xxgk import FILE` for the importers'
formats). Prints one Markdown table row per run: reader, case, size on disk, finding, peak RSS,
wall time. Nothing is asserted: the figures go into the closing note.

    python benchmarks/hostile_inputs.py            # every case
    python benchmarks/hostile_inputs.py --only tabs
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from hostile import amplify  # noqa: E402
from hostile.corpus import passing  # noqa: E402

WORK = ROOT / "benchmarks" / "work" / "hostile"
XXGK = str(Path(sys.executable).with_name("xxgk"))

CASES = {
    "xlsx-normal": ("xlsx", lambda: passing("城关镇")),
    "xlsx-empty-strings-9.7M": ("xlsx", amplify.xlsx_empty_strings),
    "xlsx-strings-at-cap-1.99M": ("xlsx", lambda: amplify.xlsx_empty_strings(1_990_000)),
    "docx-normal": ("docx", lambda: (ROOT / "samples/published").glob("*.docx").__next__().read_bytes()),
    "docx-gridspan-300M": ("docx", amplify.docx_gridspan),
    "docx-spans-3000x10x100": ("docx", amplify.docx_many_spans),
    "docx-at-cap-1000x10x99": ("docx", lambda: amplify.docx_many_spans(1000, 10, 99)),
    "docx-doctype": ("docx", amplify.docx_doctype),
    "docx-bomb-60MB": ("docx", amplify.docx_bomb),
    "html-normal": ("html", lambda: (ROOT / "samples/published").glob("*.html").__next__().read_bytes()),
    "html-colspan100-3000rows": ("html", amplify.html_colspans),
    "html-at-cap-1000x10x99": ("html", lambda: amplify.html_colspans(1000, 10, 99, 1)),
    "html-colspan-300M": ("html", amplify.html_huge_span),
    "html-deep-10000": ("html", amplify.html_deep),
    "pdf-normal": ("pdf", lambda: (ROOT / "tests/fixtures/real/2024-huaian-city-gov.pdf").read_bytes()),
    "pdf-deflate-bomb-400MB": ("pdf", amplify.pdf_bomb),
    "text-normal": ("txt", lambda: (ROOT / "samples/published").glob("*.txt").__next__().read_bytes()),
    "text-tabs-48MB": ("txt", amplify.text_tabs),
    "text-at-cap-999x1000": ("txt", lambda: ("二、主动公开政府信息情况\n" + ("1\t" * 999 + "\n") * 1000).encode()),
}


def measure(args: list[str]) -> tuple[float, float, int, str]:
    """(peak RSS MB, wall seconds, exit code, stdout+stderr) of one command under /usr/bin/time -v."""
    p = subprocess.run(["/usr/bin/time", "-v", *args], capture_output=True, text=True, errors="replace")
    rss = float(re.search(r"Maximum resident set size \(kbytes\): (\d+)", p.stderr).group(1)) / 1024
    wall = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): ([\d:.]+)", p.stderr).group(1)
    secs = 0.0
    for part in wall.split(":"):
        secs = secs * 60 + float(part)
    return rss, secs, p.returncode, p.stdout + p.stderr


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--only", default="")
    a = ap.parse_args()
    WORK.mkdir(parents=True, exist_ok=True)
    print("| reader | case | size on disk | command | finding | peak RSS | wall | exit |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for name, (ext, build) in CASES.items():
        if a.only and a.only not in name:
            continue
        path = WORK / f"{name}.{ext}"
        path.write_bytes(build())
        size = path.stat().st_size
        commands = [("check", [XXGK, "check", str(path), "--out", str(WORK / f"out-{name}"), "--jobs", "1"])]
        if ext != "xlsx":
            commands.append(("import", [XXGK, "import", str(path), "-o", tempfile.mkdtemp(dir=WORK)]))
        for label, cmd in commands:
            rss, secs, code, out = measure(cmd)
            rules = sorted(set(re.findall(r"\[?(FILE-[A-Z-]+|CHECK-INTERNAL)", out)))
            if label == "check":
                summary = json.loads((WORK / f"out-{name}" / "summary.json").read_text(encoding="utf-8"))
                files = summary.get("files") or []
                rules = sorted({f.get("rule") for r in files for f in r.get("findings", [])
                                if str(f.get("rule", "")).startswith(("FILE-", "CHECK-"))}) or ["(none)"]
            print(f"| {ext} | {name} | {size / 1024:.0f} KB | {label} | {', '.join(rules) or '(none)'} "
                  f"| {rss:.0f} MB | {secs:.1f} s | {code} |", flush=True)


if __name__ == "__main__":
    main()
