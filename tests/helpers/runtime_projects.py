"""Projects the runtime tests run: writing them into a folder, compiling them, running one step
through the shim, and the project sources several test modules share."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from collections.abc import Mapping
from pathlib import Path

from pipec.ir import Pipeline


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
    from pipec.ir.diagnostics import render_all

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


# --------------------------------------------------------------------------- projects several modules run

#: A pandas diamond: load -> (left, right) -> join.
DIAMOND = {
    "steps/ops.py": """
        import pandas as pd
        from pipec import step

        @step
        def load(n: int) -> pd.DataFrame:
            return pd.DataFrame({"x": list(range(n)), "y": [float(i) * 0.5 for i in range(n)]})

        @step
        def left(df: pd.DataFrame) -> pd.DataFrame:
            return df.assign(z=df.x * 10)

        @step
        def right(df: pd.DataFrame) -> dict[str, float]:
            return {"mean_y": float(df.y.mean())}

        @step
        def join(df: pd.DataFrame, stats: dict[str, float]) -> pd.DataFrame:
            return df.assign(mean_y=stats["mean_y"])
    """,
    "run.py": """
        from pipec import pipeline
        from steps.ops import join, left, load, right

        @pipeline
        def diamond(n: int = 4):
            df = load(n=n)
            join(left(df), right(df))
    """,
}

#: A materializer that sleeps mid-write when the project holds a file `slow` (to be killed there).
KILL = {
    "steps/ops.py": """
        import os, time
        from pipec import step
        from pipec.runtime.materializers import Materializer, register

        class Blob:
            def __init__(self, data: bytes) -> None:
                self.data = data

        class SlowBlobMaterializer(Materializer):
            name = "slow-blob"
            value_types = ("steps.ops.Blob",)

            def save(self, value, out):
                out.write(value.data[:100])
                flag = os.path.join(os.path.dirname(__file__), "..", "slow")
                if os.path.exists(flag):
                    with open(flag + ".pid.tmp", "w") as f:
                        f.write(str(os.getpid()))
                    os.replace(flag + ".pid.tmp", flag + ".pid")
                    time.sleep(60)
                out.write(value.data[100:])

            def load(self, src):
                return Blob(src.read())

        register(SlowBlobMaterializer())

        @step
        def produce() -> Blob:
            return Blob(b"x" * 5000)

        @step
        def consume(blob: Blob) -> int:
            return len(blob.data)

        @step
        def independent() -> str:
            return "done"
    """,
    "run.py": """
        from pipec import pipeline
        from steps.ops import consume, independent, produce

        @pipeline
        def killable():
            consume(produce())
            independent()
    """,
}

#: A script (`python -c WRITER URL WHO COUNT`) that writes COUNT completed steps into run `shared`.
WRITER = textwrap.dedent("""
    import sys, time
    from pipec.runtime import metadata as md
    from pipec.runtime.artifacts import ArtifactInfo
    url, who, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
    store = md.MetadataStore(url)
    store.create_pipeline_run("shared", "p", orchestrator="external")
    for i in range(count):
        row = store.start_step_run("shared", f"{who}-{i}", cache_key=f"{who}-{i}")
        store.finish_step_run(row, md.COMPLETED, artifacts=[ArtifactInfo(
            "out", "int", "json", "sha256:0", 1, f"p/{who}/{i}", f"/s/p/{who}/{i}")])
    store.close()
""")
