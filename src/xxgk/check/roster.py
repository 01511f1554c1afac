"""Match file results to roster units by name (and code), and report missing, duplicate and
unknown units (ROSTER-MISSING, ROSTER-DUPLICATE, ROSTER-UNKNOWN).

Names are compared in steps, stopping at the first that decides:
1. the unit code, when both sides have one;
2. the name after NFKC and removing whitespace;
3. the "core" name: without a trailing 人民政府/政府/办事处/委员会… and without any title text
   after a year ("…2024年政府信息公开工作年度报告");
4. the core with a leading administrative prefix (…省/市/县/区/旗/州/盟) removed on either side,
   e.g. roster "小浪底镇" ↔ report "孟津区小浪底镇人民政府". An ambiguous match is no match.
A file that could not be read has no unit name; its file name is then searched for a roster name.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

from ..report.model import FileResult, RunResult, finding

SUFFIXES = ("人民政府", "政府", "街道办事处", "办事处", "管理委员会", "管委会", "村民委员会", "居民委员会",
            "居委会", "村委会", "委员会")
# After stripping a suffix, what the core should end with so "XX街道办事处" ↔ "XX街道" still match.
SUFFIX_KEEP = {"街道办事处": "街道", "村民委员会": "村", "村委会": "村"}
ADMIN_END = ("省", "市", "县", "区", "旗", "州", "盟")


class UnitLike(Protocol):
    name: str
    code: str


def normalise(name: str) -> str:
    t = unicodedata.normalize("NFKC", name or "")
    return re.sub(r"\s+", "", t)


def core(name: str) -> str:
    """The name without suffixes such as 人民政府 and without any title text after a year."""
    t = normalise(name)
    t = re.split(r"20\d{2}年", t)[0] or t
    t = re.sub(r"[（(][^）)]*[）)]$", "", t) or t
    for s in SUFFIXES:
        if t.endswith(s) and len(t) > len(s) + 1:
            t = t[: -len(s)]
            keep = SUFFIX_KEEP.get(s, "")
            if keep and not t.endswith(keep):
                t += keep
            break
    return t


def _admin_suffixes(c: str) -> list[str]:
    """Every tail of `c` that follows an administrative prefix (…区 / …县 / …市), longest first."""
    out = []
    for i in range(2, len(c) - 1):
        if c[i - 1] in ADMIN_END and len(c) - i >= 2 and c[i - 2:i] != "社区":
            out.append(c[i:])
    return out


class RosterIndex:
    """Lookup of roster units by code and by name; `match` gives a unit index or None."""

    def __init__(self, units: Sequence[Any]):
        self.units = list(units)
        self.by_code: dict[str, int] = {}
        self.by_name: dict[str, int] = {}
        self.by_core: dict[str, list[int]] = {}
        self.by_tail: dict[str, list[int]] = {}
        for i, u in enumerate(self.units):
            code = normalise(getattr(u, "code", "") or "")
            if code:
                self.by_code.setdefault(code, i)
            self.by_name.setdefault(normalise(u.name), i)
            c = core(u.name)
            self.by_core.setdefault(c, []).append(i)
            for tail in _admin_suffixes(c):
                self.by_tail.setdefault(tail, []).append(i)

    @staticmethod
    def _unique(found: list[int] | None) -> int | None:
        if not found:
            return None
        return found[0] if len(set(found)) == 1 else None

    def match(self, name: str | None, code: str | None = None) -> int | None:
        if code and normalise(code) in self.by_code:
            return self.by_code[normalise(code)]
        if not name or not normalise(name):
            return None
        if normalise(name) in self.by_name:
            return self.by_name[normalise(name)]
        c = core(name)
        if c in self.by_core:
            return self._unique(self.by_core[c])
        # report has a prefix the roster lacks: 孟津区小浪底镇 -> 小浪底镇
        for tail in _admin_suffixes(c):
            if tail in self.by_core:
                return self._unique(self.by_core[tail])
        # roster has a prefix the report lacks: roster 孟津区小浪底镇, report 小浪底镇
        if c in self.by_tail:
            return self._unique(self.by_tail[c])
        return None

    def match_filename(self, file_name: str) -> int | None:
        """For a file without a readable unit: the roster unit whose name the file name contains."""
        stem = normalise(Path(file_name).stem)
        best: list[tuple[int, int]] = []
        for i, u in enumerate(self.units):
            for key in {normalise(u.name), core(u.name)}:
                if len(key) >= 2 and key in stem:
                    best.append((len(key), i))
        if not best:
            return None
        best.sort(reverse=True)
        top = [i for n, i in best if n == best[0][0]]
        return top[0] if len(set(top)) == 1 else None


def _unit_code(r: FileResult) -> str | None:
    doc = r.document or {}
    unit = doc.get("unit") if isinstance(doc.get("unit"), dict) else {}
    code = unit.get("code") if unit else None
    return code if isinstance(code, str) else None


def unit_dict(u: Any) -> dict[str, Any]:
    return {"name": u.name, "code": getattr(u, "code", "") or "", "level": getattr(u, "level", "") or "",
            "parent": getattr(u, "parent", "") or ""}


def apply_roster(run: RunResult, roster: Sequence[Any]) -> dict[int, int]:
    """Add ROSTER-* findings to `run` and fill run.roster_missing. Returns file index -> unit index.

    Reads each file result once, in order (run.files may be a FileStore on disk); findings are
    added through run.add_finding."""
    index = RosterIndex(roster)
    matched: dict[int, int] = {}
    files_of: dict[int, list[int]] = {}
    for i, r in enumerate(run.files):
        if r.skipped:
            continue
        u = index.match(r.unit, _unit_code(r))
        if u is None and not r.unit:
            u = index.match_filename(r.path)
        if u is None:
            if r.unit:
                run.add_finding(i, finding("ROSTER-UNKNOWN", location="单位名称", unit=r.unit))
            continue
        matched[i] = u
        files_of.setdefault(u, []).append(i)
    for u, idxs in files_of.items():
        if len(idxs) < 2:
            continue
        names = "、".join(Path(run.files[i].path).name for i in idxs)
        for i in idxs:
            run.add_finding(i, finding("ROSTER-DUPLICATE", location="单位名称", unit=index.units[u].name,
                                       count=len(idxs), files=names))
    for u, unit in enumerate(index.units):
        if u not in files_of:
            run.roster_missing.append(unit_dict(unit))
            run.roster_findings.append(finding("ROSTER-MISSING", location=unit.name, unit=unit.name))
    return matched
