"""An entry script's own calls of its functions give their parameters values.

From the independent corpus (a monitoring run script: `def monitoring_and_retrain(batch_tag)`
calls the pipeline with `incoming_batch_tag=batch_tag`, and the script ends with
`monitoring_and_retrain("batch_2_drifted")` under `__main__`), written in our own names:
running the script passes exactly that value, so the compile does too. Values the call sites
disagree on, or that pipec cannot know, keep the old diagnostic.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from pipec.compiler.api import load

PIPELINE = """
    from zenml import pipeline, step

    @step
    def fetch(tag: str, source: str) -> str:
        return tag + source

    @pipeline
    def monitor(tag: str, source: str = "db"):
        fetch(tag=tag, source=source)
"""


def _compile(tmp_path: Path, script: str):
    (tmp_path / "pipes.py").write_text(textwrap.dedent(PIPELINE).lstrip("\n"), encoding="utf-8")
    (tmp_path / "run.py").write_text("from pipes import monitor\n" + textwrap.dedent(script).lstrip("\n"),
                                     encoding="utf-8")
    return load(tmp_path / "run.py", root=tmp_path)


def _values(result) -> dict:
    (pipeline,) = result.program.pipelines
    return {p.name: p.value for p in pipeline.parameters}


def _codes(result) -> list[str]:
    return [d.code for d in result.diagnostics if d.severity in ("error", "warning")]


@pytest.mark.parametrize("script", [
    # the corpus shape: one call under __main__
    """
    def run(batch_tag):
        monitor(tag=batch_tag)

    if __name__ == "__main__":
        run("b2")
    """,
    # positional and keyword arguments, a module constant, the rest from defaults
    """
    TAG = "b2"

    def run(batch_tag, source="lake"):
        monitor(tag=batch_tag, source=source)

    run(TAG, source="db")
    """,
    # two calls that agree
    """
    def run(batch_tag):
        monitor(tag=batch_tag)

    run("b2")
    run(batch_tag="b2")
    """,
    # a call from another function with a literal
    """
    def run(batch_tag):
        monitor(tag=batch_tag)

    def main():
        run("b2")

    main()
    """,
])
def test_the_scripts_own_call_gives_the_value(tmp_path: Path, script: str) -> None:
    result = _compile(tmp_path, script)
    assert [d for d in result.diagnostics if d.is_error] == []
    assert _values(result) == {"tag": "b2", "source": "db"}
    assert "PC102" not in _codes(result)


@pytest.mark.parametrize("script, why", [
    ("""
    def run(batch_tag):
        monitor(tag=batch_tag)

    run("b1")
    run("b2")
    """, "two calls disagree"),
    ("""
    import sys

    def run(batch_tag):
        monitor(tag=batch_tag)

    run(sys.argv[1])
    """, "the command line"),
    ("""
    def run(batch_tag):
        monitor(tag=batch_tag)

    def main(tag):
        run(tag)
    """, "a caller's own parameter"),
    ("""
    def run(batch_tag):
        monitor(tag=batch_tag)

    args = ["b2"]
    run(*args)
    """, "unpacked arguments"),
    ("""
    import click

    @click.command()
    @click.option("--tag")
    def run(tag):
        monitor(tag=tag)

    run(["--tag", "b2"])
    """, "a command-line function"),
])
def test_values_only_the_running_script_knows_stay_unknown(tmp_path: Path, script: str, why: str) -> None:
    result = _compile(tmp_path, script)
    messages = [d.message for d in result.diagnostics if d.code == "PC102"]
    assert any("is a parameter of" in m and "only known when the script runs" in m for m in messages), (why, messages)


def test_a_recursive_call_is_not_a_call_site(tmp_path: Path) -> None:
    result = _compile(tmp_path, """
    def run(batch_tag, depth=0):
        monitor(tag=batch_tag)
        if depth < 1:
            run("other", depth + 1)

    run("b2")
    """)
    assert _values(result) == {"tag": "b2", "source": "db"}
