"""A unit's feedback file for download: the same file `xxgk check --feedback` writes (report.feedback),
made from the stored submission checked again, so the page and the CLI hand a unit the same thing."""

from __future__ import annotations

import tempfile
from pathlib import Path

from ..check.run import check_paths
from ..report.feedback import write_feedback
from ..report.model import FileStore
from ..store import Store
from ..store.checking import previous_paths, scratch_copy

MEDIA = {
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".txt": "text/plain; charset=utf-8",
}


def feedback_file(store: Store, submission_id: int) -> tuple[str, bytes, str] | None:
    """(download name, bytes, media type) of the feedback file for a submission, or None when the
    submission has no finding to send back."""
    s = store.submission(submission_id)
    if s is None:
        return None
    year = store.working_year()
    with tempfile.TemporaryDirectory(prefix="xxgk-feedback-") as tmp:
        src = scratch_copy(store, Path(tmp) / "file", s.id, s.sha256, s.name)
        previous = previous_paths(store, year, Path(tmp) / "previous")
        run = check_paths([src], year=year, previous=previous or None, jobs=1)
        try:
            result = write_feedback(run, Path(tmp) / "out", year)
        finally:
            if isinstance(run.files, FileStore):
                run.files.close()
        if not result.files:
            return None
        path = result.files[0].path
        return path.name, path.read_bytes(), MEDIA.get(path.suffix, "application/octet-stream")
