"""The committed JSON Schema is current, and the published sample gets exactly the verdict of
official-format.md §8 in every rendition (text, HTML, Word)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from jsonschema import Draft202012Validator

from xxgk.check.run import check_file
from xxgk.cli import main
from xxgk.document import empty_document, set_path
from xxgk.form.definition import load_form
from xxgk.form.schema import build_schema, schema_path

ROOT = Path(__file__).resolve().parents[1]
PUBLISHED = sorted((ROOT / "samples" / "published").iterdir())


def test_committed_schema_is_current():
    form = load_form()
    committed = json.loads(schema_path(form).read_text(encoding="utf-8"))
    assert committed == build_schema(form), "schema/ is stale: run `xxgk schema` and commit the result"
    Draft202012Validator.check_schema(committed)


def test_schema_check_command_fails_when_stale(tmp_path, monkeypatch):
    import xxgk.form.schema as schema_mod

    monkeypatch.setattr(schema_mod, "SCHEMA_DIR", tmp_path)
    (tmp_path / "annual-report-2021.schema.json").write_text("{}", encoding="utf-8")
    assert CliRunner().invoke(main, ["schema", "--check"]).exit_code == 1
    assert CliRunner().invoke(main, ["schema"]).exit_code == 0
    assert CliRunner().invoke(main, ["schema", "--check"]).exit_code == 0


def test_schema_accepts_a_complete_report_and_rejects_a_negative_count():
    form = load_form()
    doc = empty_document(form)
    for f in form.fields:
        ft = form.field_types.get(f.type)
        if ft and ft.numeric and f.required:
            set_path(doc, f.path, 0)
    set_path(doc, "unit.name", "小浪底镇")
    set_path(doc, "unit.level", "乡镇")
    set_path(doc, "year", 2024)
    v = Draft202012Validator(build_schema(form))
    assert list(v.iter_errors(doc)) == []
    set_path(doc, "requests.granted.commercial", -1)
    assert [e.json_path for e in v.iter_errors(doc)] == ["$.requests.granted.commercial"]


@pytest.mark.parametrize("path", PUBLISHED, ids=[p.suffix for p in PUBLISHED])
def test_published_sample_passes_with_exactly_the_two_expected_warnings(path):
    result = check_file(path, year=2024)
    failing = sorted({f.rule for f in result.findings if f.outcome == "fail"})
    assert result.status == "warn", [f.message for f in result.findings]
    assert failing == ["FMT-OVERVIEW-5", "S5-IMPROVE"]
    overview = [f for f in result.findings if f.rule == "FMT-OVERVIEW-5"]
    assert len(overview) == 1 and "政府信息管理" in overview[0].message
    assert result.unit == "孟津区小浪底镇人民政府" and result.year == 2024
