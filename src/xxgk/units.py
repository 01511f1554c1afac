"""A unit's full organ name (机关全称), as published reports title themselves.

A roster gives short names ("小浪底镇" under "孟津区人民政府"); a published report says
"孟津区小浪底镇人民政府2024年政府信息公开工作年度报告". The roster column 单位全称 wins when present;
otherwise the name is derived from the level and the parent."""

from __future__ import annotations

GOV = "人民政府"
_GOV_LEVELS = ("县级政府", "市级政府", "省级政府")


def _place(parent: str) -> str:
    """The place part of a parent government: "孟津区人民政府" -> "孟津区"; "" when the parent is not a
    people's government (a township under a department keeps no prefix)."""
    parent = parent.strip()
    return parent.removesuffix(GOV) if parent.endswith(GOV) and len(parent) > len(GOV) else ""


def organ_name(name: str, level: str = "", parent: str = "", full_name: str = "") -> str:
    """The organ's full name: `full_name` when given, else derived from `level` and `parent`.

    乡镇 小浪底镇 under 孟津区人民政府 -> 孟津区小浪底镇人民政府; 街道 河阳街道 -> 孟津区河阳街道办事处;
    县级/市级/省级政府 孟津区 -> 孟津区人民政府; a department, a village and an unknown level keep their name.
    A name that already carries the suffix or the place is not doubled."""
    if full_name and full_name.strip():
        return full_name.strip()
    name = name.strip()
    if level in ("乡镇", "街道"):
        suffix = GOV if level == "乡镇" else "办事处"
        place = _place(parent)
        out = name if name.endswith(suffix) else name + suffix
        return out if not place or out.startswith(place) else place + out
    if level in _GOV_LEVELS:
        return name if name.endswith(GOV) else name + GOV
    return name
