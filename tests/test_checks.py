"""Tests for the IR checks (pipec.checks), on pipelines built by hand."""

from __future__ import annotations

import subprocess
import sys

import pytest

from pipec.checks import CHECKS, register, run_checks
from pipec.ir import (
    NO_SPAN,
    InputBinding,
    LiteralValue,
    Output,
    OutputRef,
    Param,
    ParameterRef,
    Pipeline,
    PipelineParameter,
    Program,
    Span,
    StepInvocation,
)
from pipec.ir.diagnostics import CODES, Diagnostic, Diagnostics

# --------------------------------------------------------------------------- factories


def at(line: int, column: int = 5, path: str = "pipe.py") -> Span:
    """A span in the pipeline file."""
    return Span(path, line, column)


def ref(step: str, output: str = "output") -> OutputRef:
    """An input bound to `step.output`."""
    return OutputRef(step, output)


def bind(name: str, source: object, line: int = 0, column: int = 11) -> InputBinding:
    """A binding of `name`; plain Python values become literals. `line` 0 means no span."""
    if not isinstance(source, (OutputRef, ParameterRef, LiteralValue)):
        source = LiteralValue(source)
    return InputBinding(name, source, at(line, column) if line else NO_SPAN)


def step(
    step_id: str,
    line: int,
    *inputs: InputBinding,
    params: dict[str, str] | list[Param] | None = None,
    outputs: dict[str, str] | None = None,
    after: tuple[str, ...] = (),
    function: str | None = None,
    defined: int = 0,
) -> StepInvocation:
    """An invocation written at `pipe.py:line:5`.

    `params` maps required parameter names to types (default: one `Any` parameter per
    input); `outputs` maps output names to types (default: one `output` of type Any);
    `defined` is the line of the step function in `steps.py` (0: unknown).
    """
    if params is None:
        params = {binding.name: "Any" for binding in inputs}
    signature = tuple(params) if isinstance(params, list) else tuple(Param(n, t) for n, t in params.items())
    outs = outputs if outputs is not None else {"output": "Any"}
    return StepInvocation(
        id=step_id,
        function=function or step_id,
        module="steps",
        signature=signature,
        inputs=tuple(inputs),
        outputs=tuple(Output(n, t) for n, t in outs.items()),
        after=after,
        definition_span=Span("steps.py", defined, 1) if defined else NO_SPAN,
        span=at(line),
    )


def pipeline(*steps: StepInvocation, parameters: tuple[PipelineParameter, ...] = ()) -> Pipeline:
    """A pipeline `p` defined at pipe.py:1:1."""
    return Pipeline("p", "p", "pipe", parameters, tuple(steps), span=at(1, 1))


def check(*pipes: Pipeline) -> list[Diagnostic]:
    """Every diagnostic the checks report, in their stable order."""
    diags = Diagnostics()
    run_checks(Program(tuple(pipes)), diags)
    return diags.sorted()


def only(diags: list[Diagnostic], code: str) -> Diagnostic:
    """The single diagnostic in `diags`, asserting it has `code`."""
    assert [d.code for d in diags] == [code], [f"{d.code}: {d.message}" for d in diags]
    return diags[0]


def diamond() -> Pipeline:
    """A valid pipeline: load -> (split -> scale, clean) -> train, with literals and parameters."""
    return pipeline(
        step("load", 3, bind("path", ParameterRef("path"), 3, 15), params={"path": "str"},
             outputs={"output": "pandas.DataFrame"}),
        step("split", 4, bind("df", ref("load"), 4, 16), bind("ratio", 0.2, 4, 30),
             params={"df": "pandas.DataFrame", "ratio": "float"},
             outputs={"output_0": "pandas.DataFrame", "output_1": "pandas.Series"}),
        step("scale", 5, bind("x", ref("split", "output_0")), bind("y", ref("split", "output_1")),
             params={"x": "pandas.DataFrame", "y": "pandas.Series | None"},
             outputs={"output": "numpy.ndarray"}),
        step("clean", 6, bind("df", ref("load")), bind("cols", ["a", "b"]),
             params={"df": "Any", "cols": "tuple[str, ...]"}, outputs={"output": "list[int]"}),
        step("train", 7, bind("x", ref("scale")), bind("rows", ref("clean")), bind("epochs", 3),
             bind("lr", ParameterRef("lr")),
             params=[Param("x", "numpy.ndarray"), Param("rows", "list[float]"), Param("epochs", "int"),
                     Param("lr", "float"), Param("seed", "int", required=False, default=0)],
             outputs={"output": "sklearn.base.ClassifierMixin"}, after=("clean",)),
        step("report", 8, bind("model", ref("train")), params={"model": "steps.models.Model"},
             outputs={"output_0": "str", "output_1": "dict[str, float]"}),
        parameters=(PipelineParameter("path", "str", True, "data.csv", "data.csv", True, at(1, 7)),
                    PipelineParameter("lr", "int", True, 1, 1, True, at(1, 20))),
    )


# --------------------------------------------------------------------------- registry


def test_every_check_is_registered_with_a_known_code():
    assert list(CHECKS) == sorted(CHECKS, key=list(CHECKS).index)  # insertion-ordered
    assert {"empty", "duplicate_ids", "unknown_steps", "cycles", "unknown_keywords", "bound_twice",
            "missing_inputs", "unknown_outputs", "types", "unused_outputs"} <= set(CHECKS)
    for code in ("PC201", "PC202", "PC203", "PC204", "PC205", "PC206", "PC207", "PC208", "PC209", "PC210"):
        assert code in CODES


def test_registering_a_name_twice_fails():
    def check_cycles(pipeline, diags):  # same name as the real one
        pass

    with pytest.raises(ValueError, match="registered twice"):
        register(check_cycles)


def test_valid_diamond_has_no_diagnostics():
    assert check(diamond()) == []


def test_checks_run_on_every_pipeline():
    empty_a = Pipeline("a", "a", "m", (), (), span=at(1, 1))
    empty_b = Pipeline("b", "b", "m", (), (), span=at(9, 1))
    diags = check(empty_a, empty_b)
    assert [(d.code, d.span.line) for d in diags] == [("PC210", 1), ("PC210", 9)]


# --------------------------------------------------------------------------- PC210


def test_empty_pipeline_is_an_error_at_pipeline_span():
    diag = only(check(pipeline()), "PC210")
    assert diag.severity == "error"  # ZenML's compiler refuses a pipeline without steps too
    assert diag.span == at(1, 1)
    assert diag.message == "pipeline `p` has no steps"


# --------------------------------------------------------------------------- PC205


def test_duplicate_id_reported_at_second_invocation():
    diags = check(pipeline(step("load", 3), step("load", 5), step("load", 7)))
    assert [(d.code, d.span.line) for d in diags] == [("PC205", 5), ("PC205", 7)]
    assert diags[0].message == "duplicate step id `load`"
    assert diags[0].notes == ("first used at pipe.py:3:5",)
    assert "id=" in diags[0].help


# --------------------------------------------------------------------------- PC202


def test_unknown_step_in_output_ref_suggests_closest_id():
    diag = only(check(pipeline(step("load", 3), step("train", 4, bind("data", ref("laod"), 4, 17)))), "PC202")
    assert diag.message == "step `train` input `data` refers to unknown step `laod`"
    assert diag.span == at(4, 17)
    assert diag.help == "did you mean `load`?"


def test_unknown_step_without_binding_span_points_at_invocation():
    diag = only(check(pipeline(step("train", 4, bind("data", ref("nothing_like_it"))))), "PC202")
    assert diag.span == at(4)
    assert diag.help is None


def test_unknown_after_entry():
    diag = only(check(pipeline(step("load", 3), step("train", 4, after=("lod",)))), "PC202")
    assert diag.message == "step `train` runs after unknown step `lod`"
    assert diag.span == at(4)
    assert diag.help == "did you mean `load`?"


# --------------------------------------------------------------------------- PC201


def test_cycle_through_after_is_reported_once():
    # a.after(b) and b consumes a
    pipe = pipeline(step("a", 3, after=("b",)), step("b", 4, bind("x", ref("a"))))
    diag = only(check(pipe), "PC201")
    assert diag.message == "dependency cycle: a -> b -> a"
    assert diag.span == at(3)
    assert diag.notes == ("`b` consumes an output of `a`", "`a` runs after `b` (`after=`)")
    assert "after=" in diag.help


def test_cycle_starts_at_earliest_invocation_in_body_order():
    pipe = pipeline(step("c", 3, after=("b",)), step("a", 4, after=("c",)), step("b", 5, after=("a",)))
    diag = only(check(pipe), "PC201")
    assert diag.message == "dependency cycle: c -> a -> b -> c"
    assert diag.span == at(3)


def test_each_cycle_reported_once_and_downstream_steps_are_not():
    pipe = pipeline(
        step("a", 3, after=("b",)), step("b", 4, after=("a",)),
        step("down", 5, after=("b",)),  # depends on a cycle but is not in one
        step("x", 6, after=("y",)), step("y", 7, after=("x",)),
        step("free", 8),
    )
    diags = check(pipe)
    assert [(d.code, d.message) for d in diags] == [
        ("PC201", "dependency cycle: a -> b -> a"),
        ("PC201", "dependency cycle: x -> y -> x"),
    ]


def test_self_dependency_is_a_cycle():
    diag = only(check(pipeline(step("a", 3, after=("a",)))), "PC201")
    assert diag.message == "dependency cycle: a -> a"


def test_component_with_several_cycles_reports_the_shortest_once():
    # a -> b -> c -> a and b -> a: one component, shortest cycle through a is a -> b -> a
    pipe = pipeline(step("a", 3, after=("c", "b")), step("b", 4, after=("a",)), step("c", 5, after=("b",)))
    diag = only(check(pipe), "PC201")
    assert diag.message == "dependency cycle: a -> b -> a"


def test_data_only_cycle_has_no_after_help():
    pipe = pipeline(step("a", 3, bind("x", ref("b"))), step("b", 4, bind("x", ref("a"))))
    diag = only(check(pipe), "PC201")
    assert diag.help is None


def test_long_chain_and_long_cycle_do_not_hit_recursion_limit():
    n = 5000
    chain = [step("s0", 2)] + [step(f"s{i}", i + 2, bind("x", ref(f"s{i - 1}"))) for i in range(1, n)]
    assert check(pipeline(*chain)) == []
    ring = [step("s0", 2, after=(f"s{n - 1}",))] + chain[1:]
    diag = only(check(pipeline(*ring)), "PC201")
    assert diag.message.startswith("dependency cycle: s0 -> s1 -> s2")
    assert diag.message.endswith(f"s{n - 1} -> s0")


def test_checks_do_not_import_networkx():
    code = (
        "import sys\n"
        "from pipec.checks import run_checks\n"
        "from pipec.ir.diagnostics import Diagnostics\n"
        "from pipec.ir import Pipeline, Program, StepInvocation\n"
        "a = StepInvocation('a', 'a', 'm', (), (), (), after=('b',))\n"
        "b = StepInvocation('b', 'b', 'm', (), (), (), after=('a',))\n"
        "d = Diagnostics()\n"
        "run_checks(Program((Pipeline('p', 'p', 'm', (), (a, b)),)), d)\n"
        "assert [x.code for x in d] == ['PC201'], list(d)\n"
        "assert 'networkx' not in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


# --------------------------------------------------------------------------- PC204, PC209, PC203


def test_unknown_keyword_suggests_signature_name():
    pipe = pipeline(step("train", 4, bind("epoch", 3, 4, 11), params={"epochs": "int"},
                         defined=10))
    diags = check(pipe)
    assert [d.code for d in diags] == ["PC203", "PC204"]
    unknown = diags[1]
    assert unknown.message == "step `train` has no input `epoch`"
    assert unknown.span == at(4, 11)
    assert unknown.help == "did you mean `epochs`?"
    assert unknown.notes == ("`train` is defined at steps.py:10:1",)


def test_unknown_keyword_without_close_match_lists_inputs():
    diag = only(check(pipeline(step("train", 4, bind("zzz", 1), params=[Param("a", required=False)]))),
                "PC204")
    assert diag.help == "`train` accepts `a`"
    diag = only(check(pipeline(step("train", 4, bind("zzz", 1), params={}))), "PC204")
    assert diag.help == "`train` takes no inputs"


def test_input_bound_twice_reported_at_second_binding():
    pipe = pipeline(step("train", 4, bind("lr", 0.1, 4, 11), bind("lr", 0.2, 4, 19), params={"lr": "float"}))
    diag = only(check(pipe), "PC209")
    assert diag.message == "step `train` input `lr` is bound more than once"
    assert diag.span == at(4, 19)
    assert diag.notes == ("first bound at pipe.py:4:11",)


def test_missing_required_input():
    pipe = pipeline(step("train", 4, bind("lr", 0.1), function="train_model", defined=3,
                         params=[Param("data", "pandas.DataFrame"), Param("lr", "float"),
                                 Param("seed", "int", required=False)]))
    diag = only(check(pipe), "PC203")
    assert diag.message == "step `train` is missing required input `data`"
    assert diag.span == at(4)
    assert diag.help == "pass `data=` to `train_model(...)` or give the parameter a default"
    assert diag.notes == ("`train_model` is defined at steps.py:3:1",)


# --------------------------------------------------------------------------- PC208


def test_unknown_output_suggests_closest_output():
    pipe = pipeline(step("split", 3, outputs={"train": "Any", "test": "Any"}, defined=7),
                    step("fit", 4, bind("x", ref("split", "trian"), 4, 13)))
    diags = check(pipe)
    diag = only([d for d in diags if d.is_error], "PC208")
    assert diag.message == "step `split` has no output `trian` (used by `fit` input `x`)"
    assert diag.span == at(4, 13)
    assert diag.help == "did you mean `train`?"
    assert diag.notes == ("`split` is defined at steps.py:7:1",)


def test_unknown_output_of_step_returning_nothing():
    pipe = pipeline(step("side", 3, outputs={}), step("fit", 4, bind("x", ref("side"))))
    diag = only(check(pipe), "PC208")
    assert diag.help == "`side` returns nothing"


# --------------------------------------------------------------------------- PC206


def test_str_output_into_int_input():
    pipe = pipeline(step("load", 3, outputs={"output": "str"}, defined=2),
                    step("train", 5, bind("epochs", ref("load"), 5, 15), params={"epochs": "int"}))
    diag = only(check(pipe), "PC206")
    assert diag.message == "step `train` input `epochs` expects `int` but `load.output` produces `str`"
    assert diag.span == at(5, 15)
    assert diag.notes == ("`load` is defined at steps.py:2:1",)


def test_optional_output_into_plain_input_gets_a_hint():
    pipe = pipeline(step("load", 3, outputs={"output": "int | None"}),
                    step("train", 5, bind("epochs", ref("load")), params={"epochs": "int"}))
    diag = only(check(pipe), "PC206")
    assert diag.span == at(5)  # binding without a span: the invocation
    assert diag.help == "`load.output` may be `None`: annotate the input as `int | None`"
    assert not diag.is_error  # ZenML does not check edge types: only a None that arrives fails


def test_parameter_type_mismatch():
    pipe = pipeline(step("train", 5, bind("epochs", ParameterRef("epochs"), 5, 15), params={"epochs": "int"}),
                    parameters=(PipelineParameter("epochs", "str", span=at(1, 9)),))
    diag = only(check(pipe), "PC206")
    assert diag.message == "step `train` input `epochs` expects `int` but pipeline parameter `epochs` is `str`"
    assert diag.notes == ("`epochs` is declared at pipe.py:1:9",)
    assert diag.help == "annotate `epochs` as `int`"


def test_literal_type_mismatch_with_numeric_string_hint():
    pipe = pipeline(step("train", 5, bind("epochs", "10", 5, 15), params={"epochs": "int"}))
    diag = only(check(pipe), "PC206")
    assert diag.message == 'step `train` input `epochs` expects `int` but the literal `"10"` is `str`'
    assert diag.help == "pass 10 without quotes"


def test_list_literal_elements_are_checked():
    pipe = pipeline(step("train", 5, bind("sizes", [1, "a"]), params={"sizes": "list[int]"}))
    diag = only(check(pipe), "PC206")
    assert diag.message == ('step `train` input `sizes` expects `list[int]` but the literal `[1, "a"]` '
                            "is `list[int | str]`")
    assert diag.help == "pass a value of type `list[int]`"


@pytest.mark.parametrize(("source", "target"), [
    ("Any", "int"), ("int", "Any"), ("int", "float"), ("steps.Mine", "sklearn.base.BaseEstimator"),
    ("list", "list[int]"), ("bool", "int | None"),
])
def test_compatible_edges_pass(source, target):
    pipe = pipeline(step("a", 3, outputs={"output": source}),
                    step("b", 4, bind("x", ref("a")), params={"x": target}))
    assert check(pipe) == []


def test_config_parameters_are_not_type_checked():
    pipe = pipeline(step("train", 5, bind("params", {"lr": "high"}),
                         params=[Param("params", "int", kind="parameters")]))
    assert check(pipe) == []


def test_no_type_error_cascades_from_unknown_references():
    pipe = pipeline(step("load", 3, outputs={"output": "str"}),
                    step("a", 4, bind("x", ref("nope")), params={"x": "int"}),
                    step("b", 5, bind("x", ref("load", "nope")), params={"x": "int"}),
                    step("c", 6, bind("y", ref("load")), params={"x": "int"}),
                    step("d", 7, bind("x", ParameterRef("undeclared")), params={"x": "int"}))
    assert [d.code for d in check(pipe)] == ["PC202", "PC208", "PC203", "PC204"]


# --------------------------------------------------------------------------- PC207


def test_unused_sibling_output_warns():
    pipe = pipeline(step("split", 3, outputs={"train": "Any", "test": "Any", "meta": "Any"}),
                    step("fit", 4, bind("x", ref("split", "train"))))
    diags = check(pipe)
    assert [(d.code, d.severity, d.message) for d in diags] == [
        ("PC207", "warning", "output `meta` of step `split` is never used"),
        ("PC207", "warning", "output `test` of step `split` is never used"),
    ]
    assert all(d.span == at(3) for d in diags)


def test_leaf_and_single_outputs_do_not_warn():
    pipe = pipeline(step("split", 3, outputs={"a": "Any", "b": "Any"}),  # leaf: results are artifacts
                    step("load", 4), step("fit", 5, bind("x", ref("load"))))
    assert check(pipe) == []


# --------------------------------------------------------------------------- determinism


def test_diagnostics_are_deterministic_and_sorted():
    def broken() -> Pipeline:
        return pipeline(
            step("b", 9, bind("x", ref("zz")), bind("x", 1, 9, 20), after=("a",), params={"y": "int"}),
            step("a", 3, bind("q", "s", 3, 11), after=("b",), params={"q": "int"}),
            step("a", 6),
        )

    first = check(broken())
    assert first == check(broken())
    assert [(d.span.line, d.code) for d in first] == sorted((d.span.line, d.code) for d in first)
    assert {d.code for d in first} == {"PC201", "PC202", "PC203", "PC204", "PC205", "PC209", "PC206"}
