"""Check one file, or every file under some folders: read → validate → rules → text rules.

- Every input file gives exactly one FileResult: lock files and system files are skipped *with*
  a FILE-SKIPPED finding; an unreadable entry or a symlink loop gives an error result.
- Files are checked in worker processes (jobs = os.cpu_count() by default, jobs=1 runs in this
  process). Each file has a time limit (signal.setitimer in the worker → FILE-TIMEOUT). A worker
  that dies is replaced; the files it had in hand are re-run one by one, and a file that kills a
  worker on its own gets an error result. Files travel to the workers in chunks (up to 32 per
  task, see chunk_size) and at most 2×jobs chunks are in flight.
- Memory: the full document of a file lives only in the worker. The parent writes each result as
  it arrives (FileResult with its findings and a slim document: form, unit, year, source
  identity; for a passing file also its figures that are not 0, see _figures_vector, so that a
  file that later fails — a duplicate on the roster, another year — can be taken out of the
  running totals) to a FileStore on disk, and keeps per file only its offset, status and year
  (a few dozen bytes): the parent's memory does not grow with the number of files.
- Totals (汇总) are accumulated while results stream in, over files whose status is pass or warn
  and whose year is the run's year.
"""

from __future__ import annotations

import contextlib
import copy
import os
import stat
import time
from array import array
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, replace
from decimal import Decimal
from pathlib import Path
from typing import Any

from .. import errorlog
from ..document import figures, get_path, is_imported, set_path
from ..form.definition import Form, load_form, parse_expr, per_form
from ..outputs import OUTPUT_MARK, TEMP_PREFIX
from ..read.limits import DEFAULT_LIMITS, ReadTimeout, time_limit
from ..read.safe_open import special_kind
from ..report.model import FileResult, FileStore, Finding, Locator, RunResult, catalogue, finding
from . import rules as rules_engine
from .roster import RosterIndex, apply_roster
from .text import evaluate_text, fee_statement, sections_of
from .validate import invalid_paths, validate_document

DEFAULT_TIMEOUT = 60.0  # seconds per file; a normal workbook takes well under a second
SKIP_NAMES = {".ds_store": "macOS 系统文件", "thumbs.db": "Windows 缩略图缓存文件", "desktop.ini": "Windows 系统文件"}

# Tests may replace the reader (the real one is xxgk.check.load.read_file).
READER: Callable[[Path], Any] | None = None


def _read(path: Path) -> Any:
    if READER is not None:
        return READER(path)
    from .load import read_file

    timeout = _STATE.get("timeout")
    limits = replace(DEFAULT_LIMITS, seconds=float(timeout)) if timeout else DEFAULT_LIMITS
    return read_file(path, limits=limits)


# ---------------------------------------------------------------- walking the inputs


@dataclass
class Entry:
    path: Path
    skip: str | None = None  # reason to skip (FILE-SKIPPED)
    error: str | None = None  # reason it cannot be read (FILE-UNREADABLE)


def skip_reason(name: str) -> str | None:
    if name.startswith("~$"):
        return "Excel/WPS 打开文件时产生的临时锁定文件（~$开头），不是报送文件"
    if name.startswith(".~lock.") and name.endswith("#"):
        return "LibreOffice 打开文件时产生的临时锁定文件，不是报送文件"
    if name == OUTPUT_MARK:
        return "xxgk 汇总输出文件夹的标记文件，不是报送文件"
    if name.lower() in SKIP_NAMES:
        return SKIP_NAMES[name.lower()] + "，不是报送文件"
    return None


def iter_entries(paths: Sequence[Path]) -> Iterator[Entry]:
    """Every file under `paths` (folders recursively, names sorted), each exactly once."""
    seen_files: set[int] = set()  # (device << 64) | inode: one int a file, not a tuple of two
    seen_dirs: dict[tuple[int, int], Path] = {}

    def file_entry(p: Path, st: os.stat_result) -> Entry:
        key = (st.st_dev << 64) | st.st_ino
        if key in seen_files:
            return Entry(p, skip="与已检查的文件是同一个文件（重复给出的路径或链接）")
        seen_files.add(key)
        reason = skip_reason(p.name)
        return Entry(p, skip=reason) if reason else Entry(p)

    def walk(d: Path, st: os.stat_result, ancestors: frozenset[tuple[int, int]]) -> Iterator[Entry]:
        key = (st.st_dev, st.st_ino)
        if key in ancestors:
            yield Entry(d, error="符号链接形成循环（指向自身所在的上级文件夹）")
            return
        if key in seen_dirs:
            yield Entry(d, skip=f"与已检查的文件夹“{seen_dirs[key]}”是同一个文件夹")
            return
        seen_dirs[key] = d
        try:
            names = sorted(os.listdir(d))
        except OSError as e:
            yield Entry(d, error=f"无法打开文件夹（{e.strerror or e}）")
            return
        if OUTPUT_MARK in names:
            yield Entry(d, skip="这是 xxgk check 的输出文件夹（汇总或反馈文件），不是报送文件")
            return
        inner = ancestors | {key}
        for name in names:
            p = d / name
            try:
                cst = p.stat()
            except OSError as e:
                yield Entry(p, error=_os_reason(e))
                continue
            if stat.S_ISDIR(cst.st_mode):
                if name.startswith(TEMP_PREFIX):
                    yield Entry(p, skip="这是 xxgk generate 中断后留下的临时文件夹，不是报送文件")
                    continue
                yield from walk(p, cst, inner)
            elif stat.S_ISREG(cst.st_mode):
                yield file_entry(p, cst)
            else:
                yield Entry(p, skip=_special(cst.st_mode))

    try:
        for p in paths:
            p = Path(p)
            try:
                st = p.stat()
            except OSError as e:
                yield Entry(p, error=_os_reason(e))
                continue
            if stat.S_ISDIR(st.st_mode):
                yield from walk(p, st, frozenset())
            elif stat.S_ISREG(st.st_mode):
                yield file_entry(p, st)
            else:
                yield Entry(p, skip=_special(st.st_mode))
    finally:  # walk and file_entry form a reference cycle: free the sets now, not at the next gc
        seen_files.clear()
        seen_dirs.clear()


def _special(mode: int) -> str:
    return f"不是普通文件（{special_kind(mode) or '特殊文件'}），未读取"


def _os_reason(e: OSError) -> str:
    import errno

    if e.errno == errno.ELOOP:
        return "符号链接形成循环"
    if e.errno == errno.ENOENT:
        return "文件不存在或符号链接已失效"
    if e.errno == errno.EACCES:
        return "没有读取权限"
    return f"无法访问（{e.strerror or e}）"


def entry_result(entry: Entry) -> FileResult:
    if entry.skip:
        return FileResult(path=str(entry.path), skipped=True,
                          findings=[finding("FILE-SKIPPED", location="文件", reason=entry.skip)])
    return FileResult(path=str(entry.path),
                      findings=[finding("FILE-UNREADABLE", location="文件", reason=entry.error or "无法访问")])


# ---------------------------------------------------------------- one file


def make_locator(form: Form, locations: dict[str, Any] | None, imported: bool) -> Locator:
    locations = locations or {}

    def locate(path: str) -> tuple[str | None, str | None, str | None]:
        loc = locations.get(path)
        if loc:
            sheet, cell, location = (*tuple(loc), None, None, None)[:3]
            return sheet, cell, location
        if form.has_field(path):
            f = form.field(path)
            return (None, None, f.label) if imported else (f.sheet, f.cell, None)
        return None, None, None

    return locate


def _form_for(version: str | None) -> Form:
    try:
        return load_form(version) if version else load_form()
    except (FileNotFoundError, OSError):
        return load_form()


def _doc_form_version(doc: dict[str, Any]) -> str | None:
    f = doc.get("form")
    v = f.get("version") if isinstance(f, dict) else None
    return str(v) if v else None


PrevLookup = Callable[[dict[str, Any]], dict[str, Any] | None]


def _read_fee_into(doc: dict[str, Any]) -> None:
    """For an imported report, record the 信息处理费 statement of 六 in other.* when still empty."""
    if get_path(doc, "other.fee_charged", None) is not None:
        return
    _, bodies = sections_of(doc)
    if "六" not in bodies:
        return
    charged, amount, _found = fee_statement(bodies["六"])
    if charged is None or not isinstance(doc.get("other"), dict):
        return
    set_path(doc, "other.fee_charged", charged)
    if amount is not None and get_path(doc, "other.fee_amount_yuan", None) is None:
        set_path(doc, "other.fee_amount_yuan", int(amount) if amount == int(amount) else float(amount))


def check_loaded(path: Path, loaded: Any, form: Form | None = None, prev_lookup: PrevLookup | None = None,
                 year: int | None = None) -> FileResult:
    """The checks after reading: validate, arithmetic rules (with last year's report), text rules."""
    r = FileResult(path=str(path), sha256=getattr(loaded, "sha256", None), kind=getattr(loaded, "kind", "unknown"),
                   form_version=getattr(loaded, "form_version", None), findings=list(loaded.findings or []),
                   skipped=bool(getattr(loaded, "skipped", False)))
    doc = loaded.document
    if r.skipped:
        return r
    if doc is None:
        if not any(f.severity == "error" for f in r.findings):
            r.findings.append(finding("FILE-UNREADABLE", location="文件", reason="未能读取到报告内容"))
        return r
    form = form or _form_for(r.form_version or _doc_form_version(doc))
    imported = is_imported(doc)
    if imported:
        _read_fee_into(doc)
    locate = make_locator(form, getattr(loaded, "locations", None), imported)
    found = validate_document(form, doc, locate)
    if any(f.rule == "UNIT-UNKNOWN" for f in r.findings):  # the importer already said it
        found = [f for f in found if not (f.rule == "DOC-SCHEMA" and f.path in ("unit.name", "year", "unit"))]
    bad = invalid_paths(found)
    eval_doc = doc
    if bad:
        eval_doc = copy.deepcopy(doc)
        for p in bad:
            if "." in p or p in ("year",):
                with contextlib.suppress(KeyError, TypeError, AttributeError):
                    set_path(eval_doc, p, None)
        if not imported:  # a workbook's totals were recomputed from these values: they are unknown too
            for p in dependent_totals(form, bad):
                set_path(eval_doc, p, None)
    prev = prev_lookup(doc) if prev_lookup else None
    if imported:  # a page has no cells to annotate one by one: repeated findings name their range once
        found = rules_engine.group_findings(found)
    found += rules_engine.evaluate(form, eval_doc, prev, locate)
    found += evaluate_text(form, eval_doc, locate, report_year=year, file_name=Path(path).name)
    r.findings += found
    name = get_path(doc, "unit.name", None)
    r.unit = name if isinstance(name, str) and name.strip() else None
    r.code, r.contact_person, r.contact_phone = (_text_or_none(get_path(doc, p, None))
                                                 for p in ("unit.code", "contact.person", "contact.phone"))
    y = doc.get("year")
    r.year = y if isinstance(y, int) and not isinstance(y, bool) else None
    r.form_version = r.form_version or _doc_form_version(doc)
    r.document = doc
    return r


def _text_or_none(v: Any) -> str | None:
    if isinstance(v, bool) or v is None:
        return None
    text = str(v).strip() if isinstance(v, (str, int)) else ""
    return text or None


def dependent_totals(form: Form, paths: set[str] | list[str]) -> list[str]:
    """Formula fields whose expression reads any of `paths`, directly or through another total
    (表三 J29 adds D29…I29, which add the results: an invalid D11 makes both unknown)."""
    bad = set(paths)
    formulas = [(f.path, {t.path for t in parse_expr(f.formula, form.groups)})
                for f in form.fields if f.kind == "formula" and f.formula]
    out: list[str] = []
    grew = True
    while grew:
        grew = False
        for path, reads in formulas:
            if path not in bad and reads & bad:
                bad.add(path)
                out.append(path)
                grew = True
    return out


def check_file(path: Path, form: Form | None = None, previous: dict | None = None,
               year: int | None = None) -> FileResult:
    """Read and check one file; `previous` is last year's report document of the same unit."""
    t0 = time.perf_counter()
    path = Path(path)
    reason = skip_reason(path.name)
    if reason:
        r = entry_result(Entry(path, skip=reason))
    else:
        try:
            loaded = _read(path)
            r = check_loaded(path, loaded, form, (lambda _d: previous) if previous is not None else None, year)
        except ReadTimeout:
            r = FileResult(path=str(path), findings=[finding("FILE-TIMEOUT", location="文件",
                                                             seconds=_fmt_seconds(DEFAULT_TIMEOUT))])
        except Exception as e:  # a bug must not stop a run of many files
            r = FileResult(path=str(path), findings=[_internal(path, e)])
    r.seconds = time.perf_counter() - t0
    return r


# ---------------------------------------------------------------- previous year


def prev_paths(form: Form) -> list[str]:
    """Document paths of last year's report that the rules read (prev.…)."""
    out: list[str] = []
    for rule in form.rules:
        for t in (*rule.left, *rule.right):
            if t.path and t.path.startswith("prev.") and t.path[5:] not in out:
                out.append(t.path[5:])
    return out


@dataclass
class PrevUnit:
    name: str
    code: str
    year: int | None
    doc: dict[str, Any]


def slim_previous(form: Form, doc: dict[str, Any]) -> PrevUnit | None:
    name = get_path(doc, "unit.name", None)
    if not isinstance(name, str) or not name.strip():
        return None
    slim: dict[str, Any] = {"year": doc.get("year")}
    for p in prev_paths(form):
        set_path(slim, p, get_path(doc, p, None))
    code = get_path(doc, "unit.code", None)
    y = doc.get("year")
    return PrevUnit(name, code if isinstance(code, str) else "", y if isinstance(y, int) else None, slim)


class PreviousIndex:
    """Last year's reports by unit, matched the same way as the roster."""

    def __init__(self, units: list[PrevUnit]):
        self.units = units
        self.index = RosterIndex(units)

    def lookup(self, doc: dict[str, Any]) -> dict[str, Any] | None:
        code = get_path(doc, "unit.code", None)
        i = self.index.match(get_path(doc, "unit.name", None), code if isinstance(code, str) else None)
        if i is None:
            return None
        prev = self.units[i]
        year = doc.get("year")
        if isinstance(year, int) and prev.year is not None and prev.year != year - 1:
            return None  # not last year's report
        return prev.doc


# ---------------------------------------------------------------- workers

_STATE: dict[str, Any] = {}


def _init(state: dict[str, Any]) -> None:
    _STATE.clear()
    _STATE.update(state)


@per_form
def _figure_parts(form: Form) -> tuple[list[tuple[str, ...]], list[tuple[int, str]]]:
    """The paths of figures(doc, form), in its order, split once per form: the parent paths, and per
    figure (index of its parent, last part)."""
    parents: list[tuple[str, ...]] = []
    leaves: list[tuple[int, str]] = []
    for p in figures({}, form):
        *parent, leaf = p.split(".")
        if tuple(parent) not in parents:
            parents.append(tuple(parent))
        leaves.append((parents.index(tuple(parent)), leaf))
    return parents, leaves


def _figures_vector(form: Form, doc: dict[str, Any]) -> array:
    """The figures of a report, sparse: [count of figures, index, value, index, value, …] for the
    figures that are not 0 (most are 0; a dense vector was 1.7 KB kept per passing file)."""
    parent_paths, leaves = _figure_parts(form)
    parents: list[Any] = []
    for parts in parent_paths:  # get_path(doc, path, None), one walk per parent
        cur: Any = doc
        for part in parts:
            if not isinstance(cur, dict) or part not in cur:
                cur = None
                break
            cur = cur[part]
        parents.append(cur if isinstance(cur, dict) else None)
    vals = [float(len(leaves))]
    for k, (at, leaf) in enumerate(leaves):
        d = parents[at]
        v = d.get(leaf) if d is not None else None
        x = float(v) if isinstance(v, (int, float, Decimal)) and not isinstance(v, bool) else 0.0
        if x:
            vals += (k, x)
    return array("d", vals)


def _slim_document(doc: dict[str, Any]) -> dict[str, Any]:
    source = doc.get("source") if isinstance(doc.get("source"), dict) else {}
    return {"form": doc.get("form"), "unit": copy.deepcopy(doc.get("unit")), "year": doc.get("year"),
            "source": {k: source.get(k) for k in ("kind", "file", "sha256", "title") if k in source}}


def _check_task(path_text: str) -> tuple[FileResult, array | None]:
    """Worker: check one file within the time limit; return a slim result and its figures."""
    path = Path(path_text)
    t0 = time.perf_counter()
    prev: PreviousIndex | None = _STATE.get("previous")
    try:
        with time_limit(_STATE.get("timeout")):
            reason = skip_reason(path.name)
            if reason:
                r = entry_result(Entry(path, skip=reason))
            else:
                loaded = _read(path)
                r = check_loaded(path, loaded, None, prev.lookup if prev else None, _STATE.get("year"))
    except ReadTimeout:
        r = FileResult(path=path_text, findings=[finding("FILE-TIMEOUT", location="文件",
                                                         seconds=_fmt_seconds(_STATE.get("timeout")))])
    except Exception as e:
        r = FileResult(path=path_text, findings=[_internal(path, e)])
    r.seconds = time.perf_counter() - t0
    vec = None
    if r.document is not None:
        if r.status in ("pass", "warn"):
            vec = _figures_vector(_form_for(r.form_version), r.document)
        r.document = _slim_document(r.document)
    return r, vec


def _prev_task(path_text: str) -> PrevUnit | None:
    try:
        with time_limit(_STATE.get("timeout")):
            loaded = _read(Path(path_text))
            if getattr(loaded, "skipped", False) or loaded.document is None:
                return None
            doc = loaded.document
            return slim_previous(_form_for(getattr(loaded, "form_version", None) or _doc_form_version(doc)), doc)
    except (ReadTimeout, Exception):
        return None


def _internal(path: Path, e: BaseException) -> Finding:
    """CHECK-INTERNAL for a bug met on one file: the user reads the kind and where the log is."""
    where = errorlog.record(f"check {path}", e)
    reason = errorlog.summary(e) + (f"；详情已记录在{where}" if where else "")
    return finding("CHECK-INTERNAL", location="文件", reason=reason)


def _fmt_seconds(s: Any) -> str:
    try:
        return f"{float(s):g}"
    except (TypeError, ValueError):
        return "?"


def _run_chunk(fn: Callable[[str], Any], items: list[str]) -> list[Any]:
    """Worker: fn over a few items in one task (one round trip instead of one per file)."""
    return [fn(it) for it in items]


def chunk_size(n: int, jobs: int) -> int:
    """Items per task: large enough that the cost of a task round trip vanishes, small enough
    that every worker stays busy to the end and the progress bar moves (≈8 tasks per worker)."""
    return max(1, min(MAX_CHUNK, n // (jobs * 8)))


MAX_CHUNK = 32


def _stream(fn: Callable[[str], Any], items: list[str], jobs: int, state: dict[str, Any],
            crashed: Callable[[str], Any]) -> Iterator[tuple[int, Any]]:
    """(index, fn(item)) as they finish; a worker crash gives crashed(item) for the file that caused it."""
    if jobs <= 1 or len(items) <= 1:
        saved = dict(_STATE)
        _init(state)
        try:
            for i, it in enumerate(items):
                yield i, fn(it)
        finally:
            _init(saved)
        return
    retry: list[int] = []
    size = chunk_size(len(items), jobs)
    pending = iter(range(0, len(items), size))
    exhausted = False
    pool = ProcessPoolExecutor(max_workers=jobs, initializer=_init, initargs=(state,))
    in_flight: dict[Future, range] = {}
    try:
        while True:
            while not exhausted and len(in_flight) < jobs * 2:
                start = next(pending, None)
                if start is None:
                    exhausted = True
                    break
                chunk = range(start, min(start + size, len(items)))
                try:
                    in_flight[pool.submit(_run_chunk, fn, [items[i] for i in chunk])] = chunk
                except BrokenProcessPool:
                    retry.extend(chunk)
            if not in_flight:
                break
            done, _ = wait(in_flight, return_when=FIRST_COMPLETED)
            broken = False
            for fut in done:
                chunk = in_flight.pop(fut)
                try:
                    results = fut.result()
                except BrokenProcessPool:
                    retry.extend(chunk)
                    broken = True
                    continue
                yield from zip(chunk, results, strict=True)
            if broken:
                retry.extend(i for chunk in in_flight.values() for i in chunk)
                in_flight.clear()
                pool.shutdown(wait=False, cancel_futures=True)
                pool = ProcessPoolExecutor(max_workers=jobs, initializer=_init, initargs=(state,))
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    # Files in hand when a worker died: run each alone, so the one that kills a worker is found.
    for i in sorted(set(retry)):
        solo = ProcessPoolExecutor(max_workers=1, initializer=_init, initargs=(state,))
        try:
            yield i, solo.submit(fn, items[i]).result()
        except BrokenProcessPool:
            yield i, crashed(items[i])
        finally:
            solo.shutdown(wait=True, cancel_futures=True)


def _crashed_check(path_text: str) -> tuple[FileResult, None]:
    return FileResult(path=path_text, findings=[finding(
        "FILE-UNREADABLE", location="文件", reason="检查进程在读取本文件时意外退出（文件可能损坏或过于复杂）")]), None


# ---------------------------------------------------------------- the run


_EXACT_INT = 2.0**53


class _Totals:
    def __init__(self, paths: list[str]):
        self.paths = paths
        self.sums: dict[int, list[Decimal]] = {}  # year -> running sums
        self.units: Counter[int] = Counter()

    def add(self, year: int, vec: array, sign: int = 1) -> None:
        """Add (sign 1) or take out (sign -1) the sparse figures of one file (see _figures_vector)."""
        sums = self.sums.setdefault(year, [Decimal(0)] * len(self.paths))
        for j in range(1, len(vec), 2):
            k, v = int(vec[j]), vec[j + 1]
            # a whole number below 2**53 is exact as an int: Decimal only for fractions (万元)
            sums[k] += sign * (int(v) if v.is_integer() and -_EXACT_INT < v < _EXACT_INT else Decimal(repr(v)))
        self.units[year] += sign

    def result(self, year: int | None) -> tuple[dict[str, Any], int]:
        if year is None or year not in self.sums:
            return {}, 0
        out: dict[str, Any] = {}
        for p, v in zip(self.paths, self.sums[year], strict=True):
            out[p] = int(v) if v == v.to_integral_value() else float(round(v, 4))
        return out, self.units[year]


def _warm(form: Form) -> None:
    """Build the per-form tables (schema validator, extraction plan, rules, labels, finding
    catalogue) in this process before the workers start: forked workers then share them instead
    of each building its own on its first file."""
    from . import extract, tamper, validate

    catalogue()
    validate.quick_test_for(form)
    validate._plan(form)
    extract._plan(form)
    tamper._label_checks(form)
    tamper.expected_formulas(form)
    rules_engine._compiled(form)
    _figure_parts(form)


def _resolve_jobs(jobs: int | None) -> int:
    return max(1, jobs if jobs else (os.cpu_count() or 1))


def read_previous(paths: Sequence[Path], jobs: int | None = None, timeout: float = DEFAULT_TIMEOUT
                  ) -> PreviousIndex:
    files = [str(e.path) for e in iter_entries(paths) if not e.skip and not e.error]
    units: list[PrevUnit] = []
    for _i, u in _stream(_prev_task, files, _resolve_jobs(jobs), {"timeout": timeout}, lambda _p: None):
        if u is not None:
            units.append(u)
    return PreviousIndex(units)


def check_paths(paths: list[Path], roster: list[Any] | None = None, year: int | None = None,
                previous: list[Path] | None = None, jobs: int | None = None,
                progress: Callable[[int, int], None] | None = None,
                timeout: float = DEFAULT_TIMEOUT) -> RunResult:
    """Check every file under `paths`; one FileResult per file, in walk order.

    run.files is a FileStore: the results are on disk, read back when indexed or iterated."""
    t0 = time.perf_counter()
    jobs = _resolve_jobs(jobs)
    prev_index = read_previous(previous, jobs, timeout) if previous else None
    walked: list[FileResult | str] = [entry_result(e) if e.skip or e.error else str(e.path)
                                      for e in iter_entries(paths)]
    total = len(walked)
    files = FileStore(total)
    try:
        work: list[str] = []
        work_at = array("q")
        for i, w in enumerate(walked):
            if isinstance(w, str):
                work.append(w)
                work_at.append(i)
            else:
                files.put(i, w)
        del walked
        run = _finish_run(files, work, work_at, total, roster, year, prev_index, jobs, progress, timeout)
    except BaseException:
        files.close()
        raise
    run.seconds = time.perf_counter() - t0
    return run


def _finish_run(files: FileStore, work: list[str], work_at: array, total: int, roster: list[Any] | None,
                year: int | None, prev_index: PreviousIndex | None, jobs: int,
                progress: Callable[[int, int], None] | None, timeout: float) -> RunResult:
    """Check the files in `work` (file work_at[k] is work[k]) into `files`, then the folder-level
    checks: the run's year, the roster, and the totals."""
    run = RunResult(files=files)
    done = total - len(work)
    if progress and done:
        progress(done, total)
    form = load_form()
    _warm(form)
    totals = _Totals([p for p in figures({}, form)])
    counted = bytearray(total)  # 1: the file's figures are in the totals (they are stored with its result)
    state = {"previous": prev_index, "year": year, "timeout": timeout}
    for k, (res, vec) in _stream(_check_task, work, jobs, state, _crashed_check):
        i = work_at[k]
        if vec is not None and res.year is not None and len(vec) and int(vec[0]) == len(totals.paths):
            totals.add(res.year, vec)
            counted[i] = 1
            files.put(i, res, vec)
        else:
            files.put(i, res)
        done += 1
        if progress:
            progress(done, total)
    # the run's year: given, or the most common among the files (latest on a tie)
    years_of = files.years()
    if year is None:
        status = files.statuses()
        years = Counter(y for y, s in zip(years_of, status, strict=True) if y is not None and s != "skipped")
        if years:
            year = max(years, key=lambda y: (years[y], y))
            form_year = load_form()
            for i, y in enumerate(years_of):
                if y is not None and y != year:
                    files.add_finding(i, _year_finding(form_year, files[i], year))
    run.year = year
    if roster is not None:
        apply_roster(run, roster)
    # take out of the totals the files that no longer pass (their figures were counted while passing)
    for i, status in enumerate(files.statuses()):
        if counted[i] and status not in ("pass", "warn"):
            totals.add(years_of[i], files.extra(i), -1)  # type: ignore[arg-type]
    run.totals, run.totals_units = totals.result(year)
    return run


def _year_finding(form: Form, r: FileResult, year: int) -> Finding:
    sev = (form.text_rules.get("YEAR-MISMATCH") or {}).get("severity")
    workbook = r.kind == "workbook"
    f = form.field("year")
    return finding("YEAR-MISMATCH", sheet=f.sheet if workbook else None, cell=f.cell if workbook else None,
                   location=None if workbook else "报告年度", path="year", severity=sev, left=r.year, op="==",
                   right=year, message=f"本文件是{r.year}年度的报告，而本次检查的多数文件是{year}年度的报告。")
