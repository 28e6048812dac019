"""Run-time-resolved step inputs read statically from a pipeline body (issue 14, frontend)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from pipec.ir import ArtifactLookup, ExternalValue, LiteralValue
from tests.helpers.frontend_projects import compile_src, only

STEPS = """
    from typing import Any

    from zenml import step, pipeline

    @step
    def use(value: Any, other: str = "") -> None:
        pass

    @step
    def count(value: int) -> None:
        pass
"""


def _sources(tmp_path: Path, imports: str, body: str, **kwargs) -> dict[str, object]:
    source = textwrap.dedent(STEPS) + textwrap.dedent(imports) + "\n@pipeline\n" + textwrap.dedent(body)
    pipe = only(compile_src(tmp_path, source, **kwargs))
    return {f"{step.id}.{b.name}": b.source for step in pipe.steps for b in step.inputs}


@pytest.mark.parametrize(("imports", "call", "expected"), [
    ("from zenml.client import Client", 'Client().get_artifact_version("numbers")', ArtifactLookup("store", "numbers")),
    ("from zenml.client import Client", 'Client().get_artifact_version("numbers", 3)',
     ArtifactLookup("store", "numbers", "3")),
    ("from zenml import Client", 'Client().get_artifact("numbers", version="2")', None),  # get_artifact: no version
    ("from zenml.client import Client", 'Client().get_artifact_version("9f1c4a36-8a9b-4b7e-8a4e-0d6f0c1b2a3c")',
     ArtifactLookup("store", id="9f1c4a36-8a9b-4b7e-8a4e-0d6f0c1b2a3c")),
    ("from pipec import Client", 'Client().get_artifact_version(name_id_or_prefix="n", version="latest")',
     ArtifactLookup("store", "n", "latest")),
    ("from zenml import ExternalArtifact", 'ExternalArtifact(name="numbers", version=2)',
     ArtifactLookup("store", "numbers", "2")),
    ("from zenml.artifacts.external_artifact import ExternalArtifact", 'ExternalArtifact(id="abc")',
     ArtifactLookup("store", id="abc")),
    ("from zenml import ExternalArtifact", 'ExternalArtifact(value={"a": [1, "x"]})', ExternalValue({"a": [1, "x"]})),
    ("from pipec import ExternalArtifact", "ExternalArtifact(value=7)", ExternalValue(7)),
    ("from zenml import save_artifact", 'save_artifact(5, "five")', ExternalValue(5, "five")),
    ("from zenml.artifacts.utils import save_artifact", 'save_artifact(name="five", data=5)',
     ExternalValue(5, "five")),
    ("from pipec import save_artifact", 'save_artifact(5, "five")', ExternalValue(5, "five")),
])
def test_each_spelling_is_an_input_source(tmp_path: Path, imports: str, call: str, expected: object) -> None:
    body = f"""
        def p():
            use(value={call})
    """
    if expected is None:
        result = compile_src(tmp_path, textwrap.dedent(STEPS) + imports + "\n@pipeline\n" + textwrap.dedent(body))
        assert [d.code for d in result.diagnostics if d.is_error] == ["PC204"]
        return
    assert _sources(tmp_path, imports, body)["use.value"] == expected


def test_a_client_in_a_variable_and_parameters_with_values(tmp_path: Path) -> None:
    sources = _sources(tmp_path, "from zenml.client import Client\nfrom zenml import save_artifact", """
        def p(name: str = "numbers", version: int = 4, text: str = "hi"):
            client = Client()
            use(value=client.get_artifact_version(name, version), other=save_artifact(text, name + "_text"))
            use(value=1, other=text)
    """, params={"text": "given"})
    # Name and version follow their parameters when the step starts (a run may give others).
    assert sources == {"use.value": ArtifactLookup("store", parameter="name", version_parameter="version"),
                       "use.other": ExternalValue("given", "numbers_text"),
                       "use_2.value": LiteralValue(1), "use_2.other": sources["use_2.other"]}


def test_the_client_elsewhere_is_still_the_active_stack(tmp_path: Path) -> None:
    """Outside a step input, `Client()` keeps meaning ZenML's active stack (a run-time value)."""
    result = compile_src(tmp_path, textwrap.dedent(STEPS) + textwrap.dedent("""
        from zenml.client import Client

        @pipeline
        def p():
            use(value=1, other=Client().active_stack.name)
    """))
    [error] = [d for d in result.diagnostics if d.is_error]
    assert "depends on the active ZenML stack" in error.message


def test_an_external_value_is_type_checked_like_a_literal(tmp_path: Path) -> None:
    result = compile_src(tmp_path, textwrap.dedent(STEPS) + textwrap.dedent("""
        from zenml import ExternalArtifact, save_artifact
        from zenml.client import Client

        @pipeline
        def p():
            count(value=ExternalArtifact(value="text"))
            count(value=save_artifact(3, "three"))
            count(value=Client().get_artifact_version("anything"))  # its type is known when the step starts
    """))
    [error] = [d for d in result.diagnostics if d.is_error]
    assert error.code == "PC206" and error.span.line == 18 and "`\"text\"`" in error.message


def test_inspect_shows_the_resolved_inputs(cli) -> None:
    import json

    proc = cli.run(["inspect", "examples/runtime_inputs/run.py"])
    assert proc.returncode == 0, proc.stderr
    [pipe] = json.loads(proc.stdout)["pipelines"]
    inputs = {name: {k: v for k, v in b.items() if k != "span"} for name, b in pipe["steps"][0]["inputs"].items()}
    assert inputs == {"numbers": {"lookup": {"scope": "store", "parameter": "artifact"}},
                      "settings": {"external": {"value": {"scale": 2}}},
                      "title": {"external": {"value": "Squares, 'quoted' & $escaped", "name": "report_title"}}}


def test_an_unannotated_parameter_naming_the_artifact_is_text(tmp_path: Path) -> None:
    """ZenML's lookup takes a name or id as text, so the parameter is a ``str`` for every engine
    (an untyped one cannot be a KFP run-time input), and needs no value at compile time."""
    source = textwrap.dedent(STEPS) + "from zenml.client import Client\n@pipeline\n" + textwrap.dedent("""
        def p(dataset_id, scale: int = 2):
            use(value=Client().get_artifact_version(dataset_id))
            count(value=scale)
    """)
    result = compile_src(tmp_path, source)
    assert not [d for d in result.diagnostics if d.is_error]
    pipe = only(result)
    assert [(p.name, p.type, p.known) for p in pipe.parameters] == [("dataset_id", "str", False), ("scale", "int", True)]
    assert pipe.step("use").inputs[0].source == ArtifactLookup("store", parameter="dataset_id")
