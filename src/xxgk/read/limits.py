"""One set of caps for every reader (xlsx, docx, HTML, text, PDF) and the per-file time limit.

A hostile file must cost at most what the caps allow, so each cap is checked where the work it
bounds would happen: bytes before reading, zip sizes before inflating, element counts before
parsing, cells after spans before a grid is built. Exceeding a cap raises `FileProblem` with
FILE-TOO-LARGE (a Chinese reason naming the cap); the time limit raises `ReadTimeout`, which the
loader turns into FILE-TIMEOUT.
"""

from __future__ import annotations

import contextlib
import re
import signal
import threading
from collections.abc import Iterator
from dataclasses import dataclass

MB = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    max_file_bytes: int = 50 * MB  # the input file itself
    max_entries: int = 1000  # zip members
    max_entry_bytes: int = 50 * MB  # one member, decompressed
    max_total_bytes: int = 200 * MB  # all members, decompressed
    max_text_chars: int = 20_000_000  # decoded text of a text/HTML file, or of one document part
    max_elements: int = 2_000_000  # XML/HTML elements in one part (9.7 million empty <si/> were 1.4 GB)
    max_cells: int = 1_000_000  # table cells after rowspan/colspan/gridSpan, per file
    max_columns: int = 1_000  # cells in one table row after spans
    max_rows: int = 100_000  # rows of one table
    max_span: int = 1_000  # one rowspan/colspan/gridSpan value
    max_depth: int = 200  # element nesting
    max_pages: int = 200  # PDF pages
    max_page_chars: int = 200_000  # characters on one PDF page
    seconds: float = 60.0  # per file


DEFAULT_LIMITS = Limits()


class ReadTimeout(BaseException):
    """The per-file time limit ran out. A BaseException so that the readers' own `except
    Exception` safety nets cannot turn it into a misleading "internal error"."""


def _on_alarm(signum: int, frame: object) -> None:
    raise ReadTimeout()


@contextlib.contextmanager
def time_limit(seconds: float | None) -> Iterator[None]:
    """Raise ReadTimeout in this block after `seconds` (SIGALRM, main thread only).

    An outer limit already running (the checker's worker sets one per file) is left alone: the
    outer one governs, and it raises the same ReadTimeout."""
    usable = (seconds and seconds > 0 and hasattr(signal, "setitimer")
              and threading.current_thread() is threading.main_thread()
              and signal.getitimer(signal.ITIMER_REAL)[0] == 0)
    if not usable:
        yield
        return
    old = signal.signal(signal.SIGALRM, _on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def too_large(reason: str) -> Exception:
    from ..report.model import finding
    from .safe_open import FileProblem

    return FileProblem(finding("FILE-TOO-LARGE", reason=reason))


def count_elements(data: bytes, local_name: bytes) -> int:
    """How many start tags named `local_name` (any prefix) the XML bytes hold, without parsing."""
    return len(re.findall(rb"<(?:[A-Za-z_][\w.-]*:)?" + re.escape(local_name) + rb"[\s/>]", data))


def check_element_count(data: bytes, part: str, limits: Limits, local_name: bytes | None = None) -> None:
    """FILE-TOO-LARGE before parsing a part with more elements (or more of one element) than the cap."""
    n = count_elements(data, local_name) if local_name else data.count(b"<") - data.count(b"</")
    if n > limits.max_elements:
        what = f"<{local_name.decode()}>元素" if local_name else "XML元素"
        raise too_large(f"内部文件{part}含有约{n}个{what}，超过上限{limits.max_elements}个")


def check_text_length(text: str, limits: Limits, what: str = "文本") -> None:
    if len(text) > limits.max_text_chars:
        raise too_large(f"{what}共{len(text)}个字符，超过上限{limits.max_text_chars}个")


class CellBudget:
    """Counts table cells after spans across one file; raises FILE-TOO-LARGE past the caps."""

    def __init__(self, limits: Limits):
        self.limits = limits
        self.cells = 0

    def span(self, value: int, where: str) -> None:
        if value > self.limits.max_span:
            raise too_large(f"{where}的合并跨度为{value}，超过上限{self.limits.max_span}")

    def row(self, width: int, where: str) -> None:
        if width > self.limits.max_columns:
            raise too_large(f"{where}一行展开后有{width}列，超过上限{self.limits.max_columns}列")

    def table(self, rows: int, cells: int, where: str) -> None:
        if rows > self.limits.max_rows:
            raise too_large(f"{where}有{rows}行，超过上限{self.limits.max_rows}行")
        self.cells += cells
        if self.cells > self.limits.max_cells:
            raise too_large(f"表格展开后共约{self.cells}个单元格，超过上限{self.limits.max_cells}个")


__all__ = ["DEFAULT_LIMITS", "MB", "CellBudget", "Limits", "ReadTimeout", "check_element_count",
           "check_text_length", "count_elements", "time_limit", "too_large"]
