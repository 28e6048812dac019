"""Run-time values in a SageMaker definition: ``{"Get": ...}`` and ``{"Std:Join": ...}``.

:class:`SageMakerText` renders the shim call: the execution id alone is ``{"Get": path}``
(as the SageMaker SDK writes it); an argv item holding a pipeline parameter becomes
``{"Std:Join": {"On": "", "Values": [text, {"Get": path}, ...]}}``; literal text stays a
string.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pipec.ir import StepInvocation
from pipec.ir.diagnostics import Diagnostics
from pipec.runtime.command import EngineText

#: The Get path of the pipeline execution's id (the run id every step records).
EXECUTION_ID = "Execution.PipelineExecutionId"

#: A SageMaker value: a string, or a Get / Std:Join expression.
Expression = str | dict[str, Any]


def parameter_path(name: str) -> str:
    """The Get path of pipeline parameter `name`."""
    return f"Parameters.{name}"


@dataclass
class SageMakerText(EngineText[Expression]):
    """Shim argv items as SageMaker values; a NUL character, which no command line can
    carry, is refused (PC350, once per step)."""

    #: The step whose call is rendered.
    step: StepInvocation
    #: Where the refusal goes.
    diagnostics: Diagnostics
    #: Whether the step's refusal was reported.
    refused: bool = False

    def literal(self, text: str) -> Expression:
        """The text itself."""
        if "\x00" in text and not self.refused:
            self.refused = True
            self.diagnostics.error("PC350", f"the command line of step `{self.step.id}` contains a NUL character",
                                   self.step.span)
        return text

    def run_id(self) -> Expression:
        """The execution id: a string already, as the SDK writes it."""
        return {"Get": EXECUTION_ID}

    def param(self, name: str, encoding: str) -> Expression:
        """The parameter's Get (always joined, see :meth:`concat`)."""
        return {"Get": parameter_path(name)}

    def concat(self, parts: list[Expression]) -> Expression:
        """One value: Std:Join turns Integer/Float/Boolean parameters into text at run time (the
        SDK's `to_string()`); a bare Get of one in a string field is rejected by SageMaker."""
        values: list[Expression] = []
        for part in parts:
            if isinstance(part, str) and values and isinstance(values[-1], str):
                values[-1] += part
            elif part != "":
                values.append(part)
        if all(isinstance(value, str) for value in values):
            return "".join(values)
        return {"Std:Join": {"On": "", "Values": values}}


def literal_text(value: Expression) -> str:
    """The fixed text of a SageMaker value (its Get parts left out)."""
    if isinstance(value, str):
        return value
    if "Std:Join" in value:
        return "".join(v for v in value["Std:Join"]["Values"] if isinstance(v, str))
    return ""
