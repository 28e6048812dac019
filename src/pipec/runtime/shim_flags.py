"""The run-step flag table: the one grammar the shim parses and every target renders.

`pipec.runtime.shim` builds its argument parser from :data:`FLAGS`; `pipec.runtime.command`
checks every option of a shim call against it; targets read a flag's :attr:`ShimFlag.scope`
to decide what several steps can share. Nothing else spells the grammar out. This module
imports nothing heavy: the shim (one process per step) loads it on its hot path.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

#: The words after the interpreter that start the shim: ``python -m pipec.runtime run-step``.
ENTRYPOINT = ("-m", "pipec.runtime", "run-step")

#: What :func:`name_text` escapes, so a step id or output name holding a separator of the
#: ``NAME=...`` and ``STEP_ID/OUTPUT`` forms reads back whole.
_NAME_ESCAPES = {"%": "%25", "/": "%2F", "=": "%3D"}
_NAME_UNESCAPES = {escape: char for char, escape in _NAME_ESCAPES.items()}
_NAME_ESCAPE = re.compile("|".join(_NAME_UNESCAPES), re.IGNORECASE)


def name_text(name: str) -> str:
    """A step id or output name as the shim's ``STEP_ID/OUTPUT`` and ``NAME=`` forms write it:
    ``%``, ``/`` and ``=`` percent-encoded, everything else as is."""
    return "".join(_NAME_ESCAPES.get(c, c) for c in name)


def name_from_text(text: str) -> str:
    """The step id or output name :func:`name_text` wrote as `text`. Only the three escapes it
    writes are decoded: any other ``%`` stays as it is, so a name written by hand reads as typed."""
    if "%" not in text:
        return text
    return _NAME_ESCAPE.sub(lambda m: _NAME_UNESCAPES[m.group(0).upper()], text)


#: Scopes: the same in every step's call of a pipeline ...
PIPELINE = "pipeline"
#: ... the same in every step defined in one module ...
MODULE = "module"
#: ... or the step's own.
STEP = "step"


@dataclass(frozen=True)
class ShimFlag:
    """One run-step flag."""

    #: The flag as written, e.g. ``--step-id``.
    name: str
    #: What its value looks like (``NAME=JSON``), None for a switch that takes no value.
    metavar: str | None
    #: Whose value it carries: :data:`PIPELINE`, :data:`MODULE` or :data:`STEP`.
    scope: str
    #: What it means (the parser's help).
    help: str
    #: May be given more than once (each value is appended).
    repeatable: bool = False
    #: Must be given.
    required: bool = False
    #: Attribute of the parsed namespace, None for the flag's own name.
    dest: str | None = None
    #: Value when absent (repeatable flags and switches have theirs: [] and True).
    default: str | None = None

    @property
    def takes_value(self) -> bool:
        """Whether the flag is followed by a value (False for a switch)."""
        return self.metavar is not None


#: Every flag, in the order `pipec.runtime.command.shim_call` emits them.
FLAGS: tuple[ShimFlag, ...] = (
    ShimFlag("--source-root", "DIR", PIPELINE, "folder the user's modules are imported from", default="."),
    ShimFlag("--module", "DOTTED", MODULE, "module defining the step function, relative to the source root",
             required=True),
    ShimFlag("--function", "NAME", STEP, "the step function", required=True),
    ShimFlag("--pipeline", "NAME", PIPELINE, "pipeline name", required=True),
    ShimFlag("--step-id", "ID", STEP, "step invocation id", required=True),
    ShimFlag("--run-id", "RUN", PIPELINE, "run id, usually the engine's template", required=True),
    ShimFlag("--artifact-store", "URI", PIPELINE, "artifact store: a folder or an fsspec URL", required=True),
    ShimFlag("--metadata-store", "URL", PIPELINE, "SQLAlchemy URL (without it nothing is recorded)"),
    ShimFlag("--num-steps", "N", PIPELINE, "steps in the pipeline"),
    ShimFlag("--lookup-store", "URL", PIPELINE, "SQLAlchemy URL to resolve --input-lookup/--input-value from "
             "when nothing is recorded (the local orchestrator records the step run itself)"),
    ShimFlag("--input", "NAME=STEP_ID/OUTPUT", STEP, "argument NAME <- output OUTPUT of step STEP_ID",
             repeatable=True, dest="inputs"),
    ShimFlag("--input-ref", "NAME=PATH", STEP, "argument NAME <- the output the pointer file PATH names",
             repeatable=True, dest="input_refs"),
    ShimFlag("--input-lookup", "NAME=JSON", STEP, "argument NAME <- the artifact version the lookup "
             '{"scope", "name", "version", "id", "parameter", "version_parameter"} finds in the metadata store '
             "(\"parameter\": the name or id is NAME's --lookup-param; \"version_parameter\": the version is "
             "NAME's --lookup-version)", repeatable=True, dest="lookups"),
    ShimFlag("--input-value", "NAME=JSON", STEP, 'argument NAME <- {"value", "name"}: a value stored as an '
             "artifact once per run", repeatable=True, dest="values"),
    ShimFlag("--input-value-part", "NAME=CHUNK", STEP, "one piece of NAME's --input-value JSON, joined in order",
             repeatable=True, dest="value_parts"),
    ShimFlag("--lookup-param", "NAME=JSON", STEP, "the value of the pipeline parameter that names input NAME's "
             "looked-up artifact (its name, or its id when it parses as a UUID)", repeatable=True,
             dest="lookup_params"),
    ShimFlag("--lookup-param-text", "NAME=TEXT", STEP, "--lookup-param with the string TEXT as is",
             repeatable=True, dest="lookup_params"),
    ShimFlag("--lookup-version", "NAME=JSON", STEP, "the value of the pipeline parameter that gives the version "
             "of input NAME's looked-up artifact (null or \"\": the latest)", repeatable=True,
             dest="lookup_versions"),
    ShimFlag("--lookup-version-text", "NAME=TEXT", STEP, "--lookup-version with the string TEXT as is",
             repeatable=True, dest="lookup_versions"),
    ShimFlag("--param", "NAME=JSON", STEP, "argument NAME <- a JSON value", repeatable=True, dest="params"),
    ShimFlag("--param-text", "NAME=TEXT", STEP, "argument NAME <- the string TEXT as is", repeatable=True,
             dest="params"),
    ShimFlag("--param-part", "NAME=CHUNK", STEP, "one piece of NAME's JSON value, joined in order",
             repeatable=True, dest="param_parts"),
    ShimFlag("--construct", "NAME", STEP, "argument NAME's JSON holds ZenML integration objects to build "
             "before the call (see runtime/deferred_calls.py)", repeatable=True, dest="constructed"),
    ShimFlag("--output", "NAME=TYPE", STEP, "declared output and its static type, in return order",
             repeatable=True, dest="outputs"),
    ShimFlag("--output-ref", "NAME=PATH", STEP, "write a pointer to output NAME at the local file PATH",
             repeatable=True, dest="output_refs"),
    ShimFlag("--model", "NAME=JSON", STEP, "the step's model NAME (ZenML's Model Control Plane): the version to "
             "use, the model's fields and its outputs' kinds, as JSON"),
    ShimFlag("--model-part", "NAME=CHUNK", STEP, "one piece of --model's JSON, joined in order", repeatable=True,
             dest="model_parts"),
    ShimFlag("--no-cache", None, STEP, "never reuse an earlier result", dest="cache"),
    ShimFlag("--timeout", "SECONDS", STEP, "fail the attempt when it runs longer (the step's timeout setting)"),
    ShimFlag("--attempt", "N", STEP, "attempt number to record (default: the next one)"),
    ShimFlag("--result-file", "PATH", STEP, "also write the outcome as JSON to PATH"),
)

#: Flags by name.
BY_NAME: dict[str, ShimFlag] = {flag.name: flag for flag in FLAGS}
