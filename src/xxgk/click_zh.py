"""Click's own words in Chinese: "Usage:", "Options:", "Error: No such option", "Missing argument",
"[required]", "Show this message and exit." and the rest, so the command line speaks one language.

Click marks every one of these strings for translation with gettext (`from gettext import gettext as
_` in each of its modules) but ships no catalogue, and a gettext catalogue would need a compiled .mo
file and a Chinese locale in the environment. The least invasive equivalent: the same catalogue as a
dict, installed as `_`/`ngettext` of click's modules when xxgk's command line is built. Strings not in
the catalogue pass through unchanged, so a click upgrade can only leave a new string in English, never
break a message. Metavars (TEXT, PATH, [OPTIONS], COMMAND [ARGS]...) are not gettext strings; the
command classes below name them in Chinese. Options keep their English names.
"""

from __future__ import annotations

import re
from typing import Any, ClassVar

import click

CATALOGUE: dict[str, str] = {
    "%(prog)s, version %(version)s": "%(prog)s 版本 %(version)s",
    "(dynamic)": "（动态）",
    "Aborted!": "已取消。",
    "Argument {name!r} takes {nargs} values.": "参数 {name!r} 需要 {nargs} 个值。",
    "Choose from:\n\t{choices}": "可选：\n\t{choices}",
    "Commands": "命令",
    "Could not open file {filename!r}: {message}": "无法打开文件 {filename!r}：{message}",
    "Error: {message}": "错误：{message}",
    "Error: invalid input": "错误：输入无效",
    "Invalid start character for option ({option})": "选项的开头字符无效（{option}）",
    "Invalid value for {param_hint}: {message}": "{param_hint} 的值无效：{message}",
    "Invalid value: {message}": "值无效：{message}",
    "Missing argument": "缺少参数",
    "Missing command.": "缺少命令。",
    "Missing option": "缺少选项",
    "Missing parameter": "缺少参数",
    "Missing parameter: {param_name}": "缺少参数：{param_name}",
    "Missing {param_type}": "缺少{param_type}",
    "No such command {name!r}.": "没有命令 {name!r}。",
    "No such option {name!r}.": "没有选项 {name!r}。",
    "Option {name!r} does not take a value.": "选项 {name!r} 不接受值。",
    "Options": "选项",
    "Positional arguments": "位置参数",
    "Show the version and exit.": "显示版本号并退出。",
    "Show this message and exit.": "显示本帮助并退出。",
    "Try '{command} {option}' for help.": "运行“{command} {option}”查看帮助。",
    "Usage:": "用法：",
    "default: {default}": "默认：{default}",
    "deprecated": "已弃用",
    "directory": "文件夹",
    "env var: {var}": "环境变量：{var}",
    "file": "文件",
    "path": "路径",
    "required": "必填",
    "unknown error": "未知错误",
    "{name} {filename!r} does not exist.": "{name} {filename!r} 不存在。",
    "{name} {filename!r} is a directory.": "{name} {filename!r} 是文件夹，应为文件。",
    "{name} {filename!r} is a file.": "{name} {filename!r} 是文件，应为文件夹。",
    "{name} {filename!r} is not executable.": "{name} {filename!r} 不可执行。",
    "{name} {filename!r} is not readable.": "{name} {filename!r} 无法读取。",
    "{name} {filename!r} is not writable.": "{name} {filename!r} 无法写入。",
    "{value!r} is not a valid {number_type}.": "{value!r} 不是有效的{number_type}。",
    "{value} is not in the range {range}.": "{value} 不在范围 {range} 内。",
    "{value!r} is not a valid boolean. Recognized values: {states}": "{value!r} 不是有效的是/否值，可用：{states}",
}
PLURALS: dict[str, str] = {  # singular -> Chinese (no plural forms)
    "Did you mean {possibility}?": "您是不是要输入 {possibility}？",
    "Got unexpected extra argument ({args})": "多余的参数（{args}）",
    "Option {name!r} requires an argument.": "选项 {name!r} 需要一个值。",
    "Takes {nargs} values but 1 was given.": "需要 {nargs} 个值，但只给了1个。",
    "{value!r} is not {choice}.": "{value!r} 不是 {choice}。",
}
PLURAL_FORMS: dict[str, str] = {  # plural -> Chinese, where the wording differs
    "(Did you mean one of: {possibilities}?)": "（您是不是要输入以下之一：{possibilities}？）",
    "Got unexpected extra arguments ({args})": "多余的参数（{args}）",
    "Option {name!r} requires {nargs} arguments.": "选项 {name!r} 需要 {nargs} 个值。",
    "Takes {nargs} values but {len} were given.": "需要 {nargs} 个值，但给了 {len} 个。",
    "{value!r} is not one of {choices}.": "{value!r} 不是以下之一：{choices}。",
}
# type names click shows as metavars and in "is not a valid …" messages
TYPE_NAMES = {"text": "文本", "integer": "整数", "integer range": "整数", "float": "数字", "float range": "数字",
              "path": "路径", "file": "文件", "directory": "文件夹", "boolean": "是/否", "choice": "选项"}


def gettext(message: str) -> str:
    return CATALOGUE.get(message, message)


def ngettext(singular: str, plural: str, n: int) -> str:
    if n == 1:
        return PLURALS.get(singular, singular)
    return PLURAL_FORMS.get(plural, plural)


def install() -> None:
    """Make click's modules translate through the catalogue (idempotent)."""
    from click import core, decorators, exceptions, formatting, parser, termui, types, utils

    for mod in (core, decorators, exceptions, formatting, parser, termui, types, utils):
        if hasattr(mod, "_"):
            mod._ = gettext  # type: ignore[attr-defined]
        if hasattr(mod, "ngettext"):
            mod.ngettext = ngettext  # type: ignore[attr-defined]


def _width(text: str) -> int:
    return len(text) + sum(1 for ch in text if ch >= "\u2e80")  # CJK and full-width take two columns


_TOKEN = re.compile(r"\s+|[（“《「]*(?:[!-~]+|[^\s!-~])[，。、；：）」”》！？]*")


def _wrap(text: str, width: int) -> list[str]:
    """Lines of at most `width` columns: broken between Chinese characters and at spaces, never
    inside a run of Latin letters, digits or a path (JSON, postgresql://…), never before closing
    punctuation (。，）) nor after an opening one (（“)."""
    lines: list[str] = []
    for para in text.splitlines() or [""]:
        line = ""
        for piece in _TOKEN.findall(para):
            if line and _width(line + piece.rstrip()) > width:
                lines.append(line.rstrip())
                line = piece.lstrip()
            else:
                line += piece
        lines.append(line.rstrip())
    return lines


class ZhFormatter(click.HelpFormatter):
    """Headings with a Chinese colon, and the option/command table aligned by display width (click
    counts characters, so a Chinese metavar such as 文件夹 pushed its description out of line)."""

    def write_heading(self, heading: str) -> None:
        self.write(f"{'':>{self.current_indent}}{heading}：\n")

    def write_dl(self, rows: Any, col_max: int = 30, col_spacing: int = 2) -> None:
        rows = list(rows)
        first = min(max((_width(term) for term, _desc in rows), default=0), col_max) + col_spacing
        indent = " " * self.current_indent
        for term, desc in rows:
            self.write(indent + term)
            if not desc:
                self.write("\n")
                continue
            if _width(term) <= first - col_spacing:
                self.write(" " * (first - _width(term)))
            else:
                self.write("\n" + indent + " " * first)
            lines = _wrap(desc, max(self.width - first - self.current_indent - 2, 10))
            self.write(lines[0] + "\n")
            for line in lines[1:]:
                self.write(indent + " " * first + line + "\n")


class ZhContext(click.Context):
    formatter_class = ZhFormatter


def _metavar(param: click.Parameter, arg_names: dict[str, str]) -> str | None:
    if isinstance(param, click.Argument):
        name = arg_names.get(param.name or "", (param.name or "").upper())
        return name + ("…" if param.nargs != 1 else "")
    if isinstance(param, click.Option) and (param.is_flag or param.count):
        return None
    zh = TYPE_NAMES.get(getattr(param.type, "name", ""))
    return zh


class ZhCommand(click.Command):
    """A command whose usage line and metavars are Chinese."""

    arg_names: ClassVar[dict[str, str]] = {"paths": "路径", "files": "文件", "source": "源文件"}
    context_class = ZhContext

    def __init__(self, *args: Any, **kwargs: Any):
        kwargs.setdefault("options_metavar", "[选项]")
        super().__init__(*args, **kwargs)
        for p in self.params:
            if p.metavar is None:
                p.metavar = _metavar(p, self.arg_names)


class ZhGroup(click.Group):
    command_class = ZhCommand
    context_class = ZhContext

    def __init__(self, *args: Any, **kwargs: Any):
        kwargs.setdefault("options_metavar", "[选项]")
        kwargs.setdefault("subcommand_metavar", "命令 [参数]…")
        super().__init__(*args, **kwargs)
