"""Rules on the text of a report (DESIGN §4): sections, overview topics, 2019 signatures, 五, 六,
text-versus-table statements and the report year. Parameters come from `form.text_rules`.

Workbooks hold the text in fields (one cell per topic); imported reports (text, HTML, Word, PDF)
carry the text of each section in `source.bodies`, split by the importer: there is one section
splitter (importers.common.split_sections), and the checker reads what the importer read.

The text-versus-table checks (TXT-T3, TXT-T4) are deliberately conservative: a number is tied to
a table only when the sentence clearly speaks of 政府信息公开申请 (or of 行政复议/行政诉讼 arising
from 政府信息公开), and sentences about filings (备案), a whole city's cases and the like are ignored.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

from ..document import get_path, is_imported
from ..form.definition import Form
from ..importers.common import improvement_start, parse_fee, section_bodies
from ..report.model import Finding, Locator, finding
from ..report.model import no_location as _no_location

NUMBERS = ("一", "二", "三", "四", "五", "六")
SECTION_ZH = {n: f"第{n}部分" for n in NUMBERS}
EMPTY_TEXT = frozenset({"", "无", "暂无", "没有", "无。", "/", "／", "-", "—", "空", "略"})



_SPACES = re.compile(r"\s+")
_NORMED: dict[str, str] = {}  # norm() of the form's own words (signatures), computed once


def norm(text: str) -> str:
    """NFKC and no whitespace: the form in which words and numbers are searched."""
    return _SPACES.sub("", unicodedata.normalize("NFKC", text))


def _norm_word(word: str) -> str:
    """norm() of a word from the form definition, remembered (the form's words are few)."""
    n = _NORMED.get(word)
    if n is None:
        n = norm(word)
        if len(_NORMED) < 10000:  # bounded, whatever a form definition holds
            _NORMED[word] = n
    return n



def _blank(text: Any) -> bool:
    return not isinstance(text, str) or norm(text) in EMPTY_TEXT


# ---------------------------------------------------------------- sections of an imported text


def sections_of(doc: dict[str, Any]) -> tuple[list[str], dict[str, str]]:
    """Section numbers in the order found and the text of each, as the importer split them."""
    source = doc.get("source") or {}
    bodies = source.get("bodies")
    found = source.get("sections")
    if isinstance(bodies, dict):
        order = [str(n) for n in found] if isinstance(found, list) else list(bodies)
        return order, {str(k): v for k, v in bodies.items() if isinstance(v, str)}
    # a document stored by an older import carries only its full text: split it the importer's way
    order, texts = section_bodies(source.get("fulltext") or "")
    if isinstance(found, list) and found:
        order = [str(n) for n in found]
    return order, texts


_sections = sections_of


# ---------------------------------------------------------------- helpers


def _num(doc: dict[str, Any], path: str) -> Decimal | None:
    v = get_path(doc, path, None)
    if isinstance(v, bool) or not isinstance(v, (int, float, Decimal)):
        return None
    return Decimal(str(v))


def _row_total(doc: dict[str, Any], form: Form, table: str, row: str) -> Decimal | None:
    """The 总计 of a row of table 三/四, or the sum of its parts when 总计 is missing."""
    total = _num(doc, f"{table}.{row}.total")
    if total is not None:
        return total
    group = "applicants" if table == "requests" else "outcomes"
    parts = [_num(doc, f"{table}.{row}.{k}") for k in form.groups[table][group]]
    return None if any(p is None for p in parts) else sum(parts, Decimal(0))


def _any_nonzero(doc: dict[str, Any], form: Form, table: str, rows: list[str]) -> bool | None:
    values = [get_path(doc, f"{table}.{r}.{c}", None) for r in rows
              for c in [col["key"] for col in form.grid_columns(table)]]
    nums = [v for v in values if isinstance(v, (int, float, Decimal)) and not isinstance(v, bool)]
    if not nums:
        return None
    return any(v != 0 for v in nums)


def _fmt(d: Decimal | None) -> str:
    if d is None:
        return "（空）"
    return str(int(d)) if d == d.to_integral_value() else str(d.normalize())


def _quote(sentence: str, limit: int = 60) -> str:
    return sentence if len(sentence) <= limit else sentence[: limit - 1] + "…"


_TABLE_LINE = re.compile(r"(?:\d+(?:\.\d+)?[\s|,，]+){2,}\d+")


_SENTENCE_END = re.compile(r"[。；;！!？?]")


def sentences(text: str) -> Iterator[str]:
    """Normalised sentences of running text; lines that look like table rows are left out."""
    for searched, _shown in sentences_as_written(text):
        yield searched


def sentences_as_written(text: str) -> Iterator[tuple[str, str]]:
    """(normalised sentence to search, the sentence as written to quote): a message quotes the report's
    own words and punctuation ("2024年，区政府办…"), not the normalised form ("2024年,区政府办…")."""
    for line in text.splitlines():
        if "\t" in line or _TABLE_LINE.search(unicodedata.normalize("NFKC", line)):
            continue
        # NFKC only turns full-width sentence ends into half-width ones, so both splits line up
        for shown in _SENTENCE_END.split(line):
            searched = norm(shown)
            if searched:
                yield searched, _SPACES.sub(" ", shown).strip()


def _texts(form: Form, doc: dict[str, Any], locate: Locator) -> list[tuple[str, str, tuple]]:
    """(text, section number, location) of every piece of running text in the document."""
    out: list[tuple[str, str, tuple]] = []
    if is_imported(doc):
        _, bodies = _sections(doc)
        for n, body in bodies.items():
            out.append((body, n, (None, None, SECTION_ZH[n])))
        if not bodies and (doc.get("source") or {}).get("fulltext"):
            out.append((doc["source"]["fulltext"], "", (None, None, "全文")))
        return out
    numbers = {s["key"]: s["number"] for s in form.sections}
    for f in form.fields:
        if f.type == "text" and f.section in numbers:
            v = get_path(doc, f.path, None)
            if isinstance(v, str) and v.strip():
                out.append((v, numbers[f.section], locate(f.path)))
    return out


def _where(loc: tuple) -> dict[str, Any]:
    return {"sheet": loc[0], "cell": loc[1], "location": loc[2]}


def _severity(form: Form, rule: str) -> str | None:
    return (form.text_rules.get(rule) or {}).get("severity")


# ---------------------------------------------------------------- FMT-SECTIONS / FMT-OVERVIEW-5 / FMT-VERSION


def check_sections(form: Form, doc: dict[str, Any]) -> list[Finding]:
    if not is_imported(doc):
        return []
    order, _ = _sections(doc)
    present = [n for n in order if n in NUMBERS]
    missing = [n for n in NUMBERS if n not in present]
    parts: list[str] = []
    if missing:
        parts.append("缺少" + "、".join(SECTION_ZH[n] for n in missing))
    if present != sorted(present, key=NUMBERS.index) or len(set(present)) != len(present):
        parts.append("各部分顺序不对，实际顺序为" + "、".join(present))
    if not parts:
        return []
    return [finding("FMT-SECTIONS", location="全文", severity=_severity(form, "FMT-SECTIONS"),
                    message="报告" + "；".join(parts) + "（应依次为一、总体情况至六、其他需要报告的事项）。")]


def check_overview(form: Form, doc: dict[str, Any], locate: Locator) -> list[Finding]:
    params = form.text_rules.get("FMT-OVERVIEW-5") or {}
    sev = params.get("severity")
    out: list[Finding] = []
    if not is_imported(doc):
        for f in form.raw["text_blocks"]["overview"]["fields"]:
            topic = f.get("topic")
            if topic and _blank(get_path(doc, f["path"], None)):
                sheet, cell, location = locate(f["path"])
                out.append(finding("FMT-OVERVIEW-5", sheet=sheet, cell=cell, location=location, path=f["path"],
                                   severity=sev, topic=topic))
        return out
    _, bodies = _sections(doc)
    if "一" not in bodies:
        return []  # FMT-SECTIONS names the missing section
    text = norm(bodies["一"])
    for topic, words in (params.get("topics") or {}).items():
        if not any(norm(w) in text for w in words):
            out.append(finding("FMT-OVERVIEW-5", location="第一部分", severity=sev, topic=topic))
    return out


def check_version(form: Form, doc: dict[str, Any], report_year: int | None,
                  locate: Locator = _no_location) -> list[Finding]:
    params = form.text_rules.get("FMT-VERSION") or {}
    year = report_year or doc.get("year")
    if not isinstance(year, int) or year < 2021:
        return []
    signatures = params.get("signatures", [])
    if not is_imported(doc):
        # A workbook's tables are 2021 by construction; 2019 wording in its texts means old text was pasted in.
        out = []
        for text, _n, loc in _texts(form, doc, locate):
            normed = norm(text)
            hits = [s for s in signatures if _norm_word(s) in normed]
            if hits:
                out.append(finding("FMT-VERSION", **_where(loc), severity=params.get("severity"),
                                   signature="”“".join(hits)))
        return out
    source = doc.get("source") or {}
    if isinstance(source.get("bodies"), dict):
        return []  # the importer looked for the 2019 labels in the tables and reported them itself
    text = norm(source.get("fulltext") or "")
    if not text:
        return []
    hits = [s for s in signatures if norm(s) in text]
    if not hits:
        return []
    _, bodies = _sections(doc)
    in_two = all(norm(h) in norm(bodies.get("二", "")) for h in hits)
    return [finding("FMT-VERSION", location="第二部分" if in_two else "全文", severity=params.get("severity"),
                    signature="”“".join(hits))]


# ---------------------------------------------------------------- 五 and 六


def check_problems(form: Form, doc: dict[str, Any], locate: Locator) -> list[Finding]:
    present = form.text_rules.get("S5-PRESENT") or {}
    improve = form.text_rules.get("S5-IMPROVE") or {}
    empty_words = {norm(w) for w in present.get("empty_words", [])} | {""}
    words = [norm(w) for w in improve.get("words", [])]
    out: list[Finding] = []
    if is_imported(doc):
        _, bodies = _sections(doc)
        if "五" not in bodies:
            return []
        body = norm(bodies["五"])
        if body in empty_words:
            return [finding("S5-PRESENT", location="第五部分", severity=present.get("severity"),
                            text=bodies["五"].strip() or "（空）")]
        # the importer's reading first (improvements it split off), then the form's words
        improvements = get_path(doc, "problems.improvements", None)
        if isinstance(improvements, str) and norm(improvements) not in empty_words:
            return out
        if not any(w in body for w in words) and improvement_start(bodies["五"]) is None:
            out.append(finding("S5-IMPROVE", location="第五部分", severity=improve.get("severity")))
        return out
    problems = get_path(doc, "problems.problems", None)
    improvements = get_path(doc, "problems.improvements", None)
    p_empty = not isinstance(problems, str) or norm(problems) in empty_words
    i_empty = not isinstance(improvements, str) or norm(improvements) in empty_words
    if p_empty:
        sheet, cell, location = locate("problems.problems")
        out.append(finding("S5-PRESENT", sheet=sheet, cell=cell, location=location, path="problems.problems",
                           severity=present.get("severity"),
                           text=(problems.strip() if isinstance(problems, str) and problems.strip() else "（空）")))
        if i_empty:
            return out  # the whole of 五 is empty: one finding
    if i_empty and not (isinstance(problems, str) and any(w in norm(problems) for w in words)):
        sheet, cell, location = locate("problems.improvements")
        out.append(finding("S5-IMPROVE", sheet=sheet, cell=cell, location=location, path="problems.improvements",
                           severity=improve.get("severity")))
    return out


def fee_statement(text: str) -> tuple[bool | None, Decimal | None, bool]:
    """Read a fee statement: (charged?, amount in 元, a fee was spoken of at all).

    The sentence is read by the importer's parser, so the checker and the imported document never
    disagree about what a report says ("未收取信息公开处理费", "政府信息公开未发生收费情况");
    "未收取" counts as an amount of 0."""
    charged, amount = parse_fee(text)
    if charged is None and "处理费" not in norm(text):
        return None, None, False
    if charged is False and amount is None:
        amount = 0
    return charged, None if amount is None else Decimal(str(amount)), True


def check_fee(form: Form, doc: dict[str, Any], locate: Locator) -> list[Finding]:
    params = form.text_rules.get("S6-FEE") or {}
    sev = params.get("severity")
    if is_imported(doc):
        _, bodies = _sections(doc)
        if "六" not in bodies:
            return []
        charged, amount, found = fee_statement(bodies["六"])
        if not found:
            elsewhere = fee_statement((doc.get("source") or {}).get("fulltext") or "")[2]
            extra = "（报告其他部分提到了信息处理费，但应在第六部分说明）" if elsewhere else ""
            return [finding("S6-FEE", location="第六部分", severity=sev,
                            message=f"第六部分没有说明本年度是否收取信息处理费{extra}。")]
        if charged is None:
            return [finding("S6-FEE", location="第六部分", severity=sev,
                            message="第六部分提到了信息处理费，但没有写明是否收取。")]
        if charged and amount is None:
            return [finding("S6-FEE", location="第六部分", severity=sev,
                            message="第六部分写明收取了信息处理费，但没有写金额。")]
        return []
    charged = get_path(doc, "other.fee_charged", None)
    amount = get_path(doc, "other.fee_amount_yuan", None)
    if charged is None:
        sheet, cell, location = locate("other.fee_charged")
        return [finding("S6-FEE", sheet=sheet, cell=cell, location=location, path="other.fee_charged", severity=sev,
                        message="第六部分没有选择本年度是否收取信息处理费。")]
    is_amount = isinstance(amount, (int, float, Decimal)) and not isinstance(amount, bool)
    if charged is True and (not is_amount or amount <= 0):
        sheet, cell, location = locate("other.fee_amount_yuan")
        return [finding("S6-FEE", sheet=sheet, cell=cell, location=location, path="other.fee_amount_yuan",
                        severity=sev, message="第六部分选择了“已收取”信息处理费，但没有填写收取金额。")]
    if charged is False and is_amount and amount > 0:
        sheet, cell, location = locate("other.fee_amount_yuan")
        return [finding("S6-FEE", sheet=sheet, cell=cell, location=location, path="other.fee_amount_yuan",
                        severity=sev, message=f"第六部分选择了“未收取”信息处理费，却填写了金额{amount}元。")]
    return []


# ---------------------------------------------------------------- TXT-T3 / TXT-T4

_REQ_TOPIC = ("政府信息公开申请", "信息公开申请", "公开政府信息申请", "公开政府信息的申请", "依申请公开")
_REQ_EXCLUDE = ("复议", "诉讼", "结转", "答复", "办结", "办理", "信访", "投诉", "举报", "提案", "建议", "咨询",
                "留言", "热线", "备案")
_REQ_NEG = re.compile(r"(?:未|没有|未曾)(?:收到|接到|受理|接收)([^,，、]{0,24}?)申请")
_REQ_NUM = re.compile(r"(?:收到|新收|受理|接收|共收)([^\d,，、:：]{0,25}?)(\d[\d,]*)件")
_T4_EXCLUDE = ("备案", "审查", "审理", "代理", "出庭", "应诉", "全市", "全区", "全县", "全省", "全州", "全旗")
_T4_NEG = re.compile(r"(?:未|没有|无|未曾)(?!论|法|经)([^,，]{0,25})")
_T4_NUM = re.compile(r"(行政复议|行政诉讼)(?:案件|申请)?(?:共|共计|合计)?(\d[\d,]*)件")


def _int(text: str) -> Decimal:
    return Decimal(text.replace(",", ""))


def check_text_tables(form: Form, doc: dict[str, Any], locate: Locator) -> list[Finding]:
    sev3 = _severity(form, "TXT-T3")
    sev4 = _severity(form, "TXT-T4")
    out: list[Finding] = []
    new = _row_total(doc, form, "requests", "new_received")
    carried = _row_total(doc, form, "requests", "carried_over")
    rows_12 = _any_nonzero(doc, form, "requests", ["new_received", "carried_over"])
    review = _row_total(doc, form, "review_litigation", "review")
    lit_a = _row_total(doc, form, "review_litigation", "litigation_direct")
    lit_b = _row_total(doc, form, "review_litigation", "litigation_after_review")
    litigation = None if lit_a is None or lit_b is None else lit_a + lit_b
    review_nz = _any_nonzero(doc, form, "review_litigation", ["review"])
    lit_nz = _any_nonzero(doc, form, "review_litigation", ["litigation_direct", "litigation_after_review"])
    reported3: set[str] = set()
    reported4: set[str] = set()
    for text, number, loc in _texts(form, doc, locate):
        for s, shown in sentences_as_written(text):
            # --- table 三
            m = _REQ_NEG.search(s)
            if m and "公开" in m.group(1) + s[m.end():m.end() + 4] and "信息" in m.group(0) \
                    and not any(w in m.group(1) for w in ("复议", "诉讼")) and rows_12 and "neg" not in reported3:
                reported3.add("neg")
                out.append(finding("TXT-T3", severity=sev3, **_where(loc), left=_fmt(new), op="==", right=0,
                                   message=f"正文写“{_quote(shown)}”，但表三“一、本年新收”总计为{_fmt(new)}、"
                                           f"“二、上年结转”总计为{_fmt(carried)}。"))
            if any(t in s for t in _REQ_TOPIC) and new is not None:
                for m in _REQ_NUM.finditer(s):
                    seg = m.group(1)
                    if "申请" not in seg and not s[: m.start()].endswith("申请"):
                        continue
                    if any(w in seg for w in _REQ_EXCLUDE):
                        continue
                    n = _int(m.group(2))
                    ok = {new} | ({new + carried} if carried is not None else set())
                    if n not in ok and str(n) not in reported3:
                        reported3.add(str(n))
                        out.append(finding("TXT-T3", severity=sev3, **_where(loc), left=int(n), op="==",
                                           right=_fmt(new),
                                           message=f"正文写“{_quote(shown)}”（{n}件），但表三“一、本年新收政府信息公开"
                                                   f"申请数量”总计为{_fmt(new)}。"))
                    break
            # --- table 四
            if ("复议" not in s and "诉讼" not in s) or any(w in s for w in _T4_EXCLUDE):
                continue
            about_disclosure = "信息公开" in s or number == "四"
            if not about_disclosure:
                continue
            for m in _T4_NEG.finditer(s):
                scope = m.group(1)
                if re.search(r"\d+件", scope):
                    continue
                if "复议" in scope and review_nz and "review" not in reported4:
                    reported4.add("review")
                    out.append(finding("TXT-T4", severity=sev4, **_where(loc), left=_fmt(review), op="==", right=0,
                                       message=f"正文写“{_quote(shown)}”，但表四“行政复议”总计为{_fmt(review)}。"))
                if "诉讼" in scope and lit_nz and "litigation" not in reported4:
                    reported4.add("litigation")
                    out.append(finding("TXT-T4", severity=sev4, **_where(loc), left=_fmt(litigation), op="==",
                                       right=0, message=f"正文写“{_quote(shown)}”，但表四“行政诉讼”两项总计为"
                                                        f"{_fmt(litigation)}。"))
                if "复议" in scope or "诉讼" in scope:
                    break
            if "信息公开" not in s:
                continue
            for m in _T4_NUM.finditer(s):
                n = _int(m.group(2))
                if m.group(1) == "行政复议":
                    key, table_value, name = "review-n", review, "“行政复议”总计"
                else:
                    key, table_value, name = "litigation-n", litigation, "“行政诉讼”两项总计之和"
                if table_value is None or n == table_value or key in reported4:
                    continue
                reported4.add(key)
                out.append(finding("TXT-T4", severity=sev4, **_where(loc), left=int(n), op="==",
                                   right=_fmt(table_value),
                                   message=f"正文写“{_quote(shown)}”（{m.group(1)}{n}件），但表四{name}为"
                                           f"{_fmt(table_value)}。"))
    return out


# ---------------------------------------------------------------- YEAR-MISMATCH

_YEAR_IN_TITLE = re.compile(r"(20\d{2})年")
_YEAR_IN_NAME = re.compile(r"(?<!\d)(20\d{2})(?!\d)")


def check_year(form: Form, doc: dict[str, Any], locate: Locator, report_year: int | None = None,
               file_name: str | None = None) -> list[Finding]:
    sev = _severity(form, "YEAR-MISMATCH")
    out: list[Finding] = []
    year = doc.get("year")
    year = year if isinstance(year, int) and not isinstance(year, bool) else None
    source = doc.get("source") or {}
    title = source.get("title")
    if year is not None and isinstance(title, str):
        m = _YEAR_IN_TITLE.search(norm(title))
        if m and int(m.group(1)) != year:
            out.append(finding("YEAR-MISMATCH", location="标题", severity=sev, left=int(m.group(1)), op="==",
                               right=year, message=f"标题“{_quote(title.strip(), 50)}”中的年度{m.group(1)}年与"
                                                   f"报告年度{year}年不一致。"))
    name = file_name or source.get("file")
    if year is not None and name:
        years = {int(y) for y in _YEAR_IN_NAME.findall(unicodedata.normalize("NFKC", Path(str(name)).stem))}
        if years and year not in years:
            shown = "、".join(str(y) for y in sorted(years))
            out.append(finding("YEAR-MISMATCH", location="文件名", severity=sev, left=min(years), op="==",
                               right=year, message=f"文件名“{Path(str(name)).name}”中的年度{shown}与报告年度"
                                                   f"{year}年不一致。"))
    out.extend(_text_years(form, doc, locate, year, sev))
    if report_year is not None and year is not None and year != report_year:
        sheet, cell, location = locate("year")
        out.append(finding("YEAR-MISMATCH", sheet=sheet, cell=cell, location=location or "报告年度", path="year",
                           severity=sev, left=year, op="==", right=report_year,
                           message=f"本文件是{year}年度的报告，而本次检查的是{report_year}年度的报告。"))
    return out


def _text_years(form: Form, doc: dict[str, Any], locate: Locator, year: int | None, sev: str | None
                ) -> list[Finding]:
    """Running text that names only earlier years (never the report year) was most likely copied
    from an old report. Text that compares with last year also names this year, so it passes."""
    if year is None:
        return []
    named: list[tuple[int, tuple]] = []
    for text, _n, loc in _texts(form, doc, locate):
        named.extend((int(y), loc) for y in _YEAR_IN_TITLE.findall(norm(text)))
    if not named or any(y == year for y, _ in named) or not all(y < year for y, _ in named):
        return []
    shown = "、".join(f"{y}年" for y in sorted({y for y, _ in named}))
    return [finding("YEAR-MISMATCH", **_where(named[0][1]), severity=sev, left=named[0][0], op="==", right=year,
                    message=f"正文只提到{shown}，没有提到报告年度{year}年，可能沿用了往年的报告内容。")]


# ---------------------------------------------------------------- all text rules


def evaluate_text(form: Form, doc: dict[str, Any], locate: Locator = _no_location, report_year: int | None = None,
                  file_name: str | None = None) -> list[Finding]:
    """Every text rule on one document (FMT-*, S5-*, S6-FEE, TXT-T3/T4, YEAR-MISMATCH)."""
    return [
        *check_sections(form, doc),
        *check_overview(form, doc, locate),
        *check_version(form, doc, report_year, locate),
        *check_problems(form, doc, locate),
        *check_fee(form, doc, locate),
        *check_text_tables(form, doc, locate),
        *check_year(form, doc, locate, report_year, file_name),
    ]
