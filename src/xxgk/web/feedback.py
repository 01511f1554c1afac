"""Where a unit's feedback file plugs in.

Helper wfb writes src/xxgk/report/feedback.py in parallel; at merge, `feedback_file` is wired to it
(build the feedback workbook for a checked submission from its stored findings). Until then the
web page shows the link and answers that the feedback file is not available yet.
"""

from __future__ import annotations

from ..store import Store


def feedback_file(store: Store, submission_id: int) -> tuple[str, bytes, str] | None:
    """(download name, bytes, media type) of the feedback file for a submission, or None when
    no feedback writer is installed. TODO(merge): call xxgk.report.feedback here."""
    return None
