"""Small projects for the frontend tests: write them into a folder, load them, read the result."""

from __future__ import annotations

import textwrap
from pathlib import Path

from pipec.compiler.api import load
from pipec.ir import Pipeline


def write(root: Path, files: dict[str, str]) -> None:
    """Write `files` ({relative path: source}) under `root`, dedented."""
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")


def compile_src(tmp_path: Path, source: str, extra: dict[str, str] | None = None, **kwargs):
    """Load `source` as tmp_path/run.py of a project (with `extra` files) through the frontend."""
    write(tmp_path, {"pyproject.toml": "", "run.py": source, **(extra or {})})
    return load(tmp_path / "run.py", **kwargs)


def only(result) -> Pipeline:
    """The one pipeline of a load `result` without errors."""
    errors = [d for d in result.diagnostics if d.is_error]
    assert not errors, [f"{d.code} {d.message} @ {d.span}" for d in errors]
    assert len(result.program.pipelines) == 1
    return result.program.pipelines[0]


def codes(result) -> list[str]:
    """The diagnostic codes of a load `result`, in order."""
    return [d.code for d in result.diagnostics]


def sources(pipe: Pipeline, step_id: str) -> dict:
    """{input name: binding source} of step `step_id`."""
    return {b.name: b.source for b in pipe.step(step_id).inputs}
