"""The shim call as data: one flag table for the shim's parser, the builder and the docs."""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path

import pytest

from pipec.ir import (
    ArtifactLookup,
    ExternalValue,
    InputBinding,
    LiteralValue,
    ModelSpec,
    Output,
    OutputRef,
    ParameterRef,
    Pipeline,
    PipelineParameter,
    Settings,
    StepInvocation,
)
from pipec.runtime import command
from pipec.runtime.command import (
    VALUE_KINDS,
    InputRef,
    JsonLiteral,
    Literal,
    Option,
    Param,
    PlainText,
    RunId,
    ShimCall,
    WorkerPython,
    render,
    shim_call,
)
from pipec.runtime.shim import build_parser
from pipec.runtime.shim_flags import ENTRYPOINT, FLAGS, MODULE, PIPELINE, STEP

README = Path(__file__).resolve().parents[2] / "src" / "pipec" / "runtime" / "README.md"
#: Flags something other than `shim_call` adds: SageMaker splits long --param values, the
#: local runner adds the attempt and its result file.
ADDED_ELSEWHERE = {"--param-part", "--model-part", "--attempt", "--result-file", "--lookup-store", "--input-value-part"}


def _rich_pipeline() -> Pipeline:
    """Every kind of binding and setting `shim_call` turns into a flag."""
    make = StepInvocation(id="make", function="make", module="steps", signature=(), inputs=(),
                          outputs=(Output("out", "int"),))
    use = StepInvocation(
        id="use", function="use", module="steps", signature=(),
        inputs=(InputBinding("a", OutputRef("make", "out")), InputBinding("b", OutputRef("make", "out")),
                InputBinding("n", LiteralValue([1, "x"])), InputBinding("s", ParameterRef("s")),
                InputBinding("k", ParameterRef("k")),
                InputBinding("o", LiteralValue([{"$pipec.call": "zenml.integrations.x.Y", "args": [], "kwargs": {}}])),
                InputBinding("v", ExternalValue({"x": "it's"}, "saved")),
                InputBinding("l", ArtifactLookup("store", "numbers", "2")),
                InputBinding("ls", ArtifactLookup("store", parameter="s")),
                InputBinding("lk", ArtifactLookup("store", version="3", parameter="k")),
                InputBinding("lv", ArtifactLookup("store", "numbers", version_parameter="s")),
                InputBinding("lw", ArtifactLookup("store", "numbers", version_parameter="k")),
                InputBinding("m", ArtifactLookup("model", "clf"))),
        outputs=(Output("r", "str"),), settings=Settings(enable_cache=False, timeout=60), model=ModelSpec("iris"))
    params = (PipelineParameter("s", "str", True, "v", "v", True), PipelineParameter("k", "int", True, 1, 1, True))
    return Pipeline(name="p", function="p", module="run", parameters=params, steps=(make, use))


def _parser_actions() -> dict[str, argparse.Action]:
    return {action.option_strings[0]: action for action in build_parser()._actions if action.option_strings
            and action.option_strings[0] != "-h"}


def test_the_parser_is_the_flag_table() -> None:
    """Same flags, same order, and each one's arity, repetition and requiredness from the table."""
    actions = _parser_actions()
    assert list(actions) == [flag.name for flag in FLAGS]
    for flag in FLAGS:
        action = actions[flag.name]
        assert (action.nargs != 0) == flag.takes_value, flag.name
        assert isinstance(action, argparse._AppendAction) == flag.repeatable, flag.name
        assert action.required == flag.required, flag.name
        assert flag.scope in (PIPELINE, MODULE, STEP)


def test_the_readme_documents_every_flag_in_table_order() -> None:
    block = README.read_text(encoding="utf-8").split("python -m pipec.runtime run-step\n", 1)[1].split("```", 1)[0]
    documented = re.findall(r"^    (--[a-z-]+)(?: (\S+))?", block, flags=re.M)
    assert [(name, metavar or None) for name, metavar in documented] == [(f.name, f.metavar) for f in FLAGS]


def test_shim_call_emits_every_flag_the_table_has_but_those_added_elsewhere() -> None:
    """A flag added to the table that no code emits fails here (and so does one emitted off-table)."""
    pipe = _rich_pipeline()
    call = shim_call(pipe, pipe.step("use"), artifact_store="/a", metadata_store="sqlite://",
                     runtime_params=["s", "k"], placeholder_encoding="text", input_refs=["b"], output_refs=["r"])
    emitted = [option.flag for option in call.options]
    assert set(emitted) == {f.name for f in FLAGS} - ADDED_ELSEWHERE
    texts = {"--param-text": "--param", "--lookup-param-text": "--lookup-param",
             "--lookup-version-text": "--lookup-version"}
    order = [f.name for f in FLAGS if f.name not in texts]  # binding order mixes the two kinds
    ranks = [order.index(texts.get(flag, flag)) for flag in emitted]
    assert ranks == sorted(ranks)  # otherwise the table's order is the argv's
    assert Param("s", "s", "text") in [o.value for o in call.options]
    assert Option("--param", Param("k", "k", "json")) in call.options
    assert Option("--lookup-param-text", Param("ls", "s", "text")) in call.options
    assert Option("--lookup-param", Param("lk", "k", "json")) in call.options
    assert Option("--lookup-version-text", Param("lv", "s", "text")) in call.options
    assert Option("--lookup-version", Param("lw", "k", "json")) in call.options


def test_option_checks_the_table() -> None:
    with pytest.raises(ValueError, match="not a run-step flag"):
        Option("--bogus", Literal("x"))
    with pytest.raises(ValueError, match="needs a value"):
        Option("--module")
    with pytest.raises(ValueError, match="takes no value"):
        Option("--no-cache", Literal("x"))
    assert Option("--run-id", RunId()).scope == PIPELINE and Option("--module", Literal("m")).scope == MODULE


class _Recorder(command.EngineText[str]):
    """Names what each piece was, to see that `render` has a case for every value kind."""

    def fixed(self, text: str) -> str:
        return f"F({text})"

    def literal(self, text: str) -> str:
        return f"L({text})"

    def run_id(self) -> str:
        return "RUN"

    def param(self, name: str, encoding: str) -> str:
        return f"P({name},{encoding})"

    def input_path(self, name: str) -> str:
        return f"IN({name})"

    def output_path(self, name: str) -> str:
        return f"OUT({name})"

    def worker_python(self) -> str:
        return "PY"

    def concat(self, parts: list[str]) -> str:
        return "+".join(parts)


#: One value of each kind, and what the recorder renders for it.
SAMPLES = {
    Literal: (Literal("x"), "L(x)"),
    JsonLiteral: (JsonLiteral("n", {"a": [1]}), 'L(n={"a":[1]})'),
    RunId: (RunId(), "RUN"),
    Param: (Param("b", "p", "text"), "L(b=)+P(p,text)"),
    InputRef: (InputRef("i"), "L(i=)+IN(i)"),
    command.OutputRef: (command.OutputRef("o"), "L(o=)+OUT(o)"),
    WorkerPython: (WorkerPython(), "PY"),
}


def test_render_has_a_case_for_every_value_kind() -> None:
    """A new kind of value without a case in `render` (or a sample here) fails."""
    assert set(SAMPLES) == set(VALUE_KINDS)
    for value, expected in SAMPLES.values():
        rendered = render(ShimCall(Literal("py"), (Option("--source-root", value),)), _Recorder())
        assert rendered.entrypoint == ["L(py)", *(f"F({w})" for w in ENTRYPOINT)]
        assert rendered.arguments == ["F(--source-root)", expected]


def test_engines_without_pointer_files_or_a_worker_python_refuse_them() -> None:
    """The refusal path of the defaults: a target that never asked for pointer files gets an error,
    not an argv with a made-up path."""
    for value in (InputRef("i"), command.OutputRef("o")):
        with pytest.raises(ValueError, match="no pointer file"):
            render(ShimCall(Literal("py"), (Option("--input-ref", value),)), _Plainish())
    with pytest.raises(ValueError, match="needs a Python executable"):
        render(ShimCall(WorkerPython(), ()), _Plainish())


class _Plainish(command.EngineText[str]):
    def literal(self, text: str) -> str:
        return text

    def run_id(self) -> str:
        return "R"

    def param(self, name: str, encoding: str) -> str:
        return name

    def concat(self, parts: list[str]) -> str:
        return "".join(parts)


def test_plain_text_round_trips_through_the_parser() -> None:
    pipe = _rich_pipeline()
    call = shim_call(pipe, pipe.step("use"), artifact_store="/a", metadata_store=None, runtime_params=["s", "k"],
                     placeholder_encoding="text", input_refs=["b"], output_refs=["r"])
    hostile = 'x" {{ y }} ${{ z }} $(w) `v`\nyes ü'
    argv = render(call, PlainText("r-1", {"s": hostile, "k": "5"}, {"b": "/in/b"}, {"r": "/out/r"})).argv
    assert argv[1:4] == list(ENTRYPOINT)
    ns = build_parser().parse_args(argv[4:])
    assert [(name, json.loads(text)) for name, text in ns.params] == [
        ("n", [1, "x"]), ("s", hostile), ("k", 5), ("o", [{"$pipec.call": "zenml.integrations.x.Y", "args": [],
                                                          "kwargs": {}}])]
    assert ns.constructed == ["o"]  # a literal holding a deferred call; never a run-time parameter
    assert ns.input_refs == [("b", "/in/b")] and ns.inputs == [("a", "make", "out")]
    assert ns.output_refs == [("r", "/out/r")] and ns.cache is False and ns.run_id == "r-1"
