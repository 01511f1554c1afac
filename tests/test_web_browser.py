"""The whole collection round in a real browser (Debian's Chromium driven by Python Playwright)
against a real `xxgk serve` process, as the county office runs it:

roster → blank workbooks zip → three of them filled and saved by LibreOffice (one with a defect,
one with a warning) → uploaded → statuses → the warning accepted with a reason → the defective
unit's corrected file (also saved by LibreOffice) uploaded → round 2 passes and the accepted
warning stays accepted → export. Screenshots of every page (desktop 1366×900, and the results
page at 390×844) are kept in tests/artifacts/web-*.png.
"""

from __future__ import annotations

import base64
import io
import json
import os
import re
import zipfile
from pathlib import Path

import pytest

from conftest import LIBREOFFICE, lo_fill
from hostile.corpus import GRANTED, NP, TEXTS
from test_web_crash import server
from xxgk.form.definition import load_form
from xxgk.generate.roster import Unit
from xxgk.generate.workbook import build_workbook

pytestmark = [pytest.mark.browser, pytest.mark.libreoffice]

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
ROSTER = ("单位名称,单位代码,单位层级,上级单位\n城关镇,411101,乡镇,某县人民政府\n平乐镇,411102,乡镇,某县人民政府\n"
          "白鹤镇,411103,乡镇,某县人民政府\n会盟镇,411104,乡镇,某县人民政府\n县教育局,411201,县级部门,某县人民政府\n")


def _unavailable(reason: str) -> None:
    if os.environ.get("XXGK_REQUIRE_APPS") == "1":
        pytest.fail(f"{reason} (XXGK_REQUIRE_APPS=1)")
    pytest.skip(reason)


REGULATIONS = "proactive.regulations.in_force"


def _ops(values: dict) -> list[dict]:
    form = load_form()
    ops = []
    for path, value in values.items():
        f = form.field(path)
        if f.type == "yes_no" and isinstance(value, bool):
            value = f.choices[int(value)]
        ops.append({"op": "set", "sheet": f.sheet, "cell": f.cell, "value": value})
    return ops


def test_a_whole_round_in_the_browser(tmp_path: Path) -> None:
    if not LIBREOFFICE:
        _unavailable("需要 LibreOffice（soffice）和 /usr/bin/python3 的 uno 模块")
    if not Path(CHROMIUM).exists():
        _unavailable("需要 Chromium（/usr/bin/chromium）")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("需要 Python Playwright")
    ARTIFACTS.mkdir(exist_ok=True)
    roster = tmp_path / "名单.csv"
    roster.write_text(ROSTER, encoding="utf-8")
    ws = tmp_path / "工作区"
    with server(ws) as (_proc, url), sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        ctx = browser.new_context(viewport={"width": 1366, "height": 900}, accept_downloads=True, locale="zh-CN")
        page = ctx.new_page()
        outside: list[str] = []
        page.on("request", lambda r: None if r.url.startswith(url) else outside.append(r.url))
        console_errors: list[str] = []
        page.on("console", lambda m: console_errors.append(m.text) if m.type == "error" else None)

        def shot(name: str) -> None:
            page.screenshot(path=str(ARTIFACTS / f"web-{name}.png"), full_page=True)

        # 名单
        page.goto(url + "/")
        page.set_input_files("input[name=file]", str(roster))
        page.click("button:has-text('上传名单')")
        page.wait_for_selector("text=共 5 个单位")
        assert page.is_visible("text=乡镇（4个）") and page.is_visible("text=县级部门（1个）")
        shot("1-roster")

        # 生成: all blank workbooks as one zip
        page.click("nav >> text=生成")
        page.fill("input[name=year]", "2024")
        page.fill("input[name=deadline]", "2025年1月20日")
        shot("2-generate")
        with page.expect_download() as dl:
            page.click("button:has-text('下载填报表')")
        blank_zip = tmp_path / "blank.zip"
        dl.value.save_as(blank_zip)
        with zipfile.ZipFile(blank_zip) as z:
            names = sorted(z.namelist())
            codes = {"城关镇": "411101", "平乐镇": "411102", "白鹤镇": "411103", "会盟镇": "411104",
                     "县教育局": "411201"}
            assert names == sorted(f"{c}_{n}_2024年度报告填报表.xlsx" for n, c in codes.items())
            blanks = {n.split("_")[1]: z.read(n) for n in names}

        # three units fill their workbooks in LibreOffice; 平乐镇 with a defect, 白鹤镇 with a warning
        work = tmp_path / "lo"
        work.mkdir()
        fills = {
            "城关镇": {**TEXTS, NP: 5, GRANTED: 5},
            "平乐镇": {**TEXTS, NP: 5, GRANTED: 3},  # 5 received, 3 handled: T3-BALANCE
            "白鹤镇": {**TEXTS, NP: 12, GRANTED: 12, REGULATIONS: 2},  # a township with 规章: T2-REG-AUTHORITY
            "平乐镇-改": {**TEXTS, NP: 5, GRANTED: 5},
            "城关镇-2023": {**{k: v.replace("2024年", "2023年") if isinstance(v, str) else v for k, v in TEXTS.items()},
                           NP: 1, GRANTED: 1},  # last year: this year's 5 is a jump ×5
        }
        blanks["城关镇-2023"] = build_workbook(load_form(), Unit("城关镇", "411101", "乡镇", "某县人民政府"), 2023)
        jobs = []
        for name, values in fills.items():
            src = work / f"{name}-blank.xlsx"
            src.write_bytes(blanks.get(name) or blanks[name.split("-")[0]])
            jobs.append({"in": str(src), "out": str(work / f"{name}.xlsx"), "ops": _ops(values)})
        lo_fill(jobs, work)
        sent = tmp_path / "收件"
        sent.mkdir()
        for name in ("城关镇", "平乐镇", "白鹤镇"):
            (sent / f"{name}_2024年度报告填报表.xlsx").write_bytes((work / f"{name}.xlsx").read_bytes())

        # last year's workbook of 城关镇 is in the workspace already (for 对比)
        page.click("nav >> text=收件")
        page.set_input_files("#files", str(work / "城关镇-2023.xlsx"))
        page.click("#send")
        page.wait_for_selector("#progress-card[data-done]", timeout=120_000)

        # 收件: three files at once, progress to the end
        page.click("nav >> text=收件")
        page.set_input_files("#files", [str(p) for p in sorted(sent.iterdir())])
        page.click("#send")
        page.wait_for_selector("#progress-card[data-done]", timeout=120_000)
        assert "3个文件已全部检查完毕" in page.inner_text("#progress-text")
        assert page.eval_on_selector("#progress", "e => e.value") == 100
        shot("3-upload")

        # 检查结果
        page.click("text=查看检查结果")
        status = _statuses(page)
        assert status == {"城关镇": "通过", "平乐镇": "不通过", "白鹤镇": "有警告", "会盟镇": "未报送",
                          "县教育局": "未报送"}, status
        shot("4-results")
        page.set_viewport_size({"width": 390, "height": 844})
        shot("4-results-phone")
        page.set_viewport_size({"width": 1366, "height": 900})

        # 单位: 平乐镇's error at its cell; 白鹤镇's warning accepted with a reason
        page.click("table.results >> text=平乐镇")
        assert page.is_visible("text=三、收到和处理政府信息公开申请情况!D30")
        assert page.is_visible("text=须由单位改正")
        shot("5-unit-fail")
        page.goto(url + "/results")
        page.click("table.results >> text=白鹤镇")
        page.fill("input[name=reviewer]", "李四")
        page.fill("input[name=reason]", "已电话核实：系上级规章误填，下轮改正")
        page.click("button:has-text('标记为已核实')")
        page.wait_for_selector("text=已电话核实：系上级规章误填，下轮改正")
        assert page.is_visible(".findings >> text=已核实")
        shot("6-unit-accepted")

        # round 2: 平乐镇's corrected file, and 白鹤镇 sends the same workbook again
        page.click("nav >> text=收件")
        again = tmp_path / "第二轮"
        again.mkdir()
        (again / "平乐镇_2024年度报告填报表（修改后）.xlsx").write_bytes((work / "平乐镇-改.xlsx").read_bytes())
        (again / "白鹤镇_2024年度报告填报表.xlsx").write_bytes((work / "白鹤镇.xlsx").read_bytes())
        _drop(page, sorted(again.iterdir()))  # this time dragged onto the box
        page.wait_for_selector("#progress-card[data-done]", timeout=120_000)
        page.click("text=查看检查结果")
        status = _statuses(page)
        assert status["平乐镇"] == "通过" and status["白鹤镇"] == "通过（警告已核实）", status
        shot("7-results-round2")
        page.click("table.results >> text=平乐镇")
        history = page.inner_text("table.history")
        assert re.search(r"第\d+轮.*通过", history.splitlines()[1]) and "不通过" in history.splitlines()[2]
        shot("8-unit-history")
        # the current workbook downloads as the unit sent it
        with page.expect_download() as dl:
            page.click("a:has-text('下载当前报送的工作簿')")
        assert Path(dl.value.path()).read_bytes() == (work / "平乐镇-改.xlsx").read_bytes()

        # 汇总 and export
        page.click("nav >> text=汇总")
        shot("9-summary")
        with page.expect_download() as dl:
            page.click("a:has-text('下载 summary.json')")
        summary = json.loads(Path(dl.value.path()).read_text(encoding="utf-8"))
        assert {f["unit"]: f["status"] for f in summary["files"]} == {
            "城关镇": "pass", "平乐镇": "pass", "白鹤镇": "warn"}
        assert sorted(m["name"] for m in summary["roster"]["missing"]) == ["会盟镇", "县教育局"]
        with page.expect_download() as dl:
            page.click("a:has-text('下载 summary.xlsx')")
        xlsx = Path(dl.value.path()).read_bytes()
        assert zipfile.ZipFile(io.BytesIO(xlsx)).testzip() is None

        # 对比: 城关镇's requests jumped from 1 to 5 (×5); info, ranked among the 乡镇
        page.click("nav >> text=对比")
        outliers = page.inner_text("table.outliers")
        assert "城关镇" in outliers and "表三“一、本年新收政府信息公开申请数量”行“总计”列" in outliers
        assert "平乐镇" not in outliers
        shot("10-compare")
        assert outside == [], f"requests outside the server: {outside}"
        assert console_errors == [], console_errors  # includes CSP violations
        browser.close()


def _drop(page, paths: list[Path]) -> None:
    """Drag files from the desktop onto the drop box: a real DragEvent carrying a DataTransfer."""
    files = [{"name": p.name, "data": base64.b64encode(p.read_bytes()).decode()} for p in paths]
    page.evaluate("""(files) => {
        const dt = new DataTransfer();
        for (const f of files) {
            const bytes = Uint8Array.from(atob(f.data), c => c.charCodeAt(0));
            dt.items.add(new File([bytes], f.name));
        }
        const box = document.getElementById("drop");
        for (const type of ["dragenter", "dragover", "drop"]) {
            box.dispatchEvent(new DragEvent(type, {dataTransfer: dt, bubbles: true, cancelable: true}));
        }
    }""", files)


def _statuses(page) -> dict[str, str]:
    out = {}
    for row in page.query_selector_all("table.results tbody tr"):
        cells = row.query_selector_all("td")
        out[cells[0].inner_text().strip()] = cells[2].inner_text().strip()
    return out
