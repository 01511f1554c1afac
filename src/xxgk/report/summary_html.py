"""summary.html: one self-contained page (inline CSS and JS, nothing loaded from anywhere).

The findings are plain HTML (a table with <details> per file), so the page reads without
JavaScript; the script only filters rows by status, unit and rule. Every piece of user text goes
through html.escape.
"""

from __future__ import annotations

from collections.abc import Iterator
from html import escape
from pathlib import Path
from typing import Any

from .. import __version__
from .model import SEVERITY_ZH, STATUS_ZH, RunResult, catalogue

CSS = """
body{font-family:"Microsoft YaHei","PingFang SC","Noto Sans CJK SC",sans-serif;margin:1.5em;color:#222}
h1{font-size:1.4em}h2{font-size:1.15em;margin-top:1.6em}
.counts span{display:inline-block;margin:0 .6em .4em 0;padding:.3em .7em;border-radius:4px;background:#eee}
.pass{background:#e3f4e1!important}.warn{background:#fff4d6!important}.fail{background:#fde2e1!important}
.error{background:#f3d9f5!important}.skipped{background:#eceff1!important}
table{border-collapse:collapse;width:100%;margin-top:.6em}th,td{border:1px solid #ccc;padding:.3em .5em;
vertical-align:top;text-align:left}th{background:#dde7f3;position:sticky;top:0}
td.n{text-align:right}details summary{cursor:pointer;color:#1a4f8b}
.filters{margin:.8em 0}.filters label{margin-right:1em}.f-err{color:#b00020}.f-warn{color:#8a6100}
.f-info{color:#555}ul.findings{margin:.3em 0 .3em 1.2em;padding:0}ul.findings li{margin-bottom:.35em}
.hint{color:#555}
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
})();
"""


def _e(v: Any) -> str:
    return escape("" if v is None else str(v), quote=True)


def _where(f: Any) -> str:
    if f.sheet and f.cell:
        return f"{f.sheet}!{f.cell}"
    return f.sheet or f.location or ""


def render_html(run: RunResult) -> str:
    return "\n".join(_lines(run))


def _lines(run: RunResult) -> Iterator[str]:
    """The lines of the page; the file rows are made one file at a time."""
    cat = catalogue()
    counts: dict[str, int] = dict.fromkeys(STATUS_ZH, 0)
    for status in run.statuses():
        counts[status] = counts.get(status, 0) + 1
    rules = run.file_rules()
    yield from [
        "<!DOCTYPE html>", '<html lang="zh-CN"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>政府信息公开工作年度报告检查结果（{_e(run.year or '')}年度）</title>",
        f"<style>{CSS}</style></head><body>",
        f"<h1>政府信息公开工作年度报告检查结果（{_e(run.year or '年度未定')}年度）</h1>",
        '<div class="counts">',
        f"<span>文件 {len(run.files)} 个</span>",
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
        f'显示 <b id="shown">{len(run.files)}</b> 个文件',
        "</div>",
        '<table id="files"><thead><tr><th>文件</th><th>单位</th><th>年度</th><th>状态</th><th>错误</th>'
        "<th>警告</th><th>问题明细</th></tr></thead><tbody>",
    ]
    for r in run.files:
        c = r.counts
        file_rules = " ".join(sorted({f.rule for f in r.findings}))
        items = []
        for f in r.findings:
            sev_class = {"error": "f-err", "warning": "f-warn"}.get(f.severity, "f-info")
            na = "（无法检查）" if f.outcome == "not_assessable" else ""
            items.append(f'<li class="{sev_class}">[{_e(SEVERITY_ZH.get(f.severity, f.severity))}{_e(na)}] '
                         f"<b>{_e(f.rule)}</b> {_e(_where(f))}：{_e(f.message)}"
                         + (f'<br><span class="hint">修改建议：{_e(f.hint)}</span>' if f.hint else "") + "</li>")
        detail = (f"<details><summary>{len(r.findings)} 条</summary><ul class=\"findings\">{''.join(items)}</ul>"
                  "</details>") if items else "无"
        yield (f'<tr class="{_e(r.status)}" data-status="{_e(r.status)}" data-unit="{_e(r.unit or "")}" '
               f'data-file="{_e(r.path)}" data-rules="{_e(file_rules)}"><td>{_e(r.path)}</td>'
               f'<td>{_e(r.unit or "")}</td><td>{_e(r.year if r.year is not None else "")}</td>'
               f"<td>{_e(STATUS_ZH.get(r.status, r.status))}</td>"
               f'<td class="n">{c["error"]}</td><td class="n">{c["warning"]}</td><td>{detail}</td></tr>')
    yield "</tbody></table>"
    yield "<h2>名单中未报送的单位</h2>"
    if run.roster_missing:
        yield "<table><thead><tr><th>单位</th><th>单位代码</th><th>层级</th><th>上级单位</th></tr></thead><tbody>"
        for u in run.roster_missing:
            yield ("<tr>" + "".join(f"<td>{_e(u.get(k, ''))}</td>" for k in ("name", "code", "level", "parent"))
                   + "</tr>")
        yield "</tbody></table>"
    else:
        yield "<p>无（或未提供名单）。</p>"
    yield ("<h2>规则统计</h2><table><thead><tr><th>规则</th><th>名称</th><th>级别</th><th>问题数</th>"
           "<th>涉及文件数</th><th>无法检查数</th></tr></thead><tbody>")
    for rule, e in run.rule_counts().items():
        yield (f"<tr><td>{_e(rule)}</td><td>{_e((cat.get(rule) or {}).get('title', ''))}</td>"
               f"<td>{_e(SEVERITY_ZH.get(e['severity'], e['severity']))}</td><td class=\"n\">{e['findings']}</td>"
               f"<td class=\"n\">{e['files']}</td><td class=\"n\">{e['not_assessable']}</td></tr>")
    yield "</tbody></table>"
    yield (f'<p class="hint">由 xxgk {_e(__version__)} 生成。'
           "汇总表见 summary.xlsx，机器可读结果见 summary.json。</p>")
    yield f"<script>{JS}</script></body></html>"


def write_html(run: RunResult, path: Path) -> Path:
    """The same text as render_html(run), written one line at a time."""
    with path.open("w", encoding="utf-8") as fh:
        sep = ""
        for line in _lines(run):
            fh.write(sep + line)
            sep = "\n"
    return path
