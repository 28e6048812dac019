"""How user text reaches a step's container through an engine that templates strings.

Engines on Kubernetes substitute their own syntax in the strings of a step (Tekton
``$(...)``, Argo ``{{...}}``) and Kubernetes expands ``$(VAR)`` and ``$$`` in command, args
and env values. The targets keep engine placeholders and literal text apart: `MarkedText`
renders a shim call saying which argv items hold a placeholder, `json_text` re-encodes JSON
literals without chosen characters, and `engine_parameters` decides which pipeline parameters can be engine
parameters at all (a value the engine would expand is baked into the steps instead).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from pipec.ir import Pipeline, PipelineParameter, StepInvocation
from pipec.ir.diagnostics import Diagnostics
from pipec.runtime.command import EngineText

from .kit.params import bound_parameters as kit_bound_parameters
from .kit.params import parameter_text as kit_parameter_text
from .kit.params import step_parameters
from .kube import short_digest

_ASCII_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def parameter_names(names: Iterable[str]) -> dict[str, str]:
    """``{pipeline parameter: engine parameter name}``: ASCII identifiers stay as they are
    (valid for Tekton and Argo alike); anything else becomes ``_``-cleaned text plus a hash
    after a ``-``, which no Python identifier contains, so the names never clash.

    Not a :class:`~pipec.targets.kit.names.Namer`: a name with only allowed characters but
    a bad first one (``1x``) changes here, and gets ``p`` put in front (a Namer keeps a name
    whose characters are all allowed, and replaces a bad first character)."""
    result: dict[str, str] = {}
    for name in names:
        if _ASCII_IDENTIFIER.fullmatch(name):
            result[name] = name
        else:
            cleaned = re.sub(r"[^A-Za-z0-9_]", "_", name)
            result[name] = f"{cleaned if cleaned[:1].isalpha() else 'p' + cleaned}-{short_digest(name)}"
    return result


@dataclass(frozen=True)
class EngineParameter:
    """A pipeline parameter the engine takes at run time (a step binds it directly)."""

    # The pipeline parameter.
    parameter: PipelineParameter
    # Its name in the engine (see `parameter_names`).
    name: str
    # The text the engine passes for the compile-time value, None when it is unknown.
    value: str | None
    # The text of the source default, None when there is none.
    default: str | None


def parameter_text(param: PipelineParameter, value: object, escape: str = "") -> str | None:
    """:func:`pipec.targets.kit.params.parameter_text` with JSON written by `json_text`
    (the `escape` characters escaped)."""
    return kit_parameter_text(param, value, lambda raw: json_text(raw, escape))


def engine_parameters(pipeline: Pipeline, *, escape: str, unsafe: Callable[[str], str | None]
                      ) -> tuple[dict[str, EngineParameter], list[tuple[PipelineParameter, str]]]:
    """Split the parameters that steps bind into those the engine may pass at run time,
    ``{pipeline parameter name: EngineParameter}``, and those whose compile-time value is
    baked into the steps instead, ``[(parameter, reason)]``.

    `unsafe(text)` says why the engine (or Kubernetes) would not hand `text` to the
    container unchanged, None when it would; a parameter is baked when its value or default
    is such a text, or when a ``str`` parameter's value is not a string.
    """
    params = kit_bound_parameters(pipeline)
    names = parameter_names(p.name for p in params)
    passed: dict[str, EngineParameter] = {}
    baked: list[tuple[PipelineParameter, str]] = []
    for param in params:
        texts = {}
        for kind, present, raw in (("value", param.known, param.value), ("default", param.has_default, param.default)):
            if present:
                texts[kind] = parameter_text(param, raw, escape)
        reason = None
        for kind, text in texts.items():
            if text is None:
                reason = f"its {kind} is not a string"
            elif (why := unsafe(text)) is not None:
                reason = f"its {kind} {why}"
            if reason:
                break
        if reason:
            baked.append((param, reason))
        else:
            passed[param.name] = EngineParameter(param, names[param.name], texts.get("value"), texts.get("default"))
    return passed, baked


def bound_parameters(step: StepInvocation, params: Mapping[str, EngineParameter]) -> list[EngineParameter]:
    """The engine parameters `step` binds, in binding order, each once."""
    return [params[name] for name in step_parameters(step) if name in params]


def report_baked(baked: Iterable[tuple[PipelineParameter, str]], diags: Diagnostics, target: str,
                 how_to_override: str) -> None:
    """Warn (PC330) about each parameter whose value is baked into the steps, and why."""
    for param, reason in baked:
        diags.warning("PC330", f"pipeline parameter `{param.name}` is fixed at compile time in the {target} "
                               f"target: {reason}", param.span,
                      help=f"its value is written into the steps as a literal, so {how_to_override} cannot "
                           "change it")


@dataclass
class MarkedText(EngineText[tuple[str, bool]]):
    """Argv items paired with True when they carry the run id or a parameter placeholder (the
    engine must expand them) and False when they are literal text that must reach the
    container unchanged (the target escapes those)."""

    #: The engine's run-id placeholder.
    run_id_text: str
    #: The engine's placeholder per run-time pipeline parameter.
    placeholders: Mapping[str, str]

    def literal(self, text: str) -> tuple[str, bool]:
        """Literal text, unmarked."""
        return text, False

    def run_id(self) -> tuple[str, bool]:
        """The run-id placeholder, marked."""
        return self.run_id_text, True

    def param(self, name: str, encoding: str) -> tuple[str, bool]:
        """The parameter's placeholder, marked."""
        return self.placeholders[name], True

    def concat(self, parts: list[tuple[str, bool]]) -> tuple[str, bool]:
        """The parts joined, marked when one of them is."""
        return "".join(text for text, _ in parts), any(marked for _, marked in parts)


def json_text(value: object, escape: str = "") -> str:
    """Compact JSON of `value` (as the shim's ``--param`` carries it) in which every
    character of `escape` inside a string is written as a ``\\uXXXX`` escape, so the text
    holds none of them except JSON's own brackets; it decodes to the same value. `escape`
    must not hold characters JSON escapes use (backslash, quote, ``u``, hex digits)."""
    if isinstance(value, str):
        text = json.dumps(value, ensure_ascii=False)
        for char in escape:  # JSON's own escapes never contain these characters
            text = text.replace(char, f"\\u{ord(char):04x}")
        return text
    if isinstance(value, dict):
        return "{" + ",".join(f"{json_text(k, escape)}:{json_text(v, escape)}" for k, v in value.items()) + "}"
    if isinstance(value, list | tuple):
        return "[" + ",".join(json_text(v, escape) for v in value) + "]"
    return json.dumps(value, allow_nan=False)
