"""Findings, file results and run results: what the core returns and the writers render."""

from __future__ import annotations

import copy
import pickle
import tempfile
from array import array
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, overload

import yaml

from ..form.definition import load_form

SEVERITIES = ("error", "warning", "info")
SEVERITY_ZH = {"error": "错误", "warning": "警告", "info": "提示"}
STATUS_ZH = {"pass": "通过", "warn": "有警告", "fail": "不通过", "error": "无法读取", "skipped": "已跳过"}


@dataclass
class Finding:
    rule: str
    severity: str
    message: str
    hint: str = ""
    sheet: str | None = None
    cell: str | None = None
    location: str | None = None  # table/row/column of an imported page, when there is no cell
    left: Any = None
    op: str | None = None
    right: Any = None
    outcome: str = "fail"  # "fail", or "not_assessable" when an operand was missing
    path: str | None = None  # document path of the value concerned

    @property
    def where(self) -> str:
        if self.sheet and self.cell:
            return f"{self.sheet}!{self.cell}"
        return self.sheet or self.location or ""

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        for k in ("left", "right"):
            if d[k] is not None and not isinstance(d[k], (int, float, str, bool)):
                d[k] = str(d[k])
        return d


@dataclass
class FileResult:
    path: str
    sha256: str | None = None
    kind: str = "unknown"  # workbook, text, html, docx, unknown
    unit: str | None = None
    year: int | None = None
    form_version: str | None = None
    findings: list[Finding] = field(default_factory=list)
    document: dict[str, Any] | None = None
    seconds: float = 0.0
    skipped: bool = False
    # from the workbook's cover, so a summary says whom to phone
    code: str | None = None
    contact_person: str | None = None
    contact_phone: str | None = None

    @property
    def counts(self) -> dict[str, int]:
        c = dict.fromkeys(SEVERITIES, 0)
        for f in self.findings:
            if f.outcome == "fail":
                c[f.severity] += 1
        return c

    @property
    def status(self) -> str:
        if self.skipped:
            return "skipped"
        failing = [f for f in self.findings if f.outcome == "fail"]
        if any(f.rule.startswith("FILE-") and f.severity == "error" for f in failing) or self.document is None:
            return "error"
        if any(f.severity == "error" for f in failing):
            return "fail"
        if any(f.severity == "warning" for f in failing):
            return "warn"
        return "pass"

    @property
    def first_problem(self) -> Finding | None:
        """The finding a person should read first: the first error, else warning, else note."""
        failing = [f for f in self.findings if f.outcome == "fail"]
        for sev in SEVERITIES:
            for f in failing:
                if f.severity == sev:
                    return f
        return next(iter(self.findings), None)

    def to_dict(self, with_document: bool = False) -> dict[str, Any]:
        d = {
            "path": self.path, "sha256": self.sha256, "kind": self.kind, "unit": self.unit, "year": self.year,
            "code": self.code, "contact_person": self.contact_person, "contact_phone": self.contact_phone,
            "form_version": self.form_version, "status": self.status, "counts": self.counts,
            "seconds": round(self.seconds, 4), "findings": [f.to_dict() for f in self.findings],
        }
        if with_document:
            d["document"] = self.document
        return d


STATUS_CODES = tuple(STATUS_ZH)  # a status kept as one byte: its index here


class FileStore(Sequence[FileResult]):
    """The file results of a run, written to disk as they arrive instead of kept in memory.

    Each result (with its findings and slim document) is pickled to an anonymous temporary file
    (tempfile.TemporaryFile: it has no name on disk, so nothing is left behind even when the
    process is killed, and no other process can reach it, which is why pickle is safe here).
    In memory, per file: the offset of its record, its status (one byte), its year and the offset
    of its last late finding (see below), about 25 bytes, so the folder-level logic (run year,
    totals, exit code, console) needs no reading back. Indexing or iterating reads the results
    back one at a time.

    Findings added after the fact (another year, roster duplicates; add_finding) are appended to
    the same file and merged, in the order they were added, whenever that result is read back.
    A record may carry a second object (the figures of a passing file, see check.run), read by
    extra(i).
    """

    def __init__(self, n: int = 0):
        self._fh = tempfile.TemporaryFile(prefix="xxgk-results-")  # noqa: SIM115 (lives as long as the store)
        self._end = 0  # where the next record goes
        self._at_end = True  # the file position is self._end (no read since the last write)
        self._offsets = array("q", [-1]) * n
        self._status = bytearray(n)
        self._years: list[int | None] = [None] * n
        self._year_objs: dict[int, int] = {}  # one int object per distinct year
        # per file: offset of the last finding added later (-1: none); each such record holds the
        # finding and the offset of the one added before it
        self._late = array("q", [-1]) * n
        self._file_counts: dict[str, dict[str, Any]] | None = None

    def _write(self, obj: Any) -> int:
        if not self._at_end:
            self._fh.seek(self._end)
            self._at_end = True
        at = self._end
        pickle.dump(obj, self._fh, protocol=pickle.HIGHEST_PROTOCOL)
        self._end = self._fh.tell()
        return at

    def _load(self, at: int) -> Any:
        self._fh.seek(at)
        self._at_end = False
        return pickle.load(self._fh)

    def put(self, i: int, r: FileResult, extra: Any = None) -> None:
        """Store the result of file i (once per file)."""
        self._offsets[i] = self._write((r, extra))
        self._status[i] = STATUS_CODES.index(r.status)
        y = r.year
        self._years[i] = None if y is None else self._year_objs.setdefault(y, y)
        self._file_counts = None

    def _index(self, i: int) -> int:
        n = len(self._offsets)
        if i < 0:
            i += n
        if not 0 <= i < n:
            raise IndexError("file index out of range")
        if self._offsets[i] < 0:
            raise LookupError(f"no result stored for file {i}")
        return i

    def __len__(self) -> int:
        return len(self._offsets)

    @overload
    def __getitem__(self, i: int) -> FileResult: ...

    @overload
    def __getitem__(self, i: slice) -> list[FileResult]: ...

    def __getitem__(self, i: int | slice) -> FileResult | list[FileResult]:
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        i = self._index(i)
        r: FileResult = self._load(self._offsets[i])[0]
        late: list[Finding] = []
        at = self._late[i]
        while at >= 0:
            f, at = self._load(at)
            late.append(f)
        r.findings.extend(reversed(late))
        return r

    def __iter__(self) -> Iterator[FileResult]:
        for i in range(len(self)):
            yield self[i]

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Sequence) or isinstance(other, (str, bytes)):
            return NotImplemented
        return len(self) == len(other) and all(a == b for a, b in zip(self, other, strict=True))

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"<FileStore of {len(self)} file results>"

    def extra(self, i: int) -> Any:
        """The second object stored with the result of file i (None when there was none)."""
        return self._load(self._offsets[self._index(i)])[1]

    def status(self, i: int) -> str:
        return STATUS_CODES[self._status[self._index(i)]]

    def statuses(self) -> list[str]:
        return [STATUS_CODES[c] for c in self._status]

    def years(self) -> list[int | None]:
        return list(self._years)

    def add_finding(self, i: int, f: Finding) -> None:
        """Add a finding to file i after the fact (its status follows)."""
        i = self._index(i)
        self._late[i] = self._write((f, self._late[i]))
        self._status[i] = STATUS_CODES.index(self[i].status)
        self._file_counts = None

    def file_rule_counts(self) -> dict[str, dict[str, Any]]:
        """rule_counts over the files (one pass over the results, then kept until a result changes)."""
        if self._file_counts is None:
            self._file_counts = file_rule_counts(self)
        return copy.deepcopy(self._file_counts)

    def close(self) -> None:
        self._fh.close()


def file_rule_counts(files: Sequence[FileResult]) -> dict[str, dict[str, Any]]:
    """Per rule: findings that fail, files with such a finding, findings that could not be assessed."""
    out: dict[str, dict[str, Any]] = {}
    for r in files:
        seen = set()
        for f in r.findings:
            e = out.setdefault(f.rule, {"rule": f.rule, "severity": f.severity, "findings": 0, "files": 0,
                                        "not_assessable": 0})
            if f.outcome == "not_assessable":
                e["not_assessable"] += 1
                continue
            e["findings"] += 1
            if f.rule not in seen:
                e["files"] += 1
                seen.add(f.rule)
    return out


@dataclass
class RunResult:
    """The result of a run. `files` is a list, or a FileStore (check_paths) that keeps the results
    on disk and reads them back when indexed or iterated; both are sequences of FileResult."""

    files: Sequence[FileResult] = field(default_factory=list)
    roster_findings: list[Finding] = field(default_factory=list)
    roster_missing: list[dict[str, Any]] = field(default_factory=list)
    totals: dict[str, Any] = field(default_factory=dict)
    totals_units: int = 0
    year: int | None = None
    seconds: float = 0.0

    def statuses(self) -> list[str]:
        """The status of every file, in order (without reading the results back from a FileStore)."""
        if isinstance(self.files, FileStore):
            return self.files.statuses()
        return [r.status for r in self.files]

    def add_finding(self, i: int, f: Finding) -> None:
        """Add a finding to file i after the checks (roster, run year)."""
        if isinstance(self.files, FileStore):
            self.files.add_finding(i, f)
        else:
            self.files[i].findings.append(f)

    @property
    def exit_code(self) -> int:
        bad = any(s in ("fail", "error") for s in self.statuses())
        return 1 if bad or self.roster_missing or any(
            f.severity == "error" for f in self.roster_findings) else 0

    def _file_rule_counts(self) -> dict[str, dict[str, Any]]:
        if isinstance(self.files, FileStore):
            return self.files.file_rule_counts()
        return file_rule_counts(self.files)

    def file_rules(self) -> list[str]:
        """Every rule with a finding in some file, sorted."""
        return sorted(self._file_rule_counts())

    def rule_counts(self) -> dict[str, dict[str, Any]]:
        out = self._file_rule_counts()
        for f in self.roster_findings:
            e = out.setdefault(f.rule, {"rule": f.rule, "severity": f.severity, "findings": 0, "files": 0,
                                        "not_assessable": 0})
            e["findings"] += 1
        return dict(sorted(out.items()))


# ---------------------------------------------------------------- the catalogue


@cache
def catalogue() -> dict[str, dict[str, str]]:
    """Every finding id with severity, title, message template and fix hint."""
    with (Path(__file__).parent / "catalogue.yaml").open(encoding="utf-8") as fh:
        cat: dict[str, dict[str, str]] = yaml.safe_load(fh)
    form = load_form()
    for r in form.raw["rules"]:
        cat[r["id"]] = {"severity": r["severity"], "title": r["title"], "message": r["message"], "hint": r["hint"]}
    return cat


class _Default(dict):
    def __missing__(self, key: str) -> str:
        return "（未知）"


def finding(rule: str, *, sheet: str | None = None, cell: str | None = None, location: str | None = None,
            path: str | None = None, severity: str | None = None, **params: Any) -> Finding:
    """Build a finding from the catalogue entry of `rule`, filling its message and hint."""
    entry = catalogue()[rule]
    # sheet/cell/location are keyword arguments of this function, and messages name them too
    # ("工作表“{sheet}”…", "{cell}应为…"): without this they would read "（未知）".
    named = {k: v for k, v in (("sheet", sheet), ("cell", cell), ("location", location)) if v is not None}
    values = _Default({**named, **{k: "" if v is None else v for k, v in params.items()}})
    return Finding(
        rule=rule, severity=severity or entry["severity"], message=entry["message"].format_map(values),
        hint=entry.get("hint", "").format_map(values), sheet=sheet, cell=cell, location=location, path=path,
        left=params.get("left"), op=params.get("op"), right=params.get("right"),
    )


# Where a value came from: (sheet, cell, location). Workbooks give sheet and cell; imported
# pages give a location such as "表三 “（一）予以公开”行".
Location = tuple[str | None, str | None, str | None]
# Where a document path lives in the source, for findings.
Locator = Callable[[str], Location]


def no_location(path: str) -> Location:
    return None, None, None
