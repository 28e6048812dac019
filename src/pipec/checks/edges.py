"""Checks on data edges: type compatibility, and outputs nobody consumes."""

from __future__ import annotations

from dataclasses import dataclass

from pipec.ir.diagnostics import Diagnostics
from pipec.ir.materializer_bridges import bridge
from pipec.ir.types import (
    UnionType,
    describe_literal,
    element_type,
    format_literal,
    is_compatible,
    literal_is_compatible,
    parse_type,
)

from ..ir import (
    ExternalValue,
    InputBinding,
    LiteralValue,
    OutputList,
    OutputRef,
    ParameterRef,
    Pipeline,
    StepInvocation,
)
from ..runtime.deferred_calls import decode, holds_call, holds_reserved
from .common import binding_span, defined_note, has_span
from .registry import register


@dataclass(frozen=True)
class _Mismatch:
    """What flowed into an input that does not accept it."""

    # The source, for the message, e.g. "`load.output` produces `str`".
    what: str
    # How to fix it, when we know.
    help: str | None
    # Secondary notes, e.g. where the producer is defined.
    notes: tuple[str, ...]
    # True when the value fits unless it is None at run time: a warning, not an error.
    warning: bool = False


def _without_none(source: str) -> str | None:
    """`source` without its `None` member (`str | None` -> `str`); None when it has none."""
    expr = parse_type(source)
    if not isinstance(expr, UnionType):
        return None
    rest = [str(member) for member in expr.members if member.name != "None"]
    return " | ".join(rest) if rest and len(rest) < len(expr.members) else None


def _optional_help(source: str, target: str, what: str) -> str | None:
    """A hint for the common case of an optional value flowing into a non-optional input."""
    rest = _without_none(source)
    if rest is not None and is_compatible(rest, target):
        return f"{what} may be `None`: annotate the input as `{target} | None`"
    return None


def _output_mismatch(pipeline: Pipeline, ref: OutputRef, target: str, *, bridged: bool = True) -> _Mismatch | None:
    """The mismatch when an upstream output feeds an input of type `target`, else None.

    With `bridged`, a pair one ZenML materializer carries (`pipec.ir.materializer_bridges`)
    is a warning; list elements pass False (`pipec run` converts only whole inputs).
    """
    producer = pipeline.step(ref.step)
    source = _produced(pipeline, ref)
    if source is None or is_compatible(source, target):
        return None  # unknown steps and outputs are reported by their own checks
    name = f"`{ref.step}.{ref.output}`"
    what = f"{name} produces `{source}`"
    carried = bridge(source, target) if bridged else None
    if carried is not None:
        # ZenML never compares edge types: the producer's materializer loads the consumer's type.
        fails = f"; it fails at run time when {carried.fails_when}" if carried.fails_when else ""
        return _Mismatch(what, f"ZenML's {carried.materializer} loads {carried.loads}{fails}, and so "
                         f"does `pipec run`; annotate the input as `{source}` to say what arrives",
                         defined_note(producer), warning=True)
    # `Optional[X]` output into an `X` input: ZenML does not check edge types, so only a None that
    # really arrives fails (as for an `Optional[X]` pipeline parameter): a warning with the same hint.
    optional = _optional_help(source, target, name)
    return _Mismatch(what, optional, defined_note(producer), warning=optional is not None)


def _parameter_mismatch(pipeline: Pipeline, ref: ParameterRef, target: str) -> _Mismatch | None:
    """The mismatch when a pipeline parameter feeds an input of type `target`, else None."""
    param = pipeline.parameter(ref.name)
    if param is None or is_compatible(param.type, target):
        return None
    notes = (f"`{param.name}` is declared at {param.span}",) if has_span(param.span) else ()
    name = f"pipeline parameter `{param.name}`"
    rest = _without_none(param.type)
    if rest is not None and is_compatible(rest, target):
        # `Optional[X] = value` into an `X` input (ZenML's template style): ZenML validates the
        # value when the step runs, so only a None that really arrives fails.
        if param.known and param.value is not None:
            if literal_is_compatible(param.value, target):
                return None
            return _Mismatch(f"{name} has the value `{format_literal(param.value)}`, which is "
                             f"`{describe_literal(param.value)}`", f"pass a value of type `{target}`", notes)
        if param.known:
            return _Mismatch(f"{name} (`{param.type}`) is `None`",
                             f"the step fails at run time when ZenML validates its inputs, unless the run passes "
                             f"a value for `{param.name}`; give `{param.name}` a default that is not None, or "
                             f"annotate the input as `{target} | None`", notes, warning=True)
        return _Mismatch(f"{name} (`{param.type}`) has no value at compile time and may be `None`",
                         f"if a run passes None, the step fails when ZenML validates its inputs; annotate the "
                         f"input as `{target} | None` to accept it", notes, warning=True)
    help = _optional_help(param.type, target, name) or f"annotate `{param.name}` as `{target}`"
    return _Mismatch(f"{name} is `{param.type}`", help, notes)


def _literal_mismatch(value: object, target: str) -> _Mismatch | None:
    """The mismatch when a literal is passed to an input of type `target`, else None."""
    if literal_is_compatible(value, target):
        return None
    help = f"pass a value of type `{target}`"
    if isinstance(value, str):
        for convert in (int, float):
            try:
                number = convert(value)
            except ValueError:
                continue
            if literal_is_compatible(number, target):
                help = f"pass {format_literal(number)} without quotes"
                break
    return _Mismatch(f"the literal `{format_literal(value)}` is `{describe_literal(value)}`", help, ())


def _mismatch(pipeline: Pipeline, binding: InputBinding, target: str) -> _Mismatch | None:
    """Dispatch on where the bound value comes from."""
    source = binding.source
    if isinstance(source, OutputRef):
        return _output_mismatch(pipeline, source, target)
    if isinstance(source, ParameterRef):
        return _parameter_mismatch(pipeline, source, target)
    if isinstance(source, LiteralValue):
        if holds_reserved(source.value):  # ZenML integration objects or escaped dicts (`runtime.deferred_calls`)
            if holds_call(source.value):
                return None  # an object's type is known only when the step builds it
            return _literal_mismatch(decode(source.value), target)
        return _literal_mismatch(source.value, target)
    if isinstance(source, ExternalValue):  # a stored value is typed like a literal
        return _literal_mismatch(source.value, target)
    return None  # an artifact lookup: its type is known only when the step starts


def _list_mismatches(pipeline: Pipeline, items: OutputList, target: str) -> list[tuple[str, _Mismatch]]:
    """(what flowed in, mismatch) per output type among the elements of a list of outputs that
    `target` does not accept; one for the whole list when `target` is not a list type."""
    element = element_type(target)
    if element is None:
        joined = " | ".join(dict.fromkeys(_produced(pipeline, ref) or "Any" for ref in items.items))
        return [(f"receives a list of {len(items.items)} step outputs", _Mismatch(
            "", f"annotate the input as `list[{joined}]`, or pass one output", ()))]
    by_type: dict[str, list[tuple[int, OutputRef, _Mismatch]]] = {}
    for position, ref in enumerate(items.items):
        mismatch = _output_mismatch(pipeline, ref, element, bridged=False)
        if mismatch is not None:
            by_type.setdefault(_produced(pipeline, ref) or "Any", []).append((position, ref, mismatch))
    found = []
    for produced, elements in by_type.items():
        shown = elements[:_MAX_ELEMENTS_SHOWN]
        more = f" and {len(elements) - len(shown)} more" if len(elements) > len(shown) else ""
        positions = ", ".join(str(position) for position, _, _ in shown) + more
        refs = ", ".join(f"`{ref.step}.{ref.output}`" for _, ref, _ in shown) + more
        noun, verb = ("element", "produces") if len(elements) == 1 else ("elements", "produce")
        first = elements[0][2]
        found.append((f"{noun} {positions} ({refs}) {verb} `{produced}`",
                      _Mismatch("", first.help, tuple(dict.fromkeys(n for _, _, m in shown for n in m.notes)),
                                warning=all(m.warning for _, _, m in elements))))
    return found


#: Elements a type-mismatch message names before it says "and N more".
_MAX_ELEMENTS_SHOWN = 5


def _produced(pipeline: Pipeline, ref: OutputRef) -> str | None:
    """The type output `ref` produces, None when the step or output is unknown."""
    producer = pipeline.step(ref.step)
    return producer.output_type(ref.output) if producer else None


@register
def check_types(pipeline: Pipeline, diags: Diagnostics) -> None:
    """PC206: a value flows into an input whose annotation does not accept it.

    The source type is the producer's output type, the pipeline parameter's type,
    or, for a literal, the literal itself (elements included; see
    :func:`pipec.ir.types.literal_is_compatible`). Unknown (``Any``) types pass.
    Old-API ``BaseParameters`` configs (``kind="parameters"``) are not data edges
    and are skipped. ZenML never compares step-to-step types, so an edge it runs is a
    warning, not an error: an ``X | None`` output into an ``X`` input, and a pair one
    materializer stores and loads (``pipec.ir.materializer_bridges``, e.g. pandas Series
    into DataFrame).
    """
    for inv in pipeline.steps:
        params = {}
        for param in inv.signature:
            params.setdefault(param.name, param)
        for binding in inv.inputs:
            param = params.get(binding.name)
            if param is None or param.kind == "parameters":
                continue  # unknown keywords are reported by their own check
            if isinstance(binding.source, OutputList):
                for what, mismatch in _list_mismatches(pipeline, binding.source, param.type):
                    report = diags.warning if mismatch.warning else diags.error
                    report("PC206", f"step `{inv.id}` input `{binding.name}` expects `{param.type}` but "
                           f"{what}", binding_span(binding, inv), help=mismatch.help, notes=mismatch.notes)
                continue
            found = _mismatch(pipeline, binding, param.type)
            if found is not None:
                report = diags.warning if found.warning else diags.error
                report("PC206", f"step `{inv.id}` input `{binding.name}` expects `{param.type}` "
                       f"but {found.what}", binding_span(binding, inv), help=found.help, notes=found.notes)


def _consumed_outputs(pipeline: Pipeline) -> dict[str, set[str]]:
    """For each step id, the names of its outputs some input consumes."""
    consumed: dict[str, set[str]] = {}
    for inv in pipeline.steps:
        for binding in inv.inputs:
            for ref in binding.upstream_outputs:
                consumed.setdefault(ref.step, set()).add(ref.output)
    return consumed


def _is_first(pipeline: Pipeline, inv: StepInvocation) -> bool:
    """False for an invocation whose id an earlier one already took (a PC205 error)."""
    return pipeline.step(inv.id) is inv


@register
def check_unused_outputs(pipeline: Pipeline, diags: Diagnostics) -> None:
    """PC207 (warning): an output is unused while a sibling output of the same invocation is used.

    Only partially consumed multi-output steps are reported. Outputs of a step
    nobody consumes are normally the pipeline's results (a model, a report), kept
    as artifacts on purpose, so warning about them would be noise; an ignored
    sibling of a consumed output is more likely a wiring mistake.
    """
    consumed = _consumed_outputs(pipeline)
    for inv in pipeline.steps:
        used = consumed.get(inv.id)
        if not used or len(inv.outputs) < 2 or not _is_first(pipeline, inv):
            continue
        for out in inv.outputs:
            if out.name not in used:
                diags.warning("PC207", f"output `{out.name}` of step `{inv.id}` is never used", inv.span,
                              help=f"pass it to a downstream step, or stop returning it from "
                                   f"`{inv.function}`")
