"""Helpers and fixtures for the runtime tests (not a conftest.py: tests/conftest.py owns that module name)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from collections.abc import Mapping
from pathlib import Path

from pipec.compiler.ir import Pipeline


def write_files(root: Path, files: Mapping[str, str]) -> Path:
    """Write `files` ({relative path: source}) under `root`, dedented; packages get an __init__.py."""
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
        for parent in path.relative_to(root).parents:
            if parent != Path(".") and not (root / parent / "__init__.py").exists():
                (root / parent / "__init__.py").write_text("", encoding="utf-8")
    return root


def load_pipeline(root: Path, entry: str = "run.py", *, pipeline: str | None = None,
                  params: Mapping[str, str] | None = None) -> Pipeline:
    """The single (or named) pipeline of `entry`, compiled statically; fails the test on errors."""
    from pipec.compiler import api
    from pipec.compiler.diagnostics import render_all

    result = api.load(root / entry, root=root, params=params, pipeline=pipeline)
    assert not result.diagnostics.has_errors, render_all(result.diagnostics, result.root)
    assert len(result.program.pipelines) == 1, [p.name for p in result.program.pipelines]
    return result.program.pipelines[0]


def make_project(tmp_path: Path, files: Mapping[str, str]) -> Path:
    """Write a project into tmp_path/"proj" and return its root."""
    root = tmp_path / "proj"
    root.mkdir(exist_ok=True)
    return write_files(root, files)


def run_shim(args: list[str], cwd: Path, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """`python -m pipec.runtime run-step ARGS` in `cwd`."""
    return subprocess.run([sys.executable, "-m", "pipec.runtime", "run-step", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=timeout)
