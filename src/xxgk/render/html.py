"""Layout -> one self-contained HTML page (inline CSS, every text escaped)."""

from __future__ import annotations

from ..sanitize import for_html as escape
from .layout import STAMP_NOTE, GridTable, Heading, Item, Paragraph, Stamp, Title

CSS = """
body { font-family: "SimSun", "Songti SC", "Noto Serif CJK SC", serif; max-width: 60em; margin: 2em auto;
       padding: 0 1em; line-height: 1.8; color: #111; }
h1 { text-align: center; font-size: 1.6em; font-weight: bold; }
h2 { font-family: "SimHei", "Heiti SC", "Noto Sans CJK SC", sans-serif; font-size: 1.2em; margin-top: 1.4em; }
h3 { font-family: "KaiTi", "Kaiti SC", serif; font-size: 1.05em; font-weight: bold; }
p { text-indent: 2em; margin: 0.4em 0; }
table { border-collapse: collapse; margin: 0.8em auto; font-size: 0.9em; }
th, td { border: 1px solid #333; padding: 0.25em 0.4em; text-align: center; vertical-align: middle; }
th { background: #f2f2f2; font-weight: normal; }
td.num { min-width: 3em; }
table.t3 th.label { text-align: left; }
.scroll { overflow-x: auto; -webkit-overflow-scrolling: touch; margin: 0.8em 0; }
.scroll table { margin: 0 auto; }
.stamp { border: 2px solid #c00000; color: #c00000; font-weight: bold; text-align: center; text-indent: 0;
         padding: 0.4em; }
@media (max-width: 600px) {
  body { margin: 1em auto; padding: 0 0.6em; line-height: 1.7; }
  h1 { font-size: 1.3em; }
  table { font-size: 0.78em; }
  th, td { padding: 0.2em 0.25em; }
  table.t3 th.label { min-width: 6em; }
}
@media print { body { margin: 0; max-width: none; } .scroll { overflow: visible; }
               table { page-break-inside: auto; } }
""".strip()


def _table(t: GridTable) -> str:
    # a table wider than a phone scrolls inside its box; the page itself never scrolls sideways
    out = ['<div class="scroll">',
           f'<table class="{ {"proactive": "t2", "requests": "t3", "review_litigation": "t4"}[t.key]}">']
    covered: set[tuple[int, int]] = set()
    for c in t.cells:
        for dr in range(c.rowspan):
            for dc in range(c.colspan):
                if dr or dc:
                    covered.add((c.row + dr, c.col + dc))
    by_pos = {(c.row, c.col): c for c in t.cells}
    for r in range(t.nrows):
        out.append("<tr>")
        for col in range(t.ncols):
            if (r, col) in covered:
                continue
            c = by_pos.get((r, col))
            if c is None:
                out.append("<td></td>")
                continue
            tag = "th" if c.header else "td"
            attrs = ""
            if c.rowspan > 1:
                attrs += f' rowspan="{c.rowspan}"'
            if c.colspan > 1:
                attrs += f' colspan="{c.colspan}"'
            cls = ' class="label"' if c.header and t.key == "requests" and r >= t.header_rows and col < 3 else ""
            if not c.header:
                cls = ' class="num"'
            out.append(f"<{tag}{attrs}{cls}>{escape(c.text)}</{tag}>")
        out.append("</tr>")
    out.append("</table></div>")
    return "\n".join(out)


def render_html(items: list[Item]) -> bytes:
    title = next((i.text for i in items if isinstance(i, Title)), "")
    parts = [
        "<!DOCTYPE html>", '<html lang="zh-CN">', "<head>", '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(title)}</title>", f"<style>\n{CSS}\n</style>", "</head>", "<body>",
    ]
    for it in items:
        if isinstance(it, Title):
            parts.append(f"<h1>{escape(it.text)}</h1>")
        elif isinstance(it, Stamp):
            parts.append(f'<p class="stamp">【{escape(it.text)}】{escape(STAMP_NOTE)}</p>')
        elif isinstance(it, Heading):
            tag = "h2" if it.level == 1 else "h3"
            parts.append(f"<{tag}>{escape(it.text)}</{tag}>")
        elif isinstance(it, Paragraph):
            parts.append(f"<p>{escape(it.text)}</p>")
        elif isinstance(it, GridTable):
            parts.append(_table(it))
    parts += ["</body>", "</html>", ""]
    return "\n".join(parts).encode("utf-8")
