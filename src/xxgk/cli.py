"""Command line: a thin layer over the library. All user-facing text is Chinese.

Exit codes: 0 nothing failed; 1 a file failed, could not be read, or a roster unit is missing;
2 usage error (click's own convention for bad options, and ours for bad rosters/paths).
"""

from __future__ import annotations

import json
import os
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


def fail(message: str, code: int = 2) -> None:
    """A Chinese error on stderr and the exit code (2: usage, paths, internal errors)."""
    _echo(message, err=True)
    sys.exit(code)


class _Guarded(ZhGroup):
    """No traceback reaches the user: an output-path problem is a Chinese usage error (exit 2), any
    other unexpected error a Chinese message naming the log file that holds the detail (exit 2)."""

    def invoke(self, ctx: click.Context) -> object:
        from .outputs import OutputError

        try:
            return super().invoke(ctx)
        except (click.exceptions.ClickException, click.exceptions.Exit, click.exceptions.Abort):
            raise
        except OutputError as e:
            fail(str(e))
        except RecursionError as e:
            _internal(e, "输入的结构嵌套过深")
        except MemoryError as e:
            _internal(e, "内存不足")
        except Exception as e:
            _internal(e, None)
        return None


def _internal(e: BaseException, what: str | None) -> None:
    from . import errorlog

    where = errorlog.record(" ".join(sys.argv), e)
    detail = f"详情已记录在 {where}" if where else "详情未能记录"
    # the exception's own (English) text stays in the log; the user gets the Chinese category
    fail(f"xxgk 运行出错（{what or '程序内部错误'}），未完成。{detail}；请把该文件和所用的命令反馈给技术支持。")


@click.group(cls=_Guarded, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="xxgk")
def main() -> None:
    """xxgk：政府信息公开工作年度报告 填报表生成、批量检查、导入和排版工具。"""


# ---------------------------------------------------------------- generate


@main.command()
@click.option("--roster", type=click.Path(exists=True, dir_okay=False, path_type=Path), help="单位名单（CSV或XLSX）")
@click.option("--unit", "unit_name", help="单个单位名称")
@click.option("--code", default="", help="单个单位的单位代码")
@click.option("--level", default=None,
              help="单个单位的层级；不填时按单位名称推断（…镇/乡、…街道、…局/委/办、…村/社区、…县/区人民政府）")
@click.option("--parent", default="", help="单个单位的上级单位")
@click.option("--year", required=True, type=click.IntRange(2021, 2100), help="报告年度，如 2024")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), help="输出文件夹（配合 --roster）")
@click.option("-o", "out_file", type=click.Path(dir_okay=False, path_type=Path), help="输出文件（配合 --unit）")
@click.option("--deadline", default="", help="报送截止日期，写入填报说明，如 2025年1月20日")
@click.option("--password", default="", help="工作表保护密码（默认不设密码，仅防误改）")
@click.option("--overwrite", is_flag=True, help="输出文件夹中已有同名填报表时覆盖（默认不覆盖，以免冲掉已填好的文件）")
def generate(roster: Path | None, unit_name: str | None, code: str, level: str, parent: str, year: int,
             out_dir: Path | None, out_file: Path | None, deadline: str, password: str, overwrite: bool) -> None:
    """按名单为每个单位生成锁定的填报工作簿。

    \b
    例：xxgk generate --roster samples/roster.csv --year 2024 --out 填报表/
        xxgk generate --unit 小浪底镇 --year 2024 -o 小浪底镇.xlsx
    """
    from .generate.roster import RosterError, Unit, infer_level, read_roster, unique_filenames
    from .generate.workbook import GenerateOptions, generate_roster, write_workbook
    from .outputs import check_out_dir, check_out_file, interrupt_cleanup, locked
    from .sanitize import clean, path_display

    if clean(deadline) != deadline or len(deadline) > 50:
        raise UsageProblem("--deadline 应为一个简短的日期，如 2025年1月20日（不能含控制字符，不超过50个字符）。")
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
        check_out_dir(out_dir, [roster])  # after the roster: a bad roster leaves no folder behind
        existing = [n for n in unique_filenames(units, year) if os.path.lexists(out_dir / n)]
        if existing and not overwrite:  # a unit's filled workbook may have been saved back here
            shown = "、".join(path_display(n) for n in existing[:3]) + ("等" if len(existing) > 3 else "")
            raise UsageProblem(f"输出文件夹中已有{len(existing)}个同名填报表（{shown}），未生成任何文件。"
                               "其中可能有已填好的文件；请换一个空文件夹，或确认可以覆盖后加 --overwrite。")
        with locked(out_dir), interrupt_cleanup():  # Ctrl+C or SIGTERM: the temporary folder is removed
            written = generate_roster(units, year, out_dir, options)
        click.echo(f"已为 {len(written)} 个单位生成填报表，保存在 {path_display(out_dir)}")
        return
    if not unit_name or not out_file:
        raise UsageProblem("请用 --roster … --out 文件夹，或 --unit 单位名称 -o 文件.xlsx。")
    from .form.definition import load_form
    from .generate.roster import unit_text_problem

    name = unit_name.strip()
    bad = unit_text_problem({"name": name, "code": code, "parent": parent})
    if bad:
        raise UsageProblem(bad)
    if level is None:
        lv = infer_level(name)
        if lv is None:
            raise UsageProblem(f"无法从单位名称“{name}”判断单位层级，请用 --level 指定，"
                               f"可选：{'、'.join(load_form().unit_levels)}。")
        _echo(f"未指定 --level，按单位名称推断“{name}”的层级为“{lv}”；如不对，请用 --level 指定。", err=True)
    else:
        lv = load_form().normalise_level(level)
    if lv is None:
        raise UsageProblem(f"单位层级“{level}”无法识别，可选：{'、'.join(load_form().unit_levels)}。")
    check_out_file(out_file)
    if out_file.suffix.lower() != ".xlsx":
        raise UsageProblem(f"输出文件“{path_display(out_file)}”应以 .xlsx 结尾（填报表是 Excel 工作簿）。")
    if os.path.lexists(out_file) and not overwrite:
        raise UsageProblem(f"文件“{path_display(out_file)}”已存在，未覆盖；"
                           "请换一个文件名，或确认可以覆盖后加 --overwrite。")
    write_workbook(Unit(name=name, code=code, level=lv, parent=parent), year, out_file, options)
    _echo(f"已生成 {path_display(out_file)}")


@main.command()
@click.option("--version", "form_version", default="2021", show_default=True, help="表格版本")
@click.option("-o", "out", type=click.Path(dir_okay=False, path_type=Path), help="写入文件；默认输出到屏幕")
def manifest(form_version: str, out: Path | None) -> None:
    """输出某版表格的结构清单（工作表、标签、公式、锁定单元格、数据验证），供核对使用。"""
    from .form.definition import load_form
    from .generate.manifest import build_manifest

    text = json.dumps(build_manifest(load_form(form_version)), ensure_ascii=False, indent=2)
    if out:
        from .atomic import atomic_write
        from .outputs import check_out_file

        check_out_file(out)
        atomic_write(out, (text + "\n").encode("utf-8"))
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
@click.option("--feedback", "feedback_dir", type=click.Path(path_type=Path),
              help="为每个有问题的单位写一份反馈文件（标注副本、问题清单或说明）的文件夹，不能在报送文件夹内")
@click.option("--db", "db", help="把本次检查记为工作区的一轮（工作区文件夹，或 postgresql://… 地址），与网页共用")
def check(paths: tuple[Path, ...], roster: Path | None, year: int | None, previous: tuple[Path, ...],
          out_dir: Path, jobs: int | None, quiet: bool, feedback_dir: Path | None, db: str | None) -> None:
    """检查一个或多个文件夹中报送的填报表（以及已发布的报告），输出汇总。

    \b
    例：xxgk check 报送/ --roster samples/roster.csv --out summary/ --feedback feedback/
    """
    from .generate.roster import RosterError, read_roster
    from .outputs import check_out_dir, locked

    for p in paths:
        if not p.exists() and not p.is_symlink():
            raise UsageProblem(f"找不到路径：{p}")
    units = None
    if roster:  # before any folder is made: a bad roster leaves nothing behind
        try:
            units = read_roster(roster)
        except RosterError as e:
            _echo(f"名单有误：\n{e}", err=True)
            sys.exit(2)
    if feedback_dir is not None:
        from .report.feedback import target_problem

        problem = target_problem(feedback_dir, paths)
        if problem:
            raise UsageProblem(problem)
    check_out_dir(out_dir, [*paths, *previous, *([roster] if roster else [])],
                  output_names=("summary.xlsx", "summary.json", "summary.html"))
    with locked(out_dir, mark_output=True):  # a second run on the same --out is refused, not interleaved
        _check(paths, roster, units, year, previous, out_dir, jobs, quiet, feedback_dir, db)


def _check(paths: tuple[Path, ...], roster: Path | None, units: list | None, year: int | None,
           previous: tuple[Path, ...], out_dir: Path, jobs: int | None, quiet: bool, feedback_dir: Path | None,
           db: str | None) -> None:
    from .check.run import check_paths
    from .report.console import render_console
    from .report.writers import write_summaries

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
    if feedback_dir is not None:
        from .outputs import OUTPUT_MARK, locked
        from .report.feedback import describe, remove_stale, write_feedback

        try:
            feedback_dir.mkdir(parents=True, exist_ok=True)
            earlier = (feedback_dir / OUTPUT_MARK).exists()  # an earlier run's feedback is here
            with locked(feedback_dir, mark_output=True):  # marked: a later check never reads it as input
                result = write_feedback(run, feedback_dir, year)
                if earlier:
                    remove_stale(result)
            _echo(describe(result))
        except OSError as e:  # the disk filled up or the folder went away during the run
            _echo(f"反馈文件写入失败（{e.strerror or e}）：{feedback_dir}", err=True)
            sys.exit(2)
    if db:
        _record_in_store(db, run, roster, units)
    sys.exit(run.exit_code)


def _record_in_store(db: str, run: object, roster: Path | None, units: list | None) -> None:
    from .store import Store, StoreError
    from .store.checking import record_run

    try:
        store = Store.open(db)
    except StoreError as e:
        click.echo(f"未能记入工作区：{e}", err=True)
        sys.exit(2)
    try:
        if roster and units:
            store.set_roster(units, roster.name)
        rid = record_run(store, run)  # type: ignore[arg-type]
    except Exception as e:  # the database went away mid-run, the disk is full…: say so, no traceback
        click.echo(f"未能记入工作区（{type(e).__name__}: {str(e)[:200]}）；汇总文件已写好，可稍后重新运行。", err=True)
        sys.exit(2)
    finally:
        store.close()
    click.echo(f"已记入工作区（第{rid}轮）：{db}")


# ---------------------------------------------------------------- serve

LOOPBACK = {"127.0.0.1", "localhost", "::1"}


@main.command()
@click.option("--data", default="xxgk-工作区", show_default=True,
              help="工作区：文件夹（内含SQLite数据库和收到的文件），或 postgresql://… 地址")
@click.option("--files", "files_dir", type=click.Path(file_okay=False, path_type=Path),
              help="使用 postgresql:// 地址时存放收到文件的文件夹；不填则存入数据库")
@click.option("--host", default="127.0.0.1", show_default=True, help="监听地址；非本机地址必须设置密码")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535), help="端口")
@click.option("--password", envvar="XXGK_PASSWORD", default="", help="访问密码（也可用环境变量 XXGK_PASSWORD）")
@click.option("--jobs", type=click.IntRange(1, 64), help="检查时的并行进程数，默认为CPU核数")
@click.option("--no-browser", is_flag=True, help="不自动打开浏览器")
def serve(data: str, files_dir: Path | None, host: str, port: int, password: str, jobs: int | None,
          no_browser: bool) -> None:
    """在浏览器中收集和检查各单位的报送（名单、生成、收件、检查结果、汇总、对比）。

    \b
    例：xxgk serve --data 2024年报收集
    """
    if host not in LOOPBACK and not password:
        click.echo(f"监听地址 {host} 不是本机地址，其他电脑也能访问：请用 --password 或环境变量 XXGK_PASSWORD "
                   "设置访问密码后再启动；仅本机使用请去掉 --host。", err=True)
        sys.exit(2)
    import socket
    import threading
    import webbrowser

    import uvicorn

    from .store import Store, StoreError
    from .web.app import create_app

    try:
        with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
            probe.bind((host, port))
    except OSError as e:
        click.echo(f"无法在 {host}:{port} 上启动（{e.strerror or e}）：端口可能已被占用，请用 --port 换一个端口。",
                   err=True)
        sys.exit(2)
    try:
        store = Store.open(data, files_dir)
    except StoreError as e:
        click.echo(str(e), err=True)
        sys.exit(2)
    app = create_app(store, password=password or None, jobs=jobs)
    url = f"http://{'127.0.0.1' if host in ('0.0.0.0', '::') else host}:{port}/"
    click.echo(f"已启动：{url}（工作区：{data}；按 Ctrl+C 停止）")
    if not no_browser:
        threading.Timer(1.0, lambda: webbrowser.open(url)).start()
    try:
        uvicorn.run(app, host=host, port=port, log_level="warning")
    finally:
        store.close()


# ---------------------------------------------------------------- import / render


@main.command(name="import")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("-o", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=Path("."),
              show_default=True, help="输出文件夹（每个报告一个 JSON 文档）")
def import_(files: tuple[Path, ...], out_dir: Path) -> None:
    """把已发布的报告（文本、HTML、Word .docx、PDF）转换为报告文档（JSON）。"""
    from .outputs import check_out_dir, locked

    check_out_dir(out_dir)
    with locked(out_dir):
        sys.exit(_import(files, out_dir))


def _import(files: tuple[Path, ...], out_dir: Path) -> int:
    """Each file read by the checker's loader (same caps, time limit, regular files only); each
    document written atomically under a name no other output or input has (the run says so)."""
    from .atomic import atomic_write
    from .check.load import read_file
    from .outputs import unique_target
    from .sanitize import for_terminal, path_display

    worst = 0
    taken: set[str] = set()
    for f in files:
        loaded = read_file(f)
        shown = path_display(f)
        if loaded.document is not None:
            target = unique_target(out_dir, f.stem, ".json", taken, files)
            data = json.dumps(loaded.document, ensure_ascii=False, indent=2) + "\n"
            atomic_write(target, data.encode("utf-8", "surrogatepass"))
            renamed = ("" if target.name == f.stem + ".json"
                       else f"（同名文件已存在，另存为 {path_display(target.name)}）")
            click.echo(f"{shown} → {path_display(target)}{renamed}")
        elif loaded.skipped:
            worst = 1
            click.echo(f"{shown}：已跳过", err=True)
        else:
            worst = 1
            click.echo(f"{shown}：无法导入", err=True)
        for fd in loaded.findings:
            if fd.severity == "error":
                worst = 1
            where = f" {for_terminal(fd.where)}" if fd.where else ""
            click.echo(f"  [{fd.rule}]{where} {for_terminal(fd.message)}", err=True)
    return worst


@main.command()
@click.argument("source", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("-o", "out", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="输出文件：.docx、.html 或 .md")
@click.option("--force", is_flag=True, help="检查有错误时仍然生成，文档中标注“未通过检查”（仅供核对）")
def render(source: Path, out: Path, force: bool) -> None:
    """由填好的工作簿或报告文档生成可发布的年度报告（.docx / .html / .md）。

    生成前先检查；有错误时不生成并列出错误（退出码1），除非加 --force。
    """
    from .outputs import check_out_file
    from .render import RenderError, render_file

    check_out_file(out, [source])
    try:
        result = render_file(source, out, force=force)  # a JSON document is validated first, naming the field
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
