"""The 校验 sheet: every checker rule a formula can judge, live, in the order of `xxgk rules`.

What the sheet shows is derived from the form definition and the finding catalogue: a rule with
`check_sheet: formula` in the catalogue (or an arithmetic rule of the form that does not need last
year's report) gets a row with a live formula; a rule with `check_sheet: county` is listed under
报送后由区县检查. The formulas judge the workbook the way the checker judges it:

- A hidden block mirrors every numeric cell: its text as the checker parses it (full-width digits
  made half-width, spaces dropped), its *state* (0 a number, 1 a number stored as text,
  2 blank, 3 an invalid number, 4 an invalid number stored as text, 5 text that is no number,
  6 blank where blank is allowed) and its *value* as the checker reads it (text "3" counts as 3;
  an invalid or blank cell is #N/A). Totals are mirrored as formulas over the mirrored inputs, as
  the checker recomputes them (a number typed over a total is taken as typed, as the checker
  does). A spreadsheet's own SUM skips text, so the sheet cannot read the
  totals on the form sheets themselves (孟津区财政局: 三!D6 holds text "3" and its totals read 0).
- An arithmetic rule whose operands include an invalid or blank cell shows "—" (the checker's
  "无法检查"); the cell's own rule (CELL-BLANK, T3-VALUE…) is what fails then.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from xlsxwriter.utility import xl_cell_to_rowcol, xl_rowcol_to_cell

from ..check.text import EMPTY_TEXT
from ..form.definition import CHECK_SHEET, Field, Form, RuleInstance, parse_expr
from ..report.model import catalogue
from .formulas import side_terms, terms_formula

# States of a mirrored numeric cell (see the module docstring).
OK, TEXT_NUMBER, BLANK, INVALID, TEXT_INVALID, NOT_NUMBER, BLANK_ALLOWED = range(7)
MAX_PLAUSIBLE = 10**9  # the checker's limit (xxgk.check.validate.MAX_PLAUSIBLE)
FIRST_MIRROR_COL = 12  # column M; columns M onwards are hidden
STATE_OFFSET = 16  # the state block sits this many columns right of the value block
TITLE_ROW, HEADLINE_ROW, LEGEND_ROW, HEADER_ROW = 0, 1, 2, 3
ID_WIDTH, NAME_WIDTH = 22, 36  # the longest id, TAMPER-SHEET-RENAMED, on one line
COUNT_CELL = "M1"  # hidden: how many rules fail (the headline's colour reads it)


def _q(sheet: str) -> str:
    return "'" + sheet.replace("'", "''") + "'"


def _xl_text(s: str) -> str:
    return '"' + s.replace('"', '""') + '"'


@dataclass
class Mirror:
    """Where each numeric field of the form is mirrored on the 校验 sheet."""

    value: dict[str, str] = field(default_factory=dict)  # path -> cell of its value
    state: dict[str, str] = field(default_factory=dict)  # path -> cell of its state (inputs only)
    text: dict[str, str] = field(default_factory=dict)  # path -> cell of its text, normalised (inputs only)
    state_blocks: dict[str, str] = field(default_factory=dict)  # section -> range of its state block


def plan_mirror(form: Form) -> Mirror:
    by_sheet: dict[str, list[Field]] = defaultdict(list)
    for f in form.fields:
        if f.kind in ("input", "formula") and form.field_types.get(f.type) and form.field_types[f.type].numeric:
            by_sheet[f.sheet].append(f)
    m = Mirror()
    base = 1  # row 0 holds COUNT_CELL
    for fields in by_sheet.values():
        rcs = {f.path: xl_cell_to_rowcol(f.cell) for f in fields}
        top = min(r for r, _ in rcs.values())
        left = min(c for _, c in rcs.values())
        right = max(c for _, c in rcs.values())
        height = max(r for r, _ in rcs.values()) - top + 1
        for f in fields:
            r, c = rcs[f.path]
            row = base + r - top
            m.value[f.path] = xl_rowcol_to_cell(row, FIRST_MIRROR_COL + c)
            if f.kind == "input":
                m.state[f.path] = xl_rowcol_to_cell(row, FIRST_MIRROR_COL + STATE_OFFSET + c)
                m.text[f.path] = xl_rowcol_to_cell(row, FIRST_MIRROR_COL + 2 * STATE_OFFSET + c)
        m.state_blocks[fields[0].section] = (
            xl_rowcol_to_cell(base, FIRST_MIRROR_COL + STATE_OFFSET + left) + ":"
            + xl_rowcol_to_cell(base + height - 1, FIRST_MIRROR_COL + STATE_OFFSET + right))
        base += height
    return m


# The checker reads a number typed as text after NFKC (full-width digits and signs), without any
# whitespace, with a U+2212-like minus as "-" (xxgk.check.extract.parse_number_text). ASC() is the
# spreadsheet's full-width to half-width; the rest is spelt out.
_MINUSES = ("\u2212", "\u30fc", "\ufe63", "\u2010", "\u2011", "\u2012", "\u2013")
_NUMBER_CHARS = tuple("0123456789.,+-")


def _nested_substitute(inner: str, pairs: list[tuple[str, str]]) -> str:
    for old, new in pairs:
        inner = f"SUBSTITUTE({inner},{_xl_text(old)},{_xl_text(new)})"
    return inner


def text_formula(form: Form, f: Field) -> str:
    """A number cell's text as the checker parses it ("" when the cell holds no text)."""
    x = _q(f.sheet) + "!" + f.cell
    # minus signs first: ASC() would turn U+30FC into a half-width katakana mark
    minus = _nested_substitute(x, [(m, "-") for m in _MINUSES])
    cleaned = _nested_substitute(f"CLEAN(ASC({minus}))", [(" ", ""), ("\u3000", "")])
    return f'=IF(ISTEXT({x}),{cleaned},"")'


def state_formula(form: Form, f: Field, m: Mirror) -> str:
    """The state of one numeric input, as the checker would judge it (validate + extract)."""
    x = _q(f.sheet) + "!" + f.cell
    t = m.text[f.path]
    whole = f.type == "count"

    def bad(v: str) -> str:
        return f"OR({v}<0,{v}>{MAX_PLAUSIBLE}" + (f",{v}<>INT({v}))" if whole else ")")

    blank = BLANK if f.required else BLANK_ALLOWED
    # only digits, sign, point and grouping commas: VALUE() alone would also take "1e3", "50%", dates
    leftover = _nested_substitute(t, [(ch, "") for ch in _NUMBER_CHARS])
    inner_sign = f'ISNUMBER(FIND("-",MID({t},2,999))),ISNUMBER(FIND("+",MID({t},2,999)))'  # "2024-1-1"
    text = (f"IF(OR(LEN({t})=0,LEN({leftover})>0,{inner_sign},ISERROR(VALUE({t}))),{NOT_NUMBER},"
            f"IF({bad(f'VALUE({t})')},{TEXT_INVALID},{TEXT_NUMBER}))")
    return (f"=IF(ISBLANK({x}),{blank},IF(ISNUMBER({x}),IF({bad(x)},{INVALID},{OK}),"
            f"IF(ISTEXT({x}),{text},{NOT_NUMBER})))")


def value_formula(form: Form, f: Field, m: Mirror) -> str:
    x = _q(f.sheet) + "!" + f.cell
    if f.kind == "formula":
        # The checker recomputes an intact total from the inputs it read, and takes a number typed
        # over the formula as it is. A cell still equal to its own formula's result is intact.
        terms = parse_expr(f.formula, form.groups)
        rec = terms_formula([(t.sign, m.value[t.path] if t.path else None, t.const) for t in terms])
        own = terms_formula(side_terms(form, terms), _q(f.sheet) + "!")
        return f"=IF(ISERROR({rec}),NA(),IF(IFERROR({x}={own},TRUE),{rec},{x}))"
    return f"=IF({m.state[f.path]}<{BLANK},IF(ISTEXT({x}),VALUE({m.text[f.path]}),{x}),NA())"


# ---------------------------------------------------------------- rows


@dataclass
class Row:
    """One line of the sheet: a rule (count of failing places) or one instance of an arithmetic rule."""

    rule_id: str
    text: str
    left: str = ""  # formula (with '=') or ""
    right: str = ""
    instance: bool = False
    op: str = "=="


def _side(form: Form, terms: tuple, m: Mirror) -> str:
    return terms_formula([(t.sign, m.value[t.path] if t.path else None, t.const) for t in terms])


def _empty_test(x: str, words: list[str]) -> str:
    """TRUE when text cell x is blank or only one of `words` (the checker's norm drops spaces)."""
    t = f"TRIM(CLEAN({x}))"
    listed = ",".join(_xl_text(w) for w in words if w)
    return f"OR(ISBLANK({x}),AND(ISTEXT({x}),OR(LEN({t})=0,ISNUMBER(MATCH({t},{{{listed}}},0)))))"


def _count_states(blocks: list[str], states: tuple[int, ...]) -> str:
    return "=" + "+".join(f"COUNTIF({b},{s})" for b in blocks for s in states) if blocks else "=0"


def _builders(form: Form, m: Mirror) -> dict[str, Callable[[dict[str, Any]], str]]:
    """Rule id -> the formula (with '=') counting the places where the rule fails."""
    text_rules = form.text_rules
    all_blocks = list(m.state_blocks.values())

    def values_of(entry: dict[str, Any]) -> str:
        block = m.state_blocks.get(entry["values_of"])
        return _count_states([block] if block else [], (INVALID, TEXT_INVALID, NOT_NUMBER))

    def overview(_e: dict[str, Any]) -> str:
        cells = [_q(form.field(f["path"]).sheet) + "!" + form.field(f["path"]).cell
                 for f in form.raw["text_blocks"]["overview"]["fields"] if f.get("topic")]
        return "=" + "+".join(f"{_empty_test(c, sorted(EMPTY_TEXT))}" for c in cells)

    s5_empty = list(text_rules.get("S5-PRESENT", {}).get("empty_words", []))
    p = form.field("problems.problems")
    i = form.field("problems.improvements")
    pc, ic = _q(p.sheet) + "!" + p.cell, _q(i.sheet) + "!" + i.cell

    def present(_e: dict[str, Any]) -> str:
        return f"=IF({_empty_test(pc, s5_empty)},1,0)"

    def improve(_e: dict[str, Any]) -> str:
        words = ",".join(_xl_text(w) for w in text_rules.get("S5-IMPROVE", {}).get("words", []))
        has_word = f"SUMPRODUCT(--ISNUMBER(FIND({{{words}}},{pc})))>0"
        return f"=IF(AND(NOT({_empty_test(pc, s5_empty)}),{_empty_test(ic, s5_empty)},NOT({has_word})),1,0)"

    charged = form.field("other.fee_charged")
    amount = m.value["other.fee_amount_yuan"]
    cc = _q(charged.sheet) + "!" + charged.cell
    no, yes = charged.choices

    def fee(_e: dict[str, Any]) -> str:
        return (f"=IF(ISBLANK({cc}),1,IF(TRIM({cc})={_xl_text(yes)},IF(ISNUMBER({amount}),IF({amount}>0,0,1),1),"
                f"IF(TRIM({cc})={_xl_text(no)},IF(ISNUMBER({amount}),IF({amount}>0,1,0),0),0)))")

    return {
        "CELL-BLANK": lambda _e: _count_states(all_blocks, (BLANK,)),
        "CELL-TEXT-NUMBER": lambda _e: _count_states(all_blocks, (TEXT_NUMBER, TEXT_INVALID)),
        "T2-VALUE": values_of, "T3-VALUE": values_of, "T4-VALUE": values_of,
        "FMT-OVERVIEW-5": overview, "S5-PRESENT": present, "S5-IMPROVE": improve, "S6-FEE": fee,
    }


def formula_rule_ids(form: Form) -> list[str]:
    """Every rule the 校验 sheet evaluates, in `xxgk rules` order."""
    cat = catalogue()
    ids = {k for k, e in cat.items() if e.get("check_sheet") == "formula"}
    ids |= {r.id for r in form.rules if not r.needs_previous}
    return sorted(ids)


def county_rule_ids(form: Form) -> list[str]:
    """Rules on a workbook that only the county's checker can run (listed under 报送后由区县检查)."""
    cat = catalogue()
    ids = {k for k, e in cat.items() if e.get("check_sheet") == "county"}
    ids |= {r.id for r in form.rules if r.needs_previous}
    return sorted(ids)


def _instances(form: Form, level: str) -> dict[str, list[RuleInstance]]:
    out: dict[str, list[RuleInstance]] = defaultdict(list)
    for r in form.rules:
        if not r.needs_previous and not (r.unless_level and level in r.unless_level):
            out[r.id].append(r)
    return out


_OPS = {"==": "=", "!=": "<>"}
LEGEND = ("说明：“左边”“右边”是规则两边的计算结果（文本形式的数字按数字计算），“差额”＝左边－右边；"
          "“处数”是未通过的单元格个数。✔通过，✘未通过，—表示相关单元格为空或不是有效数字，请先改正该单元格。")


@dataclass(frozen=True)
class _Style:
    name: str  # an attribute of the workbook's styles (workbook._Styles)


class _StyleNames:
    def __getattr__(self, name: str) -> _Style:
        return _Style(name)


class _Recorder:
    """Stands in for a worksheet and records the calls, to be replayed on every workbook."""

    def __init__(self) -> None:
        self.ops: list[tuple[str, tuple, dict]] = []

    def __getattr__(self, method: str) -> Callable[..., None]:
        def call(*args: Any, **kwargs: Any) -> None:
            if method.startswith("write") and args and isinstance(args[0], str):
                args = (*xl_cell_to_rowcol(args[0]), *args[1:])  # parsed once, not per workbook
            self.ops.append((method, args, kwargs))

        return call


def _resolve(arg: Any, st: Any) -> Any:
    if isinstance(arg, _Style):
        return getattr(st, arg.name)
    if isinstance(arg, dict):  # a fresh dict each time: XlsxWriter may keep or change it
        return {k: _resolve(v, st) for k, v in arg.items()}
    return arg


_SHEETS: dict[tuple[str, str, str, str], list[tuple[str, tuple, dict]]] = {}


def write_check_sheet(wb: Any, form: Form, level: str, st: Any) -> Any:
    """Add the 校验 sheet to `wb` and return it (the caller sets page and protection).

    The sheet is the same for every unit of a level: it is worked out once per form and level
    (a few hundred formula texts) and replayed, so a roster of a thousand units is not slowed down.
    """
    key = (form.id, form.version, form.template_hash, level)
    ops = _SHEETS.get(key)
    if ops is None:
        recorder = _Recorder()
        _record_check_sheet(recorder, form, level, _StyleNames())
        ops = _SHEETS[key] = recorder.ops
    ws = wb.add_worksheet(CHECK_SHEET)
    for method, args, kwargs in ops:
        getattr(ws, method)(*(_resolve(a, st) for a in args), **{k: _resolve(v, st) for k, v in kwargs.items()})
    return ws


def _record_check_sheet(ws: Any, form: Form, level: str, st: Any) -> None:
    cat = catalogue()
    m = plan_mirror(form)
    builders = _builders(form, m)
    instances = _instances(form, level)

    ws.set_column("A:A", ID_WIDTH)  # 22 + 36 + 3 × 7 + 5: about 88 % on A4 portrait
    ws.set_column("B:B", NAME_WIDTH)
    ws.set_column("C:E", 7)
    ws.set_column("F:F", 5)
    ws.set_column(FIRST_MIRROR_COL, FIRST_MIRROR_COL + 3 * STATE_OFFSET, 6, None, {"hidden": True})
    ws.merge_range(TITLE_ROW, 0, TITLE_ROW, 5, "校验结果（填写时自动更新）", st.title)
    ws.set_row(TITLE_ROW, 30)
    ws.merge_range(LEGEND_ROW, 0, LEGEND_ROW, 5, LEGEND, st.note)
    ws.set_row(LEGEND_ROW, 30)
    for col, title in enumerate(("规则编号", "检查内容", "左边/处数", "右边", "差额", "结果")):
        ws.write_string(HEADER_ROW, col, title, st.header)

    # the hidden mirror
    for f in form.fields:
        if f.path in m.state:
            ws.write_formula(m.text[f.path], text_formula(form, f), None, "")
            ws.write_formula(m.state[f.path], state_formula(form, f, m), None, "")
    for f in form.fields:
        if f.path in m.value:
            ws.write_formula(m.value[f.path], value_formula(form, f, m), None, "")

    row = HEADER_ROW + 1
    rule_rows: list[tuple[str, int]] = []  # (rule id, 0-based row) of each rule's own line
    for rid in formula_rule_ids(form):
        entry = cat.get(rid, {})
        if rid in builders:
            ws.write_string(row, 0, rid, st.rule_id)
            ws.write_string(row, 1, entry.get("title", rid), st.rule_name)
            ws.write_formula(row, 2, builders[rid](entry), st.count, "")
            ws.write_blank(row, 3, None, st.count)
            ws.write_blank(row, 4, None, st.count)
            ws.write_formula(row, 5, f'=IF(C{row + 1}>0,"✘","✔")', st.result, "")
            rule_rows.append((rid, row))
            row += 1
            continue
        rules = instances.get(rid)
        if not rules:
            continue  # e.g. T2-REG-AUTHORITY for a level that may make 规章
        head = row
        first, last = head + 2, head + len(rules) + 1  # 1-based rows of the instances
        ws.write_string(head, 0, rid, st.rule_id)
        ws.write_string(head, 1, rules[0].title, st.rule_name)
        ws.write_formula(head, 2, f'=COUNTIF(F{first}:F{last},"✘")', st.count, "")
        ws.write_blank(head, 3, None, st.count)
        ws.write_blank(head, 4, None, st.count)
        ws.write_formula(head, 5, f'=IF(C{head + 1}>0,"✘","✔")', st.result, "")
        rule_rows.append((rid, head))
        row += 1
        for r in rules:
            label = next((v for k, v in r.params.items() if k.endswith("_label")), "")
            n = row + 1
            ws.write_string(row, 0, "", st.label)
            ws.write_string(row, 1, f"　{label}", st.label)
            if 2 * (len(label) + 1) > NAME_WIDTH:  # two lines for a long row label of table 三
                ws.set_row(row, 30)
            ws.write_formula(row, 2, f"=IFERROR({_side(form, r.left, m)},\"—\")", st.formula, "")
            ws.write_formula(row, 3, f"=IFERROR({_side(form, r.right, m)},\"—\")", st.formula, "")
            ws.write_formula(row, 4, f'=IF(AND(ISNUMBER(C{n}),ISNUMBER(D{n})),C{n}-D{n},"—")', st.formula, "")
            ws.write_formula(row, 5, f'=IF(AND(ISNUMBER(C{n}),ISNUMBER(D{n})),'
                                     f'IF(C{n}{_OPS.get(r.op, r.op)}D{n},"✔","✘"),"—")', st.formula, "")
            row += 1
    last_rule_row = row

    # headline: how many rules fail, and which
    count = "+".join(f'(F{r + 1}="✘")' for _, r in rule_rows)
    names = "&".join(f'IF(F{r + 1}="✘"," {rid}","")' for rid, r in rule_rows)
    ws.write_formula(COUNT_CELL, f"={count}", None, "")
    ws.write_string(HEADLINE_ROW, 0, "未通过的检查", st.label)
    ws.merge_range(HEADLINE_ROW, 1, HEADLINE_ROW, 5, "", st.headline)
    passed = _xl_text("0项：本表能检查的全部通过，可以报送（报送后区县还将检查本表底部所列内容）")
    ws.write_formula(HEADLINE_ROW, 1, f'=IF({COUNT_CELL}=0,{passed},{COUNT_CELL}&"项未通过："'
                                      f'&SUBSTITUTE(TRIM({names})," ","、")&"。请逐项改正，全部为0项后再报送")',
                     st.headline, "")
    ws.set_row(HEADLINE_ROW, 36)
    ws.conditional_format(HEADLINE_ROW, 1, HEADLINE_ROW, 5, {"type": "formula", "criteria": f"=${COUNT_CELL[0]}$1>0",
                                                             "format": st.bad_strong})
    ws.conditional_format(HEADER_ROW + 1, 5, last_rule_row - 1, 5,
                          {"type": "cell", "criteria": "==", "value": '"✘"', "format": st.bad})

    # rules only the county's checker can run
    row = last_rule_row + 1
    ws.merge_range(row, 0, row, 5, "报送后由区县检查（以下规则本表无法用公式判断，报送后由区县用检查程序核对）",
                   st.header)
    row += 1
    for rid in county_rule_ids(form):
        entry = cat.get(rid) or next(({"title": r.title} for r in form.rules if r.id == rid), {"title": rid})
        ws.write_string(row, 0, rid, st.county_id)
        ws.merge_range(row, 1, row, 5, entry["title"], st.label)
        row += 1
    ws.print_area(0, 0, row - 1, 5)
    ws.repeat_rows(HEADER_ROW)
    ws.freeze_panes(HEADER_ROW + 1, 0)
