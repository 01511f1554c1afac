"""Render a report document as the publishable report in the national layout (.docx, .html, .md)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from ..atomic import atomic_write
from ..report.model import Finding
from .layout import RenderError, build_layout

FORMATS = ("docx", "html", "md")


class RenderRefused(RenderError):
    """The source did not pass its check; `errors` are the findings that failed."""

    def __init__(self, message: str, errors: list[Finding]):
        super().__init__(message)
        self.errors = errors


@dataclass
class Rendered:
    out: Path
    errors: list[Finding] = field(default_factory=list)  # non-empty only with force: the stamp is in
    warnings: list[Finding] = field(default_factory=list)

    @property
    def stamped(self) -> bool:
        return bool(self.errors)


def render_document(doc: dict[str, Any], fmt: str, *, stamp: bool = False) -> bytes:
    """The report as bytes in `fmt` ("docx", "html" or "md"); `stamp` marks it 未通过检查."""
    if fmt not in FORMATS:
        raise RenderError(f"不支持的输出格式“{fmt}”，可选：.docx、.html、.md。")
    items = build_layout(doc, stamp=stamp)
    if fmt == "docx":
        from .docx import render_docx

        return render_docx(items)
    if fmt == "html":
        from .html import render_html

        return render_html(items)
    from .markdown import render_markdown

    return render_markdown(items)


def _load(source: Path) -> tuple[dict[str, Any], list[Finding]]:
    """The document of `source` and the findings of its check."""
    suffix = source.suffix.lower()
    if suffix == ".json":
        from ..document_input import DocumentInputError, load_document

        try:  # read under a cap and validated field by field: a Chinese error naming the field
            doc = load_document(source)
        except DocumentInputError as e:
            raise RenderError(str(e)) from None
        return doc, _check(source, SimpleNamespace(document=doc, findings=[], kind="json", sha256=None))
    if suffix in (".xlsx", ".xlsm", ".xls"):
        from ..check.load import read_file

        loaded = read_file(source)
        if loaded.document is None:
            reasons = "；".join(f.message for f in loaded.findings if f.severity == "error") or "原因不明"
            raise RenderError(f"工作簿“{source.name}”无法读取，未生成报告：{reasons}")
        return loaded.document, _check(source, loaded)
    raise RenderError(f"不支持的源文件“{source.name}”：请提供填好的工作簿（.xlsx）或报告文档（.json）。")


def _check(source: Path, loaded: Any) -> list[Finding]:
    """The checker's findings on the document, so render never publishes figures that fail."""
    from ..check.run import check_loaded

    try:
        return check_loaded(source, loaded).findings
    except Exception as e:  # a document so odd that the checker breaks cannot be published either
        raise RenderError(f"“{source.name}”无法检查，未生成报告（{type(e).__name__}）。"
                          "请用 xxgk check 查看原因。") from e


def _refusal(source: Path, errors: list[Finding]) -> str:
    lines = [f"“{source.name}”未通过检查（{len(errors)}个错误），未生成报告。请先修改："]
    for f in errors[:20]:
        where = f"{f.where}：" if f.where else ""
        lines.append(f"  · [{f.rule}] {where}{f.message}" + (f"（{f.hint}）" if f.hint else ""))
    if len(errors) > 20:
        lines.append(f"  ……另有{len(errors) - 20}个错误，请用 xxgk check 查看全部。")
    lines.append("如只需生成供核对的版本，可加 --force：文档中将标注“未通过检查”。")
    return "\n".join(lines)


def render_file(source: Path, out: Path, *, force: bool = False) -> Rendered:
    """Render a filled workbook (.xlsx) or a report document (.json) to out (.docx, .html or .md).

    A source whose check has errors is refused (RenderRefused, listing them) unless `force`, which
    stamps "未通过检查" into the document."""
    source, out = Path(source), Path(out)
    fmt = out.suffix.lower().lstrip(".")
    if fmt == "markdown":
        fmt = "md"
    if fmt not in FORMATS:
        raise RenderError(f"不支持的输出格式“{out.suffix or '（无扩展名）'}”，请用 .docx、.html 或 .md。")
    doc, findings = _load(source)
    failing = [f for f in findings if f.outcome == "fail"]
    errors = [f for f in failing if f.severity == "error"]
    if errors and not force:
        raise RenderRefused(_refusal(source, errors), errors)
    data = render_document(doc, fmt, stamp=bool(errors))
    try:
        if out.resolve() == source.resolve():
            raise RenderError(f"输出文件“{out.name}”与源文件相同，请换一个文件名。")
        out.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(out, data)
    except OSError as e:
        raise RenderError(f"无法写入“{out}”：{e.strerror or e}") from e
    return Rendered(out, errors, [f for f in failing if f.severity == "warning"])


__all__ = ["FORMATS", "RenderError", "RenderRefused", "Rendered", "render_document", "render_file"]
