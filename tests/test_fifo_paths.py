"""A fifo where pipec reads a file is refused, never waited on (report F13: `pipec compile`
blocked forever on a fifo as the entry file, the run config, an imported module or an output).

Each case runs `pipec` in a subprocess with a timeout, so a regression fails instead of
hanging the test run.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

DIAMOND = Path(__file__).resolve().parents[1] / "examples/diamond/run.py"


def _pipec(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pipec", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=60)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "pyproject.toml").write_text("")
    (tmp_path / "run.py").write_text(DIAMOND.read_text())
    return tmp_path


@pytest.mark.parametrize("args, says", [
    (["compile", "fifo.py", "--target", "ir"], "cannot read pipeline file `fifo.py`: it is not a regular file"),
    (["compile", "run.py", "--target", "ir", "--config", "fifo.py"],
     "cannot read run configuration `fifo.py`: it is not a regular file"),
])
def test_a_fifo_given_on_the_command_line(project: Path, args: list[str], says: str) -> None:
    os.mkfifo(project / "fifo.py")
    proc = _pipec(project, *args)
    assert proc.returncode == 2 and says in proc.stderr, proc.stderr


def test_a_fifo_as_an_imported_module(project: Path) -> None:
    (project / "run.py").write_text("from helpers import N\nfrom pipec import pipeline, step\n\n\n@step\n"
                                    "def s(n: int) -> int:\n    return n\n\n\n@pipeline\ndef p():\n    s(n=N)\n")
    os.mkfifo(project / "helpers.py")
    proc = _pipec(project, "compile", "run.py", "--target", "ir")
    # the module index takes only regular files for modules: the name is reported unresolved
    assert proc.returncode == 2 and "`helpers` outside the source root" in proc.stderr, proc.stderr


@pytest.mark.parametrize("check", [False, True])
def test_a_fifo_where_an_output_goes(project: Path, check: bool) -> None:
    assert _pipec(project, "compile", "run.py", "--target", "ir", "--out", "out").returncode == 0
    output = project / "out/ir/diamond.json"
    output.unlink()
    os.mkfifo(output)
    proc = _pipec(project, "compile", "run.py", "--target", "ir", "--out", "out", *(["--check"] if check else []))
    assert proc.returncode == 2 and "out/ir/diamond.json: not a regular file" in proc.stderr, proc.stderr
