"""The one place where user text is made safe for an output format.

Text from a unit's file (names, report texts, file names) can hold control characters, lone
surrogates (from `_xD800_` escapes or undecodable file names), bidi overrides, formula-like text and
markup. Every writer passes text through one of these functions, once, at the point of writing:

- `clean`: any format. Controls other than tab/line breaks become visible control pictures
  (ESC -> "␛"), lone surrogates and bidi controls become U+FFFD, so nothing is silently dropped and
  every XML, JSON and terminal writer gets text it can encode.
- `for_terminal`: one line for a console: also line breaks and tabs become visible.
- `for_html`: `clean` then HTML-escaped (quotes too, so it is safe in attributes).
- `for_markdown`: `clean`, HTML-escaped (no tag in report text survives a Markdown -> HTML
  conversion) and Markdown punctuation backslash-escaped.
- `for_xlsx`: `clean`, and whether the text starts like a formula, so the writer gives the cell
  Excel's quotePrefix (the apostrophe a person types for literal text): the value stays unchanged.
- `path_display`: a path or file name (str with surrogateescape'd bytes, or bytes) shown with each
  undecodable byte as \\xNN.
"""

from __future__ import annotations

import html
import os
import re
import unicodedata

# Bidirectional-text controls: U+202E in a file name reverses the rest of the line on screen.
_BIDI = frozenset({0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A)})
_KEEP = frozenset("\t\n\r")


def _visible(ch: str, keep: frozenset[str]) -> str:
    o = ord(ch)
    if ch in keep:
        return ch
    if o < 0x20:
        return chr(0x2400 + o)  # control pictures: ␀ … ␟
    if o == 0x7F:
        return "␡"
    if 0x80 <= o < 0xA0 or 0xD800 <= o <= 0xDFFF or o in _BIDI or o in (0xFFFE, 0xFFFF):
        return "\ufffd"
    return ch


_SUSPECT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
                      "\ud800-\udfff\ufffe\uffff]")


def clean(text: object, *, keep: frozenset[str] = _KEEP) -> str:
    """`text` as a str with controls, lone surrogates and bidi controls replaced visibly."""
    s = text if isinstance(text, str) else str(text)
    if keep is _KEEP and not _SUSPECT.search(s):
        return s  # the common case: nothing to replace
    return "".join(_visible(ch, keep) for ch in s)


_ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[@-Z\\-_]")


def for_terminal(text: object) -> str:
    """One console line: escape sequences removed, every other control shown as a picture."""
    s = text if isinstance(text, str) else str(text)
    return clean(_ANSI.sub("", s), keep=frozenset())


def for_html(text: object) -> str:
    return html.escape(clean(text), quote=True)


_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|~>])")


def for_markdown(text: object) -> str:
    """Markdown text in which no HTML tag or entity of the source survives and no markup is formed."""
    s = html.escape(clean(text), quote=False)  # < > & become entities: a CMS renders them as text
    return _MD_SPECIAL.sub(r"\\\1", s)


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def for_xlsx(text: object) -> tuple[str, bool]:
    """Cell text, cleaned, and True when it starts like a formula: the writer then gives the cell a
    quotePrefix format so Excel/WPS never evaluate it when a person edits it (OWASP ASVS 1.2.10)."""
    s = clean(text)
    return s, s.startswith(_FORMULA_START)


def path_display(path: str | bytes | os.PathLike[str]) -> str:
    """A path for people: undecodable bytes (surrogateescape'd by the OS layer) shown as \\xNN."""
    if isinstance(path, bytes):
        s = path.decode("utf-8", "surrogateescape")
    else:
        s = os.fspath(path)
    out = []
    for ch in s:
        o = ord(ch)
        if 0xDC80 <= o <= 0xDCFF:  # a byte that was not UTF-8
            out.append(f"\\x{o - 0xDC00:02x}")
        else:
            out.append(ch)
    return clean("".join(out), keep=frozenset())


def is_printable_name(text: str) -> bool:
    """True when `text` has no character that `clean` would replace (used by tests and callers that
    want to say a name was changed for display)."""
    return not _SUSPECT.search(text) and all(unicodedata.category(c) != "Cc" or c in _KEEP for c in text)
