"""The shared import pipeline: blocks (paragraphs and tables) -> report document.

Every format (text, HTML, .docx) is first turned into a flat sequence of blocks:
`Para(text)` for a line of prose and `Table(rows)` for a table, where a row is a list of
cell texts and `None` marks a position covered by a merged cell (rowspan/colspan or a Word
merge). The code below never looks at the source format again: it finds the title, the six
section headings, the overview topics, the three tables and the fee statement the same way
for all formats, and places table rows by structure and normalised labels.
"""

from __future__ import annotations

import difflib
import hashlib
import itertools
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from ..document import empty_document, get_path, set_path
from ..form.definition import Form, load_form
from ..report.model import Finding, Location, finding
from .base import ImportResult

Cell = str | None  # None = covered by a merged cell


@dataclass
class Para:
    text: str


class Row(list):  # type: ignore[type-arg]
    """A table row (list of cells) that remembers where it was read: "第4页表格2第5行", "表格3第5行"."""

    origin: str = ""

    def __init__(self, cells: list[Cell], origin: str = "") -> None:
        super().__init__(cells)
        self.origin = origin


@dataclass
class Table:
    rows: list[list[Cell]]


Block = Para | Table

# ---------------------------------------------------------------- text helpers

CN_NUM = "一二三四五六七八九十"
_SPACE = re.compile(r"\s+")
_PUNCT_MAP = str.maketrans({"“": '"', "”": '"', "‘": "'", "’": "'", "、": ",", "，": ",", "。": ".",
                            "：": ":", "；": ";", "〔": "[", "〕": "]", "【": "[", "】": "]"})


def nfkc(text: str) -> str:
    return unicodedata.normalize("NFKC", text)


def squash(text: str) -> str:
    """NFKC, no whitespace, unified punctuation: the form labels are compared in this shape."""
    return _SPACE.sub("", nfkc(text)).translate(_PUNCT_MAP)


def clean_text(text: str) -> str:
    """Collapse runs of whitespace inside prose (web copies break lines anywhere)."""
    return _SPACE.sub(" ", text.replace("\u3000", " ").replace("\xa0", " ")).strip()


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# ---------------------------------------------------------------- cell values

_NUMBER = re.compile(r"([+-]?\d+(?:\.\d+)?)(.*)")
_UNIT_WORDS = {"件", "个", "项", "次", "条", "人次", "元", "万元", "家", "宗"}
_PLACEHOLDERS = {"/", "-", "--", "—", "——", "－", "\\", "无", "空", "×", "x", "X", "*", "…", "...", "_", "~", "—/"}


@dataclass(frozen=True)
class Value:
    """A parsed cell: a number (with an optional remark), a placeholder string, or blank."""

    value: int | float | str | None
    remark: str | None = None


def parse_value(raw: str | None) -> Value | None:
    """A table cell as a value, or None when the cell is a label (text)."""
    if raw is None:
        return Value(None)
    s = _SPACE.sub("", nfkc(raw)).replace(",", "")
    if not s:
        return Value(None)
    m = _NUMBER.fullmatch(s)
    if m:
        num_text, rest = m.group(1), m.group(2)
        remark: str | None = None
        if rest:
            if rest in _UNIT_WORDS:
                remark = rest
            elif rest[0] == "(" and rest[-1] == ")":
                remark = _remark_of(raw)
            else:
                return None
        num: int | float = float(num_text) if "." in num_text else int(num_text)
        return Value(num, remark)
    if s in _PLACEHOLDERS or (len(s) <= 3 and not re.search(r"[\w\u4e00-\u9fff]", s)):
        return Value(raw.strip())
    return None


def _remark_of(raw: str) -> str:
    t = nfkc(raw).strip()
    i = t.find("(")
    return t[i + 1: -1].strip() if i >= 0 else t


def is_label(cell: Cell) -> bool:
    return cell is not None and parse_value(cell) is None


# ---------------------------------------------------------------- headings

SECTION_KEYS = ["overview", "proactive", "requests", "review_litigation", "problems", "other"]
SECTION_WORDS: dict[str, tuple[str, ...]] = {
    "一": ("总体情况", "概述", "基本情况", "总体"),
    "二": ("主动公开",),
    "三": ("收到和处理", "依申请公开", "政府信息公开申请", "申请"),
    "四": ("行政复议", "行政诉讼", "复议", "诉讼"),
    "五": ("存在的主要问题", "改进情况", "存在问题", "主要问题", "问题", "改进"),
    "六": ("其他需要报告", "其他事项", "其他", "其它"),
}
_HEADING = re.compile(r"^\s*(?:第)?([一二三四五六])\s*(?:[、.．，,:：]|部分)\s*(.*)$")
_TITLE_YEAR = re.compile(r"(20\d\d)\s*年")


def section_heading(text: str) -> str | None:
    """The section number (一…六) when `text` is one of the six section headings."""
    t = nfkc(text).strip()
    if len(squash(t)) > 40:
        return None
    m = _HEADING.match(t)
    if m:
        number, rest = m.group(1), squash(m.group(2))
        if any(w in rest for w in SECTION_WORDS[number]):
            return number
        return None
    s = squash(t)
    if s.startswith("因政府信息公开工作被申请行政复议"):
        return "四"
    return None


_SUB = re.compile(r"^\s*[(（]\s*([一二三四五六七八九十])\s*[)）]\s*(.*)$", re.S)


def sub_heading(text: str) -> tuple[str, str] | None:
    """`（一）主动公开方面` -> ("主动公开方面", inline text after the heading, if any)."""
    m = _SUB.match(text.replace("\u3000", " "))  # not NFKC: the text after the heading is kept as written
    if not m:
        return None
    rest = m.group(2).strip()
    # a heading followed by text in the same paragraph: "（一）主动公开。本年度……"
    cut = re.search(r"[。：:！]", rest)
    if cut and cut.start() <= 30:
        return rest[: cut.start()].strip(), rest[cut.end():].strip()
    if len(rest) <= 30:
        return rest, ""
    return None


# order matters: "（四）常态化开展监督管理" is 监督保障, so 监督 is tried before 管理
OVERVIEW_TOPICS: list[tuple[str, tuple[str, ...]]] = [
    ("requests", ("依申请",)),
    ("proactive", ("主动公开",)),
    ("platform", ("平台", "网站", "新媒体")),
    ("supervision", ("监督", "保障", "考核", "培训", "评议", "责任")),
    ("management", ("信息管理", "管理")),
]


def overview_topic(heading: str) -> str | None:
    s = squash(heading)
    for key, words in OVERVIEW_TOPICS:
        if any(w in s for w in words):
            return key
    return None


def problems_topic(heading: str) -> str | None:
    s = squash(heading)
    if any(w in s for w in ("改进", "整改", "措施", "下一步", "计划", "打算", "今后")):
        return "improvements"
    if "问题" in s or "不足" in s:
        return "problems"
    return None


# ---------------------------------------------------------------- unit, year, level

_TITLE = re.compile(r"^(?:关于)?(?P<unit>.+?)(?:关于)?(?P<year>20\d\d)年度?(?:政府信息公开(?:工作)?)?年度?报告$")
_TITLE_YEAR_FIRST = re.compile(r"^(?P<year>20\d\d)年度?(?P<unit>.+?)政府信息公开(?:工作)?年度报告$")
_TITLE_NO_YEAR = re.compile(r"^(?:关于)?(?P<unit>.+?)政府信息公开(?:工作)?年度报告$")
# a site's name after the title: "…年度报告-平潭综合实验区门户网站", "…年度报告_XX政府网", "…报告|XX"
_TITLE_SUFFIX = re.compile(r"(年度报告)[-_|—–―·(（].*$")
_PERIOD_YEAR = re.compile(r"统计(?:期限|期间|时限|时段|时间)[^0-9。]{0,6}(20\d\d)年0?1月0?1日")


def parse_title(text: str) -> tuple[str | None, int | None]:
    s = _SPACE.sub("", nfkc(text))
    s = re.sub(r"[《》\"“”]", "", s)
    s = re.sub(r"^(?:标题|题目|文章标题|名称)[:：]", "", s)
    s = re.sub(r"\.(txt|html?|docx|md|pdf)$", "", s, flags=re.I)
    s = _TITLE_SUFFIX.sub(r"\1", s)
    for rx in (_TITLE, _TITLE_YEAR_FIRST):
        m = rx.match(s)
        if m:
            unit = m.group("unit").strip("-_ ") or None
            return unit, int(m.group("year"))
    m = _TITLE_NO_YEAR.match(s)
    if m and not _TITLE_YEAR.search(s):  # a title without its year (the year is then read elsewhere)
        return m.group("unit").strip("-_ ") or None, None
    y = _TITLE_YEAR.search(s)
    return None, int(y.group(1)) if y else None


def guess_level(name: str | None) -> str | None:
    if not name:
        return None
    n = name.strip()
    if re.search(r"[镇乡](人民)?政府$", n):
        return "乡镇"
    if re.search(r"街道(办事处)?$", n):
        return "街道"
    if re.search(r"(村|社区)(民委员会|居民委员会|委员会)?$", n) or n.endswith("居委会") or n.endswith("村委会"):
        return "村社区"
    if re.search(r"[区县旗](人民)?政府$", n):
        return "县级政府"
    if re.search(r"市(人民)?政府$", n):
        return "市级政府"
    return None


# ---------------------------------------------------------------- the importer state


@dataclass
class Builder:
    form: Form
    doc: dict[str, Any]
    locations: dict[str, Location] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)
    remarks: dict[str, str] = field(default_factory=dict)

    unread: set[str] = field(default_factory=set)

    def put(self, path: str, v: Value, where: str | None = None, origin: str | None = None) -> None:
        set_path(self.doc, path, v.value)
        label = where or (self.form.field(path).label if self.form.has_field(path) else path)
        if origin:  # every figure can be traced to where it was read in the source
            label = f"{label}（原文{origin}）"
        self.locations[path] = (None, None, label)
        if v.remark:
            self.remarks[path] = v.remark

    def put_text(self, path: str, text: str | None) -> None:
        set_path(self.doc, path, text or None)
        if text:
            self.locations[path] = (None, None, self.form.field(path).label)

    def table_problem(self, message: str, location: str, path: str | None = None,
                      paths: list[str] | None = None, severity: str | None = None) -> None:
        """A table, row or cell that could not be read: one finding, and its cells are remembered as
        unread so that no rule asks the unit to fill a cell that holds a number in the source."""
        self.findings.append(finding("FMT-TABLE-UNREAD", location=location, path=path, message=message,
                                     severity=severity))
        for p in ([path] if path else []) + list(paths or []):
            self.unread.update(self._leaves(p))

    def _leaves(self, prefix: str) -> list[str]:
        return [f.path for f in self.form.fields if f.path == prefix or f.path.startswith(prefix + ".")]

    def version_signature(self, signature: str, location: str = "正文") -> None:
        if any(f.rule == "FMT-VERSION" and f.right == signature for f in self.findings):
            return
        f = finding("FMT-VERSION", location=location, signature=signature)
        f.right = signature
        self.findings.append(f)


# ---------------------------------------------------------------- section splitting


def split_sections(blocks: list[Block]) -> tuple[list[Block], list[tuple[str, list[Block]]]]:
    """Blocks before the first heading, and (number, blocks) per section heading found."""
    head: list[Block] = []
    sections: list[tuple[str, list[Block]]] = []
    last = -1
    for b in blocks:
        if isinstance(b, Para):
            n = section_heading(b.text)
            if n is not None and CN_NUM.index(n) > last:
                sections.append((n, []))
                last = CN_NUM.index(n)
                continue
        (sections[-1][1] if sections else head).append(b)
    return head, sections


# page furniture of government sites that follows the report text (footer, print links, pager)
_CHROME = re.compile(r"ICP备|公网安备|版权所有|主办单位|^主办[:：]|承办[:：]|网站标识码|技术支持|打印本页|关闭窗口|"
                     r"【打印】|【关闭】|扫一扫|分享到|^上一篇|^下一篇|^相关(链接|附件|文章|稿件)")


def is_chrome(text: str) -> bool:
    return bool(_CHROME.search(clean_text(text)))


def cut_chrome(blocks: list[Block]) -> list[Block]:
    """The blocks of the last section up to the first piece of page furniture."""
    for i, b in enumerate(blocks):
        if isinstance(b, Para) and is_chrome(b.text):
            return blocks[:i]
    return blocks


def paras_of(blocks: list[Block]) -> list[str]:
    return [clean_text(b.text) for b in blocks if isinstance(b, Para) and clean_text(b.text)
            and not is_chrome(b.text)]


def tables_of(blocks: list[Block]) -> list[list[Cell]]:
    return [row for b in blocks if isinstance(b, Table) for row in b.rows]


def _topics(paras: list[str], classify: Any, default: str) -> tuple[dict[str, list[str]], bool]:
    out: dict[str, list[str]] = {}
    current = default
    found = False
    for p in paras:
        sub = sub_heading(p)
        key = classify(sub[0]) if sub else None
        if sub and key:
            current = key
            found = True
            if sub[1]:
                out.setdefault(current, []).append(sub[1])
            else:
                out.setdefault(current, [])
            continue
        out.setdefault(current, []).append(p)
    return out, found


# ---------------------------------------------------------------- tables

Pos = tuple[int, Cell]  # (column in the source row, cell text)


def _trim(values: list[Pos], n: int) -> list[Pos]:
    """Drop empty cells left over from flattened merges (trailing first) until n remain."""
    values = list(values)
    while len(values) > n and not (values[-1][1] or "").strip():
        values.pop()
    while len(values) > n and not (values[0][1] or "").strip():
        values.pop(0)
    return values


def _positions(row: list[Cell]) -> list[Pos]:
    return [(i, c) for i, c in enumerate(row) if c is not None]


def _origin(row: list[Cell], column: int) -> str | None:
    origin = getattr(row, "origin", "")
    return f"{origin}第{column + 1}列" if origin else None


def _row_values(row: list[Cell], n: int) -> tuple[list[str], list[Pos]]:
    """Split a row into its label cells and the value cells after the last label."""
    cells = _positions(row)
    last = max((i for i, (_c, v) in enumerate(cells) if is_label(v)), default=-1)
    labels = [v for _c, v in cells[: last + 1] if v and v.strip()]
    return labels, _trim(cells[last + 1:], n)


def _value_count(row: list[Cell]) -> int:
    return sum(1 for c in row if c is not None and parse_value(c) is not None)


def table_kind(table: Table) -> str | None:
    """"二", "三" or "四" when a table's own content says which table it is (not its section): a row
    labelled like the form's with values beside it, not just the words somewhere in a cell."""
    t2 = {"规章", "行政规范性文件", "规范性文件", "行政许可", "行政处罚", "行政强制", "行政事业性收费"}
    has_t4_words = False
    for row in table.rows:
        labels = [squash(c) for c in row if c and is_label(c)]
        values = _value_count(row)
        if any(w in lab for lab in labels for w in ("本年新收", "上年结转", "结转下年度")) and values >= 3:
            return "三"
        if labels and labels[0] in t2 and values >= 1:
            return "二"
        if any("复议" in lab for lab in labels) or any("诉讼" in lab or "起诉" in lab for lab in labels):
            has_t4_words = True
    if any(sum(1 for c in row if _filled(c)) >= 15 and not any(is_label(c) for c in row) for row in table.rows):
        return "四"
    if has_t4_words and any(sum(1 for c in row if _filled(c)) >= 5 for row in table.rows):
        return "四"
    return None


# table 二 -----------------------------------------------------------------

T2_SINGLE = {"行政许可": "licensing", "行政处罚": "punishment", "行政强制": "enforcement", "行政事业性收费": "fees"}
_T2_NEW = ("本年制发", "本年废止", "现行有效")  # 2021 header columns of 第二十条第（一）项
_T2_OLD = ("本年新制作", "本年新公开", "对外公开总数")  # 2019 header columns


def parse_t2(b: Builder, rows: list[list[Cell]]) -> None:
    found: set[str] = set()
    old_columns = False  # 2019: 上一年项目数量 / 本年增/减 / 处理决定数量
    header: str | None = None  # "2021" or "2019", from the header row over 规章/规范性文件
    for row in rows:
        labels, values = _row_values(row, 3)
        joined = squash("".join(c for c in row if c))
        if any(w in joined for w in _T2_NEW):
            header = "2021"
        elif any(w in joined for w in _T2_OLD):
            header = "2019"
        if not labels:
            continue
        key = squash(labels[0])
        if "上一年项目数量" in joined:
            old_columns = True
        if key.startswith("第二十条") or key == "信息内容":
            if key.startswith("第二十条"):
                old_columns = False
            continue
        # "规范性文件" under the 2021 columns (本年制发/本年废止/现行有效) is 行政规范性文件 by another name:
        # the format is decided by the header columns, not by the row label
        if key in ("规章", "行政规范性文件") or (key == "规范性文件" and header != "2019"):
            base = "proactive.regulations" if key == "规章" else "proactive.normative_documents"
            if len(values) < 3:
                b.table_problem(f"表二“{key}”行应有3个数字，只读到{len(values)}个，该行未导入。",
                                f"表二“{key}”行", base)
                found.add(base)
                continue
            for sub, (col, cell) in zip(("issued", "repealed", "in_force"), values[:3], strict=True):
                b.put(f"{base}.{sub}", parse_value(cell) or Value(None), origin=_origin(row, col))
            found.add(base)
        elif key == "规范性文件":
            b.version_signature("规范性文件", "表二“规范性文件”行")
            b.table_problem("表二“规范性文件”行是2019年试行格式（本年新制作/新公开/对外公开总数量），"
                            "无法对应“行政规范性文件”的制发、废止、现行有效件数，未导入。",
                            "表二“规范性文件”行", "proactive.normative_documents")
            found.add("proactive.normative_documents")
        elif key in T2_SINGLE:
            path = f"proactive.{T2_SINGLE[key]}"
            if old_columns:
                if key == "行政事业性收费" or len(values) < 3:
                    what = "收费金额" if key == "行政事业性收费" else "处理决定数量"
                    b.table_problem(f"表二“{key}”行是2019年试行格式，没有{what}，"
                                    "未导入。", f"表二“{key}”行", path)
                    found.add(path)
                    continue
                col, cell = values[2]
            else:
                col, cell = values[0] if values else (0, None)
            if cell is None:
                b.table_problem(f"表二“{key}”行没有读到数字，未导入。", f"表二“{key}”行", path)
            else:
                b.put(path, parse_value(cell) or Value(None), origin=_origin(row, col))
            found.add(path)
    # a 规章 row left out of a township's table: nothing to read, nothing to blame on a cell either
    for path, what in (("proactive.regulations", "规章"), ("proactive.normative_documents", "行政规范性文件"),
                       *((f"proactive.{v}", k) for k, v in T2_SINGLE.items())):
        if path in found:
            continue
        if path == "proactive.regulations" and "proactive.normative_documents" in found:
            # the row left out of a table that was read: a deviation from the form, not a reading failure
            b.table_problem("表二没有“规章”行（国家格式中该行不能删除，不能制定规章的单位应填0），规章件数未导入。",
                            "表二“规章”行", path, severity="warning")
            continue
        b.table_problem(f"表二中找不到“{what}”行，该项未导入。", f"表二“{what}”行", path)


# table 三 -----------------------------------------------------------------

_MARK = re.compile(r"([一二三四],|\([一二三四五六七]\)|(?<![\d.,])\d{1,2}[.,](?!\d))")
_GROUPS = {"一": "granted", "二": "partially_granted", "三": "withheld", "四": "unavailable", "五": "rejected",
           "六": "other", "七": "total_processed"}
_GROUP_WORDS = {"一": "予以公开", "二": "部分公开", "三": "不予公开", "四": "无法提供", "五": "不予处理",
                "六": "其他处理",
                "七": "总计"}


def _t3_children(form: Form) -> dict[str, list[tuple[str, str]]]:
    """group (一…六) -> [(row key, normalised child label without its number)]."""
    out: dict[str, list[tuple[str, str]]] = {}
    for r in form.grid_rows("requests"):
        m = re.match(r"（([一二三四五六七])）(\d)\.(.*)", r["label"])
        if m:
            out.setdefault(m.group(1), []).append((r["key"], squash(m.group(3))))
    # the two (六) rows are matched on their distinctive part only
    if "六" in out:
        out["六"] = [(k, {"other_no_correction": "逾期不补正", "other_no_fee_paid": "缴纳费用"}.get(k, lbl))
                    for k, lbl in out["六"]]
    return out


def _tokens(label: str) -> list[str]:
    """Split a (possibly flattened) row label into its parts at 一、 / (一) / 1. markers."""
    s = squash(label)
    starts = [m.start() for m in _MARK.finditer(s)]
    if not starts or starts[0] != 0:
        starts = [0, *starts]
    return [s[a:b] for a, b in zip(starts, [*starts[1:], len(s)], strict=True) if s[a:b]]


def _t3_header(rows: list[list[Cell]]) -> tuple[int, int | None]:
    """Number of data columns (7, or 8 with a 小计 column) and the 小计 index, from the header rows."""
    for row in rows:
        leafs = [squash(c) for c in row if c and squash(c)]
        if "小计" in leafs:
            names = [x for x in leafs if x in ("商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", "小计")]
            idx = names.index("小计")
            return 8, 1 + idx
    return 7, None


def parse_t3(b: Builder, rows: list[list[Cell]]) -> None:
    form = b.form
    cols = [c["key"] for c in form.grid_columns("requests")]
    body_start = next((i for i, r in enumerate(rows) if any(c and "本年新收" in squash(c) for c in r)), None)
    if body_start is None:
        b.table_problem("表三中找不到“一、本年新收政府信息公开申请数量”行，表三未导入。", "表三", "requests")
        return
    n, sub_idx = _t3_header(rows[:body_start])
    if sub_idx is not None:
        b.findings.append(finding("FMT-EXTRA-COLUMN", location="表三表头", column="法人或其他组织小计"))
    children = _t3_children(form)
    seen: dict[str, int] = {}
    group: str | None = None
    child_pos = 0
    single_six: list[Pos] | None = None
    single_six_row: list[Cell] | None = None

    def resolve(tok: str) -> str | None:
        """The row key a label token names; "@x" for a group heading; "" to ignore; None if unknown."""
        nonlocal group, child_pos
        if "本年新收" in tok:
            group = None
            return "new_received"
        if "上年结转" in tok:
            group = None
            return "carried_over"
        if "结转下年度" in tok:
            group = None
            return "carried_forward"
        if tok.startswith("三,") or "本年度办理结果" in tok:
            return ""
        m = re.match(r"\(([一二三四五六七])\)", tok)
        g = m.group(1) if m else next((k for k, w in _GROUP_WORDS.items() if tok.startswith(w)), None)
        if g is not None:
            group, child_pos = g, 0
            return _GROUPS[g] if g in ("一", "二", "七") else f"@{g}"
        if group in children:
            k = _t3_child(tok, children[group], child_pos)
            if k is not None:
                child_pos = [x for x, _ in children[group]].index(k) + 1
            return k
        return None

    for row in rows[body_start:]:
        cells = _positions(row)
        last = max((i for i, (_c, v) in enumerate(cells) if is_label(v)), default=-1)
        if last < 0 or _t3_header_row(row):
            continue  # no label, or the header repeated after a page break
        label_cells = [i for i in range(last + 1) if (cells[i][1] or "").strip()]
        key: str | None = None
        unknown: str | None = None
        cut = last + 1
        for i in label_cells:
            cell = cells[i][1] or ""
            for tok in _tokens(cell):
                k = resolve(tok)
                if k is None:
                    unknown = tok
                    break
                if k:
                    key = k
            if unknown is not None:
                if key and not key.startswith("@"):
                    cut, unknown = i, None  # text where a number belongs: read it as a (bad) value
                    break
                if i != label_cells[-1]:
                    unknown = None  # a fragment of a group label broken over a page ("（四）无" / "法提供")
                    continue
                break
        values = _trim(cells[cut:], n)
        labels = [v for _c, v in cells[:cut] if v and v.strip()]
        if unknown is not None or key is None:
            what = unknown or "".join(labels)
            where = f"表三“{_GROUP_WORDS[group]}”下的行“{what}”" if group and unknown else f"表三的行“{what}”"
            b.table_problem(f"{where}无法识别，该行未导入。", f"表三“{''.join(labels)}”行")
            continue
        if key.startswith("@"):
            if any(_filled(v) for _c, v in values):
                if key == "@六":
                    single_six, single_six_row = values, row
                else:
                    b.table_problem(f"表三“{_GROUP_WORDS[key[1]]}”行本身有数字，但应填在其下各项中，未导入。",
                                    f"表三“{_GROUP_WORDS[key[1]]}”行", f"requests.{_GROUPS[key[1]]}")
            continue
        label = form.field(f"requests.{key}.total").label.split("”行")[0] + "”行"
        if key in seen:
            b.table_problem(f"{label}出现了两次，只导入了第一次。", label)
            continue
        seen[key] = 1
        if len(values) != n:
            b.table_problem(f"{label}应有{n}个数字，读到{len(values)}个，该行未导入。", label, f"requests.{key}")
            continue
        data = [v for i, v in enumerate(values) if i != sub_idx]
        for col, (at, cell) in zip(cols, data, strict=True):
            pv = parse_value(cell)
            path = f"requests.{key}.{col}"
            if pv is None:
                b.table_problem(f"{form.field(path).label}的内容“{cell}”不是数字，未导入。", form.field(path).label,
                                path)
                continue
            b.put(path, pv, origin=_origin(row, at))
    six = [k for k, _ in children.get("六", [])]
    if single_six is not None and not any(k in seen for k in six):
        b.version_signature("（六）其他处理只有一行，没有1-3项", "表三“（六）其他处理”行")
        data = [v for i, v in enumerate(single_six) if i != sub_idx]
        parsed = [parse_value(c) for _a, c in data]
        if len(data) == len(cols) and all(p is not None and p.value == 0 for p in parsed):
            # 0 splits one way only: each of 1-3 is 0
            for k in six:
                for col, (at, _c) in zip(cols, data, strict=True):
                    b.put(f"requests.{k}.{col}", Value(0), origin=_origin(single_six_row or [], at))
                seen[k] = 1
        else:
            b.table_problem("表三“（六）其他处理”只有一行（2019年试行格式），无法分到1-3项，该行未导入。",
                            "表三“（六）其他处理”行", paths=[f"requests.{k}" for k in six])
            for k in six:
                seen[k] = 1
    missing = [r for r in form.grid_rows("requests") if r["key"] not in seen]
    for r in missing:
        b.table_problem(f"表三中找不到“{r['label']}”行，该行未导入。", f"表三“{r['label']}”行",
                        f"requests.{r['key']}")


_T3_HEADER_WORDS = {"申请人情况", "自然人", "法人或其他组织", "商业企业", "科研机构", "社会公益组织", "法律服务机构",
                    "其他", "总计", "小计"}


def _t3_header_row(row: list[Cell]) -> bool:
    """A header row of table 三 (no figure, only column names or the 勾稽 note)."""
    labels = [squash(c) for c in row if c and c.strip()]
    if not labels or any(not is_label(c) for c in row if c and c.strip()):
        return False
    return all(x in _T3_HEADER_WORDS or "勾稽" in x or "钩稽" in x for x in labels) and len(labels) >= 2


def _filled(cell: Cell) -> bool:
    pv = parse_value(cell)
    return pv is not None and pv.value is not None


def _t3_child(tok: str, kids: list[tuple[str, str]], pos: int) -> str | None:
    text = re.sub(r"^\d{1,2}[.,]", "", tok)
    for key, lbl in kids:
        if lbl and lbl in text and not (lbl == "其他" and text != "其他"):
            return key
    if text == "其他" and kids[-1][1] == "其他":
        return kids[-1][0]
    m = re.match(r"(\d{1,2})[.,]", tok)
    if m:
        i = int(m.group(1)) - 1
        # the number and a label close to the form's (a typo or a word left out: "其他法律行政止公开")
        if 0 <= i < len(kids) and (not text or difflib.SequenceMatcher(None, text, kids[i][1]).ratio() >= 0.6):
            return kids[i][0]
    return None


# table 四 -----------------------------------------------------------------

_T4_BLOCK_WORDS = (("复议后起诉", "litigation_after_review"), ("直接起诉", "litigation_direct"),
                   ("未经复议", "litigation_direct"), ("行政复议", "review"))


def parse_t4(b: Builder, rows: list[list[Cell]]) -> None:
    """One row of 15 numbers; or three rows of 5 (the table published as three 5-column tables,
    or one block a row with its name as the row label)."""
    form = b.form
    blocks = [r["key"] for r in form.grid_rows("review_litigation")]
    outcomes = [c["key"] for c in form.grid_columns("review_litigation")]
    data: list[tuple[list[Cell], Pos]] | None = None
    fives: list[tuple[str | None, list[tuple[list[Cell], Pos]]]] = []
    for row in rows:
        labels, values = _row_values(row, 15)
        numbers = values
        # a row of 15 cells without a label: numbers, placeholders ("-", "/") or blanks, as printed
        if not labels and len(numbers) >= 15 and any((p[1] or "").strip() for p in numbers):
            data = [(row, p) for p in _trim(numbers, 15)]
        five = _trim(numbers, 5)
        if len(five) == 5 and sum(1 for p in five if _filled(p[1])) >= 1 and \
                not any(is_label(v) for _c, v in five):
            name = squash("".join(labels))
            block = next((k for w, k in _T4_BLOCK_WORDS if w in name), None) if labels else None
            fives.append((block, [(row, p) for p in five]))
    if data is None and len(fives) == 3:
        named = {blk: vals for blk, vals in fives if blk}
        if len(named) == 3:
            data = [x for k in blocks for x in named[k]]
        elif not named:
            data = [x for _blk, vals in fives for x in vals]
    if data is None:
        b.table_problem("表四中找不到15个数字组成的数据行，表四未导入。", "表四", "review_litigation")
        return
    if len(data) != 15:
        b.table_problem(f"表四数据行应有15个数字，读到{len(data)}个，表四未导入。", "表四", "review_litigation")
        return
    for i, (row, (col, cell)) in enumerate(data):
        path = f"review_litigation.{blocks[i // 5]}.{outcomes[i % 5]}"
        b.put(path, parse_value(cell) or Value(None), origin=_origin(row, col))


# ---------------------------------------------------------------- section 五: problems and improvements

# a sentence that turns from the problems to what will be done about them
_IMPROVE_START = re.compile(
    r"(?:^|(?<=[。;；!！\n]))\s*(?:针对(?:上述|以上|存在的?|这些|前述|以上存在的?)?(?:的)?问题|下一步|今后|"
    r"(?:20\d\d\s*年(?:度)?|新的一年|明年)[,，]?\s*(?:我们|本机关|我局|我区|我市|我县|我镇|我街道|我委|我办|本单位)?"
    r"\s*(?:将|要|拟)|(?:我们|本机关|我局|我区|我市|我县|我镇|我委|我办|本单位)将|对此|为此|改进(?:措施|情况)|整改措施)")


def improvement_start(text: str) -> int | None:
    """Where in `text` the improvement measures start, or None when it only states problems."""
    m = _IMPROVE_START.search(nfkc(text))
    return m.start() if m else None


def split_problems(paras: list[str]) -> tuple[list[str], list[str]]:
    """(problems, improvements) of section 五: by its sub-headings when it has them, else at the first
    sentence that turns to measures ("针对上述问题，…", "下一步，将…")."""
    topics, found = _topics(paras, problems_topic, "problems")
    problems, improvements = topics.get("problems", []), topics.get("improvements", [])
    if found and improvements:
        return problems, improvements
    for i, p in enumerate(problems):
        k = improvement_start(p)
        if k is None or (i == 0 and k == 0 and len(problems) == 1):
            continue
        head, tail = p[:k].strip(), p[k:].strip()
        return [*problems[:i], *([head] if head else [])], [tail, *problems[i + 1:], *improvements]
    return problems, improvements


# ---------------------------------------------------------------- section 六: the fee

_FEE_NONE = re.compile(r"(未|没有|不|无|未曾|均未|并未)(收取|产生|发生|收缴|征收)[^。;]*?(处理费|收费|费用)"
                       r"|(处理费|收费情况|费用)[^。;]*?(为0|0元|为零|未收取|未发生|未产生|无)"
                       r"|(未|没有|无)(发生|产生)[^。;]*?收费")
_FEE_AMOUNT = re.compile(r"(?:处理费|收费|费用)[^。;0-9]*?(\d+(?:\.\d+)?)(万?)元")
_FEE_YES = re.compile(r"(收取|收缴)[^。;]*?(处理费|费用)|处理费[^。;]*?(收取|收缴)")
_FEE_TOPIC = re.compile(r"处理费|收费|收取[^。;]{0,12}费用")


def parse_fee(text: str) -> tuple[bool | None, float | int | None]:
    """(fee_charged, fee_amount_yuan) from the text of section 六.

    The sentence that states an amount wins over one that only names the 处理费 regulation, then a
    sentence that says nothing was charged ("未收取信息公开处理费", "未发生收费情况"), then one that says
    a fee was charged without an amount."""
    s = _SPACE.sub("", nfkc(text)).replace(",", "")
    none = yes = False
    for sentence in re.split(r"[。;\n!]", s):
        if not _FEE_TOPIC.search(sentence):
            continue
        sentence = re.sub(r"[《<][^》>]*[》>]", "", sentence)  # the title of a regulation is no statement
        m = _FEE_AMOUNT.search(sentence)
        if m and not _FEE_NONE.search(sentence.replace(m.group(0), "")):
            amount: float | int = float(m.group(1)) if "." in m.group(1) else int(m.group(1))
            if m.group(2):
                amount = round(amount * 10000, 2)
                if float(amount).is_integer():
                    amount = int(amount)
            return (True, amount) if amount > 0 else (False, 0)
        if _FEE_NONE.search(sentence):
            none = True
        elif _FEE_YES.search(sentence):
            yes = True
    if none:
        return False, None
    if yes:
        return True, None
    return None, None


def fee_sentence(charged: bool | None, amount: float | int | None) -> str | None:
    """The standard sentence the renderer writes; the importer recognises it exactly."""
    if charged is None:
        return None
    if not charged:
        return "本年度未收取政府信息公开信息处理费。"
    if amount is None:
        return "本年度收取了政府信息公开信息处理费。"
    return f"本年度收取政府信息公开信息处理费共计{format_number(amount)}元。"


def format_number(v: int | float) -> str:
    if isinstance(v, bool):
        return str(v)
    if isinstance(v, int) or float(v).is_integer():
        return str(int(v))
    return f"{v:.4f}".rstrip("0").rstrip(".")


# ---------------------------------------------------------------- the whole document

# lines that are page furniture wherever they stand: page numbers ("— 7 —", "-3-", "第3页"), download links
_FURNITURE = re.compile(r"^[\s\-—－–_·•]*(第\s*)?\d{1,3}(\s*页)?(\s*/\s*(共\s*)?\d{1,3}\s*页?)?[\s\-—－–_·•]*$"
                        r"|^\s*(附件下载|下载附件|点击下载|相关附件)\s*[:：]?.*$|^\s*附件[:：]\s*\S+\.(pdf|docx?|xlsx?|wps)\s*$",
                        re.I)


def is_furniture(text: str) -> bool:
    return bool(_FURNITURE.match(nfkc(text)))


def _title_of(head_paras: list[str]) -> str | None:
    """The title among the lines before 一: one line, or two lines that a PDF or a page broke apart."""
    for t in head_paras[:12]:
        if all(parse_title(t)):
            return t
    for a, b in itertools.pairwise(head_paras[:13]):
        if all(parse_title(a + b)):
            return a + b
    for t in head_paras[:12]:
        if parse_title(t)[0]:
            return t
    return next((t for t in head_paras if "年度报告" in t), head_paras[0] if head_paras else None)


def _tables_by_kind(blocks: list[Block], sections: list[tuple[str, list[Block]]]) -> dict[str, list[Table]]:
    """Tables 二/三/四 by what they hold; a table that does not say (a continuation after a page break,
    an odd header) goes with the table just before it, else with the section it stands in."""
    section_of: dict[int, str] = {id(b): n for n, blks in sections for b in blks}
    out: dict[str, list[Table]] = {"二": [], "三": [], "四": []}
    prev: tuple[str, int] | None = None
    for blk in blocks:
        if not isinstance(blk, Table):
            continue
        kind = table_kind(blk)
        width = max((len(r) for r in blk.rows), default=0)
        if kind is None and prev is not None and prev[1] == width:
            kind = prev[0]
        if kind is None and section_of.get(id(blk)) in out:
            kind = section_of[id(blk)]
        if kind is not None:
            out[kind].append(blk)
            prev = (kind, width)
    return out


def _number_rows(blocks: list[Block], kind: str) -> None:
    """Give every table row its place in the source (table n, row m) unless the reader gave one."""
    t = 0
    for blk in blocks:
        if isinstance(blk, Table):
            t += 1
            blk.rows = [r if getattr(r, "origin", "") else Row(r, f"表格{t}第{i}行")
                        for i, r in enumerate(blk.rows, 1)]


def _not_report(blocks: list[Block], sections: list[tuple[str, list[Block]]], fulltext: str) -> str | None:
    """Why a file is no report at all (a note, a list, a CSV), judged by its content."""
    if any(table_kind(b) for b in blocks if isinstance(b, Table)):
        return None
    if len(sections) >= 3:
        return None
    if "年度报告" in squash(fulltext[:2000]) and len(sections) >= 1:
        return None
    found = "、".join(n for n, _ in sections) or "无"
    return f"内容不是政府信息公开工作年度报告：没有表二、表三、表四，找到的部分标题：{found}"


# the six official headings (numbered, in their exact words: safe to find anywhere) and the overview's
# sub-headings (after a sentence end), when a copy has run them into one paragraph
_RUN_IN_HEAD = re.compile(r"[一二三四五六][、.．]\s*(?:总体情况|主动公开政府信息情况|收到和处理政府信息公开申请情况|"
                          r"政府信息公开行政复议、?行政诉讼情况|存在的主要问题及改进情况|其他需要报告的事项)")
_RUN_IN_SUB = re.compile(r"(?<=[。；;！!?？\s])[（(][一二三四五六][)）][^。]{2,16}?(?:方面|情况)[。：:]")


def split_run_in(blocks: list[Block]) -> list[Block]:
    """A paragraph that holds section headings (a crawl or a copy that lost its line breaks) is cut
    before and after each official heading and before each overview sub-heading."""
    out: list[Block] = []
    for x in blocks:
        if not (isinstance(x, Para) and len(x.text) > 60 and _RUN_IN_HEAD.search(x.text)):
            out.append(x)
            continue
        cuts = {0, len(x.text)}
        for m in _RUN_IN_HEAD.finditer(x.text):
            cuts.update((m.start(), m.end()))
        cuts.update(m.start() for m in _RUN_IN_SUB.finditer(x.text))
        points = sorted(cuts)
        out.extend(Para(x.text[a:b].strip()) for a, b in itertools.pairwise(points) if x.text[a:b].strip())
    return out


def build_document(blocks: list[Block], *, kind: str, name: str, data: bytes,
                   form: Form | None = None) -> ImportResult:
    form = form or load_form()
    doc = empty_document(form)
    b = Builder(form, doc)
    blocks = split_run_in([x for x in blocks if not (isinstance(x, Para) and is_furniture(x.text))])
    _number_rows(blocks, kind)
    head, sections = split_sections(blocks)
    fulltext = "\n".join(_block_text(x) for x in blocks)
    numbers = [n for n, _ in sections]
    reason = _not_report(blocks, sections, fulltext)
    if reason:
        return ImportResult(kind=kind, document=None, findings=[finding("FILE-SKIPPED", location=name,
                                                                        reason=reason)])

    # title, unit and year
    head_paras = [clean_text(x.text) for x in head if isinstance(x, Para) and clean_text(x.text)]
    title = _title_of(head_paras)
    unit, year = parse_title(title) if title else (None, None)
    f_unit, f_year = parse_title(name.rsplit("/", 1)[-1])
    where_unit = "标题"
    if unit is None and f_unit:
        unit, where_unit = f_unit, "文件名"
    where_year = "标题"
    if year is None:
        m = _PERIOD_YEAR.search(squash(fulltext[:4000]))
        if m:
            year, where_year = int(m.group(1)), "统计期限"
    if year is None and f_year:
        year, where_year = f_year, "文件名"
    if unit:
        set_path(doc, "unit.name", unit)
        b.locations["unit.name"] = (None, None, where_unit)
        set_path(doc, "unit.level", guess_level(unit))
    if year:
        set_path(doc, "year", year)
        b.locations["year"] = (None, None, where_year)
    if not unit or not year:
        what = "、".join(w for w, v in (("单位名称", unit), ("报告年度", year)) if not v)
        b.findings.append(finding("UNIT-UNKNOWN", location="标题",
                                  message=f"标题和文件名中都找不到{what}（标题：“{title or '无'}”）。"))
    if year and f_year and f_year != year:
        b.findings.append(finding("YEAR-MISMATCH", location="文件名",
                                  message=f"文件名中的年度{f_year}与标题中的报告年度{year}不一致。"))

    if sections:
        sections[-1] = (sections[-1][0], cut_chrome(sections[-1][1]))
    by_number: dict[str, list[Block]] = {}
    for n, blks in sections:
        by_number.setdefault(n, []).extend(blks)

    # 一 overview
    if "一" in by_number:
        topics, _ = _topics(paras_of(by_number["一"]), overview_topic, "intro")
        for key in ("intro", "proactive", "requests", "management", "platform", "supervision"):
            b.put_text(f"overview.{key}", "\n".join(topics.get(key, [])))

    # 二 三 四: each table by its content wherever it stands (reports number their sections freely)
    tables = _tables_by_kind(blocks, sections)
    for number, parse, what in (("二", parse_t2, "表二（主动公开政府信息情况）"),
                                ("三", parse_t3, "表三（收到和处理政府信息公开申请情况）"),
                                ("四", parse_t4, "表四（政府信息公开行政复议、行政诉讼情况）")):
        if tables[number]:
            parse(b, [row for t in tables[number] for row in t.rows])
            continue
        key = SECTION_KEYS[CN_NUM.index(number)]
        if paras_of(by_number.get(number, [])):
            b.table_problem(f"第{number}部分只有文字，没有{what}的表格（表格可能被贴成图片，或在复制网页时丢失了"
                            "表格结构），该表未导入。", f"表{number}", key)
        else:
            b.table_problem(f"报告中找不到{what}，该表未导入。", f"表{number}", key)

    # 五 problems
    if "五" in by_number:
        problems, improvements = split_problems(paras_of(by_number["五"]))
        b.put_text("problems.problems", "\n".join(problems))
        b.put_text("problems.improvements", "\n".join(improvements))

    # 六 other + fee
    if "六" in by_number:
        paras = paras_of(by_number["六"])
        charged, amount = parse_fee("\n".join(paras))
        set_path(doc, "other.fee_charged", charged)
        set_path(doc, "other.fee_amount_yuan", amount)
        if charged is not None:
            b.locations["other.fee_charged"] = (None, None, form.field("other.fee_charged").label)
        standard = fee_sentence(charged, amount)
        kept = [p for p in paras if not (standard and squash(p) == squash(standard))]
        b.put_text("other.text", "\n".join(kept))

    # 2019 signatures are table labels: looked for in the tables, not in prose ("政府集中采购项目的目录" is
    # an item of 第二十条 that a narrative may well mention)
    squashed = squash("\n".join(_block_text(x) for x in blocks if isinstance(x, Table)))
    for sig in form.text_rules["FMT-VERSION"]["signatures"]:
        if squash(sig) in squashed:
            b.version_signature(sig)

    doc["source"] = {
        "kind": kind, "file": name, "sha256": sha256(data), "title": title, "sections": numbers,
        "fulltext": fulltext,
        # the one section split, kept so that the checker reads the same sections as the importer
        "bodies": {n: "\n".join(_block_text(x) for x in blks
                                if not (isinstance(x, Para) and is_chrome(x.text))).strip()
                   for n, blks in by_number.items()},
    }
    if b.unread:
        doc["source"]["unread"] = sorted(b.unread)
    if b.remarks:
        doc["source"]["remarks"] = b.remarks
    return ImportResult(kind=kind, document=doc, locations=b.locations, findings=b.findings)


def section_bodies(fulltext: str) -> tuple[list[str], dict[str, str]]:
    """Section numbers in order and the text of each, for a document that carries only its full text
    (stored before the importer kept the sections): the importer's own splitter on the text's lines."""
    from .text import text_blocks

    _head, sections = split_sections(text_blocks(fulltext))
    bodies: dict[str, list[str]] = {}
    for n, blks in sections:
        bodies.setdefault(n, []).extend(_block_text(x) for x in blks)
    return [n for n, _ in sections], {n: "\n".join(v).strip() for n, v in bodies.items()}


def _block_text(b: Block) -> str:
    if isinstance(b, Para):
        return b.text
    return "\n".join("\t".join(c for c in row if c is not None) for row in b.rows)


__all__ = ["Block", "Cell", "Para", "Row", "Table", "Value", "build_document", "fee_sentence", "format_number",
           "get_path", "guess_level", "improvement_start", "parse_fee", "parse_title", "parse_value",
           "section_bodies", "split_problems", "squash"]
