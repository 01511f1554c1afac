"""The HTML report on a phone and a desktop, in Debian's Chromium (Playwright, no download).

At 390 px the text reads without zooming and the page never scrolls sideways: the wide tables (三 has
ten columns) scroll inside their own box. A forced render shows its 未通过检查 notice. Screenshots:
tests/artifacts/render-html-phone.png (390×844) and render-html-desktop.png (1366×900).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from xxgk.render import render_file

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"]
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"


def _browser_or_skip():
    if not Path(CHROMIUM).exists():
        if os.environ.get("XXGK_REQUIRE_APPS") == "1":
            pytest.fail("Chromium not found (XXGK_REQUIRE_APPS=1)")
        pytest.skip("Chromium not found")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        if os.environ.get("XXGK_REQUIRE_APPS") == "1":
            pytest.fail("playwright not installed (XXGK_REQUIRE_APPS=1)")
        pytest.skip("playwright not installed")
    return sync_playwright


def _shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    tmp = ARTIFACTS / f"{name}.tmp.png"
    page.screenshot(path=str(tmp), full_page=True)
    shutil.move(tmp, ARTIFACTS / f"{name}.png")


def test_html_report_on_a_phone(tmp_path: Path) -> None:
    sync_playwright = _browser_or_skip()
    passing = tmp_path / "小浪底镇.html"
    render_file(ROOT / "samples" / "submissions" / "410308101_小浪底镇_2024年度报告填报表.xlsx", passing)
    forced = tmp_path / "平乐镇.html"
    render_file(ROOT / "samples" / "submissions" / "410308104_平乐镇_2024年度报告填报表.xlsx", forced, force=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        try:
            page = browser.new_page(viewport={"width": 390, "height": 844}, locale="zh-CN")
            page.goto(passing.as_uri())
            assert page.inner_text("h1") == "孟津区小浪底镇人民政府2024年政府信息公开工作年度报告"
            assert page.evaluate("document.documentElement.scrollWidth") <= 390  # no sideways page scroll
            # body text at a readable size, lines within the screen
            size = page.evaluate("parseFloat(getComputedStyle(document.querySelector('p')).fontSize)")
            assert size >= 15
            para = page.locator("p").first.bounding_box()
            assert para["x"] >= 0 and para["x"] + para["width"] <= 390
            # table 三 is wider than the phone: it scrolls inside its box, the box fits the screen
            box = page.locator(".scroll:has(table.t3)")
            assert box.evaluate("e => e.scrollWidth > e.clientWidth")
            b = box.bounding_box()
            assert b["x"] >= 0 and b["x"] + b["width"] <= 390
            _shot(page, "render-html-phone")
            page.set_viewport_size({"width": 1366, "height": 900})
            assert page.locator(".scroll:has(table.t3)").evaluate("e => e.scrollWidth <= e.clientWidth")
            _shot(page, "render-html-desktop")
            page.goto(forced.as_uri())
            stamp = page.locator("p.stamp")
            assert stamp.is_visible() and "未通过检查" in stamp.inner_text()
        finally:
            browser.close()
