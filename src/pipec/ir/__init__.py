"""The contract between the frontend, the targets and the runtime.

- :mod:`pipec.ir.nodes`: the typed IR itself (frozen dataclasses), re-exported here, so
  ``from pipec.ir import Pipeline`` and ``from pipec import ir; ir.Pipeline`` both work;
- :mod:`pipec.ir.codec`: its JSON form (what the `ir` target writes and the shim reads);
- :mod:`pipec.ir.types`: the type grammar of data edges and its compatibility rule;
- :mod:`pipec.ir.diagnostics`: diagnostics with stable codes, spans and hints.

The runtime shim imports this package inside every container, so it depends on nothing
but the standard library (networkx is imported lazily by :class:`Pipeline`).
"""

from .nodes import (
    NO_SPAN,
    SECTIONS,
    ArtifactLookup,
    Docker,
    ExternalValue,
    InputBinding,
    JSONValue,
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
    Source,
    Span,
    StepInvocation,
)

__all__ = [
    "NO_SPAN", "SECTIONS", "ArtifactLookup", "Docker", "ExternalValue", "InputBinding", "JSONValue", "LiteralValue", "ModelSpec", "Output", "OutputList", "OutputRef", "Param",
    "ParameterRef", "Pipeline", "PipelineParameter", "Program", "Resources", "Retry", "Schedule",
    "Settings", "Source", "Span", "StepInvocation",
]
