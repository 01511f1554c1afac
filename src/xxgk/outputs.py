"""Output folders and files of the command line: validated before any work, locked while written,
named so that nothing is overwritten, and left clean when a run is interrupted.

- `check_out_dir` / `check_out_file`: the target must be creatable and writable, not under a
  regular file, not in /proc, /sys or /dev (so not /dev/null), and not equal to or inside an input
  folder — unless it is a subfolder named for the purpose (汇总/结果/输出/summary/output/out) that
  is empty or holds only an earlier run's output. Problems raise `OutputError` (Chinese; exit 2).
- `locked`: an exclusive POSIX lock (lockf: held by this process only, not by the worker processes
  it forks, and released when it dies, even by SIGKILL) on a file named after the output folder in
  a per-user folder under /tmp (nothing lands among the outputs); a second run on the same
  folder waits up to 10 s, then is refused (exit 2) with a message naming the busy folder.
- `unique_target`: a file name in a folder that no earlier output of this run, no existing file
  and no input uses ("名称 (2).json").
- `interrupt_cleanup`: SIGTERM is turned into the same KeyboardInterrupt as Ctrl+C, so the
  `finally`/`except BaseException` blocks that remove temporary folders run on both.
"""

from __future__ import annotations

import contextlib
import errno
import os
import signal
import stat
import tempfile
import time
from collections.abc import Iterable, Iterator
from pathlib import Path

from .sanitize import path_display

LOCK_WAIT = 10.0  # seconds a second run waits for the folder before it refuses
TEMP_PREFIX = ".xxgk-tmp-"  # generate's temporary folder; `check` skips folders so named
OUTPUT_MARK = ".xxgk-output"  # written into a summary folder: `check` then never reads it as input
_SYSTEM_ROOTS = ("/proc", "/sys", "/dev")
_PURPOSE_WORDS = ("汇总", "结果", "输出", "summary", "output", "out", "result", "report")


class OutputError(Exception):
    """The output path cannot be used; the message is Chinese and says how to fix it."""


def _real(p: Path) -> Path:
    return Path(os.path.realpath(os.fspath(p)))


def _under(child: Path, parent: Path) -> bool:
    return child == parent or parent in child.parents


def _shown(p: Path) -> str:
    return path_display(os.fspath(p))


def _check_place(target: Path, what: str) -> Path:
    """The resolved target after the checks every output shares (system folders, files in the way)."""
    real = _real(target)
    for root in _SYSTEM_ROOTS:
        if _under(real, Path(root)):
            raise OutputError(f"{what}“{_shown(target)}”位于系统目录{root}中，不能写入；请换一个普通文件夹。")
    for parent in real.parents:
        try:
            st = os.stat(parent)
        except FileNotFoundError:
            continue
        except OSError as e:
            raise OutputError(f"{what}“{_shown(target)}”无法使用：{e.strerror or e}。") from None
        if not stat.S_ISDIR(st.st_mode):
            raise OutputError(f"{what}“{_shown(target)}”所在的“{_shown(parent)}”是一个文件，不是文件夹；"
                              "请换一个路径。")
        break
    return real


def _named_for_output(p: Path) -> bool:
    name = p.name.lower()
    return any(w in name for w in _PURPOSE_WORDS)


def _only_earlier_output(p: Path) -> bool:
    try:
        names = set(os.listdir(p))
    except OSError:
        return False
    return not names or OUTPUT_MARK in names


def check_out_dir(out: Path, inputs: Iterable[Path] = (), *, what: str = "输出文件夹",
                  output_names: Iterable[str] = ()) -> Path:
    """Validate (and create) the output folder before any work; returns it as given."""
    out = Path(out)
    real = _check_place(out, what)
    try:
        st = os.stat(real)
        if not stat.S_ISDIR(st.st_mode):
            raise OutputError(f"{what}“{_shown(out)}”已存在，但不是文件夹；请换一个名称。")
    except FileNotFoundError:
        pass
    except OSError as e:
        raise OutputError(f"{what}“{_shown(out)}”无法使用：{e.strerror or e}。") from None
    names = set(output_names)
    for inp in inputs:
        rin = _real(Path(inp))
        if os.path.isdir(rin):
            if real == rin or (_under(real, rin) and not (_named_for_output(real) and
                                                           (not real.exists() or _only_earlier_output(real)))):
                raise OutputError(
                    f"{what}“{_shown(out)}”与输入文件夹“{_shown(Path(inp))}”相同或位于其中，输出会混入或覆盖报送的文件。"
                    "请换一个输入文件夹之外的文件夹，或在输入文件夹中新建一个名称含“汇总”或“结果”的空文件夹。")
        elif rin.parent == real and rin.name in names:
            raise OutputError(f"输入文件“{_shown(Path(inp))}”与将要写入的输出同名，会被覆盖；请用 --out 换一个文件夹。")
    try:
        real.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(prefix=".xxgk-probe.", dir=real)
        os.close(fd)
        os.unlink(probe)
    except OSError as e:
        reason = "没有写入权限" if e.errno in (errno.EACCES, errno.EPERM, errno.EROFS) else (e.strerror or str(e))
        raise OutputError(f"无法在{what}“{_shown(out)}”中写入文件：{reason}。请换一个文件夹。") from None
    return out


def check_out_file(out: Path, inputs: Iterable[Path] = (), *, what: str = "输出文件") -> Path:
    """Validate an output file: its folder as for check_out_dir (created), the file itself not an
    input, not a folder and not a device."""
    out = Path(out)
    real = _check_place(out, what)
    for inp in inputs:
        if _real(Path(inp)) == real:
            raise OutputError(f"{what}“{_shown(out)}”就是输入文件，不能覆盖；请换一个文件名。")
    try:
        st = os.stat(real)
        if not stat.S_ISREG(st.st_mode):
            kind = "文件夹" if stat.S_ISDIR(st.st_mode) else "设备或特殊文件"
            raise OutputError(f"{what}“{_shown(out)}”已存在，是一个{kind}，不能写入；请换一个文件名。")
    except FileNotFoundError:
        pass
    except OSError as e:
        raise OutputError(f"{what}“{_shown(out)}”无法使用：{e.strerror or e}。") from None
    check_out_dir(real.parent, what="输出文件所在的文件夹")
    return out


def _lock_file(out_dir: Path) -> Path:
    """The lock of an output folder lives in a per-user folder under the system's temporary
    folder, named by the folder's real path: nothing extra lands among the outputs (the blank
    workbooks go to the units as they are)."""
    import hashlib

    key = hashlib.sha256(os.fsencode(os.path.realpath(os.fspath(out_dir)))).hexdigest()[:32]
    folder = Path(tempfile.gettempdir()) / f"xxgk-locks-{os.getuid()}"
    folder.mkdir(mode=0o700, exist_ok=True)
    st = os.lstat(folder)
    if not stat.S_ISDIR(st.st_mode) or st.st_uid != os.getuid():  # someone else's folder or a link
        raise OutputError(f"锁文件夹“{_shown(folder)}”不属于当前用户；请删除它后再运行。")
    return folder / f"{key}.lock"


@contextlib.contextmanager
def locked(out_dir: Path, *, mark_output: bool = False, wait: float = LOCK_WAIT) -> Iterator[None]:
    """Hold an exclusive lock on the output folder for the block. When another run holds it, wait
    up to `wait` seconds (a run that just ended may leave worker processes for a moment), then
    refuse."""
    import fcntl

    out_dir = Path(out_dir)
    try:
        fd = os.open(_lock_file(out_dir), os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), 0o600)
    except OSError as e:
        raise OutputError(f"无法为输出文件夹“{_shown(out_dir)}”创建锁文件：{e.strerror or e}。") from None
    try:
        deadline = time.monotonic() + wait
        while True:
            try:
                fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError:
                if time.monotonic() >= deadline:
                    raise OutputError(f"输出文件夹“{_shown(out_dir)}”正被另一个xxgk运行写入；请等它结束后再运行，"
                                      "或用 --out 换一个文件夹。") from None
                time.sleep(0.2)
        if mark_output:
            with contextlib.suppress(OSError):
                (out_dir / OUTPUT_MARK).write_text(
                    "xxgk check 的输出文件夹（汇总或反馈文件）；检查时不作为报送文件读取。\n", encoding="utf-8")
        yield
    finally:
        os.close(fd)  # closing releases the lock; the file stays (removing it would race a waiting run)


def unique_target(folder: Path, stem: str, suffix: str, taken: set[str], inputs: Iterable[Path] = ()) -> Path:
    """`folder/stem+suffix`, or `stem (2)+suffix`, … : a name no file in the folder, no earlier
    output of this run (`taken`, updated) and no input has."""
    folder = Path(folder)
    inputs_real = {_real(Path(p)) for p in inputs}
    n = 1
    while True:
        name = f"{stem}{suffix}" if n == 1 else f"{stem} ({n}){suffix}"
        target = folder / name
        if name not in taken and not os.path.lexists(target) and _real(target) not in inputs_real:
            taken.add(name)
            return target
        n += 1


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # exists, owned by someone else
    return True


def fresh_temp_dir(out_dir: Path) -> Path:
    """A new hidden temporary folder beside `out_dir`, named with this process id. Folders that a
    run killed outright (SIGKILL: no cleanup could run) left for the same `out_dir` are removed
    first when their process is gone; `check` skips any that remain."""
    import shutil

    out_dir = Path(out_dir)
    stem = f"{TEMP_PREFIX}{out_dir.name[:40]}."
    with contextlib.suppress(OSError):
        for name in os.listdir(out_dir.parent):
            if name.startswith(stem):
                pid = name[len(stem):].split(".", 1)[0]
                if pid.isdigit() and int(pid) != os.getpid() and not _alive(int(pid)):
                    shutil.rmtree(out_dir.parent / name, ignore_errors=True)
    return Path(tempfile.mkdtemp(prefix=f"{stem}{os.getpid()}.", dir=out_dir.parent))


@contextlib.contextmanager
def interrupt_cleanup() -> Iterator[None]:
    """SIGTERM raises KeyboardInterrupt in the block, like Ctrl+C, so cleanup code runs on both."""
    def on_term(signum: int, frame: object) -> None:
        raise KeyboardInterrupt()

    try:
        old = signal.signal(signal.SIGTERM, on_term)
    except ValueError:  # not the main thread: nothing to install
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, old)


__all__ = ["OUTPUT_MARK", "TEMP_PREFIX", "OutputError", "check_out_dir", "check_out_file",
           "fresh_temp_dir", "interrupt_cleanup", "locked", "unique_target"]
