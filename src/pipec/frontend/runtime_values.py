"""Values only known when the pipeline runs, and how to describe any value to the user.

Reading the environment (`os.environ[...]`, `os.getenv(...)`) or ZenML's client and
active stack (`Client().active_stack.step_operator.name`) is legal Python that has no
value at compile time. The evaluator keeps such an expression as a :class:`RunTimeValue`
instead of failing where it is written, so the place that *uses* it decides: an option
pipec ignores anyway only warns, a Docker environment variable gets a hint about
secrets, anything else is an error naming the expression and why it is dynamic.

:func:`describe` names any evaluator value in the user's terms; messages never show the
evaluator's own class names.
"""

from __future__ import annotations

import ast
import functools
from dataclasses import dataclass
from typing import Any

from ..ir import Span

#: Why a value exists only at run time.
ENV, STACK, ARTIFACT, MODEL = "env", "stack", "artifact", "model"

#: Help for a value read from the active ZenML stack or client.
STACK_HELP = ("pass it as a literal or a pipeline parameter (--param), or configure it on a pipec stack "
              "(`[tool.pipec.stacks.NAME]`)")
#: Help for a secret read from the environment into settings (Docker environment, settings dicts).
SECRET_HELP = ("supply secrets at run time instead of compiling them in: set the variable in the environment "
               "of the stack that runs the steps (or a ZenML secret) and read it inside the step")
ENV_HELP = "make it a pipeline parameter (--param) or read it inside a step"


@dataclass(frozen=True)
class RunTimeValue:
    """An expression whose value exists only when the pipeline runs."""

    # The expression as written, e.g. `os.environ["HF_TOKEN"]`.
    expr: str
    # ENV, STACK, ARTIFACT or MODEL.
    reason: str
    # Where the expression is (a note when it is reported at a later use).
    span: Span | None = None

    def extended(self, suffix: str, reason: str | None = None) -> RunTimeValue:
        """`self.expr + suffix` (an attribute or a call on it), same origin."""
        return RunTimeValue(_shorten(self.expr + suffix), reason or self.reason, self.span)


def message(value: RunTimeValue) -> str:
    """Why `value` cannot be evaluated while compiling."""
    if value.reason == ENV:
        return (f"`{value.expr}` reads the environment, which gives a different value each run; it cannot be "
                "evaluated while compiling")
    if value.reason == STACK:
        return (f"`{value.expr}` depends on the active ZenML stack at run time; it cannot be evaluated while "
                "compiling")
    if value.reason == MODEL:
        return (f"`{value.expr}` is resolved at run time by ZenML's Model Control Plane, which pipec does not "
                "support yet")
    return (f"`{value.expr}` is resolved at run time from the artifact store; pipec resolves an artifact lookup "
            "only where a pipeline body passes it to a step input")


def help_for(value: RunTimeValue, in_settings: bool = False) -> str:
    """What to do instead; `in_settings` when the value feeds settings (Docker environment, ...)."""
    if value.reason == ENV:
        return SECRET_HELP if in_settings else ENV_HELP
    if value.reason == STACK:
        return STACK_HELP
    if value.reason == MODEL:
        return ("read a model's artifacts with `get_pipeline_context().model.get_artifact(name)` (the pipeline's "
                "`model=`), or produce the value with a step of this pipeline")
    return ("pass `Client().get_artifact_version(name)` to a step input in the pipeline body, or produce the "
            "value with a step of this pipeline")


def notes_for(value: RunTimeValue, used_at: Span | None = None) -> tuple[str, ...]:
    """A note pointing at the expression when it is reported somewhere else."""
    if value.span is None or (used_at is not None and (value.span.path, value.span.line) == (
            used_at.path, used_at.line)):
        return ()  # the caret already shows it
    return (f"`{value.expr}` is at {value.span}",)


def expression_text(source_text: str, node: ast.AST) -> str:
    """The source of `node` as written (shortened), for messages."""
    text = None
    start, end = getattr(node, "lineno", None), getattr(node, "end_lineno", None)
    if start is not None and end is not None and node.end_col_offset is not None:
        # cut it from the cached lines (ast.get_source_segment splits the whole file per call,
        # which made a module with a 2 MB line or literal take minutes)
        lines = _source_lines(source_text)
        if end <= len(lines):
            parts = [line.encode("utf-8", "surrogatepass") for line in lines[start - 1:end]]
            parts[-1] = parts[-1][:node.end_col_offset]
            parts[0] = parts[0][node.col_offset:]
            text = b"\n".join(parts).decode("utf-8", "replace")
    if text is None:
        text = ast.get_source_segment(source_text, node) or ast.unparse(node)
    return _shorten(" ".join(text.split()))


@functools.lru_cache(maxsize=4)
def _source_lines(source_text: str) -> list[str]:
    from .source import LINE_BREAK

    return LINE_BREAK.split(source_text)


def _shorten(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def find_runtime(value: Any, depth: int = 0) -> RunTimeValue | None:
    """The first RunTimeValue in `value` or its containers."""
    if isinstance(value, RunTimeValue):
        return value
    if depth > 20:
        return None
    if isinstance(value, dict):
        items = value.values()
    elif isinstance(value, (list, tuple, set, frozenset)):
        items = value
    else:
        fields = getattr(value, "fields", None)  # SettingsObject / ParamsInstance
        if not (isinstance(fields, tuple) and all(isinstance(f, tuple) and len(f) == 2 for f in fields)):
            return None
        items = [v for _, v in fields]
    for item in items:
        found = find_runtime(item, depth + 1)
        if found is not None:
            return found
    return None


def describe(value: Any) -> str:
    """`value` in the user's terms (no class names of pipec's evaluator)."""
    from .values import (
        Artifact,
        BoundMethod,
        Builtin,
        ClassRef,
        ExternalName,
        FunctionRef,
        Invocation,
        ModuleRef,
        OldStepInstance,
        ParamsInstance,
        ParamValue,
        PipelineHandle,
        PipelineInstance,
        SettingsObject,
        Slot,
        StepHandle,
    )

    if isinstance(value, RunTimeValue):
        return f"`{value.expr}`"
    if isinstance(value, ModuleRef):
        return f"the module `{value.name}`"
    if isinstance(value, ExternalName):
        return f"`{value.qualname}` (from outside the source root)"
    if isinstance(value, ClassRef):
        return f"the class `{value.name}`"
    if isinstance(value, FunctionRef):
        return f"the function `{value.qualname.rsplit('.', 1)[-1]}`"
    if isinstance(value, StepHandle):
        return f"the step `{value.definition.name}`"
    if isinstance(value, Slot):
        return f"the step `{value.name}`"
    if isinstance(value, OldStepInstance):
        return f"an instance of the step `{value.definition.name}`"
    if isinstance(value, (PipelineHandle, PipelineInstance)):
        handle = value.handle if isinstance(value, PipelineInstance) else value
        return f"the pipeline `{handle.definition.name}`"
    if isinstance(value, BoundMethod):
        return f"the method `.{value.name}`"
    if isinstance(value, Builtin):
        return f"the builtin `{value.name}`"
    if isinstance(value, Artifact):
        return f"the output `{value.output}` of step `{value.step}`"
    if isinstance(value, Invocation):
        return f"the result of step `{value.step}`"
    if isinstance(value, ParamValue):
        return f"the pipeline parameter `{value.name}`"
    if isinstance(value, SettingsObject):
        return f"a `{value.qualname.rsplit('.', 1)[-1]}` object"
    if isinstance(value, ParamsInstance):
        return f"a `{value.cls.name}` object"
    if value is None:
        return "None"
    kind = type(value)
    if kind.__module__ == "builtins":
        return f"a value of type `{kind.__name__}`"
    label = getattr(value, "user_label", None)  # evaluator values of other modules name themselves
    if isinstance(label, str):
        return label
    return "a value pipec's static evaluator cannot use here"


def is_opaque(value: Any) -> bool:
    """True for evaluator references that have no compile-time data value (modules, classes, steps...)."""
    from .values import (
        BoundMethod,
        Builtin,
        ClassRef,
        ExternalName,
        FunctionRef,
        ModuleRef,
        OldStepInstance,
        PipelineHandle,
        PipelineInstance,
        Slot,
        StepHandle,
    )

    return isinstance(value, (RunTimeValue, ModuleRef, ExternalName, ClassRef, FunctionRef, BoundMethod, Builtin,
                              StepHandle, Slot, OldStepInstance, PipelineHandle, PipelineInstance)) \
        or getattr(value, "user_label", None) is not None
