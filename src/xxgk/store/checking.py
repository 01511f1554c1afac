"""Run the checker over a round's files and record the results; record a CLI run; export the
current round's summaries. Uses check.run's public API only; the store holds no rules.

The checker reads files from disk, so a round's files are copied from the store into a private
scratch folder for the run: `<submission id>/<name>`, the uploaded name passed through
generate.roster.safe_filename, in a folder of its own so that the name reaches the checker as
sent (it skips lock files by name, reads the year in a file name, and matches an unreadable file
to a unit by its name, as the CLI does). The stored file itself is only ever addressed by its hash.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from ..check.roster import RosterIndex
from ..check.run import check_paths
from ..document import figures
from ..form.definition import load_form
from ..generate.roster import safe_filename
from ..read.safe_open import FileProblem, read_regular
from ..report.model import FileResult, FileStore, RunResult
from .workspace import Store, unit_key

Progress = Callable[[int, int], None]


def _split(name: str) -> tuple[str, str]:
    """(stem, extension) of an uploaded name; an extension only when it looks like one (.xlsx, .html)."""
    base = os.path.basename(name.replace("\\", "/"))
    stem, dot, ext = base.rpartition(".")
    if not dot or not stem or not ext.isascii() or not ext.isalnum() or len(ext) > 5:
        return base, ""
    return stem, ext.lower()


def scratch_name(name: str) -> str:
    """The uploaded name made safe to create in a scratch folder (no folders, no reserved names)."""
    stem, ext = _split(name)
    return safe_filename(stem, max_len=60) + (f".{ext}" if ext else "")


def scratch_copy(store: Store, folder: Path, key: int, sha: str, name: str) -> Path:
    """Copy a stored file to folder/<key>/<safe name> for the checker."""
    target = folder / f"{key:07d}" / scratch_name(name)
    target.parent.mkdir(parents=True)
    target.write_bytes(store.file_bytes(sha))
    return target


def _figures(run: RunResult, i: int, paths: list[str]) -> dict[str, float] | None:
    """The non-zero figures of a passing file, from the checker's sparse vector (see check.run)."""
    files = run.files
    if not isinstance(files, FileStore):
        return None
    vec = files.extra(i)
    if vec is None or not len(vec) or int(vec[0]) != len(paths):
        return None
    return {paths[int(vec[j])]: vec[j + 1] for j in range(1, len(vec), 2)}


def match_units(store: Store, named: Sequence[tuple[int, FileResult, str]]) -> dict[int, str | None]:
    """submission id -> roster unit key, matched as the CLI matches (check.roster.RosterIndex):
    by code and name read from the file, else an unreadable file by its file name."""
    roster = store.units()
    index = RosterIndex(roster)
    out: dict[int, str | None] = {}
    for sid, r, shown_name in named:
        code = ((r.document or {}).get("unit") or {}).get("code") if isinstance(r.document, dict) else None
        i = index.match(r.unit, code if isinstance(code, str) else None)
        if i is None and not r.unit:
            i = index.match_filename(shown_name)
        out[sid] = roster[i].key if i is not None else None
    return out


def previous_paths(store: Store, year: int | None, folder: Path) -> list[Path]:
    """Last year's current submissions, copied into `folder`, for the cross-year rules."""
    if year is None:
        return []
    out = []
    folder.mkdir()
    for n, (_key, sha, name) in enumerate(store.current_files(year - 1)):
        out.append(scratch_copy(store, folder, n, sha, name))
    return out


def check_round(store: Store, round_id: int, jobs: int | None = None, progress: Progress | None = None) -> None:
    """Check every file of a round and record the results (one transaction)."""
    subs = store.round_files(round_id)
    paths = list(figures({}, load_form()))
    with tempfile.TemporaryDirectory(prefix="xxgk-round-") as tmp:
        folder = Path(tmp) / "files"
        folder.mkdir()
        by_dir: dict[str, tuple[int, str]] = {}
        for s in subs:
            by_dir[scratch_copy(store, folder, s.id, s.sha256, s.name).parent.name] = (s.id, s.name)
        previous = previous_paths(store, store.working_year(), Path(tmp) / "previous")

        def report(done: int, total: int) -> None:
            if progress:
                progress(done, total)

        run = check_paths([folder], year=None, previous=previous or None, jobs=jobs, progress=report)
        try:
            results = []
            named = []
            for i, r in enumerate(run.files):
                sid, shown = by_dir[Path(r.path).parent.name]
                r.path = shown  # what the user sent, for display
                results.append((sid, r, _figures(run, i, paths)))
                named.append((sid, r, shown))
            store.record(round_id, results, match_units(store, named))
        finally:
            if isinstance(run.files, FileStore):
                run.files.close()


def record_run(store: Store, run: RunResult) -> int:
    """Record a finished `xxgk check` run as a round: every file that still exists is received
    (by hash) with the result the CLI computed; nothing is checked twice."""
    paths = list(figures({}, load_form()))
    items: list[tuple[int, FileResult, dict[str, float] | None, bytes]] = []
    for i, r in enumerate(run.files):
        if r.skipped:  # lock files, Thumbs.db: nobody's report, nothing to keep
            continue
        try:  # under the reader's caps: a file refused as too large is not kept either
            data = read_regular(r.path)
        except (OSError, FileProblem):
            continue  # gone, a folder, unreadable or over the cap: nothing to keep
        items.append((i, r, _figures(run, i, paths), data))
    rid = store.start_round("cli", ((os.path.basename(r.path), data) for _i, r, _f, data in items))
    subs = store.round_files(rid)
    results = []
    named = []
    for s, (_i, r, figs, _data) in zip(subs, items, strict=True):
        results.append((s.id, r, figs))
        named.append((s.id, r, s.name))
    store.record(rid, results, match_units(store, named))
    return rid


def export_current(store: Store, out_dir: Path, jobs: int | None = None) -> list[Path]:
    """summary.xlsx/json/html for the current submission of every roster unit, written by the CLI's
    own writers from a CLI run (check_paths with the roster) over those files."""
    from ..report.writers import write_summaries

    year = store.working_year()
    roster = store.roster_units()
    with tempfile.TemporaryDirectory(prefix="xxgk-export-") as tmp:
        folder = Path(tmp) / "当前报送"
        folder.mkdir()
        keys = {unit_key(u.name): u for u in roster}
        for n, (key, sha, name) in enumerate(store.current_files(year)):
            u = keys.get(key)
            label = safe_filename(u.name) if u else f"{n}"
            ext = _split(name)[1]
            (folder / (f"{label}.{ext}" if ext else label)).write_bytes(store.file_bytes(sha))
        previous = previous_paths(store, year, Path(tmp) / "previous")
        run = check_paths([folder], roster=roster or None, year=year, previous=previous or None, jobs=jobs)
        try:
            return write_summaries(run, out_dir)
        finally:
            if isinstance(run.files, FileStore):
                run.files.close()


def store_roster(store: Store, path: Path, units: Sequence[Any]) -> int:
    return store.set_roster(units, path.name)
