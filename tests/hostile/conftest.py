"""The hostile corpus, built once per session in a temporary folder, and a CLI runner."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from .corpus import Case, build_corpus


@dataclass
class Corpus:
    root: Path
    cases: list[Case]
    sha: dict[str, str]  # relative name -> sha256 of every regular file, taken right after building


def tree_hashes(root: Path) -> dict[str, str]:
    out = {}
    for dirpath, _dirs, files in os.walk(root):  # does not follow the symlinked folder loop
        for name in files:
            p = Path(dirpath) / name
            if p.is_symlink():
                continue
            out[str(p.relative_to(root))] = hashlib.sha256(p.read_bytes()).hexdigest()
    return out


@pytest.fixture(scope="session")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Corpus:
    root = tmp_path_factory.mktemp("hostile") / "收到的文件"
    root.mkdir()
    cases = build_corpus(root)
    return Corpus(root, cases, tree_hashes(root))


def run_cli(*args: str, cwd: Path | None = None, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """`xxgk ARGS` in a fresh interpreter, as a user runs it (no terminal: no progress bar)."""
    code = "import sys; from xxgk.cli import main; sys.argv[0] = 'xxgk'; main()"
    return subprocess.run([sys.executable, "-c", code, *args], cwd=cwd, capture_output=True, text=True,
                          timeout=timeout, env={**os.environ, "PYTHONIOENCODING": "utf-8"})
