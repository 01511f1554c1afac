"""summary.html in a real browser (Debian's Chromium, driven by Python Playwright, no download).

A run over a small folder — a passing workbook, a failing one, an unreadable file, one whose unit
name is an HTML injection — with a roster that names a unit nobody sent. The page must render its
Chinese text with a CJK font, show one row per file, load nothing from outside, run no injected
script, and its three filters (status, unit, rule) must show exactly the rows they promise.
Files are listed worst first with the failing ones opened, the 汇总 and the files left out of it are
on the page, and at phone width (390 px) every file is a card: the page never scrolls sideways.
Full-page screenshots are kept in tests/artifacts/summary-browser.png (1366×900) and
summary-browser-phone.png (390×844).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from hostile.corpus import FORM, passing, with_values
from xxgk.check.run import check_paths
from xxgk.generate.roster import read_roster
from xxgk.report.writers import write_summaries

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"]
ARTIFACT = Path(__file__).resolve().parent / "artifacts" / "summary-browser.png"
PHONE_ARTIFACT = ARTIFACT.with_name("summary-browser-phone.png")
INJECTED = "<img src=x onerror=alert(1)>"


# Draw characters on a canvas in the page's own font: with no CJK font every Chinese character is
# the same .notdef box (tofu), identical to an unassigned code point; with one they all differ.
GLYPHS_DIFFER = """() => {
  const c = document.createElement('canvas'); c.width = 40; c.height = 40;
  const g = c.getContext('2d');
  g.font = '32px ' + getComputedStyle(document.body).fontFamily;
  const draw = ch => {
    g.clearRect(0, 0, 40, 40); g.fillText(ch, 2, 32); return g.getImageData(0, 0, 40, 40).data.join();
  };
  const shapes = ['检', '查', '报', '告', '\u0378', ' '].map(draw);
  return new Set(shapes).size === shapes.length;
}"""


def _unavailable(reason: str) -> None:
    if os.environ.get("XXGK_REQUIRE_APPS") == "1":
        pytest.fail(f"{reason} (XXGK_REQUIRE_APPS=1)")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def summary_html(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("browser")
    folder = tmp / "报送"
    folder.mkdir()
    (folder / "城关镇.xlsx").write_bytes(passing("城关镇"))
    np, granted = "requests.new_received.natural_person", "requests.granted.natural_person"
    assert FORM.has_field(np) and FORM.has_field(granted)
    (folder / "平乐镇.xlsx").write_bytes(with_values("平乐镇", {np: 4, granted: 3}))  # 4 received, 3 handled
    (folder / "损坏的文件.xlsx").write_bytes(b"PK\x03\x04" + bytes(200))
    (folder / "注入.xlsx").write_bytes(passing(INJECTED))
    roster = tmp / "名单.csv"
    roster.write_text("单位名称,单位代码,单位层级,上级单位\n城关镇,,乡镇,孟津区人民政府\n平乐镇,,乡镇,孟津区人民政府\n"
                      f'"{INJECTED}",,乡镇,孟津区人民政府\n会盟镇,,乡镇,孟津区人民政府\n', encoding="utf-8")
    run = check_paths([folder], roster=read_roster(roster), jobs=1)
    assert [r.status for r in run.files] == ["pass", "fail", "error", "pass"]
    assert [u["name"] for u in run.roster_missing] == ["会盟镇"]
    write_summaries(run, tmp / "summary")
    return tmp / "summary" / "summary.html"


def test_summary_page_in_chromium(summary_html: Path) -> None:
    if not Path(CHROMIUM).exists():
        _unavailable(f"Chromium not found at {CHROMIUM}")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the playwright Python package is not installed")

    outside: list[str] = []
    dialogs: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        try:
            page = browser.new_page(viewport={"width": 1366, "height": 900}, locale="zh-CN")

            def route(r) -> None:  # nothing but the file itself may load
                if r.request.url.startswith("file:"):
                    r.continue_()
                else:
                    outside.append(r.request.url)
                    r.abort()

            page.route("**/*", route)
            page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
            page.goto(summary_html.as_uri())

            # Chinese text, drawn with a CJK font (not tofu boxes)
            assert "政府信息公开工作年度报告检查结果" in page.inner_text("h1")
            assert page.evaluate(GLYPHS_DIFFER), "Chinese characters render as identical boxes (no CJK font)"
            rows = page.locator("#files tbody tr")
            assert rows.count() == 4

            def visible_files() -> list[str]:
                return sorted(rows.nth(i).get_attribute("data-file").rsplit("/", 1)[-1]
                              for i in range(rows.count()) if rows.nth(i).is_visible())

            assert len(visible_files()) == 4
            assert page.inner_text("#shown") == "4"
            assert page.locator("text=会盟镇").count() >= 1  # the missing roster unit is listed

            page.select_option("#f-status", "fail")
            assert visible_files() == ["平乐镇.xlsx"]
            page.select_option("#f-status", "error")
            assert visible_files() == ["损坏的文件.xlsx"]
            page.select_option("#f-status", "pass")
            assert visible_files() == ["城关镇.xlsx", "注入.xlsx"]
            assert page.inner_text("#shown") == "2"
            page.select_option("#f-status", "")

            page.fill("#f-unit", "平乐")
            assert visible_files() == ["平乐镇.xlsx"]
            page.fill("#f-unit", INJECTED)  # the injected name is plain text, found like any other
            assert visible_files() == ["注入.xlsx"]
            page.fill("#f-unit", "")

            page.select_option("#f-rule", "T3-BALANCE")
            assert visible_files() == ["平乐镇.xlsx"]
            page.select_option("#f-rule", "FILE-UNREADABLE")
            assert visible_files() == ["损坏的文件.xlsx"]
            page.select_option("#f-rule", "")
            assert len(visible_files()) == 4

            # worst first: unreadable, failing, then the passing ones; failing files' findings are open
            assert [rows.nth(i).get_attribute("data-status") for i in range(4)] == ["error", "fail", "pass", "pass"]
            fail_row = page.locator("#files tbody tr[data-status=fail]")
            assert fail_row.locator("details").get_attribute("open") is not None
            assert fail_row.locator("ul.findings").is_visible()
            assert "T3-BALANCE" in fail_row.inner_text()
            assert page.locator("#files tbody tr[data-status=pass] details[open]").count() == 0
            # the folder is said once, not in every row
            assert page.locator(".folder").count() == 1
            assert "/" not in rows.nth(1).locator("td.c-file").inner_text()
            # the 汇总 is on the page, with the two passing units, and the files left out and why
            totals = page.inner_text("body")
            assert "汇总（表二、三、四合计）" in totals and "2 个单位的合计" in totals
            left_out = page.locator("#left-out + div tbody tr")
            assert left_out.count() == 2
            assert "未通过检查" in left_out.nth(1).inner_text() or "未通过检查" in left_out.nth(0).inner_text()
            # columns keep their width: 状态 stays on one line
            status_cell = fail_row.locator("td.c-status")
            text_height = status_cell.evaluate("""e => {
                const r = document.createRange(); r.selectNodeContents(e);
                return r.getBoundingClientRect().height; }""")
            assert text_height < 30  # one line, not one character per line
            _shot(page, ARTIFACT)

            # a phone: cards, nothing wider than the screen outside the scrolling 汇总 tables
            page.set_viewport_size({"width": 390, "height": 844})
            assert page.evaluate("document.documentElement.scrollWidth") <= 390
            box = rows.nth(1).bounding_box()
            assert box["x"] >= 0 and box["x"] + box["width"] <= 390
            assert page.locator("#files thead").is_hidden()
            wide = page.evaluate("""() => [...document.querySelectorAll('body *')].filter(e => {
                const r = e.getBoundingClientRect();
                return r.right > 391 && !e.closest('.scroll');
            }).map(e => e.tagName + '.' + e.className)""")
            assert wide == []
            scroller = page.locator(".scroll:has(table.grid)").nth(1)  # 表三
            assert scroller.evaluate("e => e.scrollWidth > e.clientWidth")  # it scrolls, inside its box
            _shot(page, PHONE_ARTIFACT)

            # printed: no filter controls on paper
            page.set_viewport_size({"width": 1366, "height": 900})
            page.emulate_media(media="print")
            assert page.locator(".filters").is_hidden()
            assert page.locator("#files tbody tr").count() == 4
        finally:
            browser.close()
    assert outside == []
    assert dialogs == []  # the unit named <img onerror=alert(1)> ran nothing
    assert ARTIFACT.stat().st_size > 10_000 and PHONE_ARTIFACT.stat().st_size > 10_000


def _shot(page, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp_png = target.with_suffix(".tmp.png")
    page.screenshot(path=str(tmp_png), full_page=True)
    shutil.move(tmp_png, target)
