"""Fuzzing every path, not only the workbook reader: random mutations of real HTML, Word, text and
PDF reports go through `xxgk import` and `xxgk check`, and mutated report documents through
`xxgk render`, each batch in one subprocess under a 1 GiB address-space limit
(tests/fuzz_paths_runner.py).

Promises asserted on every case: exactly one result per input; the input unchanged; nothing
escapes as a traceback; exit code 0, 1 or 2 (2 never for an internal error); no case over the
per-file time limit; render never writes an output it refused.

Hypothesis runs derandomized without a database, so CI sees the same cases every time. CI runs
4 batches of 40 files + 40 documents (320 cases); XXGK_FUZZ_BATCHES=N runs N batches (the
closing note's run).
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

ROOT = Path(__file__).resolve().parents[1]
RUNNER = Path(__file__).resolve().parent / "fuzz_paths_runner.py"
REAL = ROOT.parent / "shared" / "samples" / "real"
PUBLISHED = ROOT / "samples" / "published"

BATCHES = int(os.environ.get("XXGK_FUZZ_BATCHES", "4"))
BATCH = 40
PER_FILE_SECONDS = 60


def _bases() -> dict[str, bytes]:
    out: dict[str, bytes] = {}
    for p in sorted(PUBLISHED.glob("*")):
        out[p.suffix.lstrip(".")] = p.read_bytes()
    for p in sorted(REAL.glob("*")) if REAL.is_dir() else []:
        if p.suffix.lower() in (".html", ".htm", ".docx", ".txt", ".pdf") and p.stat().st_size < 8 * 1024 * 1024:
            out[f"real-{p.name}"] = p.read_bytes()
    return out


BASES = _bases()
BASE_NAMES = sorted(BASES)


def _document() -> dict:
    from xxgk.check.load import read_bytes

    loaded = read_bytes(BASES["html"], "孟津区小浪底镇人民政府2024年政府信息公开工作年度报告.html")
    assert loaded.document is not None
    return loaded.document


DOC = _document()

# Fragments that reach parsing and amplification paths of the importers.
FRAGMENTS = [
    b"<", b">", b"&", b"&#0;", b"&#x110000;", b"<!--", b"]]>", b"\x00", b"\xff\xfe", b"\xfe\xff", b"\xef\xbb\xbf",
    b"\xed\xa0\x80", b"\x1b[31m", b"\r", b"\t" * 50, b"|" * 20, b"<script>3</script>", b"<style>x</style>",
    b'<td colspan="100" rowspan="100">1</td>', b'<td colspan="99999999">', b'<td rowspan="-5">', b"<tr>" * 50,
    b"<table>", b"</table>", b"<div>" * 300, b'<meta charset="utf-16">', b'<meta charset="x-unknown">',
    b'<meta charset="gb2312">', b"<!DOCTYPE x [<!ENTITY a 'b'>]>", b'<w:gridSpan w:val="300000000"/>',
    b'<w:gridSpan w:val="x"/>', b'<w:vMerge/>', b"<w:tbl><w:tr><w:tc><w:p/></w:tc></w:tr></w:tbl>",
    "一、总体情况".encode(), "二、主动公开政府信息情况".encode(), "（一）".encode(), "收取信息处理费共计".encode(),
    "１２．５".encode(), b"1e309", b"-0", b"99999999999999999999",
]

FUZZ = settings(max_examples=BATCHES, deadline=None, derandomize=True, database=None, print_blob=True,
                phases=[Phase.explicit, Phase.reuse, Phase.generate],  # report a failing batch, do not shrink it
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@st.composite
def byte_mutation(draw: st.DrawFn, data: bytes) -> bytes:
    for _ in range(draw(st.integers(1, 4))):
        op = draw(st.sampled_from(["splice", "flip", "truncate", "repeat", "delete"]))
        at = draw(st.integers(0, max(0, len(data) - 1)))
        if op == "splice":
            data = data[:at] + draw(st.sampled_from(FRAGMENTS)) + data[at:]
        elif op == "flip" and data:
            data = data[:at] + bytes([data[at] ^ draw(st.integers(1, 255))]) + data[at + 1:]
        elif op == "truncate":
            data = data[:at]
        elif op == "repeat":
            n = draw(st.integers(1, 2000))
            data = data[:at] + data[at:at + n] * draw(st.integers(2, 200)) + data[at + n:]
        elif op == "delete":
            data = data[:at] + data[at + draw(st.integers(1, 5000)):]
    return data


@st.composite
def docx_mutation(draw: st.DrawFn, data: bytes) -> bytes:
    """Mutate the XML inside the package (the zip stays valid), or the zip bytes themselves."""
    if draw(st.booleans()):
        return draw(byte_mutation(data))
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        members = {n: z.read(n) for n in z.namelist()}
    part = draw(st.sampled_from(sorted(n for n in members if n.endswith(".xml"))))
    members[part] = draw(byte_mutation(members[part]))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for n, b in members.items():
            z.writestr(n, b)
    return out.getvalue()


@st.composite
def input_file(draw: st.DrawFn) -> tuple[str, bytes]:
    name = draw(st.sampled_from(BASE_NAMES))
    data = BASES[name]
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else name
    mutated = draw(docx_mutation(data)) if data[:2] == b"PK" else draw(byte_mutation(data))
    return ext, mutated


ODD_VALUES = ["约100元", [1, 2], {"a": 1}, True, -1, 1.5, 10**30, "x" * 300, "a\x1bb", "a\ud800b", "\u202e反转",
              "<script>alert(1)</script>", "=HYPERLINK(\"x\")", None, "", "/", 0, 2**53 + 1]
FIELDS = ["unit.name", "year", "other.fee_amount_yuan", "other.fee_charged", "proactive.licensing",
          "requests.new_received.total", "review_litigation.review.total", "overview.intro", "problems.problems",
          "source", "requests", "proactive.regulations.issued"]


@st.composite
def document_text(draw: st.DrawFn) -> bytes:
    """A report document as JSON text, edited the way a person or another tool might break it."""
    doc = json.loads(json.dumps(DOC))
    for _ in range(draw(st.integers(0, 3))):
        path = draw(st.sampled_from(FIELDS)).split(".")
        cur = doc
        for p in path[:-1]:
            cur = cur.setdefault(p, {}) if isinstance(cur, dict) else {}
        if isinstance(cur, dict):
            cur[path[-1]] = draw(st.sampled_from(ODD_VALUES))
    text = json.dumps(doc, ensure_ascii=draw(st.booleans())).encode("utf-8", "surrogatepass")
    how = draw(st.sampled_from(["as-is", "bytes", "deep", "digits"]))
    if how == "bytes":
        text = draw(byte_mutation(text))
    elif how == "deep":
        n = draw(st.integers(10, 20000))
        text = text[:-1] + b', "x": ' + b"[" * n + b"]" * n + b"}"
    elif how == "digits":
        text = text.replace(b'"year": 2024', b'"year": ' + b"9" * draw(st.integers(16, 6000)))
    return text


def _sha(p: Path) -> str:
    return hashlib.sha256(p.read_bytes()).hexdigest()


def run_batch(tmp: Path, files: list[tuple[str, bytes]], docs: list[bytes]) -> None:
    inputs = tmp / "inputs"
    inputs.mkdir()
    paths: list[Path] = []
    for i, (ext, data) in enumerate(files):
        p = inputs / f"case{i:03d}.{ext}"
        p.write_bytes(data)
        paths.append(p)
    doc_paths = []
    for i, data in enumerate(docs):
        p = inputs / f"doc{i:03d}.json"
        p.write_bytes(data)
        doc_paths.append(p)
    before = {p: _sha(p) for p in [*paths, *doc_paths]}
    jobs = [{"argv": ["import", str(p), "-o", str(tmp / "imported")]} for p in paths]
    jobs += [{"argv": ["render", str(p), "-o", str(tmp / "rendered" / f"{p.stem}.{fmt}")]}
             for p, fmt in zip(doc_paths, ["md", "html", "docx"] * len(doc_paths), strict=False)]
    jobs.append({"argv": ["check", str(inputs), "--out", str(tmp / "summary"), "--jobs", "1", "--quiet"]})
    (tmp / "jobs.json").write_text(json.dumps(jobs, ensure_ascii=False), encoding="utf-8")
    proc = subprocess.run([sys.executable, str(RUNNER), str(tmp / "jobs.json"), str(tmp / "results.json")],
                          capture_output=True, text=True, timeout=1800)
    assert proc.returncode == 0, proc.stderr[-3000:]
    results = json.loads((tmp / "results.json").read_text(encoding="utf-8"))
    assert len(results) == len(jobs)
    for r in results:
        what = " ".join(r["argv"][:2])
        assert r["escaped"] is None, (what, r["escaped"])
        assert "Traceback" not in r["stderr"] + r["stdout"], (what, r["stderr"][-2000:])
        assert r["code"] in (0, 1, 2), (what, r["code"])
        assert "运行出错" not in r["stderr"], (what, r["stderr"])  # exit 2 only for usage, never a bug
        assert "CHECK-INTERNAL" not in r["stderr"] + r["stdout"], (what, r["stderr"])
        if r["argv"][0] != "check":
            assert r["seconds"] < PER_FILE_SECONDS, (what, r["seconds"])
        if r["argv"][0] == "import":
            src = r["argv"][1]
            heads = [ln for ln in (r["stdout"] + r["stderr"]).splitlines() if ln.startswith(src)]
            assert len(heads) == 1, (what, heads)  # one result for the input
            if "→" in heads[0]:  # a document was written (exit 1 still when it has error findings)
                assert Path(heads[0].split("→ ", 1)[1].split("（", 1)[0]).is_file(), heads
            else:
                assert r["code"] == 1, (what, heads, r["code"])
        if r["argv"][0] == "render":
            out = Path(r["argv"][-1])
            assert (r["code"] == 0) == out.exists(), (what, r["code"], r["stderr"])
            if r["code"] == 1:
                assert "未生成报告" in r["stderr"] or "无法" in r["stderr"], r["stderr"]
    summary = json.loads((tmp / "summary" / "summary.json").read_text(encoding="utf-8"))
    listed = sorted(Path(f["path"]).name for f in summary["files"])
    assert listed == sorted(p.name for p in before), "one result per input in check"
    for p, h in before.items():
        assert _sha(p) == h, f"{p.name} was written to"


@pytest.mark.skipif(not BASES, reason="no sample reports")
@FUZZ
@given(files=st.lists(input_file(), min_size=BATCH, max_size=BATCH),
       docs=st.lists(document_text(), min_size=BATCH, max_size=BATCH))
def test_every_path_keeps_its_promises(tmp_path_factory: pytest.TempPathFactory,
                                       files: list[tuple[str, bytes]], docs: list[bytes]) -> None:
    run_batch(tmp_path_factory.mktemp("fuzz"), files, docs)
