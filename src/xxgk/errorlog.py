"""Where the detail of an internal error goes: a log file, never the user's screen.

The user is told, in Chinese, what failed and where this file is; the traceback is appended here
for whoever fixes the bug. Writing the log never raises: a run does not fail for want of a log.
"""

from __future__ import annotations

import datetime
import os
import tempfile
import traceback
from pathlib import Path


def log_path() -> Path:
    """$XXGK_ERROR_LOG, else $XDG_STATE_HOME/xxgk/errors.log (default ~/.local/state)."""
    env = os.environ.get("XXGK_ERROR_LOG")
    if env:
        return Path(env)
    state = os.environ.get("XDG_STATE_HOME") or os.path.join(os.path.expanduser("~"), ".local", "state")
    return Path(state) / "xxgk" / "errors.log"


def record(context: str, exc: BaseException) -> str:
    """Append `exc`'s traceback under a heading naming `context`; return the log's path as text
    (a temporary-folder fallback when the usual place is not writable, "" when nothing is)."""
    text = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    stamp = datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")
    entry = f"=== {stamp} pid {os.getpid()} {context!r}\n{text}\n"
    for target in (log_path(), Path(tempfile.gettempdir()) / "xxgk-errors.log"):
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            with open(target, "a", encoding="utf-8", errors="backslashreplace") as fh:
                fh.write(entry)
            return str(target)
        except OSError:
            continue
    return ""


def summary(exc: BaseException) -> str:
    """The exception in one short line (type and the start of its message)."""
    msg = str(exc).replace("\n", " ")
    return f"{type(exc).__name__}: {msg}"[:120] if msg else type(exc).__name__


__all__ = ["log_path", "record", "summary"]
