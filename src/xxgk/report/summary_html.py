"""summary.html: one self-contained page (inline CSS and JS, nothing loaded from anywhere).

Files worst first, the failing ones opened; the folder they share is shown once above the table; the
汇总, the files left out of it and the roster gaps are on the page. On a phone (≤ 640 px) each file is a
card, so the page never scrolls sideways; the 汇总 tables scroll inside their own box with the label
column pinned. A print stylesheet hides the filters and opens every file's findings.

The findings are plain HTML (<details> per file), so the page reads without JavaScript; the script
only filters rows by status, unit and rule. Every piece of user text goes through `sanitize.for_html`
(`_e`), the one place this writer escapes.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from .. import __version__
from ..atomic import atomic_path
from ..form.definition import load_form
from ..sanitize import for_html
from .model import SEVERITY_ZH, STATUS_ZH, FileResult, RunResult, catalogue
from .summary_xlsx import WORST_FIRST, in_totals, left_out_reason, totals_rows

CSS = """
*{box-sizing:border-box}
body{font-family:"Microsoft YaHei","PingFang SC","Noto Sans CJK SC",sans-serif;margin:1.5em;color:#222;
line-height:1.5}
h1{font-size:1.4em}h2{font-size:1.15em;margin-top:1.6em}h3{font-size:1em;margin:1em 0 .3em}
.folder{color:#555;word-break:break-all}
.counts span{display:inline-block;margin:0 .6em .4em 0;padding:.3em .7em;border-radius:4px;background:#eee}
.pass{background:#e3f4e1!important}.warn{background:#fff4d6!important}.fail{background:#fde2e1!important}
.error{background:#f3d9f5!important}.skipped{background:#eceff1!important}
table{border-collapse:collapse;margin-top:.6em}th,td{border:1px solid #ccc;padding:.3em .5em;
vertical-align:top;text-align:left}th{background:#dde7f3}
#files{width:100%;table-layout:auto}#files thead th{position:sticky;top:0}
#files .c-unit{min-width:9em}#files .c-status{min-width:5em;white-space:nowrap}
#files .c-n{min-width:3.5em;white-space:nowrap;text-align:right}#files .c-file{min-width:10em;word-break:break-all}
#files .c-detail{min-width:18em}
.code,.contact{display:block;color:#555;font-size:.85em}
.first{color:#333}
details summary{cursor:pointer;color:#1a4f8b}
.filters{margin:.8em 0;display:flex;flex-wrap:wrap;gap:.5em 1em;align-items:center}
.filters input{max-width:100%}
.f-err{color:#b00020}.f-warn{color:#8a6100}.f-info{color:#555}
ul.findings{margin:.3em 0 .3em 1.2em;padding:0}ul.findings li{margin-bottom:.35em}
.hint{color:#555}
.scroll{overflow-x:auto;max-width:100%}
.grid td.n{text-align:right;min-width:3.5em}.grid th.lab,.grid td.lab{position:sticky;left:0;background:#fff;
min-width:12em;z-index:1}.grid th.lab{background:#dde7f3}
@media (max-width:640px){
 body{margin:.8em}
 #files thead{display:none}
 #files,#files tbody,#files tr,#files td{display:block;width:100%}
 #files tr{border:1px solid #bbb;border-radius:6px;margin:0 0 .8em;padding:.3em .5em}
 #files td{border:none;padding:.15em 0;min-width:0!important;text-align:left!important}
 #files td[data-label]:before{content:attr(data-label) "：";color:#666}
 #files td.c-unit{font-size:1.1em;font-weight:bold}
 #files td.c-status,#files td.c-n{display:inline-block;width:auto;margin-right:1.2em}
 .grid td.lab,.grid th.lab{min-width:9em;max-width:11em}
}
@media print{
 .filters{display:none}body{margin:0}#files thead th{position:static}
 tr{break-inside:avoid}.scroll{overflow:visible}
}
"""

JS = """
(function(){
  var st=document.getElementById('f-status'),un=document.getElementById('f-unit'),ru=document.getElementById('f-rule');
  var shown=document.getElementById('shown');
  function apply(){
    var s=st.value,u=un.value.trim(),r=ru.value,n=0;
    var rows=document.querySelectorAll('#files tbody tr');
    for(var i=0;i<rows.length;i++){
      var row=rows[i],ok=true;
      if(s&&row.getAttribute('data-status')!==s)ok=false;
      if(u&&(row.getAttribute('data-unit')+' '+row.getAttribute('data-file')).indexOf(u)<0)ok=false;
      if(r&&(' '+row.getAttribute('data-rules')+' ').indexOf(' '+r+' ')<0)ok=false;
      row.style.display=ok?'':'none';if(ok)n++;
    }
    shown.textContent=n;
  }
  st.addEventListener('change',apply);un.addEventListener('input',apply);ru.addEventListener('change',apply);
  window.addEventListener('beforeprint',function(){
    var d=document.querySelectorAll('details');for(var i=0;i<d.length;i++)d[i].open=true;});
})();
"""


def _e(v: Any) -> str:
    return for_html("" if v is None else v)


def _where(f: Any) -> str:
    if f.sheet and f.cell:
        return f"{f.sheet}!{f.cell}"
    return f.sheet or f.location or ""


def render_html(run: RunResult) -> str:
    return "\n".join(_lines(run))


def common_folder(paths: list[str]) -> str:
    """The folder every file is in (shown once above the table), or "" when they share none."""
    dirs = [os.path.dirname(p) for p in paths]
    if not dirs:
        return ""
    try:
        common = os.path.commonpath(dirs) if all(dirs) else ""
    except ValueError:  # absolute and relative paths mixed
        return ""
    return common


def _rel(path: str, folder: str) -> str:
    if folder and path.startswith(folder.rstrip(os.sep) + os.sep):
        return path[len(folder.rstrip(os.sep)) + 1:]
    return path


def _file_row(r: FileResult, folder: str) -> str:
    c = r.counts
    file_rules = " ".join(sorted({f.rule for f in r.findings}))
    items = []
    for f in r.findings:
        sev_class = {"error": "f-err", "warning": "f-warn"}.get(f.severity, "f-info")
        na = "（无法检查）" if f.outcome == "not_assessable" else ""
        where = _where(f)
        items.append(f'<li class="{sev_class}">[{_e(SEVERITY_ZH.get(f.severity, f.severity))}{_e(na)}] '
                     + (f"{_e(where)}：" if where else "") + f"{_e(f.message)}"
                     + (f'<br><span class="hint">修改建议：{_e(f.hint)}</span>' if f.hint else "")
                     + f' <span class="hint">（{_e(f.rule)}）</span></li>')
    if items:
        first = r.first_problem
        label = f"{len(r.findings)} 条：{_e(first.message)}" if first is not None and r.status != "pass" else \
            f"{len(r.findings)} 条"
        opened = " open" if r.status in ("fail", "error") else ""
        detail = f'<details{opened}><summary>{label}</summary><ul class="findings">{"".join(items)}</ul></details>'
    else:
        detail = "无"
    contact = " ".join(x for x in (r.contact_person, r.contact_phone) if x)
    unit = (f"{_e(r.unit or '（未能识别）')}" + (f'<span class="code">{_e(r.code)}</span>' if r.code else "")
            + (f'<span class="contact">{_e(contact)}</span>' if contact else ""))
    return (f'<tr class="{_e(r.status)}" data-status="{_e(r.status)}" data-unit="{_e(r.unit or "")}" '
            f'data-file="{_e(r.path)}" data-rules="{_e(file_rules)}">'
            f'<td class="c-unit">{unit}</td>'
            f'<td class="c-status" data-label="状态">{_e(STATUS_ZH.get(r.status, r.status))}</td>'
            f'<td class="c-n" data-label="错误">{c["error"]}</td><td class="c-n" data-label="警告">{c["warning"]}</td>'
            f'<td class="c-detail" data-label="问题">{detail}</td>'
            f'<td class="c-file" data-label="文件">{_e(_rel(r.path, folder))}'
            f'{" · " + _e(r.year) + "年度" if r.year is not None else ""}</td></tr>')


def _lines(run: RunResult) -> Iterator[str]:
    """The lines of the page; the file rows are made one file at a time."""
    cat = catalogue()
    statuses = run.statuses()
    counts: dict[str, int] = dict.fromkeys(STATUS_ZH, 0)
    for status in statuses:
        counts[status] = counts.get(status, 0) + 1
    order = sorted(range(len(statuses)), key=lambda i: (WORST_FIRST.get(statuses[i], 9), i))
    folder = common_folder([r.path for r in run.files]) if len(statuses) > 1 else ""
    rules = run.file_rules()
    yield from [
        "<!DOCTYPE html>", '<html lang="zh-CN"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>政府信息公开工作年度报告检查结果（{_e(run.year or '')}年度）</title>",
        f"<style>{CSS}</style></head><body>",
        f"<h1>政府信息公开工作年度报告检查结果（{_e(run.year or '年度未定')}年度）</h1>",
        (f'<p class="folder">文件夹：{_e(folder)}</p>' if folder else ""),
        '<div class="counts">',
        f"<span>文件 {len(statuses)} 个</span>",
        *(f'<span class="{k}">{_e(v)} {counts.get(k, 0)} 个</span>' for k, v in STATUS_ZH.items()),
        f"<span>名单中未报送 {len(run.roster_missing)} 个单位</span>",
        f"<span>汇总单位 {run.totals_units} 个</span>",
        "</div>",
        '<div class="filters">',
        '<label>状态 <select id="f-status"><option value="">全部</option>',
        *(f'<option value="{k}">{_e(v)}</option>' for k, v in STATUS_ZH.items()),
        "</select></label>",
        '<label>单位或文件 <input id="f-unit" type="search" placeholder="输入名称的一部分"></label>',
        '<label>规则 <select id="f-rule"><option value="">全部</option>',
        *(f'<option value="{_e(r)}">{_e(r)} {_e((cat.get(r) or {}).get("title", ""))}</option>' for r in rules),
        "</select></label>",
        f'<span>显示 <b id="shown">{len(statuses)}</b> 个文件</span>',
        "</div>",
        '<table id="files"><thead><tr><th class="c-unit">单位</th><th class="c-status">状态</th>'
        '<th class="c-n">错误</th><th class="c-n">警告</th><th class="c-detail">问题明细（修改建议）</th>'
        '<th class="c-file">文件</th></tr></thead><tbody>',
    ]
    left_out: list[tuple[str, str, str, str]] = []  # unit, status, reason, path
    for i in order:
        r = run.files[i]
        yield _file_row(r, folder)
        if run.totals and r.status != "skipped" and not in_totals(run, i, r):
            left_out.append((r.unit or "", r.status, left_out_reason(run, r), r.path))
    yield "</tbody></table>"
    yield "<h2>名单中未报送的单位</h2>"
    if run.roster_missing:
        yield ('<div class="scroll"><table><thead><tr><th>单位</th><th>单位代码</th><th>层级</th><th>上级单位</th>'
               "</tr></thead><tbody>")
        for u in run.roster_missing:
            yield ("<tr>" + "".join(f"<td>{_e(u.get(k, ''))}</td>" for k in ("name", "code", "level", "parent"))
                   + "</tr>")
        yield "</tbody></table></div>"
    else:
        yield "<p>无（或未提供名单）。</p>"
    yield from _totals(run, left_out, folder)
    yield ('<h2>规则统计</h2><div class="scroll"><table><thead><tr><th>规则</th><th>名称</th><th>级别</th>'
           "<th>问题数</th><th>涉及文件数</th><th>无法检查数</th></tr></thead><tbody>")
    for rule, e in run.rule_counts().items():
        yield (f"<tr><td>{_e(rule)}</td><td>{_e((cat.get(rule) or {}).get('title', ''))}</td>"
               f"<td>{_e(SEVERITY_ZH.get(e['severity'], e['severity']))}</td><td class=\"n\">{e['findings']}</td>"
               f"<td class=\"n\">{e['files']}</td><td class=\"n\">{e['not_assessable']}</td></tr>")
    yield "</tbody></table></div>"
    yield (f'<p class="hint">由 xxgk {_e(__version__)} 生成。'
           "各单位数字见 summary.xlsx 的“明细”工作表，机器可读结果见 summary.json。</p>")
    yield f"<script>{JS}</script></body></html>"


def _totals(run: RunResult, left_out: list[tuple[str, str, str, str]], folder: str) -> Iterator[str]:
    yield '<h2 id="totals">汇总（表二、三、四合计）</h2>'
    if not run.totals:
        yield "<p>没有可汇总的单位（没有通过检查的文件）。</p>"
    else:
        yield (f"<p>{_e(run.year)}年度、状态为“通过”或“有警告”的 {run.totals_units} 个单位的合计。"
               + (f"另有 {len(left_out)} 个文件未计入，原因见下表。" if left_out else "") + "</p>")
        for title, lines in totals_rows(load_form(), run.totals):
            yield f"<h3>{_e(title)}</h3>"
            yield '<div class="scroll"><table class="grid"><tbody>'
            for label, value in lines:
                values = value if isinstance(value, list) else [value]
                if label == "":
                    yield ('<tr><th class="lab">项目</th>' + "".join(f"<th>{_e(v)}</th>" for v in values) + "</tr>")
                else:
                    yield (f'<tr><td class="lab">{_e(label)}</td>'
                           + "".join(f'<td class="n">{_e("" if v is None else v)}</td>' for v in values) + "</tr>")
            yield "</tbody></table></div>"
    if left_out:
        yield '<h3 id="left-out">未计入汇总的文件</h3>'
        yield '<div class="scroll"><table><thead><tr><th>单位</th><th>原因</th><th>文件</th></tr></thead><tbody>'
        for unit, status, reason, path in left_out:
            yield (f'<tr class="{_e(status)}"><td>{_e(unit or "（未能识别）")}</td><td>{_e(reason)}</td>'
                   f"<td>{_e(_rel(path, folder))}</td></tr>")
        yield "</tbody></table></div>"


def write_html(run: RunResult, path: Path) -> Path:
    """The same text as render_html(run), written one line at a time, atomically."""
    with atomic_path(path) as tmp, tmp.open("w", encoding="utf-8") as fh:
        sep = ""
        for line in _lines(run):
            fh.write(sep + line)
            sep = "\n"
    return Path(path)
