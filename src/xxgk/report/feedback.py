"""Feedback to each unit (`xxgk check … --feedback DIR`): one file per unit with findings, which the
unit can act on without the county's summary.

- a workbook it sent: a copy of it, annotated (feedback_xlsx: highlighted cells with comments and a
  first sheet 问题清单); a corrected copy checks as a normal submission;
- a published report (text, HTML, Word, PDF): a 问题清单 .docx (feedback_docx);
- a file that could not be read, or a workbook that cannot be annotated: a short note (.txt, UTF-8
  with BOM and CRLF so that Windows Notepad shows the Chinese) saying why and what to do;
- a unit on the roster that sent nothing: a note asking for its report.

Inputs are only read; every file is written atomically into DIR, named after the unit.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ..atomic import atomic_write
from ..generate.roster import safe_filename
from ..read.safe_open import DEFAULT_LIMITS
from ..sanitize import clean, path_display
from .feedback_docx import findings_docx
from .feedback_xlsx import FeedbackError, annotate_workbook
from .model import SEVERITY_ZH, STATUS_ZH, FileResult, Finding, RunResult, catalogue

SUFFIX = "检查反馈"
_KIND_ZH = {"text": "文本", "html": "网页", "docx": "Word", "pdf": "PDF"}


@dataclass
class FeedbackFile:
    unit: str
    source: str | None  # the input file; None for a unit that sent nothing
    path: Path
    kind: str  # "xlsx" (annotated copy), "docx" (list), "txt" (note)
    findings: int
    reason: str = ""  # why a note instead of an annotated copy


@dataclass
class FeedbackResult:
    out_dir: Path
    files: list[FeedbackFile] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)  # an earlier run's files for units now without problems


def target_problem(out_dir: Path, inputs: Sequence[Path]) -> str | None:
    """Why `out_dir` cannot take the feedback files (Chinese), or None.

    Inside an input folder the files would be read as submissions by the next run; the one exception
    is a dedicated subfolder that is empty (or not there yet), which this run does not read, or that
    holds an earlier run's output (its mark keeps every run from reading it)."""
    out = Path(os.path.realpath(out_dir))
    if out.exists() and not out.is_dir():
        return f"--feedback 指定的“{path_display(out_dir)}”是一个文件，请指定一个文件夹。"
    existing = next((p for p in (out, *out.parents) if p.exists()), None)
    if existing is None or not existing.is_dir() or not os.access(existing, os.W_OK | os.X_OK):
        return f"--feedback 的文件夹“{path_display(out_dir)}”无法创建或没有写入权限，请另选一个文件夹。"
    for p in inputs:
        src = Path(os.path.realpath(p))
        if out == src or (src.is_file() and out == src.parent):
            return (f"--feedback 的文件夹“{path_display(out_dir)}”就是报送文件所在的文件夹，"
                    "反馈文件会被下次检查当作报送文件。请另选一个文件夹，如 feedback/。")
        if src.is_dir() and src in out.parents:
            from ..outputs import OUTPUT_MARK

            empty = not out.exists() or not any(out.iterdir()) or (out / OUTPUT_MARK).exists()
            if not empty:
                return (f"--feedback 的文件夹“{path_display(out_dir)}”在报送文件夹“{path_display(p)}”里面且不是空的，"
                        "其中的文件会被当作报送文件检查。请指定报送文件夹以外的文件夹，如 feedback/。")
    return None


def _unit_code(r: FileResult) -> str:
    unit = (r.document or {}).get("unit") if isinstance(r.document, dict) else None
    code = unit.get("code") if isinstance(unit, dict) else None
    return code.strip() if isinstance(code, str) else ""


class _Names:
    """Unique file names in DIR (case-insensitive, as on Windows)."""

    def __init__(self) -> None:
        self.used: set[str] = set()

    def take(self, stem: str, ext: str) -> str:
        cand, i = stem, 2
        while (cand + ext).casefold() in self.used:
            cand, i = f"{stem}_{i}", i + 1
        self.used.add((cand + ext).casefold())
        return cand + ext


def _finding_lines(findings: list[Finding]) -> list[str]:
    cat = catalogue()
    out: list[str] = []
    for k, f in enumerate(findings, start=1):
        where = f"（{f.where}）" if f.where else ""
        title = (cat.get(f.rule) or {}).get("title", "")
        out.append(f"{k}. 【{SEVERITY_ZH.get(f.severity, f.severity)}】{f.rule} {title}{where}：{f.message}")
        if f.hint:
            out.append(f"   修改办法：{f.hint}")
    return out


def note_text(lines: list[str]) -> bytes:
    """A note for Windows Notepad: UTF-8 with BOM, CRLF line ends."""
    text = "\r\n".join(clean(line, keep=frozenset("\t")) for line in lines) + "\r\n"
    return b"\xef\xbb\xbf" + text.encode("utf-8")


def _read_input(path: Path, sha256: str | None) -> tuple[bytes | None, str]:
    """The input's bytes when they are still the ones that were checked; else (None, why)."""
    try:
        if os.path.getsize(path) > DEFAULT_LIMITS.max_file_bytes:
            return None, "文件过大，未生成标注副本"
        data = path.read_bytes()
    except OSError:
        return None, "检查后无法再次读取该文件，未生成标注副本"
    if sha256 and hashlib.sha256(data).hexdigest() != sha256:
        return None, "该文件在检查之后被修改或替换，未生成标注副本；请重新运行检查"
    return data, ""


def write_feedback(run: RunResult, out_dir: Path, year: int | None = None) -> FeedbackResult:
    """One feedback file per unit with findings (and per roster unit that sent nothing)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    result = FeedbackResult(out_dir)
    names = _Names()
    year = year or run.year
    year_text = f"{year}年度" if year else ""
    for r in run.files:
        if r.skipped:
            continue
        fails = [f for f in r.findings if f.outcome == "fail"]
        if not fails:
            continue
        unit = r.unit or Path(r.path).stem
        code = _unit_code(r)
        stem = safe_filename(f"{code}_{unit}" if code else unit) + f"_{year_text}{SUFFIX}"
        try:
            result.files.append(_one(r, fails, unit, stem, out_dir, names, year_text))
        except OSError:
            raise
        except Exception as e:  # a bug must not cost the other units their feedback: a note instead
            result.files.append(_note(r, fails, unit, stem, out_dir, names, year_text,
                                      f"生成标注文件时出错（{type(e).__name__}），改为文字说明"))
    for u in run.roster_missing:
        unit = str(u.get("name") or "")
        code = str(u.get("code") or "")
        stem = safe_filename(f"{code}_{unit}" if code else unit) + f"_{year_text}{SUFFIX}"
        target = out_dir / names.take(stem, ".txt")
        atomic_write(target, note_text([
            f"{unit}：{year_text}政府信息公开工作年度报告 检查反馈",
            "",
            "结论：未报送",
            f"本次检查没有收到贵单位的{year_text}报告填报表。",
            "请用下发的填报表（xlsx）填写后尽快报送；如已报送，请与区县政务公开办核对文件是否送达。",
        ]))
        result.files.append(FeedbackFile(unit, None, target, "txt", 1, "未报送"))
    return result


def _heading(r: FileResult, unit: str, year_text: str) -> tuple[str, list[str]]:
    """The title and the first lines of a feedback file: which file, and the verdict."""
    counts = r.counts
    status = STATUS_ZH.get(r.status, r.status)
    return (f"{unit}：{year_text}政府信息公开工作年度报告 检查反馈",
            [f"文件：{path_display(Path(r.path).name)}",
             f"结论：{status}（错误{counts['error']}个，警告{counts['warning']}个）"])


def _one(r: FileResult, fails: list[Finding], unit: str, stem: str, out_dir: Path, names: _Names,
         year_text: str) -> FeedbackFile:
    src = Path(r.path)
    title, head = _heading(r, unit, year_text)
    reason = ""
    if r.kind == "workbook" and r.status != "error":
        data, reason = _read_input(src, r.sha256)
        if data is not None:
            try:
                copy = annotate_workbook(data, fails, unit)
            except FeedbackError as e:
                reason = f"无法在该文件上标注（{e}）"
            else:
                target = out_dir / names.take(stem, ".xlsx")
                atomic_write(target, copy)
                return FeedbackFile(unit, r.path, target, "xlsx", len(fails))
    elif r.kind != "workbook" and r.status != "error" and r.document is not None:
        # the same report is often published as a page and as a Word file: say which one this is for
        target = out_dir / names.take(f"{stem}_{_KIND_ZH.get(r.kind, r.kind)}", ".docx")
        atomic_write(target, findings_docx(title, [*head, "请按下表逐条修改报告后重新报送或更新已发布的报告。"], fails))
        return FeedbackFile(unit, r.path, target, "docx", len(fails))
    return _note(r, fails, unit, stem, out_dir, names, year_text, reason)


def _note(r: FileResult, fails: list[Finding], unit: str, stem: str, out_dir: Path, names: _Names,
          year_text: str, reason: str) -> FeedbackFile:
    title, head = _heading(r, unit, year_text)
    if r.status == "error":
        todo = "文件无法读取，请按下列说明处理后重新报送："
    else:
        todo = "请按下列说明修改后重新报送："
    lines = [title, "", *head]
    if reason:
        lines.append(f"说明：{reason}。")
    lines += ["", todo, *_finding_lines(fails)]
    target = out_dir / names.take(stem, ".txt")
    atomic_write(target, note_text(lines))
    return FeedbackFile(unit, r.path, target, "txt", len(fails), reason or STATUS_ZH.get(r.status, r.status))


def remove_stale(result: FeedbackResult) -> None:
    """For a folder that held an earlier run's feedback (the caller knows it by the output mark),
    remove the feedback files this run did not write again: a unit that has since passed must not
    be sent its old list by mistake. Only files named like ours (…检查反馈…) are touched."""
    folder = result.out_dir
    written = {f.path.name for f in result.files}
    for p in sorted(folder.iterdir()):
        if (SUFFIX in p.name and p.suffix in (".xlsx", ".docx", ".txt") and p.name not in written
                and p.is_file() and not p.is_symlink()):
            p.unlink()
            result.removed.append(p.name)


def describe(result: FeedbackResult) -> str:
    """The console's last line: where the unit files went."""
    kinds: dict[str, int] = {}
    for f in result.files:
        kinds[f.kind] = kinds.get(f.kind, 0) + 1
    words = {"xlsx": "标注副本", "docx": "问题清单（Word）", "txt": "说明"}
    detail = "，".join(f"{words[k]}{n}份" for k, n in kinds.items())
    where = path_display(result.out_dir)
    removed = f"；上次留下的{len(result.removed)}份已无问题单位的反馈文件已删除" if result.removed else ""
    if not result.files:
        return f"所有单位均无问题，没有需要发回的反馈文件（文件夹：{where}）{removed}。"
    units = len({f.unit for f in result.files})
    return f"已为{units}个单位写入{len(result.files)}份反馈文件（{detail}），请分别发回各单位：{where}{removed}"


__all__ = ["FeedbackFile", "FeedbackResult", "describe", "note_text", "remove_stale", "target_problem",
           "write_feedback"]

