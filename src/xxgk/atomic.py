"""Outputs are written to a temporary file beside the target and renamed into place, so a reader (or
a second run) never sees half a file and an interrupted run leaves the old file intact."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path


@contextlib.contextmanager
def atomic_path(target: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a fresh temporary path in `target`'s folder; when the block succeeds it replaces `target`
    (os.replace, atomic on one file system); when it raises, the temporary file is removed."""
    target = Path(target)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name[:60]}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    os.chmod(tmp_path, 0o666 & ~_UMASK)  # mkstemp makes 0600; an output gets the usual mode
    try:
        yield tmp_path
        os.replace(tmp_path, target)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp_path.unlink()
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


_UMASK = _umask()  # read once at import: os.umask is process-wide, so not toggled while threads write


def atomic_write(target: str | os.PathLike[str], data: bytes) -> Path:
    """Write `data` to `target` atomically; returns the target path."""
    with atomic_path(target) as tmp, open(tmp, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    return Path(target)
