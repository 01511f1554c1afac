"""A report document given as JSON (from `xxgk import`, edited by hand or by another tool), loaded
and validated before it is rendered.

The document model allows, per field, what the readers produce: a number, None for blank, or a
short placeholder string ("/", "无") where a number belongs; text where text belongs. Anything
else — "约100元" as a fee, a list where a number belongs, a 5,000-digit integer, NaN, nesting
10,000 deep, control characters or lone surrogates — is refused with a Chinese message naming
the field, before any writer sees it.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path
from typing import Any

from .document import get_path
from .form.definition import Form, load_form
from .sanitize import path_display

MAX_JSON_BYTES = 20 * 1024 * 1024
MAX_DEPTH = 32  # the document is 3 levels deep; source.remarks adds one
MAX_STRING = 200_000  # characters in one text field (a long overview is ~10,000)
MAX_ITEMS = 10_000  # keys of one object or items of one list
MAX_DIGITS = 15  # a count or an amount in yuan has far fewer
MAX_NUMBER = 10.0**15
MAX_PLACEHOLDER = 20  # "/", "无", "——" where a number belongs
MAX_ERRORS = 10

_BAD_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")


class DocumentInputError(Exception):
    """The document cannot be rendered; `problems` are Chinese, one per field."""

    def __init__(self, source: str, problems: list[str]):
        self.problems = problems
        shown = problems[:MAX_ERRORS]
        more = f"\n  ……另有{len(problems) - MAX_ERRORS}处问题" if len(problems) > MAX_ERRORS else ""
        super().__init__(f"报告文档“{source}”有误，未生成报告：\n  " + "\n  ".join(shown) + more
                         + "\n请改正后重新运行（可重新用 xxgk import 生成该文档）。")


class _BigNumber:
    """A JSON number too long to be a figure (kept as text so the field can be named)."""

    def __init__(self, text: str):
        self.text = text


class _Constant:
    def __init__(self, text: str):
        self.text = text


def _parse_int(text: str) -> int | _BigNumber:
    digits = len(text.lstrip("-"))
    return _BigNumber(text) if digits > MAX_DIGITS else int(text)


def _parse_float(text: str) -> float | _BigNumber:
    return _BigNumber(text) if len(text) > 40 else float(text)


def load_document(path: Path) -> dict[str, Any]:
    """The JSON document at `path`, validated; DocumentInputError (Chinese) for anything wrong."""
    name = path_display(Path(path).name)
    try:
        from .read.limits import Limits
        from .read.safe_open import read_regular

        data = read_regular(path, Limits(max_file_bytes=MAX_JSON_BYTES))
    except Exception as e:  # FileProblem carries a Chinese finding
        reason = getattr(getattr(e, "finding", None), "message", None) or str(e)
        raise DocumentInputError(name, [reason]) from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise DocumentInputError(name, [f"文件不是UTF-8编码的文本（第{e.start + 1}个字节无法解码）"]) from None
    try:
        doc = json.loads(text, parse_int=_parse_int, parse_float=_parse_float, parse_constant=_Constant)
    except json.JSONDecodeError as e:
        why = _JSON_ERRORS.get(e.msg, e.msg)
        raise DocumentInputError(name, [f"不是有效的JSON（第{e.lineno}行第{e.colno}列：{why}）"]) from None
    except RecursionError:
        raise DocumentInputError(name, [f"JSON嵌套过深（超过{MAX_DEPTH}层）"]) from None
    problems = validate_input(doc)
    if problems:
        raise DocumentInputError(name, problems)
    return doc


_JSON_ERRORS = {"Expecting value": "此处缺少值", "Expecting property name enclosed in double quotes": "键名应加双引号",
                "Expecting ',' delimiter": "缺少逗号", "Expecting ':' delimiter": "缺少冒号",
                "Extra data": "JSON结束后还有多余内容", "Unterminated string starting at": "字符串没有结束的引号",
                "Invalid control character at": "字符串中有控制字符"}


def _shape(value: Any) -> str:
    if isinstance(value, _BigNumber):
        return f"一个{len(value.text.lstrip('-'))}位的数字"
    if isinstance(value, _Constant):
        return f"非数字值{value.text}"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        s = _BAD_CHARS.sub("?", value)
        return f"文本“{s[:30]}{'…' if len(s) > 30 else ''}”"
    if isinstance(value, list):
        return f"列表（{len(value)}项）"
    if isinstance(value, dict):
        return "对象"
    return str(value)


def _where(form: Form, path: str) -> str:
    if form.has_field(path):
        return f"字段 {path}（{form.field(path).label}）"
    return f"字段 {path}"


def _walk_limits(value: Any, path: str, problems: list[str]) -> None:
    """Depth, sizes, numbers and characters anywhere in the document (iteratively: a document
    nested 10,000 deep must not exhaust the stack here either)."""
    stack: list[tuple[Any, str, int]] = [(value, path, 0)]
    while stack and len(problems) <= MAX_ERRORS:
        v, p, depth = stack.pop()
        where = f"字段 {p}" if p else "文档"
        if depth > MAX_DEPTH:
            problems.append(f"{where}嵌套过深（超过{MAX_DEPTH}层）")
            continue
        if isinstance(v, dict):
            if len(v) > MAX_ITEMS:
                problems.append(f"{where}有{len(v)}个键，超过上限{MAX_ITEMS}个")
                continue
            for k, child in v.items():
                if _BAD_CHARS.search(k):
                    problems.append(f"{where}中的键名含有控制字符或无效字符")
                    continue
                stack.append((child, f"{p}.{k}" if p else k, depth + 1))
        elif isinstance(v, list):
            if len(v) > MAX_ITEMS:
                problems.append(f"{where}有{len(v)}项，超过上限{MAX_ITEMS}项")
                continue
            stack.extend((child, f"{p}[{i}]", depth + 1) for i, child in enumerate(v))
        elif isinstance(v, str):
            if len(v) > MAX_STRING:
                problems.append(f"{where}的文本有{len(v)}个字符，超过上限{MAX_STRING}个")
            elif _BAD_CHARS.search(v):
                m = _BAD_CHARS.search(v)
                assert m is not None
                code = f"U+{ord(m.group()):04X}"
                problems.append(f"{where}的文本第{m.start() + 1}个字符是控制字符或无效字符（{code}），请删除")
        elif isinstance(v, _BigNumber):
            problems.append(f"{where}是{_shape(v)}，超过{MAX_DIGITS}位，不是合理的数值")
        elif isinstance(v, _Constant):
            problems.append(f"{where}是{_shape(v)}，应为数字")
        elif isinstance(v, float) and not math.isfinite(v):
            problems.append(f"{where}不是有限的数字")


def validate_input(doc: Any, form: Form | None = None) -> list[str]:
    """Chinese problems, each naming a field; empty when the document can be rendered."""
    if not isinstance(doc, dict):
        return [f"文档应为JSON对象，现为{_shape(doc)}"]
    problems: list[str] = []
    _walk_limits(doc, "", problems)
    if problems:
        return problems
    form = form or load_form()
    for key in ("unit", "overview", "proactive", "requests", "review_litigation", "problems", "other"):
        if key in doc and not isinstance(doc[key], dict):
            problems.append(f"字段 {key} 应为对象，现为{_shape(doc[key])}")
    if problems:
        return problems
    name = get_path(doc, "unit.name", None)
    if isinstance(name, str) and len(name) > 100:  # a unit name is short; the .docx title holds 255 at most
        problems.append(f"字段 unit.name（单位名称）有{len(name)}个字符，超过上限100个")
    elif not isinstance(name, str) or not name.strip():
        problems.append(f"字段 unit.name（单位名称）应为非空文本，现为{_shape(name) if name is not None else '空'}")
    year = doc.get("year")
    if not (type(year) is int and 2000 <= year <= 2100):
        shown = _shape(year) if year is not None else "空"
        problems.append(f"字段 year（报告年度）应为2000至2100之间的整数，现为{shown}")
    bad_parents: set[str] = set()
    for f in form.fields:
        if f.path in ("year", "unit.name"):
            continue  # checked above, with the range a title needs
        value, parent = _lookup(doc, f.path)
        if parent is not None:
            if parent not in bad_parents:
                bad_parents.add(parent)
                problems.append(f"字段 {parent} 应为对象，现为{_shape(_lookup(doc, parent)[0])}")
            continue
        if value is _ABSENT or value is None:
            continue  # blank: rendered as an empty cell (the checker reports blanks)
        problem = _field_problem(form, f.path, f.type, value)
        if problem:
            problems.append(f"{_where(form, f.path)}{problem}")
    return problems


_ABSENT = object()


def _lookup(doc: dict[str, Any], path: str) -> tuple[Any, str | None]:
    """(value or _ABSENT, None), or (None, the first part of the path that is there but not an object)."""
    cur: Any = doc
    parts = path.split(".")
    for i, part in enumerate(parts):
        if not isinstance(cur, dict):
            return None, ".".join(parts[:i])
        if part not in cur:
            return _ABSENT, None
        cur = cur[part]
    return cur, None


def _field_problem(form: Form, path: str, type_key: str, value: Any) -> str | None:
    ftype = form.field_types.get(type_key)
    # the fee is written into a sentence as a number: no placeholder
    if path == "other.fee_amount_yuan" and (isinstance(value, bool) or not isinstance(value, (int, float))):
        return f"应为数字（元）或空，现为{_shape(value)}；如“约100元”请只写100"
    if ftype is not None and ftype.numeric:
        if isinstance(value, (bool, list, dict)):
            return f"应为数字，现为{_shape(value)}"
        if isinstance(value, (int, float)):
            return None if abs(value) <= MAX_NUMBER else f"的数值{value:g}过大"
        if isinstance(value, str) and len(value) > MAX_PLACEHOLDER:
            return f"应为数字（或“/”等占位符），现为{_shape(value)}"
        return None
    if type_key == "yes_no":  # the fee sentence reads it as a truth value
        return None if isinstance(value, bool) else f"应为true（已收取）、false（未收取）或空，现为{_shape(value)}"
    if not isinstance(value, str):
        return f"应为文本，现为{_shape(value)}"
    return None


__all__ = ["DocumentInputError", "load_document", "validate_input"]
