"""The shared import pipeline: blocks (paragraphs and tables) -> report document.

Every format (text, HTML, .docx) is first turned into a flat sequence of blocks:
`Para(text)` for a line of prose and `Table(rows)` for a table, where a row is a list of
cell texts and `None` marks a position covered by a merged cell (rowspan/colspan or a Word
merge). The code below never looks at the source format again: it finds the title, the six
section headings, the overview topics, the three tables and the fee statement the same way
for all formats, and places table rows by structure and normalised labels.
"""

from __future__ import annotations

import hashlib
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
    "三": ("收到和处理", "依申请公开", "政府信息公开申请"),
    "四": ("行政复议", "行政诉讼"),
    "五": ("存在的主要问题", "改进情况", "存在问题", "主要问题"),
    "六": ("其他需要报告", "其他事项", "其他"),
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
    m = _SUB.match(nfkc(text).replace("\u3000", " "))
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


OVERVIEW_TOPICS: list[tuple[str, tuple[str, ...]]] = [
    ("requests", ("依申请",)),
    ("proactive", ("主动公开",)),
    ("platform", ("平台", "网站", "新媒体")),
    ("management", ("信息管理", "管理")),
    ("supervision", ("监督", "保障", "考核", "培训", "评议", "责任")),
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

_TITLE = re.compile(r"^(?:关于)?(?P<unit>.+?)(?:关于)?(?P<year>20\d\d)年度?(?:政府信息公开工作)?年度?报告$")
_TITLE_YEAR_FIRST = re.compile(r"^(?P<year>20\d\d)年度?(?P<unit>.+?)政府信息公开工作年度报告$")


def parse_title(text: str) -> tuple[str | None, int | None]:
    s = _SPACE.sub("", nfkc(text))
    s = re.sub(r"[《》\"“”]", "", s)
    s = re.sub(r"\.(txt|html?|docx|md)$", "", s, flags=re.I)
    for rx in (_TITLE, _TITLE_YEAR_FIRST):
        m = rx.match(s)
        if m:
            unit = m.group("unit").strip("-_ ") or None
            return unit, int(m.group("year"))
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

    def put(self, path: str, v: Value, where: str | None = None) -> None:
        set_path(self.doc, path, v.value)
        label = where or (self.form.field(path).label if self.form.has_field(path) else path)
        self.locations[path] = (None, None, label)
        if v.remark:
            self.remarks[path] = v.remark

    def put_text(self, path: str, text: str | None) -> None:
        set_path(self.doc, path, text or None)
        if text:
            self.locations[path] = (None, None, self.form.field(path).label)

    def table_problem(self, message: str, location: str, path: str | None = None) -> None:
        self.findings.append(finding("FMT-TABLE", location=location, path=path, message=message))

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


def _trim(values: list[Cell], n: int) -> list[Cell]:
    """Drop empty cells left over from flattened merges (trailing first) until n remain."""
    values = list(values)
    while len(values) > n and not (values[-1] or "").strip():
        values.pop()
    while len(values) > n and not (values[0] or "").strip():
        values.pop(0)
    return values


def _row_values(row: list[Cell], n: int) -> tuple[list[str], list[Cell]]:
    """Split a row into its label cells and the value cells after the last label."""
    cells = [c for c in row if c is not None]
    last = max((i for i, c in enumerate(cells) if is_label(c)), default=-1)
    labels = [c for c in cells[: last + 1] if c and c.strip()]
    return labels, _trim(cells[last + 1:], n)


# table 二 -----------------------------------------------------------------

T2_SINGLE = {"行政许可": "licensing", "行政处罚": "punishment", "行政强制": "enforcement", "行政事业性收费": "fees"}


def parse_t2(b: Builder, rows: list[list[Cell]]) -> None:
    form = b.form
    found: set[str] = set()
    old_columns = False  # 2019: 上一年项目数量 / 本年增/减 / 处理决定数量
    for row in rows:
        labels, values = _row_values(row, 3)
        if not labels:
            continue
        key = squash(labels[0])
        joined = squash("".join(labels))
        if "上一年项目数量" in joined:
            old_columns = True
        if key.startswith("第二十条") or key == "信息内容":
            if key.startswith("第二十条"):
                old_columns = False
            continue
        if key in ("规章", "行政规范性文件"):
            base = "proactive.regulations" if key == "规章" else "proactive.normative_documents"
            if len(values) < 3:
                b.table_problem(f"表二“{key}”行应有3个数字，只读到{len(values)}个。", f"表二“{key}”行")
                found.add(base)
                continue
            for sub, cell in zip(("issued", "repealed", "in_force"), values[:3], strict=True):
                b.put(f"{base}.{sub}", parse_value(cell) or Value(None))
            found.add(base)
        elif key == "规范性文件":
            b.version_signature("规范性文件", "表二“规范性文件”行")
            b.table_problem("表二“规范性文件”行是2019年试行格式（本年新制作/新公开/对外公开总数量），"
                            "无法对应“行政规范性文件”的制发、废止、现行有效件数，未导入。",
                            "表二“规范性文件”行", "proactive.normative_documents")
            found.add("proactive.normative_documents")
        elif key in T2_SINGLE:
            path = f"proactive.{T2_SINGLE[key]}"
            present = [c for c in values]
            if old_columns:
                if key == "行政事业性收费" or len(present) < 3:
                    what = "收费金额" if key == "行政事业性收费" else "处理决定数量"
                    b.table_problem(f"表二“{key}”行是2019年试行格式，没有{what}，"
                                    "未导入。", f"表二“{key}”行", path)
                    found.add(path)
                    continue
                cell = present[2]
            else:
                cell = present[0] if present else None
            if cell is None:
                b.table_problem(f"表二“{key}”行没有读到数字。", f"表二“{key}”行", path)
            else:
                b.put(path, parse_value(cell) or Value(None))
            found.add(path)
    for path, what in (("proactive.regulations", "规章"), ("proactive.normative_documents", "行政规范性文件"),
                       *((f"proactive.{v}", k) for k, v in T2_SINGLE.items())):
        if path not in found:
            b.table_problem(f"表二中找不到“{what}”行，该项未导入。", f"表二“{what}”行", path)
    _ = form


# table 三 -----------------------------------------------------------------

_MARK = re.compile(r"([一二三四],|\([一二三四五六七]\)|(?<![\d.])\d{1,2}\.(?!\d))")
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
        b.table_problem("表三中找不到“一、本年新收政府信息公开申请数量”行，表三未导入。", "表三")
        return
    n, sub_idx = _t3_header(rows[:body_start])
    if sub_idx is not None:
        b.findings.append(finding("FMT-EXTRA-COLUMN", location="表三表头", column="法人或其他组织小计"))
    children = _t3_children(form)
    seen: dict[str, int] = {}
    group: str | None = None
    child_pos = 0
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
        cells = [c for c in row if c is not None]
        last = max((i for i, c in enumerate(cells) if is_label(c)), default=-1)
        if last < 0:
            continue
        key: str | None = None
        unknown: str | None = None
        cut = last + 1
        for i in range(last + 1):
            cell = cells[i]
            if not cell or not cell.strip():
                continue
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
        values = _trim(cells[cut:], n)
        labels = [c for c in cells[:cut] if c and c.strip()]
        if unknown is not None or key is None:
            what = unknown or "".join(labels)
            where = f"表三“{_GROUP_WORDS[group]}”下的行“{what}”" if group and unknown else f"表三的行“{what}”"
            b.table_problem(f"{where}无法识别，该行未导入。", f"表三“{''.join(labels)}”行")
            continue
        if key.startswith("@"):
            if any(_filled(v) for v in values):
                if key == "@六":
                    b.version_signature("（六）其他处理只有一行，没有1-3项", "表三“（六）其他处理”行")
                    b.table_problem("表三“（六）其他处理”只有一行（2019年试行格式），无法分到1-3项，该行未导入。",
                                    "表三“（六）其他处理”行")
                else:
                    b.table_problem(f"表三“{_GROUP_WORDS[key[1]]}”行本身有数字，但应填在其下各项中，未导入。",
                                    f"表三“{_GROUP_WORDS[key[1]]}”行")
            continue
        label = form.field(f"requests.{key}.total").label.split("”行")[0] + "”行"
        if key in seen:
            b.table_problem(f"{label}出现了两次，只导入了第一次。", label)
            continue
        seen[key] = 1
        if len(values) != n:
            b.table_problem(f"{label}应有{n}个数字，读到{len(values)}个，该行未导入。", label)
            continue
        data = [v for i, v in enumerate(values) if i != sub_idx]
        for col, cell in zip(cols, data, strict=True):
            pv = parse_value(cell)
            path = f"requests.{key}.{col}"
            if pv is None:
                b.table_problem(f"{form.field(path).label}的内容“{cell}”不是数字，未导入。", form.field(path).label,
                                path)
                continue
            b.put(path, pv)
    missing = [r for r in form.grid_rows("requests") if r["key"] not in seen]
    single_six = any(f.rule == "FMT-VERSION" and "（六）" in str(f.right) for f in b.findings)
    for r in missing:
        if single_six and r["key"].startswith("other_"):
            continue
        b.table_problem(f"表三中找不到“{r['label']}”行，该行未导入。", f"表三“{r['label']}”行")


def _filled(cell: Cell) -> bool:
    pv = parse_value(cell)
    return pv is not None and pv.value is not None


def _t3_child(tok: str, kids: list[tuple[str, str]], pos: int) -> str | None:
    text = re.sub(r"^\d{1,2}\.", "", tok)
    for key, lbl in kids:
        if lbl and lbl in text and not (lbl == "其他" and text != "其他"):
            return key
    if text == "其他" and kids[-1][1] == "其他":
        return kids[-1][0]
    m = re.match(r"(\d{1,2})\.", tok)
    if m and not text:
        i = int(m.group(1)) - 1
        return kids[i][0] if 0 <= i < len(kids) else None
    return None


# table 四 -----------------------------------------------------------------


def parse_t4(b: Builder, rows: list[list[Cell]]) -> None:
    form = b.form
    blocks = [r["key"] for r in form.grid_rows("review_litigation")]
    outcomes = [c["key"] for c in form.grid_columns("review_litigation")]
    data: list[Cell] | None = None
    for row in rows:
        cells = [c for c in row if c is not None]
        if len(cells) >= 15 and not any(is_label(c) for c in cells):
            data = cells
    if data is None:
        b.table_problem("表四中找不到15个数字组成的数据行，表四未导入。", "表四")
        return
    while len(data) > 15 and not (data[-1] or "").strip():
        data = data[:-1]
    while len(data) > 15 and not (data[0] or "").strip():
        data = data[1:]
    if len(data) != 15:
        b.table_problem(f"表四数据行应有15个数字，读到{len(data)}个，表四未导入。", "表四")
        return
    for i, cell in enumerate(data):
        path = f"review_litigation.{blocks[i // 5]}.{outcomes[i % 5]}"
        b.put(path, parse_value(cell) or Value(None))


# ---------------------------------------------------------------- section 六: the fee

_FEE_NONE = re.compile(r"(未|没有|不|无|未曾|均未|并未)(收取|产生|发生|收缴|征收)[^。;]*?处理费"
                       r"|处理费[^。;]*?(为0|0元|为零|未收取|无)")
_FEE_AMOUNT = re.compile(r"处理费[^。;0-9]*?(\d+(?:\.\d+)?)(万?)元")
_FEE_YES = re.compile(r"(收取|收缴)[^。;]*?处理费|处理费[^。;]*?(收取|收缴)")


def parse_fee(text: str) -> tuple[bool | None, float | int | None]:
    """(fee_charged, fee_amount_yuan) from the text of section 六."""
    s = _SPACE.sub("", nfkc(text)).replace(",", "")
    for sentence in re.split(r"[。;\n!]", s):
        if "处理费" not in sentence:
            continue
        m = _FEE_AMOUNT.search(sentence)
        if m and not _FEE_NONE.search(sentence.replace(m.group(0), "")):
            amount: float | int = float(m.group(1)) if "." in m.group(1) else int(m.group(1))
            if m.group(2):
                amount = round(amount * 10000, 2)
                if float(amount).is_integer():
                    amount = int(amount)
            return (True, amount) if amount > 0 else (False, 0)
        if _FEE_NONE.search(sentence):
            return False, None
        if _FEE_YES.search(sentence):
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


def build_document(blocks: list[Block], *, kind: str, name: str, data: bytes,
                   form: Form | None = None) -> ImportResult:
    form = form or load_form()
    doc = empty_document(form)
    b = Builder(form, doc)
    head, sections = split_sections(blocks)
    fulltext = "\n".join(_block_text(x) for x in blocks)
    numbers = [n for n, _ in sections]
    if not sections and not any(isinstance(x, Table) for x in blocks):
        return ImportResult(kind=kind, document=None, findings=[finding(
            "FILE-NOT-REPORT", location=name, reason="没有找到“一、总体情况”等部分标题，也没有表格")])

    # title, unit and year
    head_paras = [clean_text(x.text) for x in head if isinstance(x, Para) and clean_text(x.text)]
    title = next((t for t in head_paras if all(parse_title(t))), None)
    if title is None:
        title = next((t for t in head_paras if "年度报告" in t), head_paras[0] if head_paras else None)
    unit, year = parse_title(title) if title else (None, None)
    f_unit, f_year = parse_title(name.rsplit("/", 1)[-1])
    where_unit = "标题"
    if unit is None and f_unit:
        unit, where_unit = f_unit, "文件名"
    where_year = "标题"
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

    # 二 三 四 tables: each section's tables, or if the headings are missing, fall back to nothing
    if "二" in by_number:
        parse_t2(b, tables_of(by_number["二"]))
    else:
        b.table_problem("找不到第二部分“主动公开政府信息情况”，表二未导入。", "表二")
    if "三" in by_number:
        parse_t3(b, tables_of(by_number["三"]))
    else:
        b.table_problem("找不到第三部分“收到和处理政府信息公开申请情况”，表三未导入。", "表三")
    if "四" in by_number:
        parse_t4(b, tables_of(by_number["四"]))
    else:
        b.table_problem("找不到第四部分“政府信息公开行政复议、行政诉讼情况”，表四未导入。", "表四")

    # 五 problems
    if "五" in by_number:
        topics, _ = _topics(paras_of(by_number["五"]), problems_topic, "problems")
        b.put_text("problems.problems", "\n".join(topics.get("problems", [])))
        b.put_text("problems.improvements", "\n".join(topics.get("improvements", [])))

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

    # 2019 signatures anywhere in the text
    squashed = squash(fulltext)
    for sig in form.text_rules["FMT-VERSION"]["signatures"]:
        if squash(sig) in squashed:
            b.version_signature(sig)

    doc["source"] = {
        "kind": kind, "file": name, "sha256": sha256(data), "title": title, "sections": numbers,
        "fulltext": fulltext,
    }
    if b.remarks:
        doc["source"]["remarks"] = b.remarks
    return ImportResult(kind=kind, document=doc, locations=b.locations, findings=b.findings)


def _block_text(b: Block) -> str:
    if isinstance(b, Para):
        return b.text
    return "\n".join("\t".join(c for c in row if c is not None) for row in b.rows)


__all__ = ["Block", "Cell", "Para", "Table", "Value", "build_document", "fee_sentence", "format_number",
           "get_path", "guess_level", "parse_fee", "parse_title", "parse_value", "squash"]
