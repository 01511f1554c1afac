"""Render a report document as the publishable report in the national layout (.docx, .html, .md)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .layout import RenderError, build_layout

FORMATS = ("docx", "html", "md")


def render_document(doc: dict[str, Any], fmt: str) -> bytes:
    """The report as bytes in `fmt` ("docx", "html" or "md")."""
    if fmt not in FORMATS:
        raise RenderError(f"不支持的输出格式“{fmt}”，可选：.docx、.html、.md。")
    items = build_layout(doc)
    if fmt == "docx":
        from .docx import render_docx

        return render_docx(items)
    if fmt == "html":
        from .html import render_html

        return render_html(items)
    from .markdown import render_markdown

    return render_markdown(items)


def _load(source: Path) -> dict[str, Any]:
    suffix = source.suffix.lower()
    if suffix == ".json":
        try:
            doc = json.loads(source.read_text(encoding="utf-8-sig"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
            raise RenderError(f"报告文档“{source.name}”无法读取：{e}") from e
        if not isinstance(doc, dict):
            raise RenderError(f"报告文档“{source.name}”格式不对：应为JSON对象。")
        return doc
    if suffix in (".xlsx", ".xlsm", ".xls"):
        from ..check.load import read_file

        loaded = read_file(source)
        if loaded.document is None:
            reasons = "；".join(f.message for f in loaded.findings if f.severity == "error") or "原因不明"
            raise RenderError(f"工作簿“{source.name}”无法读取，未生成报告：{reasons}")
        return loaded.document
    raise RenderError(f"不支持的源文件“{source.name}”：请提供填好的工作簿（.xlsx）或报告文档（.json）。")


def render_file(source: Path, out: Path) -> None:
    """Render a filled workbook (.xlsx) or a report document (.json) to out (.docx, .html or .md)."""
    source, out = Path(source), Path(out)
    fmt = out.suffix.lower().lstrip(".")
    if fmt == "markdown":
        fmt = "md"
    if fmt not in FORMATS:
        raise RenderError(f"不支持的输出格式“{out.suffix or '（无扩展名）'}”，请用 .docx、.html 或 .md。")
    data = render_document(_load(source), fmt)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(data)
    except OSError as e:
        raise RenderError(f"无法写入“{out}”：{e}") from e


__all__ = ["FORMATS", "RenderError", "render_document", "render_file"]
