"""The speed-ups of the checker and the generator change no result.

Each fast path is compared with the general code it short-cuts, on the same inputs: the pruned
schema and its quick "surely valid" test against the full validator, the int pass of the rules
against the Decimal evaluation, the one-pass cell loop and the XPath shared strings against the
general loops (on ordinary and unusual sheet XML), the sparse totals against a plain Decimal sum,
and the memoised formula preparation of the generator against plain XlsxWriter (byte for byte).
No timings are asserted here: speed is measured in benchmarks/.
"""

from __future__ import annotations

import copy
import random
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import xlsxwriter.worksheet
from lxml import etree

from test_check_docs import FORM, locate_workbook, suqian
from xxgk.check import rules as rules_mod
from xxgk.check import run as run_mod
from xxgk.check import validate as validate_mod
from xxgk.check.run import check_file
from xxgk.document import figures, get_path, set_path
from xxgk.generate import workbook as workbook_mod
from xxgk.generate.fill import fill_document, set_cells
from xxgk.generate.formulas import excel_formula
from xxgk.generate.roster import Unit
from xxgk.generate.workbook import GenerateOptions, build_workbook
from xxgk.read import xlsx as xlsx_mod
from xxgk.read.limits import Limits

ODD_VALUES: list[Any] = [None, 0, 7, -1, 1.5, 3.0, 10**12, 10**30, "/", "无", " 12 ", True, False, float("nan"),
                         Decimal("2.5"), {"x": 1}, [1], "", 2**53 + 1.0]


def _mutations(seed: int, n: int) -> list[dict[str, Any]]:
    """Documents with random odd values, missing parts and unknown keys."""
    rng = random.Random(seed)
    paths = [f.path for f in FORM.fields]
    out = []
    for _ in range(n):
        doc = suqian(rng.choice([2023, 2024]), level=rng.choice(["市级政府", "乡镇", "县级部门"]))
        for _ in range(rng.randint(0, 6)):
            set_path(doc, rng.choice(paths), rng.choice(ODD_VALUES))
        roll = rng.random()
        if roll < 0.05:
            del doc[rng.choice(["requests", "proactive", "unit", "form", "review_litigation"])]
        elif roll < 0.1:
            doc["requests"]["granted"]["unknown_column"] = 1
        elif roll < 0.15:
            doc["unit"]["level"] = rng.choice(["镇", 3, None])
        elif roll < 0.2:
            doc["year"] = rng.choice(["2024", 2024.0, 1999, None])
        elif roll < 0.25:
            doc["form"]["version"] = rng.choice(["2019", 2021])
        out.append(doc)
    return out


# ---------------------------------------------------------------- schema validation


def test_pruned_schema_and_quick_test_give_the_full_validators_findings(monkeypatch) -> None:
    docs = _mutations(1, 300)
    fast = [validate_mod.validate_document(FORM, copy.deepcopy(d), locate_workbook) for d in docs]
    monkeypatch.setattr(validate_mod, "quick_test_for", lambda form: None)
    monkeypatch.setattr(validate_mod, "rest_validator_for", validate_mod.validator_for)
    full = [validate_mod.validate_document(FORM, copy.deepcopy(d), locate_workbook) for d in docs]
    assert repr(fast) == repr(full)
    assert sum(1 for f in full if f) > 100  # the mutations do produce findings


def test_quick_test_says_valid_only_when_the_validator_finds_nothing() -> None:
    quick = validate_mod.quick_test_for(FORM)
    rest = validate_mod.rest_validator_for(FORM)
    assert quick is not None
    seen_valid = 0
    for doc in _mutations(2, 300):
        if quick(doc):
            seen_valid += 1
            assert list(rest.iter_errors(doc)) == []
    assert seen_valid > 10


def test_quick_test_refuses_schema_keywords_it_does_not_know() -> None:
    assert validate_mod._quick_test({"type": "object", "patternProperties": {}}) is None
    assert validate_mod._quick_test({"type": "string", "format": "date"}) is None
    test = validate_mod._quick_test({"type": "integer", "minimum": 0})
    assert test is not None
    assert [test(v) for v in (0, 5.0, -1, 1.5, True, "1", Decimal(1))] == [True, True, False, False, False, False,
                                                                            False]


# ---------------------------------------------------------------- rules


def test_int_pass_of_the_rules_gives_the_decimal_result(monkeypatch) -> None:
    docs = _mutations(3, 300)
    prevs = [None, suqian(2023)] + [d for d in _mutations(4, 20)]
    pairs = [(d, prevs[i % len(prevs)]) for i, d in enumerate(docs)]
    fast = [rules_mod.evaluate(FORM, d, p, locate_workbook) for d, p in pairs]
    monkeypatch.setattr(rules_mod, "_int_side", lambda terms, parents: None)
    slow = [rules_mod.evaluate(FORM, d, p, locate_workbook) for d, p in pairs]
    assert repr(fast) == repr(slow)  # repr: a NaN operand is not == itself
    assert any(f.outcome == "fail" for found in slow for f in found)


def test_int_pass_leaves_huge_numbers_to_decimal() -> None:
    doc = suqian()
    terms = ((1, 0, "natural_person", 0), (-1, -1, "", 2))
    assert rules_mod._int_side(terms, [doc["requests"]["granted"]]) == doc["requests"]["granted"]["natural_person"] - 2
    doc["requests"]["granted"]["natural_person"] = 10**30  # Decimal rounds at 28 digits: keep its result
    assert rules_mod._int_side(terms, [doc["requests"]["granted"]]) is None
    assert rules_mod._int_side(terms, [None]) is None


# ---------------------------------------------------------------- sheet XML


MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def _sheet(rows: str, ns: str = MAIN) -> bytes:
    return (f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{ns}"><sheetData>{rows}</sheetData>'
            f'<mergeCells count="1"><mergeCell ref="A1:B1"/></mergeCells></worksheet>').encode()


SHEETS = [
    _sheet('<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" s="3"><v>12</v></c><c r="C1"><v>-4.5</v></c>'
           '<c r="D1" s="2"/><c r="E1" t="b"><v>1</v></c><c r="F1" t="str"><f>A1&amp;"x"</f><v>ax</v></c></row>'),
    _sheet('<row r="2"><c r="A2"><f t="shared" ref="A2:A4" si="0">B2+C2</f><v>0</v></c></row>'
           '<row r="3"><c r="A3"><f t="shared" si="0"/><v>0</v></c></row>'
           '<row r="4"><c r="A4"><f t="shared" si="7"/></c></row>'),
    _sheet('<row r="1"><c r="A1" t="inlineStr"><is><t xml:space="preserve"> 1 </t><rPh><t>x</t></rPh></is></c>'
           '<c r="B1" t="inlineStr"><is><r><t>ab</t></r><r><t>c_x0041_</t></r></is></c></row>'),
    _sheet('<row r="1"><c t="s"><v>1</v></c><c><v>2</v></c></row><row><c r="C5"><v>3</v></c></row>'),  # no "r"
    _sheet('<row r="1"><c r="A1"><v>1<!-- a note -->2</v></c><c r="B1"><v/></c><c r="C1"><v></v></c></row>'),
    _sheet('<row r="1"><c r="A1" t="inlineStr"><is><v>9</v><t>t</t></is></c></row>'),  # a <v> not under <c>
    _sheet('<row r="1"><c r="A1" t="s"><v>99</v></c></row>'),  # no such shared string
    _sheet('<row r="1"><c r="A1" t="s"><v>-1</v></c><c r="B1" s="²"><v>1</v></c></row>'),  # odd index and style
    _sheet('<row r="1"><c r="A1"><v>1</v><v>2</v><f>SUM(B1)</f></c><c r="A1"><v>3</v></c></row>'),  # repeats
    _sheet('<row r="1"><x:c xmlns:x="urn:other" r="A1"><x:v>1</x:v></x:c><c r="B1"><v>٣</v></c></row>'),
    _sheet('<row r="1"><c r="A1"><v>1</v></c></row>', ns="urn:not-excel"),
    _sheet(''),
]
STRINGS = ["甲", "乙"]


def _parse(data: bytes) -> Any:
    try:
        sheet = xlsx_mod._parse_sheet(data, "xl/worksheets/sheet1.xml", STRINGS)
    except Exception as e:  # the error itself must be the same too
        return type(e).__name__, str(e)
    return sheet.cells, sheet.merges, sheet.protection


@pytest.mark.parametrize("data", SHEETS)
def test_one_pass_cell_loop_reads_what_the_general_loop_reads(data: bytes, monkeypatch) -> None:
    fast = _parse(data)
    monkeypatch.setattr(xlsx_mod, "_cells_fast", lambda *a: None)
    assert _parse(data) == fast


def test_one_pass_cell_loop_on_generated_sheets(monkeypatch) -> None:
    data = build_workbook(FORM, Unit("小浪底镇", "410308101", "乡镇", "孟津区人民政府"), 2024)
    data = fill_document(data, FORM, {"requests.new_received.natural_person": 3, "problems.problems": "问题 & 不足"})
    data = set_cells(data, {FORM.sheet_of_section("requests"): {FORM.field("requests.granted.total").cell: "９"}})
    import zipfile
    from io import BytesIO

    z = zipfile.ZipFile(BytesIO(data))
    parts = [n for n in z.namelist() if n.startswith("xl/worksheets/sheet")]
    fast = [_parse(z.read(n)) for n in parts]
    monkeypatch.setattr(xlsx_mod, "_cells_fast", lambda *a: None)
    assert [_parse(z.read(n)) for n in parts] == fast


def _strings(xml: str) -> Any:
    data = f'<sst xmlns="{MAIN}">{xml}</sst>'.encode()

    class Zip:
        limits = Limits()

        def read(self, part: str) -> bytes:
            return data

    return xlsx_mod._shared_strings(Zip(), "xl/sharedStrings.xml", etree.XMLParser())


@pytest.mark.parametrize("xml", [
    "<si><t>甲</t></si><si><t xml:space=\"preserve\"> 乙 _x000D_</t></si>",
    "<si><t>甲</t></si><si><t/></si>",
    "<si><r><t>a</t></r><r><t>b</t></r></si><si><t>c</t></si>",
    "<si><t>读</t><rPh><t>du</t></rPh></si>",
    "<si><t>a<!-- x -->b</t></si>",
    "<si><!-- x --><t>a</t></si>",
    "<si><t>a</t><t>b</t></si><si></si>",  # as many nodes as strings, but not one each
    "<si><t>a</t></si><si>b</si>",
    "<si><t>a<![CDATA[<b>]]>&amp;c</t></si>",
    "",
])
def test_xpath_shared_strings_read_what_the_general_loop_reads(xml: str, monkeypatch) -> None:
    fast = _strings(xml)
    monkeypatch.setattr(xlsx_mod, "_plain_strings", lambda *a: None)
    assert _strings(xml) == fast


# ---------------------------------------------------------------- whole files


def _results(paths: list[Path]) -> list[Any]:
    out = []
    for p in paths:
        r = check_file(p)
        out.append((r.status, [f.to_dict() for f in r.findings], r.document))
    return out


def test_whole_check_is_the_same_with_every_fast_path_off(tmp_path: Path, monkeypatch) -> None:
    rng = random.Random(5)
    labels = [lab for lab in FORM.labels if lab.sheet in FORM.section_sheets]
    paths = []
    base = build_workbook(FORM, Unit("孟津区教育局", "410308201", "县级部门", "孟津区人民政府"), 2024)
    for i in range(12):
        edits: dict[str, dict[str, Any]] = {}
        for _ in range(rng.randint(0, 5)):
            f = rng.choice(FORM.fields)
            edits.setdefault(f.sheet, {})[f.cell] = rng.choice(["/", "１２", -1, 1.5, 10**40, "abc", None, 3])
        if i % 3 == 0:
            lab = rng.choice(labels)
            edits.setdefault(lab.sheet, {})[lab.cell] = "改过的标签"
        p = tmp_path / f"{i:02d}.xlsx"
        p.write_bytes(set_cells(base, edits) if edits else base)
        paths.append(p)
    fast = _results(paths)
    monkeypatch.setattr(xlsx_mod, "_cells_fast", lambda *a: None)
    monkeypatch.setattr(xlsx_mod, "_plain_strings", lambda *a: None)
    monkeypatch.setattr(validate_mod, "quick_test_for", lambda form: None)
    monkeypatch.setattr(validate_mod, "rest_validator_for", validate_mod.validator_for)
    monkeypatch.setattr(rules_mod, "_int_side", lambda terms, parents: None)
    assert _results(paths) == fast


# ---------------------------------------------------------------- totals


def test_sparse_totals_are_the_exact_decimal_sums() -> None:
    paths = list(figures({}, FORM))
    docs = _mutations(6, 60)
    for d in docs[::3]:
        d["proactive"]["fees"] = 12.3456
    totals = run_mod._Totals(paths)
    expected = [Decimal(0)] * len(paths)
    for d in docs:
        vec = run_mod._figures_vector(FORM, d)
        assert int(vec[0]) == len(paths) and len(vec) % 2 == 1
        totals.add(2024, vec)
        for k, p in enumerate(paths):
            v = get_path(d, p, None)
            if isinstance(v, (int, float, Decimal)) and not isinstance(v, bool):
                expected[k] += Decimal(repr(float(v)))
    totals.add(2024, run_mod._figures_vector(FORM, docs[0]), -1)
    for k, p in enumerate(paths):
        v = get_path(docs[0], p, None)
        if isinstance(v, (int, float, Decimal)) and not isinstance(v, bool):
            expected[k] -= Decimal(repr(float(v)))
    got, units = totals.result(2024)
    assert units == len(docs) - 1
    want = {p: int(v) if v == v.to_integral_value() else float(round(v, 4)) for p, v in zip(paths, expected,
                                                                                              strict=True)}
    assert {p: v for p, v in got.items() if v == v} == {p: v for p, v in want.items() if v == v}  # NaN aside


def test_chunks_cover_every_file_once() -> None:
    assert run_mod.chunk_size(10, 2) == 1
    assert run_mod.chunk_size(2000, 2) == run_mod.MAX_CHUNK
    assert 1 <= run_mod.chunk_size(300, 2) <= run_mod.MAX_CHUNK


# ---------------------------------------------------------------- generator


UNITS = [Unit("小浪底镇", "410308101", "乡镇", "孟津区人民政府"),
         Unit("孟津区教育局", "410308201", "县级部门", "孟津区人民政府"),
         Unit("城关镇东关社区", "410308102001", "村社区", "城关镇人民政府"),
         Unit("洛阳市人民政府", "4103", "市级政府", "河南省人民政府")]


def test_memoised_formulas_give_byte_identical_workbooks(monkeypatch) -> None:
    options = GenerateOptions(deadline="2025年1月15日", password="abc")
    built = [build_workbook(FORM, u, y, o) for u in UNITS for y, o in ((2024, GenerateOptions()), (2023, options))]
    again = [build_workbook(FORM, u, y, o) for u in UNITS for y, o in ((2024, GenerateOptions()), (2023, options))]
    assert built == again  # warm caches
    # plain XlsxWriter and no memo at all
    monkeypatch.setattr(workbook_mod, "_Worksheet", xlsxwriter.worksheet.Worksheet)
    monkeypatch.setattr(workbook_mod, "_field_formula", excel_formula)
    monkeypatch.setattr(workbook_mod, "_rc", xlsxwriter.utility.xl_cell_to_rowcol)
    plain = [build_workbook(FORM, u, y, o) for u in UNITS for y, o in ((2024, GenerateOptions()), (2023, options))]
    assert plain == built
