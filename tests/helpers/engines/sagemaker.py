"""SageMaker Pipelines: what a pipeline definition's step hands its container.

SageMaker evaluates ``Get`` (the execution id, each parameter rendered as text of its type)
and ``Std:Join`` in the step's ContainerEntrypoint and ContainerArguments; `evaluate` is an
independent evaluator of those.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

#: The execution id the model runs with: what ``Execution.PipelineExecutionId`` evaluates to.
EXECUTION_ID = "execution0123abcd"


def rendered(param: dict[str, Any], value: Any) -> str:
    """How SageMaker renders a parameter's value inside Std:Join (text of its type)."""
    if param["Type"] == "Boolean":
        return "true" if value else "false"
    if param["Type"] == "Float":
        return repr(float(value))
    return str(value)


def environment(definition: dict[str, Any], execution_id: str = EXECUTION_ID,
                values: dict[str, Any] | None = None) -> dict[str, str]:
    """Get path -> rendered value: the execution id and each parameter (its default unless given)."""
    env = {"Execution.PipelineExecutionId": execution_id}
    for param in definition["Parameters"]:
        value = (values or {}).get(param["Name"], param.get("DefaultValue"))
        env[f"Parameters.{param['Name']}"] = rendered(param, value)
    return env


def evaluate(value: Any, env: dict[str, str]) -> Any:
    """`value` with every Get and Std:Join replaced by its text (an independent evaluator)."""
    if isinstance(value, dict):
        if set(value) == {"Get"}:
            return env[value["Get"]]
        if set(value) == {"Std:Join"}:
            join = value["Std:Join"]
            assert set(join) == {"On", "Values"}, join
            return join["On"].join(evaluate(v, env) for v in join["Values"])
        return {k: evaluate(v, env) for k, v in value.items()}
    if isinstance(value, list):
        return [evaluate(v, env) for v in value]
    return value


def container_argv(step: dict[str, Any], env: dict[str, str]) -> list[str]:
    """The argv of one step's processing or training container, evaluated with `env`."""
    args = step["Arguments"]
    spec = args.get("AppSpecification") or args["AlgorithmSpecification"]
    return evaluate(spec["ContainerEntrypoint"] + spec["ContainerArguments"], env)


#: One compile per proof: the target's defaults.
COMPILE_OPTIONS: tuple[dict[str, str], ...] = ({},)


def step_argvs(text: str, pipeline, tmp_path: Path) -> list[list[str]]:
    """The argv of every step's container, in definition order, for the definition in `text`."""
    definition = json.loads(text)
    return [container_argv(step, environment(definition)) for step in definition["Steps"]]
