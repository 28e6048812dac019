"""examples/hostile_strings survives the kubeflow and vertex targets exactly: every literal,
environment value, id and parameter default is found unchanged after parsing the files back and
expanding them as the container sees them (Kubernetes' ``$$``/``$(VAR)`` rules, with the
container's own environment defined), including the `--param-text` value once KFP's placeholder
is replaced by the parameter."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipec.compiler.api import load
from pipec.ir import LiteralValue, ParameterRef, Pipeline
from pipec.targets.kfp_spec.names import step_names
from tests.helpers.engines.kubelet import k8s_expand
from tests.helpers.kfp_side import GOLDEN, REPO, load_spec

CASES = [GOLDEN / "hostile_strings" / "kubeflow" / "hostile_strings.yaml",
         GOLDEN / "hostile_strings" / "vertex" / "hostile_strings.json",
         GOLDEN / "hostile_strings" / "vertex@gcs" / "hostile_strings.json"]


@pytest.fixture(scope="module")
def pipeline() -> Pipeline:
    """The hostile example's IR, loaded in-process."""
    result = load(REPO / "examples" / "hostile_strings" / "run.py")
    assert not result.diagnostics.has_errors
    return result.program.pipelines[0]


def _flags(args: list[str]) -> list[tuple[str, str, str]]:
    """(flag, name, value) for every `--param`/`--param-text NAME=VALUE` pair."""
    out = []
    for flag, item in zip(args, args[1:], strict=False):
        if flag in ("--param", "--param-text"):
            name, _, value = item.partition("=")
            out.append((flag, name, value))
    return out


def _expand(text: str, defaults: dict) -> str:
    # What KFP does: a STRING parameter replaces its placeholder with the raw string.
    for name, value in defaults.items():
        text = text.replace("{{$.inputs.parameters['" + name + "']}}", value if isinstance(value, str)
                            else json.dumps(value))
    return text


@pytest.mark.parametrize("path", CASES, ids=lambda p: p.relative_to(REPO).as_posix())
def test_hostile_values_round_trip(path: Path, pipeline: Pipeline) -> None:
    """Literals (JSON after `--param`), the `note` default through `--param-text`, env values, ids."""
    spec, _ = load_spec(path)
    defaults = {name: entry["defaultValue"]
                for name, entry in spec["root"]["inputDefinitions"]["parameters"].items()}
    names = step_names(pipeline)
    checked = 0
    for step in pipeline.steps:
        executor = spec["deploymentSpec"]["executors"][names[step.id].executor]["container"]
        # Variables a kubelet could expand: the container's own environment and then some.
        defined = {item["name"]: "EXPANDED" for item in executor.get("env", [])} | {"HOME": "/root", "id": "0"}
        args = [k8s_expand(arg, defined) for arg in executor["args"]]
        flags = {name: (flag, value) for flag, name, value in _flags(args)}
        for binding in step.inputs:
            if isinstance(binding.source, LiteralValue):
                flag, text = flags[binding.name]
                assert flag == "--param" and json.loads(text) == binding.source.value
                checked += 1
            elif isinstance(binding.source, ParameterRef):
                flag, text = flags[binding.name]
                original = pipeline.parameter(binding.source.name).default
                assert flag == "--param-text" and _expand(text, defaults) == original
                checked += 1
        env = {item["name"]: k8s_expand(item["value"], defined) for item in executor.get("env", [])}
        assert env == dict(step.settings.docker.environment if step.settings.docker else ())
        assert spec["root"]["dag"]["tasks"][names[step.id].task]["taskInfo"]["name"] == step.id
        assert args[args.index("--step-id") + 1] == step.id
    assert checked == 12  # the 11 literals of echo_values.v2-final and `label` (from `note`) of check
    assert spec["pipelineInfo"]["displayName"] == pipeline.name


def test_vertex_parameter_values_round_trip(pipeline: Pipeline) -> None:
    """The job's parameterValues carry the hostile default unchanged."""
    job = json.loads(CASES[1].read_text(encoding="utf-8"))
    assert job["runtimeConfig"]["parameterValues"] == {"note": pipeline.parameter("note").default}


def test_a_value_kfp_would_expand_is_refused(cli, tmp_path: Path) -> None:
    """Report F9: KFP's launcher substitutes placeholders one after another, so a `{{$` inside an
    inserted value is expanded again (in map order): refused, as in a literal (PC323)."""
    proc = cli.run(["compile", "examples/hostile_strings/run.py", "--target", "kubeflow", "--target", "vertex",
                    "--param", "note=x {{$.pipeline_job_uuid}}", "--out", str(tmp_path / "out")])
    assert proc.returncode == 2
    assert "error[PC323]: the value of pipeline parameter `note` contains `{{$`" in proc.stderr
    assert not (tmp_path / "out").exists()


def test_hostile_param_value_round_trips(cli, tmp_path: Path) -> None:
    """A hostile value given with --param becomes the run-time input's value verbatim."""
    value = "a'b\"c\n{{ ds }} ${{ x }} $(id) $$ 0o17 ☃ {{\n$.x}}"
    out = tmp_path / "out"
    proc = cli.run(["compile", "examples/hostile_strings/run.py", "--target", "kubeflow", "--target", "vertex",
                    "--param", f"note={value}", "--out", str(out)])
    assert proc.returncode == 0, proc.stderr
    spec, _ = load_spec(out / "kubeflow" / "hostile_strings.yaml")
    assert spec["root"]["inputDefinitions"]["parameters"]["note"]["defaultValue"] == value
    job = json.loads((out / "vertex" / "hostile_strings.json").read_text(encoding="utf-8"))
    assert job["runtimeConfig"]["parameterValues"]["note"] == value


@pytest.mark.parametrize("target", ["kubeflow", "vertex"])
def test_dollar_text_reaches_the_container_unchanged(tmp_path: Path, target: str) -> None:
    """Report F9: the kubelet (and Vertex AI's container spec) turns `$$` into `$` and expands a
    defined `$(VAR)` in args and env values, so literal text has every `$` doubled."""
    from tests.helpers.kube_proofs import compile_source

    text = "$(HOME)|$$|$$(HOME)|$(K)|$"
    (tmp_path / "pyproject.toml").write_text("")
    (tmp_path / "run.py").write_text(
        "from zenml import pipeline, step\nfrom zenml.config import DockerSettings\n\n"
        f"@step(settings={{'docker': DockerSettings(environment={{'K': {text!r}}})}})\n"
        "def s(x: str) -> None:\n    pass\n\n"
        f"@pipeline\ndef p():\n    s(x={text!r})\n")
    [(_, files)], diagnostics = compile_source(tmp_path / "run.py", target)
    assert not diagnostics.has_errors
    document = json.loads(files["p.json"]) if target == "vertex" else None
    spec = document["pipelineSpec"] if document else load_spec_text(files["p.yaml"])
    [executor] = spec["deploymentSpec"]["executors"].values()
    container = executor["container"]
    defined = {"HOME": "/root", "K": "k"}
    args = [k8s_expand(arg, defined) for arg in container["args"]]
    assert dict((name, value) for _, name, value in _flags(args))["x"] == json.dumps(text)
    assert [k8s_expand(e["value"], defined) for e in container["env"]] == [text]


def load_spec_text(text: str) -> dict:
    import yaml

    return yaml.safe_load(text)
