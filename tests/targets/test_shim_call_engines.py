"""Every target's EngineText renders every flag of the shim's table, and the shim reads it back.

A flag added to `pipec.runtime.shim_flags.FLAGS` needs a sample value here (the test says so)
and then goes through each engine's renderer; an engine that cannot write it fails.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from pipec.ir import Pipeline, StepInvocation
from pipec.ir.diagnostics import Diagnostics
from pipec.runtime.command import EngineText, Literal, Option, PlainText, RunId, ShimCall, render
from pipec.runtime.shim import build_parser
from pipec.runtime.shim_flags import FLAGS
from pipec.targets.airflow.shim_argv import AirflowParts, Marker
from pipec.targets.argo.target import ArgoText, _Builder
from pipec.targets.azureml.text import AzureMLText
from pipec.targets.base import CompileContext
from pipec.targets.compose.interpolation import compose_text
from pipec.targets.github.script import ShimWords
from pipec.targets.kfp_spec.build import KfpText
from pipec.targets.kube_text import MarkedText
from pipec.targets.sagemaker.expressions import SageMakerText
from tests.helpers.engines.kubelet import k8s_expand
from tests.helpers.engines.local_docker import interpolate

#: A value the shim accepts for each flag that takes one ($ and { included: the engines escape them).
SAMPLES = {
    "--source-root": "/app $x", "--module": "steps.m", "--function": "f", "--pipeline": "p {a}", "--step-id": "s",
    "--artifact-store": "s3://b/$p", "--metadata-store": "sqlite:///m.db", "--num-steps": "2",
    "--input": "a=up/out", "--input-ref": "b=/in/b", "--param": 'n={"k":"$v"}', "--param-text": "t=it's",
    "--param-part": 'q=[1,', "--output": "o=int", "--output-ref": "o=/out/o", "--attempt": "1",
    "--result-file": "/tmp/r.json", "--construct": "n", "--lookup-store": "sqlite:///$m.db",
    "--input-lookup": 'l={"scope":"store","name":"it\'s $x {y}"}', "--input-value": 'v={"value":"`$(x)`","name":"n"}',
    "--input-value-part": 'v={"value":', "--lookup-param": 'l="it\'s $x {y}"', "--lookup-param-text": "l=it's $(x)",
    "--lookup-version": 'l="v $x {y}"', "--lookup-version-text": "l=v's $(x)", "--timeout": "30",
    "--model": 'iris={"version":"production","kinds":{"o":"model"}}', "--model-part": 'iris={"version":',
}
STEP = StepInvocation(id="s", function="f", module="m", signature=(), outputs=(), inputs=())


def _argo(context: CompileContext | None = None) -> ArgoText:
    pipeline = Pipeline(name="p", function="p", module="run", parameters=(), steps=(STEP,))
    return ArgoText(_Builder(pipeline, context or CompileContext()), STEP, {})


def _sagemaker_text(item: Any) -> str:
    if isinstance(item, dict):
        assert item == {"Get": "Execution.PipelineExecutionId"}
        return "RUN"
    return item


def _airflow_text(item: tuple) -> str:
    return "".join("RUN" if part == Marker("run-id") else part for part in item)


def _azureml_text(item: str) -> str:
    """The word as bash reads it, the run id as "RUN"."""
    import subprocess

    return subprocess.run(["/bin/bash", "-c", f"printf %s {item}"], env={"AZUREML_ROOT_RUN_ID": "RUN"},
                          capture_output=True, text=True, check=True).stdout


#: Per target: its EngineText, and how one of its items reads once the engine has expanded it
#: (the run id as "RUN").
ENGINES: dict[str, tuple[Callable[[], EngineText], Callable[[Any], str]]] = {
    "plain": (lambda: PlainText("RUN"), str),
    "airflow": (AirflowParts, _airflow_text),
    "argo": (_argo, lambda item: item.replace("{{workflow.uid}}", "RUN").replace("$$", "$")),
    "tekton": (lambda: MarkedText("RUN", {}), lambda item: item[0]),
    "kubeflow": (lambda: KfpText("RUN", step=STEP, context=CompileContext()),
                 lambda item: k8s_expand(item, {"x": "EXPANDED"})),
    "sagemaker": (lambda: SageMakerText(STEP, Diagnostics()), _sagemaker_text),
    "github": (lambda: ShimWords("RUN"), str),
    "local_docker": (lambda: compose_text({}), lambda item: interpolate(item, {"PIPEC_RUN_ID": "RUN"})),
    "azureml": (lambda: AzureMLText({}), _azureml_text),
}


def _every_flag() -> ShimCall:
    missing = [f.name for f in FLAGS if f.takes_value and f.name not in SAMPLES and f.name != "--run-id"]
    assert not missing, f"give the new flag(s) {missing} a sample value in SAMPLES"
    options = [Option(f.name, (RunId() if f.name == "--run-id" else Literal(SAMPLES[f.name]))
                      if f.takes_value else None) for f in FLAGS]
    return ShimCall(Literal("python"), tuple(options))


@pytest.mark.parametrize("target", sorted(ENGINES))
def test_every_engine_renders_every_flag_and_the_shim_reads_the_same(target: str) -> None:
    make, read = ENGINES[target]
    call = _every_flag()
    rendered = render(call, make())
    assert [read(items[0]) for _, items in rendered.options] == [f.name for f in FLAGS]
    argv = [read(item) for item in rendered.argv]
    expected = render(call, PlainText("RUN")).argv
    assert argv == expected
    assert vars(build_parser().parse_args(argv[4:])) == vars(build_parser().parse_args(expected[4:]))


def test_a_pipeline_with_module_scoped_flags_shares_only_what_is_equal() -> None:
    """Airflow writes once the options of pipeline or module scope that every step passes alike."""
    from pipec.runtime.command import shim_call
    from pipec.targets.airflow.shim_argv import shared_flags

    steps = (StepInvocation(id="a", function="f", module="m1", signature=(), outputs=(), inputs=()),
             StepInvocation(id="b", function="f", module="m2", signature=(), outputs=(), inputs=()))
    pipe = Pipeline(name="p", function="p", module="run", parameters=(), steps=steps)
    calls = [shim_call(pipe, s, artifact_store="/a", metadata_store="sqlite://") for s in steps]
    assert shared_flags(calls) == ("--source-root", "--pipeline", "--run-id", "--artifact-store",
                                   "--metadata-store", "--num-steps")
    same = [shim_call(pipe, steps[0], artifact_store="/a", metadata_store=None)] * 2
    assert "--module" in shared_flags(same) and "--function" not in shared_flags(same)


def test_kubeflow_refuses_a_literal_kfp_would_expand() -> None:
    """The refusal path: `{{$` in a literal is PC323, reported once for the step."""
    context = CompileContext()
    engine = KfpText("{{$.pipeline_job_uuid}}", step=STEP, context=context)
    call = ShimCall(Literal("python"), (Option("--pipeline", Literal("a{{$.x}}")), Option("--run-id", RunId()),
                                        Option("--step-id", Literal("{{$.y}}"))))
    argv = render(call, engine).argv
    assert argv[-3:] == ["{{$.pipeline_job_uuid}}", "--step-id", "{{$$.y}}"]  # written, but the compile fails
    assert [d.code for d in context.diagnostics] == ["PC323"]


def test_argo_refuses_a_literal_argo_would_expand() -> None:
    context = CompileContext()
    render(ShimCall(Literal("python"), (Option("--pipeline", Literal("{{workflow.name}}")),)), _argo(context))
    assert [d.code for d in context.diagnostics] == ["PC332"]
