"""A small but complete IR program, written by hand, for the codec, CLI and graph tests, and a
stand-in for `pipec.compiler.api.load` that returns such a program without reading any file."""

from __future__ import annotations

from pathlib import Path

from pipec.compiler import api, deps
from pipec.ir import (
    Docker,
    InputBinding,
    LiteralValue,
    Output,
    OutputRef,
    Param,
    ParameterRef,
    Pipeline,
    PipelineParameter,
    Program,
    Resources,
    Retry,
    Schedule,
    Settings,
    Span,
    StepInvocation,
)
from pipec.ir.diagnostics import Diagnostics


def sp(line: int, col: int, end_line: int = 0, end_col: int = 0, path: str = "pipe.py") -> Span:
    """A span in `path` (pipe.py by default)."""
    return Span(path, line, col, end_line, end_col)


def sample_program() -> Program:
    """A small but complete program: parameter, schedule, settings, every binding kind, `after`."""
    load = StepInvocation(
        id="load", function="load", module="pipe", signature=(), inputs=(),
        outputs=(Output("output", "int"),), definition_span=sp(4, 1), span=sp(12, 9, 12, 15),
    )
    add = StepInvocation(
        id="add", function="add", module="pipe",
        signature=(Param("x", "int"), Param("y", "int", required=False, default=2), Param("n", "int")),
        inputs=(
            InputBinding("x", OutputRef("load", "output"), sp(13, 9)),
            InputBinding("y", LiteralValue({"k": [1, 2.5, None, True, "é"]}), sp(13, 19)),
            InputBinding("n", ParameterRef("n"), sp(13, 30)),
        ),
        outputs=(Output("output", "int"),),
        settings=Settings(
            resources=Resources(cpu=0.5, memory="512MiB", gpu=1, gpu_type="nvidia-tesla-t4"),
            docker=Docker(parent_image="python:3.11", requirements=("pandas>=2",), apt_packages=("git",),
                          environment=(("A", "1"), ("B", "x y"))),
            retry=Retry(max_retries=3, delay=10, backoff=2),
            enable_cache=False, step_operator="sagemaker",
            extra=(("orchestrator.kubeflow", {"node_selector": {"pool": "gpu"}}),),
        ),
        definition_span=sp(8, 1), span=sp(13, 5, 13, 33),
    )
    report = StepInvocation(
        id="report", function="report", module="steps.ops", signature=(), inputs=(),
        outputs=(), after=("add",), span=sp(14, 5),
    )
    pipe = Pipeline(
        name="p", function="p", module="pipe",
        parameters=(PipelineParameter("n", "int", has_default=True, default=1, value=5, known=True, span=sp(11, 7)),
                    PipelineParameter("mode", "str", span=sp(11, 15))),
        steps=(load, add, report),
        schedule=Schedule(cron="0 3 * * *", start_time="2024-01-01T00:00:00", catchup=True, span=sp(10, 11)),
        settings=Settings(enable_cache=True),
        span=sp(10, 1),
    )
    return Program((pipe,))


def two_pipelines() -> Program:
    """The sample's pipeline and a second one, `q`, holding its first step."""
    first = sample_program().pipelines[0]
    return Program((first, Pipeline("q", "q", "pipe", (), first.steps[:1])))


class FakeLoader:
    """Stands in for `api.load`: returns a fixed program and records how it was called."""

    def __init__(self, program: Program, diagnostics=()):
        self.program = program
        self.diagnostics = list(diagnostics)
        self.calls: list[dict] = []

    def __call__(self, path, *, root=None, params=None, config=None, pipeline=None, checks=True):
        self.calls.append({"path": str(path), "root": root, "params": dict(params or {}), "config": config,
                           "pipeline": pipeline})
        deps.untracked("a stand-in loader")  # it reads no file, so the compile cache must not keep its result
        diags = Diagnostics()
        diags.extend(self.diagnostics)
        program = self.program
        if pipeline is not None:
            chosen = program.pipeline(pipeline)
            program = Program((chosen,)) if chosen else Program(())
            if chosen is None:
                diags.error("PC004", f"no pipeline named `{pipeline}`")
        return api.LoadResult(program, diags, Path.cwd())
