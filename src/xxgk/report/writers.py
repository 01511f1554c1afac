"""Write the three summaries of a run into a folder."""

from __future__ import annotations

from pathlib import Path

from .model import RunResult
from .summary_html import write_html
from .summary_json import write_json
from .summary_xlsx import write_xlsx


def write_summaries(run: RunResult, out_dir: Path) -> list[Path]:
    """summary.xlsx, summary.json and summary.html in `out_dir` (created if needed)."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    return [write_xlsx(run, out_dir / "summary.xlsx"), write_json(run, out_dir / "summary.json"),
            write_html(run, out_dir / "summary.html")]
