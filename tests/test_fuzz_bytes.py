"""Byte-level fuzzing of the reader: damaged zip members, corrupted XML, deleted or swapped parts.

Property: whatever the bytes, `read_bytes` + `check_loaded` return one result with a status in
pass/warn/fail/error, never raise, never fall into the reader's "internal error" safety net, stay
far below the per-file time limit, and do not grow memory. Hypothesis runs derandomized and without
a database, so CI sees the same cases every time.
"""

from __future__ import annotations

import gc
import resource
import time
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hostile.corpus import LO_FIXTURES, members, passing, rezip
from xxgk.check.load import read_bytes
from xxgk.check.run import check_loaded
from xxgk.document import figures
from xxgk.form.definition import load_form

STATUSES = {"pass", "warn", "fail", "error"}
BASES: dict[str, bytes] = {"generated": passing("城关镇")}
if (LO_FIXTURES / "suqian-2024.xlsx").exists():
    BASES["libreoffice"] = (LO_FIXTURES / "suqian-2024.xlsx").read_bytes()
PARTS = {k: members(v) for k, v in BASES.items()}
FORM = load_form()


def _reading(doc: dict) -> tuple:
    """What a passing file tells the office: figures, unit, year and texts."""
    return (figures(doc, FORM), doc["unit"], doc["year"], doc["overview"], doc["problems"], doc["other"])


READINGS = {k: _reading(check_loaded(Path("a.xlsx"), read_bytes(v, "a.xlsx")).document) for k, v in BASES.items()}

FUZZ = settings(deadline=None, derandomize=True, database=None, print_blob=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

# Fragments that hit XML and OOXML parsing paths: markup, entities, DTDs, odd cell references,
# shared-string indexes out of range, formulas, huge dimensions, control characters.
FRAGMENTS = [
    b"<", b">", b"&", b"&amp", b"&#0;", b"&#x110000;", b"]]>", b"<!--", b"<![CDATA[x]]>", b"\x00", b"\xff\xfe",
    b"<!DOCTYPE x>", b'<!ENTITY a "b">', b"<?xml version='1.0'?>", b'<c r="XFE1048577"><v>1</v></c>',
    b'<c r="A0"><v>1</v></c>', b'<c r=""><v>1</v></c>', b'<c r="1A" t="s"><v>0</v></c>',
    b'<c r="D6" t="s"><v>99999999</v></c>', b'<c r="D6" t="s"><v>-1</v></c>', b'<c r="D6" t="b"><v>2</v></c>',
    b'<c r="D6" t="e"><v>#DIV/0!</v></c>', b'<c r="D6" t="d"><v>2024-13-45</v></c>',
    b'<c r="D6"><f t="shared" si="999" ref="D6:D9"/></c>', b'<c r="D6"><f>SUM(</f></c>',
    b'<row r="0">', b'<row r="99999999999">', b"</row>", b"</sheetData>", b'<dimension ref="A1:XFD1048576"/>',
    b'<mergeCell ref="A1:XFD1048576"/>', b'<sheetProtection sheet="1"/>', b'<sheetProtection sheet="0"/>',
    b"\xe4\xb8\xad", b"\xe4\xb8", "１２．５".encode(), b"1e309", b"NaN",
]


def _splice(data: bytes, at: int, drop: int, insert: bytes) -> bytes:
    at = min(at, len(data))
    return data[:at] + insert + data[at + drop:]


@st.composite
def mutated(draw: st.DrawFn) -> tuple[str, bytes, list[str]]:
    base = draw(st.sampled_from(sorted(BASES)))
    parts = dict(PARTS[base])
    ops: list[str] = []
    for _ in range(draw(st.integers(1, 3))):
        if not parts:
            break
        name = draw(st.sampled_from(sorted(parts)))
        data = parts[name]
        pos = draw(st.integers(0, max(len(data) - 1, 0)))
        op = draw(st.sampled_from(["flip", "truncate", "duplicate", "fragment", "delete", "swap", "rename",
                                   "fragment", "fragment"]))
        if op == "flip" and data:
            n = draw(st.integers(1, 8))
            mask = draw(st.integers(1, 255))
            buf = bytearray(data)
            for k in range(n):
                buf[(pos + k * 7919) % len(buf)] ^= mask
            parts[name] = bytes(buf)
        elif op == "truncate":
            parts[name] = data[:pos]
        elif op == "duplicate":
            n = draw(st.integers(1, 4096))
            parts[name] = _splice(data, pos, 0, data[pos:pos + n])
        elif op == "fragment":
            frag = draw(st.sampled_from(FRAGMENTS) | st.binary(max_size=16))
            parts[name] = _splice(data, pos, draw(st.integers(0, 16)), frag)
        elif op == "delete":
            del parts[name]
        elif op == "swap":
            other = draw(st.sampled_from(sorted(parts)))
            parts[name], parts[other] = parts[other], parts[name]
            name = f"{name}<->{other}"
        elif op == "rename":
            parts[name.upper() if name != name.upper() else name.lower()] = parts.pop(name)
        ops.append(f"{op} {name} @{pos}")
    return base, rezip(parts), ops


@st.composite
def container_damage(draw: st.DrawFn) -> tuple[str, bytes, list[str]]:
    """Damage to the zip container itself: headers, central directory, compressed streams."""
    base = draw(st.sampled_from(sorted(BASES)))
    buf = bytearray(BASES[base])
    ops = []
    for _ in range(draw(st.integers(1, 4))):
        pos = draw(st.integers(0, len(buf) - 1))
        if draw(st.booleans()):
            buf[pos] ^= draw(st.integers(1, 255))
            ops.append(f"flip @{pos}")
        else:
            end = min(len(buf), pos + draw(st.integers(1, 64)))
            buf[pos:end] = bytes(end - pos)
            ops.append(f"zero @{pos}..{end}")
    return base, bytes(buf), ops


class Stats:
    def __init__(self) -> None:
        self.cases = 0
        self.max_seconds = 0.0
        self.statuses: dict[str, int] = {}

    def check(self, data: bytes, ops: list[str], base: str) -> None:
        t = time.perf_counter()
        loaded = read_bytes(data, "fuzz.xlsx")
        r = check_loaded(Path("fuzz.xlsx"), loaded)
        seconds = time.perf_counter() - t
        self.cases += 1
        self.max_seconds = max(self.max_seconds, seconds)
        self.statuses[r.status] = self.statuses.get(r.status, 0) + 1
        assert r.status in STATUSES, ops
        internal = [f.message for f in r.findings if "内部错误" in f.message or f.rule == "CHECK-INTERNAL"]
        assert not internal, (ops, internal)
        assert seconds < 5, (ops, seconds)
        if r.status in ("pass", "warn"):  # damage is either reported or changed nothing the office reads
            assert _reading(r.document) == READINGS[base], ops


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def test_mutated_zip_members_never_break_the_checker() -> None:
    stats = Stats()
    gc.collect()
    rss0 = _rss_mb()

    @settings(FUZZ, max_examples=1400)
    @given(mutated())
    def one(case: tuple[str, bytes, list[str]]) -> None:
        base, data, ops = case
        stats.check(data, [base, *ops], base)

    one()
    assert stats.cases >= 1400
    assert stats.max_seconds < 5, stats.max_seconds
    assert _rss_mb() - rss0 < 300, (rss0, _rss_mb())
    # the mutations reach the deep paths, not only the zip layer
    assert stats.statuses.get("error", 0) < stats.cases
    assert len(stats.statuses) >= 3, stats.statuses
    print(f"\nmutated members: {stats.cases} cases, max {stats.max_seconds * 1000:.0f} ms, {stats.statuses}")


def test_damaged_zip_container_never_breaks_the_checker() -> None:
    stats = Stats()

    @settings(FUZZ, max_examples=400)
    @given(container_damage())
    def one(case: tuple[str, bytes, list[str]]) -> None:
        base, data, ops = case
        stats.check(data, [base, *ops], base)

    one()
    assert stats.cases >= 400
    assert stats.max_seconds < 5, stats.max_seconds
    print(f"\ndamaged container: {stats.cases} cases, max {stats.max_seconds * 1000:.0f} ms, {stats.statuses}")
