"""Command line: a thin layer over the library. All user-facing text is Chinese.

Exit codes: 0 nothing failed; 1 a file failed, could not be read, or a roster unit is missing;
2 usage error (click's own convention for bad options, and ours for bad rosters/paths).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from . import __version__
from .click_zh import ZhGroup, install

install()  # click's own words (Usage:, Options:, Error: …) in Chinese


class UsageProblem(click.UsageError):
    exit_code = 2


def _echo(text: str, err: bool = False) -> None:
    """Print user text line by line with escape sequences and control characters made harmless."""
    from .sanitize import for_terminal

    click.echo("\n".join(for_terminal(line) for line in str(text).split("\n")), err=err)


@click.group(cls=ZhGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="xxgk")
def main() -> None:
    """xxgk：政府信息公开工作年度报告 填报表生成、批量检查、导入和排版工具。"""


# ---------------------------------------------------------------- generate


@main.command()
@click.option("--roster", type=click.Path(exists=True, dir_okay=False, path_type=Path), help="单位名单（CSV或XLSX）")
@click.option("--unit", "unit_name", help="单个单位名称")
@click.option("--code", default="", help="单个单位的单位代码")
@click.option("--level", default="乡镇", show_default=True, help="单个单位的层级")
@click.option("--parent", default="", help="单个单位的上级单位")
@click.option("--year", required=True, type=click.IntRange(2021, 2100), help="报告年度，如 2024")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), help="输出文件夹（配合 --roster）")
@click.option("-o", "out_file", type=click.Path(dir_okay=False, path_type=Path), help="输出文件（配合 --unit）")
@click.option("--deadline", default="", help="报送截止日期，写入填报说明，如 2025年1月20日")
@click.option("--password", default="", help="工作表保护密码（默认不设密码，仅防误改）")
def generate(roster: Path | None, unit_name: str | None, code: str, level: str, parent: str, year: int,
             out_dir: Path | None, out_file: Path | None, deadline: str, password: str) -> None:
    """按名单为每个单位生成锁定的填报工作簿。

    \b
    例：xxgk generate --roster samples/roster.csv --year 2024 --out 填报表/
        xxgk generate --unit 小浪底镇 --year 2024 -o 小浪底镇.xlsx
    """
    from .generate.roster import RosterError, Unit, read_roster
    from .generate.workbook import GenerateOptions, generate_roster, write_workbook

    options = GenerateOptions(deadline=deadline, password=password)
    if roster and unit_name:
        raise UsageProblem("--roster 和 --unit 只能选一个。")
    if roster:
        if not out_dir:
            raise UsageProblem("使用 --roster 时请用 --out 指定输出文件夹。")
        try:
            units = read_roster(roster)
        except RosterError as e:
            click.echo(f"名单有误，未生成任何文件：\n{e}", err=True)
            sys.exit(2)
        written = generate_roster(units, year, out_dir, options)
        click.echo(f"已为 {len(written)} 个单位生成填报表，保存在 {out_dir}")
        return
    if not unit_name or not out_file:
        raise UsageProblem("请用 --roster … --out 文件夹，或 --unit 单位名称 -o 文件.xlsx。")
    from .form.definition import load_form

    lv = load_form().normalise_level(level)
    if lv is None:
        raise UsageProblem(f"单位层级“{level}”无法识别，可选：{'、'.join(load_form().unit_levels)}。")
    write_workbook(Unit(name=unit_name.strip(), code=code, level=lv, parent=parent), year, out_file, options)
    click.echo(f"已生成 {out_file}")


@main.command()
@click.option("--version", "form_version", default="2021", show_default=True, help="表格版本")
@click.option("-o", "out", type=click.Path(dir_okay=False, path_type=Path), help="写入文件；默认输出到屏幕")
def manifest(form_version: str, out: Path | None) -> None:
    """输出某版表格的结构清单（工作表、标签、公式、锁定单元格、数据验证），供核对使用。"""
    from .form.definition import load_form
    from .generate.manifest import build_manifest

    text = json.dumps(build_manifest(load_form(form_version)), ensure_ascii=False, indent=2)
    if out:
        out.write_text(text + "\n", encoding="utf-8")
    else:
        click.echo(text)


@main.command()
@click.option("--check", "check_only", is_flag=True, help="只检查已提交的 schema 是否最新")
def schema(check_only: bool) -> None:
    """由表格定义生成 JSON Schema（schema/annual-report-2021.schema.json）。"""
    from .form.definition import load_form
    from .form.schema import schema_path, schema_text, write_schema

    form = load_form()
    if check_only:
        current = schema_path(form).read_text(encoding="utf-8") if schema_path(form).exists() else ""
        if current != schema_text(form):
            click.echo("schema 已过时，请运行 xxgk schema", err=True)
            sys.exit(1)
        click.echo("schema 是最新的")
        return
    click.echo(f"已写入 {write_schema()}")


@main.command(name="rules")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出")
def rules_(as_json: bool) -> None:
    """列出全部检查规则的编号、级别、名称和修改建议（编号长期不变）。"""
    from .report.model import SEVERITY_ZH, catalogue

    cat = catalogue()
    if as_json:
        click.echo(json.dumps(cat, ensure_ascii=False, indent=2))
        return
    for rule, e in sorted(cat.items()):
        click.echo(f"{rule:<22}{SEVERITY_ZH.get(e['severity'], e['severity'])}  {e['title']}：{e.get('hint', '')}")


# ---------------------------------------------------------------- check


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--roster", type=click.Path(exists=True, dir_okay=False, path_type=Path), help="单位名单，用于核对未报送")
@click.option("--year", type=click.IntRange(2021, 2100), help="报告年度；默认取多数文件的年度")
@click.option("--previous", multiple=True, type=click.Path(exists=True, path_type=Path),
              help="上一年度的报告（文件或文件夹），用于跨年度核对")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=Path("summary"),
              show_default=True, help="汇总结果输出文件夹")
@click.option("--jobs", type=click.IntRange(1, 64), help="并行进程数，默认为CPU核数")
@click.option("--quiet", is_flag=True, help="不显示进度条")
def check(paths: tuple[Path, ...], roster: Path | None, year: int | None, previous: tuple[Path, ...],
          out_dir: Path, jobs: int | None, quiet: bool) -> None:
    """检查一个或多个文件夹中报送的填报表（以及已发布的报告），输出汇总。

    \b
    例：xxgk check 报送/ --roster samples/roster.csv --out summary/
    """
    from .check.run import check_paths
    from .generate.roster import RosterError, read_roster
    from .report.console import render_console
    from .report.writers import write_summaries

    for p in paths:
        if not p.exists() and not p.is_symlink():
            raise UsageProblem(f"找不到路径：{p}")
    units = None
    if roster:
        try:
            units = read_roster(roster)
        except RosterError as e:
            click.echo(f"名单有误：\n{e}", err=True)
            sys.exit(2)
    bar = None
    progress = None
    if not quiet and sys.stderr.isatty():
        bar = click.progressbar(length=1, label="检查中", file=sys.stderr)

        def progress(done: int, total: int) -> None:
            bar.length = total
            bar.update(1)
    run = check_paths(list(paths), roster=units, year=year, previous=list(previous), jobs=jobs, progress=progress)
    if bar is not None:
        bar.render_finish()
    written = write_summaries(run, out_dir)
    _echo(render_console(run, summary_dir=out_dir))
    _echo("汇总已写入：" + "、".join(str(p) for p in written))
    sys.exit(run.exit_code)


# ---------------------------------------------------------------- import / render


@main.command(name="import")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("-o", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=Path("."),
              show_default=True, help="输出文件夹（每个报告一个 JSON 文档）")
def import_(files: tuple[Path, ...], out_dir: Path) -> None:
    """把已发布的报告（文本、HTML、Word .docx）转换为报告文档（JSON）。"""
    from .atomic import atomic_write
    from .importers import import_file
    from .sanitize import clean, path_display

    out_dir.mkdir(parents=True, exist_ok=True)
    worst = 0
    stems = [f.stem for f in files]
    for f in files:
        result = import_file(f)
        # report.txt and report.html side by side must not overwrite each other's output
        target = out_dir / ((f.stem if stems.count(f.stem) == 1 else f.name) + ".json")
        if result.document is not None:
            # json escapes control characters itself; clean() replaces what it leaves that UTF-8 cannot hold
            text = clean(json.dumps(result.document, ensure_ascii=False, indent=2)) + "\n"
            atomic_write(target, text.encode("utf-8"))
            _echo(f"{path_display(f)} → {path_display(target)}")
        else:
            worst = 1
            _echo(f"{path_display(f)}：无法导入", err=True)
        for fd in result.findings:
            if fd.severity == "error":
                worst = 1
            _echo(f"  [{fd.rule}] {fd.where} {fd.message}", err=True)
    sys.exit(worst)


@main.command()
@click.argument("source", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("-o", "out", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="输出文件：.docx、.html 或 .md")
@click.option("--force", is_flag=True, help="检查有错误时仍然生成，文档中标注“未通过检查”（仅供核对）")
def render(source: Path, out: Path, force: bool) -> None:
    """由填好的工作簿或报告文档生成可发布的年度报告（.docx / .html / .md）。

    生成前先检查；有错误时不生成并列出错误（退出码1），除非加 --force。
    """
    from .render import RenderError, render_file

    try:
        result = render_file(source, out, force=force)
    except RenderError as e:
        _echo(str(e), err=True)
        sys.exit(1)
    if result.stamped:
        _echo(f"已生成 {out}（未通过检查：{len(result.errors)}个错误，文档中已标注“未通过检查”，请勿发布）", err=True)
        for f in result.errors[:10]:
            _echo(f"  · [{f.rule}] {f.where}：{f.message}", err=True)
        return  # the user asked for it: exit 0, the stamp is in the document
    _echo(f"已生成 {out}")


if __name__ == "__main__":
    main(prog_name="xxgk")
