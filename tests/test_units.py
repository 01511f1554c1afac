"""The organ's full name in a report title, as published reports write it."""

from __future__ import annotations

from pathlib import Path

import pytest

from xxgk.generate.roster import read_roster
from xxgk.units import organ_name


@pytest.mark.parametrize(("name", "level", "parent", "full"), [
    ("小浪底镇", "乡镇", "孟津区人民政府", "孟津区小浪底镇人民政府"),  # the published 2024 report's title
    ("河阳街道", "街道", "孟津区人民政府", "孟津区河阳街道办事处"),
    ("孟津区小浪底镇人民政府", "乡镇", "孟津区人民政府", "孟津区小浪底镇人民政府"),  # nothing doubled
    ("孟津区河阳街道", "街道", "孟津区人民政府", "孟津区河阳街道办事处"),
    ("孟津区", "县级政府", "洛阳市人民政府", "孟津区人民政府"),
    ("孟津区教育局", "县级部门", "孟津区人民政府", "孟津区教育局"),  # a department keeps its name
    ("城关镇东关社区", "村社区", "城关镇", "城关镇东关社区"),
    ("某镇", "乡镇", "某某局", "某镇人民政府"),  # a parent that is not a government adds no place
])
def test_derived(name: str, level: str, parent: str, full: str) -> None:
    assert organ_name(name, level, parent) == full


def test_roster_column_wins(tmp_path: Path) -> None:
    roster = tmp_path / "名单.csv"
    roster.write_text("单位名称,单位代码,单位层级,上级单位,单位全称\n"
                      "小浪底镇,410308101,乡镇,孟津区人民政府,洛阳市孟津区小浪底镇人民政府\n"
                      "会盟镇,410308103,乡镇,孟津区人民政府,\n", encoding="utf-8")
    a, b = read_roster(roster)
    assert organ_name(a.name, a.level, a.parent, a.full_name) == "洛阳市孟津区小浪底镇人民政府"
    assert organ_name(b.name, b.level, b.parent, b.full_name) == "孟津区会盟镇人民政府"
