"""IR <-> JSON: exact round trips, strict loading, deterministic text, and the `ir` target."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipec.ir import (
    NO_SPAN,
    ArtifactLookup,
    Docker,
    ExternalValue,
    InputBinding,
    LiteralValue,
    ModelSpec,
    Output,
    OutputList,
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
from pipec.ir import codec as ir_json
from pipec.targets.base import CompileContext
from tests.helpers.ir_samples import sample_program, sp

# --------------------------------------------------------------------------- round trips


def test_sample_round_trips_exactly():
    program = sample_program()
    data = ir_json.program_to_json(program)
    assert ir_json.program_from_json(data) == program
    # Through real JSON text too, not just Python dicts.
    assert ir_json.loads(ir_json.dumps(data)) == program


def test_shape_matches_the_documented_contract():
    data = ir_json.program_to_json(sample_program())
    pipe = data["pipelines"][0]
    assert list(pipe) == ["name", "function", "module", "parameters", "schedule", "settings", "span", "steps"]
    assert pipe["parameters"]["n"] == {"type": "int", "default": 1, "value": 5, "known": True, "span": "pipe.py:11:7"}
    assert pipe["parameters"]["mode"] == {"type": "str", "known": False, "span": "pipe.py:11:15"}
    add = pipe["steps"][1]
    assert add["inputs"] == {
        "x": {"step": "load", "output": "output", "span": "pipe.py:13:9"},
        "y": {"value": {"k": [1, 2.5, None, True, "é"]}, "span": "pipe.py:13:19"},
        "n": {"parameter": "n", "span": "pipe.py:13:30"},
    }
    assert add["outputs"] == {"output": "int"}
    assert add["upstream"] == ["load"]
    assert add["span"] == "pipe.py:13:5-13:33"
    assert pipe["steps"][2]["upstream"] == ["add"] and pipe["steps"][2]["after"] == ["add"]
    assert pipe["steps"][2]["definition_span"] is None
    # Unset settings fields are left out; an empty Settings is {}.
    assert pipe["settings"] == {"enable_cache": True}
    assert pipe["steps"][0]["settings"] == {}
    assert add["settings"]["docker"] == {"parent_image": "python:3.11", "requirements": ["pandas>=2"],
                                         "apt_packages": ["git"], "environment": {"A": "1", "B": "x y"}}


def test_dumps_is_deterministic_utf8_with_trailing_newline():
    text = ir_json.dumps(ir_json.program_to_json(sample_program()))
    assert text.endswith("}\n") and not text.endswith("\n\n")
    assert '"é"' in text  # not \u00e9
    assert text == ir_json.dumps(json.loads(text))
    assert "\n  \"pipelines\": [\n" in text


def test_empty_settings_objects_are_kept_distinct_from_unset():
    settings_ = Settings(resources=Resources(), docker=Docker(), retry=Retry())
    pipe = Pipeline("p", "p", "m", (), (), settings=settings_)
    data = ir_json.program_to_json(Program((pipe,)))
    assert data["pipelines"][0]["settings"] == {
        "resources": {}, "docker": {}, "retry": {"max_retries": 0, "delay": 0, "backoff": 1}}
    assert ir_json.program_from_json(data).pipelines[0].settings == settings_


@pytest.mark.parametrize("span", [
    sp(1, 2), sp(3, 4, 3, 9), sp(3, 4, 5, 0), Span("a:1:2-3", 4, 5), Span("x-1:2", 3, 4, 5, 6),
    Span("", 1, 1), Span("dir/with space/ü.py", 0, 0), Span("p.py", -1, 2), NO_SPAN, Span("<unknown>", 1, 1),
    Span("new\nline.py", 1, 2, 3, 4),
])
def test_spans_round_trip(span):
    pipe = Pipeline("p", "p", "m", (), (), span=span)
    assert ir_json.program_from_json(ir_json.program_to_json(Program((pipe,)))).pipelines[0].span == span


def test_span_object_form_is_accepted():
    data = ir_json.program_to_json(sample_program())
    data["pipelines"][0]["span"] = {"path": "pipe.py", "line": 10, "column": 1}
    assert ir_json.program_from_json(data).pipelines[0].span == sp(10, 1)


def test_a_model_and_output_kinds_are_written_only_when_set():
    pipe = Pipeline("p", "p", "m", (), (StepInvocation("s", "s", "m", (), (), (Output("a", "int"), Output(
        "b", "int", "model")), model=ModelSpec("iris", "production", tags=("x",))),), model=ModelSpec("iris"))
    data = ir_json.program_to_json(Program((pipe,)))["pipelines"][0]
    assert data["model"] == {"name": "iris", "save_models_to_registry": True}
    step = data["steps"][0]
    assert step["outputs"] == {"a": "int", "b": {"type": "int", "kind": "model"}}
    assert list(step)[-3:] == ["model", "definition_span", "span"]
    assert "model" not in ir_json.program_to_json(sample_program())["pipelines"][0]
    assert ir_json.program_from_json({"pipelines": [data]}).pipelines[0] == pipe


def test_parameter_default_without_flag_round_trips():
    param = PipelineParameter("a", default=3, has_default=False)
    pipe = Pipeline("p", "p", "m", (param,), ())
    assert ir_json.program_from_json(ir_json.program_to_json(Program((pipe,)))).pipelines[0].parameters == (param,)


def test_unrepresentable_ir_is_refused_clearly():
    program = sample_program()
    pipe = program.pipelines[0]
    step = pipe.steps[1]
    twice = step.inputs + (InputBinding("x", LiteralValue(1)),)
    bad = Program((Pipeline(pipe.name, pipe.function, pipe.module, pipe.parameters,
                            (pipe.steps[0], StepInvocation(step.id, step.function, step.module, step.signature,
                                                           twice, step.outputs)), ),))
    with pytest.raises(ValueError, match="input `x` appears more than once"):
        ir_json.program_to_json(bad)
    nan = Program((Pipeline("p", "p", "m", (PipelineParameter("a", value=float("nan"), known=True),), ()),))
    with pytest.raises(ValueError, match="not a JSON number"):
        ir_json.program_to_json(nan)
    obj = Program((Pipeline("p", "p", "m", (PipelineParameter("a", value={1: 2}, known=True),), ()),))
    with pytest.raises(ValueError, match="not a string"):
        ir_json.program_to_json(obj)


# --------------------------------------------------------------------------- strict loading


def _mutate(path: tuple, value):
    data = ir_json.program_to_json(sample_program())
    target = data
    for key in path[:-1]:
        target = target[key]
    if value is _DELETE:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return data


_DELETE = object()
P = ("pipelines", 0)
S1 = (*P, "steps", 1)


@pytest.mark.parametrize("path, value, message", [
    (("pipelines",), {}, r"^pipelines: expected a list, got dict"),
    ((*P, "name"), 3, r"pipelines\[0\]\.name: expected a string, got int"),
    ((*P, "bogus"), 1, r"pipelines\[0\]: unexpected key 'bogus'"),
    ((*P, "steps"), _DELETE, r"pipelines\[0\]: missing key 'steps'"),
    ((*P, "span"), "no-position", r"pipelines\[0\]\.span: expected \"path:line:col\""),
    ((*P, "span"), 12, r"pipelines\[0\]\.span: expected an object, got int"),
    ((*P, "parameters", "n", "known"), "yes", r"parameters\.n\.known: expected true or false, got str"),
    ((*P, "schedule", "interval_seconds"), "10", r"schedule\.interval_seconds: expected a number"),
    ((*S1, "inputs", "x"), {"step": "load"}, r"steps\[1\]\.inputs\.x: an output reference needs both"),
    ((*S1, "inputs", "x"), {"value": 1, "parameter": "n"}, r"inputs\.x: expected exactly one of"),
    ((*S1, "inputs", "x"), {"span": None}, r"inputs\.x: expected exactly one of"),
    ((*S1, "inputs"), [], r"steps\[1\]\.inputs: expected an object, got list"),
    ((*S1, "outputs", "output"), None, r"steps\[1\]\.outputs\.output: expected a string, got null"),
    ((*S1, "after"), "load", r"steps\[1\]\.after: expected a list"),
    ((*S1, "upstream"), [1], r"steps\[1\]\.upstream\[0\]: expected a string"),
    ((*S1, "settings", "resources", "gpu"), 1.5, r"resources\.gpu: expected an integer, got float"),
    ((*S1, "settings", "retry", "max_retries"), True, r"retry\.max_retries: expected an integer, got bool"),
    ((*S1, "settings", "docker", "requirements"), ["a", 1], r"docker\.requirements\[1\]: expected a string"),
    ((*S1, "settings", "docker", "environment"), {"A": 1}, r"docker\.environment\.A: expected a string"),
    ((*S1, "settings", "colour"), "red", r"steps\[1\]\.settings: unexpected key 'colour'"),
    ((*S1, "signature", 0, "required"), None, r"signature\[0\]\.required: expected true or false"),
    ((*S1, "inputs", "y", "value"), float("inf"), r"inputs\.y\.value: inf is not a JSON number"),
    ((*S1, "inputs", "x"), {"lookup": {"version": "1"}}, r"inputs\.x\.lookup: a lookup needs \"name\", \"id\" or"),
    ((*S1, "inputs", "x"), {"lookup": {"name": "a", "scope": "web"}}, r"lookup\.scope: expected \"store\" or"),
    ((*S1, "inputs", "x"), {"lookup": {"name": 3}}, r"inputs\.x\.lookup\.name: expected a string, got int"),
    ((*S1, "inputs", "x"), {"external": {"name": "a"}}, r"inputs\.x\.external: missing key 'value'"),
    ((*S1, "inputs", "x"), {"items": {}}, r"inputs\.x\.items: expected a list, got dict"),
    ((*S1, "inputs", "x"), {"items": [{"step": "a"}]}, r"inputs\.x\.items\[0\]: missing key 'output'"),
    ((*S1, "inputs", "x"), {"items": [], "value": 1}, r"inputs\.x: expected exactly one of"),
])
def test_malformed_input_raises_a_located_value_error(path, value, message):
    with pytest.raises(ValueError, match=message):
        ir_json.program_from_json(_mutate(path, value))


@pytest.mark.parametrize("data", [None, [], "x", {"pipelines": None}, {"pipelines": [None]}, {}])
def test_malformed_top_level(data):
    with pytest.raises(ValueError):
        ir_json.program_from_json(data)


def test_loads_rejects_invalid_json():
    with pytest.raises(ValueError, match="invalid JSON"):
        ir_json.loads("{")


def test_upstream_is_derived_not_trusted():
    data = _mutate((*S1, "upstream"), ["nonsense"])
    assert ir_json.program_from_json(data) == sample_program()


def test_loading_does_not_mutate_input():
    data = ir_json.program_to_json(sample_program())
    before = copy.deepcopy(data)
    ir_json.program_from_json(data)
    assert data == before


# --------------------------------------------------------------------------- generated IR

names = st.text(min_size=1, max_size=8)
texts = st.text(max_size=12)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | texts,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(texts, inner, max_size=3),
    max_leaves=8,
)
spans = st.one_of(
    st.just(NO_SPAN),
    st.builds(Span, texts, st.integers(0, 999), st.integers(0, 999), st.integers(0, 999), st.integers(0, 999)),
)
opt_text = st.none() | texts
resources = st.builds(Resources, st.none() | st.floats(0, 64) | st.integers(0, 64), opt_text,
                      st.none() | st.integers(0, 8), opt_text)
dockers = st.builds(
    Docker, opt_text, opt_text, st.lists(texts, max_size=2).map(tuple), opt_text,
    st.lists(texts, max_size=2).map(tuple),
    st.dictionaries(texts, texts, max_size=2).map(lambda d: tuple(sorted(d.items()))), opt_text,
)
retries = st.builds(Retry, st.integers(0, 9), st.integers(0, 60) | st.floats(0, 60), st.floats(1, 4))
settings_st = st.builds(
    Settings, st.none() | resources, st.none() | dockers, st.none() | retries, st.none() | st.booleans(), opt_text,
    st.dictionaries(texts, json_values, max_size=2).map(lambda d: tuple(sorted(d.items()))),
    st.none() | st.floats(0.5, 1e6),
)
schedules = st.builds(Schedule, opt_text, st.none() | st.floats(1, 1e6), opt_text, opt_text, st.booleans(), spans)


@st.composite
def pipeline_parameters(draw, name):
    has_default = draw(st.booleans())
    known = draw(st.booleans())
    return PipelineParameter(
        name, draw(texts), has_default, draw(json_values) if has_default else None,
        draw(json_values) if known else draw(st.none() | json_values), known, draw(spans))


sources = st.one_of(
    st.builds(OutputRef, names, names),
    st.builds(LiteralValue, json_values),
    st.builds(ParameterRef, names),
    st.builds(ArtifactLookup, st.sampled_from(["store", "model"]), names, opt_text, opt_text),
    st.builds(ArtifactLookup, st.sampled_from(["store", "model"]), st.none(), opt_text, names),
    st.builds(ArtifactLookup, st.just("store"), st.none(), opt_text, st.none(), names),
    st.builds(ExternalValue, json_values, opt_text),
    st.builds(OutputList, st.lists(st.builds(OutputRef, names, names), max_size=3).map(tuple)),
)
models = st.builds(ModelSpec, names, opt_text, opt_text, opt_text, opt_text, opt_text, opt_text, opt_text, opt_text,
                   st.lists(texts, max_size=3).map(tuple), st.booleans())
output_kinds = st.sampled_from([None, "model", "deployment"])


@st.composite
def steps(draw):
    input_names = draw(st.lists(names, unique=True, max_size=4))
    output_names = draw(st.lists(names, unique=True, max_size=3))
    signature = tuple(draw(st.builds(Param, names, texts, st.booleans(), json_values,
                                     st.sampled_from(["artifact", "parameters"])))
                      for _ in range(draw(st.integers(0, 3))))
    return StepInvocation(
        id=draw(names), function=draw(names), module=draw(texts), signature=signature,
        inputs=tuple(InputBinding(n, draw(sources), draw(spans)) for n in input_names),
        outputs=tuple(Output(n, draw(texts), draw(output_kinds)) for n in output_names),
        after=tuple(draw(st.lists(names, max_size=3))), settings=draw(settings_st),
        model=draw(st.none() | models), definition_span=draw(spans), span=draw(spans),
    )


@st.composite
def programs(draw):
    pipes = []
    for _ in range(draw(st.integers(0, 2))):
        param_names = draw(st.lists(names, unique=True, max_size=3))
        pipes.append(Pipeline(
            name=draw(texts), function=draw(names), module=draw(texts),
            parameters=tuple(draw(pipeline_parameters(n)) for n in param_names),
            steps=tuple(draw(st.lists(steps(), max_size=3))),
            schedule=draw(st.none() | schedules), settings=draw(settings_st), model=draw(st.none() | models),
            span=draw(spans),
        ))
    return Program(tuple(pipes))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(programs())
def test_generated_programs_round_trip(program):
    data = ir_json.program_to_json(program)
    text = ir_json.dumps(data)
    assert ir_json.program_from_json(data) == program
    assert ir_json.loads(text) == program
    assert ir_json.dumps(ir_json.program_to_json(ir_json.loads(text))) == text


# --------------------------------------------------------------------------- the `ir` target


def _ir_target():
    from pipec import targets

    return targets.get("ir")


def test_ir_target_writes_one_json_file_per_pipeline_that_loads_back():
    target = _ir_target()
    assert target.name == "ir" and target.description and target.options == ()
    pipe = sample_program().pipelines[0]
    files = target.compile(pipe, CompileContext())
    assert list(files) == ["p.json"]
    assert files["p.json"] == ir_json.dumps(ir_json.program_to_json(Program((pipe,))))
    assert ir_json.loads(files["p.json"]) == Program((pipe,))


@pytest.mark.parametrize("hostile", ["../../etc/passwd", "/abs", "a b", "a/b", "a\\b", "", ".", "..", ".hidden",
                                     "x" * 300, "naïve", "new\nline", "a:b", "-rf"])
def test_ir_target_file_names_are_safe(hostile):
    from pipec.compiler.writer import check_relpath

    (name,) = _ir_target().compile(Pipeline(hostile, "p", "m", (), ()), CompileContext())
    check_relpath(name)
    stem = name[: -len(".json")]
    assert name.endswith(".json") and stem and len(name) < 120
    assert set(stem) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-")
    assert not name.startswith(".")


def test_ir_target_keeps_distinct_names_distinct():
    candidates = ["a b", "a_b", "a/b", "a:b", "a\\b", "ab", "a.b", "x" * 300, "x" * 301]
    produced = {next(iter(_ir_target().compile(Pipeline(n, "p", "m", (), ()), CompileContext()))) for n in candidates}
    assert len(produced) == len(candidates)
    # Unchanged names stay readable.
    assert "a_b.json" in produced and "ab.json" in produced


# --------------------------------------------------------------------------- real frontend output


EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def _example_cases():
    """Each examples/<case>/run.py with its config.yaml when present."""
    cases = []
    for entry in sorted(EXAMPLES.glob("*/run.py")):
        config = entry.parent / "config.yaml"
        cases.append(pytest.param(entry, config if config.is_file() else None, id=entry.parent.name))
    assert cases, f"no {EXAMPLES}/*/run.py"
    return cases


@pytest.mark.parametrize("entry, config", _example_cases())
def test_every_example_round_trips(entry, config):
    from pipec.compiler import api

    result = api.load(entry, config=config)
    assert not result.diagnostics.has_errors
    program = result.program
    assert program.pipelines
    assert ir_json.loads(ir_json.dumps(ir_json.program_to_json(program))) == program
