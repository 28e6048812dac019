"""Run-time values in a SageMaker definition: ``{"Get": ...}`` and ``{"Std:Join": ...}``.

The shim's argv is built with text tokens standing for run-time values (the
execution id, pipeline parameters). Each token is ``NUL path NUL``; NUL cannot occur
in a command line, and the target checks the argv carries none of its own before
it puts tokens in. An argv item that is exactly one token becomes ``{"Get": path}``
(as the SageMaker SDK writes it) when it is an execution variable; any other item with a
token becomes ``{"Std:Join": {"On": "", "Values": [text, {"Get": path}, ...]}}``.
"""

from __future__ import annotations

import re
from typing import Any

#: The Get path of the pipeline execution's id (the run id every step records).
EXECUTION_ID = "Execution.PipelineExecutionId"
_TOKEN = re.compile("\x00([^\x00]+)\x00")


def parameter_path(name: str) -> str:
    """The Get path of pipeline parameter `name`."""
    return f"Parameters.{name}"


def token(path: str) -> str:
    """The text token standing for ``{"Get": path}`` inside an argv item."""
    return f"\x00{path}\x00"


def to_expression(item: str) -> str | dict[str, Any]:
    """`item` as a SageMaker value: the string itself when it holds no token."""
    parts = _TOKEN.split(item)
    if len(parts) == 1:
        return item
    values: list[Any] = [{"Get": part} if i % 2 else part for i, part in enumerate(parts) if i % 2 or part]
    if len(values) == 1 and values[0]["Get"].startswith("Execution."):
        return values[0]  # a string already, as the SDK writes it
    # Std:Join turns Integer/Float/Boolean parameters into text at run time (the SDK's
    # `to_string()`); a bare Get of one in a string field is rejected by SageMaker.
    return {"Std:Join": {"On": "", "Values": values}}


def literal_text(value: str | dict[str, Any]) -> str:
    """The fixed text of a SageMaker value (its Get parts left out)."""
    if isinstance(value, str):
        return value
    if "Std:Join" in value:
        return "".join(v for v in value["Std:Join"]["Values"] if isinstance(v, str))
    return ""
