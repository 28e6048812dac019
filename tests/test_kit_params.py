"""The run-time parameters every target offers come from `pipec.targets.kit.params`: only
those a step binds, in declaration order, each step's in binding order, starting from the
compile-time value (else the default), as raw text for a ``str`` parameter, JSON otherwise."""

from __future__ import annotations

from pipec.ir import InputBinding, LiteralValue, ParameterRef, Pipeline, PipelineParameter, StepInvocation
from pipec.targets.kit.params import (
    bound_parameters,
    compile_time_value,
    has_value,
    parameter_text,
    step_parameters,
)


def _step(step_id: str, *params: str) -> StepInvocation:
    inputs = tuple(InputBinding(f"a{i}", ParameterRef(name)) for i, name in enumerate(params))
    return StepInvocation(id=step_id, function=step_id, module="m", signature=(),
                          inputs=inputs + (InputBinding("lit", LiteralValue(1)),), outputs=())


def test_bound_parameters_keep_declaration_order_and_skip_unbound() -> None:
    params = tuple(PipelineParameter(name) for name in ("a", "unused", "b", "c"))
    pipe = Pipeline(name="p", function="p", module="m", parameters=params,
                    steps=(_step("s1", "c", "a", "c"), _step("s2", "b")))
    assert [p.name for p in bound_parameters(pipe)] == ["a", "b", "c"]
    assert step_parameters(pipe.steps[0]) == ["c", "a"]
    assert step_parameters(pipe.steps[1]) == ["b"]


def test_compile_time_value_prefers_the_value_over_the_default() -> None:
    both = PipelineParameter("n", "int", has_default=True, default=1, value=5, known=True)
    default_only = PipelineParameter("n", "int", has_default=True, default=1)
    default_none = PipelineParameter("n", "Any", has_default=True, default=None)
    neither = PipelineParameter("n", "int")
    assert (has_value(both), compile_time_value(both)) == (True, 5)
    assert (has_value(default_only), compile_time_value(default_only)) == (True, 1)
    assert (has_value(default_none), compile_time_value(default_none)) == (True, None)
    assert not has_value(neither)


def test_parameter_text_is_raw_for_str_and_json_otherwise() -> None:
    text = PipelineParameter("s", "str")
    other = PipelineParameter("x", "Any")
    assert parameter_text(text, 'a "b" é') == 'a "b" é'
    assert parameter_text(text, 3) is None
    assert parameter_text(other, "é") == '"é"'
    assert parameter_text(other, {"k": [1, 2.5, None]}) == '{"k":[1,2.5,null]}'
    assert parameter_text(other, [1], encode=lambda value: "X") == "X"
