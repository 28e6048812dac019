"""Shared pytest options and helpers for running the `pipec` command line.

Options:
  --update-golden     rewrite golden/ from the current compiler output (removes stale files)
  --update-snapshots  rewrite tests/snapshots/ from the current diagnostics
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import pytest

#: The repository root (the folder holding pyproject.toml).
REPO = Path(__file__).resolve().parent.parent
#: Example pipelines, one folder per case, each with an entry `run.py`.
EXAMPLES = REPO / "examples"
#: Expected compiler output: golden/<case>/<target>/...
GOLDEN = REPO / "golden"

#: Printed by Python for an uncaught exception; must never reach a pipec user.
TRACEBACK = "Traceback (most recent call last)"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("pipec")
    group.addoption("--update-golden", action="store_true", default=False,
                    help="rewrite golden/ from the current compiler output")
    group.addoption("--update-snapshots", action="store_true", default=False,
                    help="rewrite tests/snapshots/ from the current diagnostics")


def example_cases() -> list[str]:
    """Names of the example folders that have an entry `run.py`, sorted."""
    return sorted(p.parent.name for p in EXAMPLES.glob("*/run.py"))


def example_args(case: str, root: Path = EXAMPLES) -> list[str]:
    """`run.py` of example `case` under `root`, plus `--config` when the example has a config.yaml."""
    folder = root / case
    args = [str(folder / "run.py")]
    if (folder / "config.yaml").is_file():
        args += ["--config", str(folder / "config.yaml")]
    return args


def clean_env(**overrides: str) -> dict[str, str]:
    """The current environment without colour or terminal hints, plus `overrides`."""
    env = {k: v for k, v in os.environ.items() if k not in {"FORCE_COLOR", "CLICOLOR_FORCE", "COLUMNS"}}
    env.update(NO_COLOR="1", TERM="dumb", PYTHONHASHSEED="0", PYTHONIOENCODING="utf-8")
    env.update(overrides)
    return env


RunPipec = Callable[..., subprocess.CompletedProcess]


def run_pipec(args: Sequence[str], cwd: Path = REPO, env: Mapping[str, str] | None = None,
              timeout: float = 120) -> subprocess.CompletedProcess:
    """Run `python -m pipec ARGS` in a fresh process and capture its output as text."""
    return subprocess.run(
        [sys.executable, "-m", "pipec", *args],
        cwd=cwd,
        env=dict(env) if env is not None else clean_env(),
        capture_output=True,
        text=True,
        encoding="utf-8",
        errors="replace",
        timeout=timeout,
    )


@pytest.fixture
def pipec() -> RunPipec:
    """`pipec(args, cwd=..., env=...)` runs the CLI in a subprocess (see :func:`run_pipec`)."""
    return run_pipec


def read_tree(root: Path) -> dict[str, bytes]:
    """Every file below `root` as {relative POSIX path: bytes}."""
    if not root.is_dir():
        return {}
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}
