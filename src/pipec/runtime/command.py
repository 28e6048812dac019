"""The one place that builds the shim's command line from the IR, as data.

:func:`shim_call` turns a step into a :class:`ShimCall`: the interpreter and one
:class:`Option` per flag of :data:`pipec.runtime.shim_flags.FLAGS`, whose value says what
it is: fixed text (:class:`Literal`, :class:`JsonLiteral`), the run id (:class:`RunId`), a
pipeline parameter given at run time (:class:`Param`), a pointer-file path the engine
chooses (:class:`InputRef`, :class:`OutputRef`) or the worker's own Python
(:class:`WorkerPython`). :func:`render` turns a call into one engine's argv through that
engine's :class:`EngineText`; :class:`PlainText` and :func:`shim_command` give plain strings
(the local orchestrator, and tests). The flags are documented in ``runtime/README.md``;
they are a stable contract.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field, replace
from typing import Generic, TypeVar

from pipec.ir import (
    ArtifactLookup,
    ExternalValue,
    InputBinding,
    LiteralValue,
    OutputList,
    ParameterRef,
    Pipeline,
    StepInvocation,
)
from pipec.ir import OutputRef as UpstreamOutput

from .deferred_calls import holds_reserved
from .shim_flags import BY_NAME, ENTRYPOINT, name_text

#: The subcommand of `python -m pipec.runtime` that runs one step.
RUN_STEP = ENTRYPOINT[-1]
#: How a run-time parameter reaches the shim: as JSON (``--param``) or as raw text (``--param-text``).
ENCODINGS = ("json", "text")


def encode_json(value: object) -> str:
    """The compact JSON text a `--param` carries (insertion order kept: it is the source's)."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)


# --------------------------------------------------------------------------- values


@dataclass(frozen=True)
class Literal:
    """Text known at compile time that must reach the shim unchanged."""

    #: The text.
    text: str


@dataclass(frozen=True)
class JsonLiteral:
    """``NAME=JSON``: argument `name` bound to a value known at compile time."""

    #: The argument.
    name: str
    #: The value (a JSON-compatible Python value).
    value: object

    @property
    def text(self) -> str:
        """The item as the shim reads it."""
        return f"{self.name}={encode_json(self.value)}"


@dataclass(frozen=True)
class RunId:
    """The run id: the engine's run-id placeholder."""


@dataclass(frozen=True)
class Param:
    """``BINDING=VALUE`` where VALUE is pipeline parameter `name`, given at run time."""

    #: The step argument it binds.
    binding: str
    #: The pipeline parameter.
    name: str
    #: What the engine's placeholder must expand to: "json" or "text" (the raw string).
    encoding: str


@dataclass(frozen=True)
class InputRef:
    """``NAME=PATH`` where PATH is the engine's local path of data input `name`'s pointer file."""

    #: The data input (step argument).
    name: str


@dataclass(frozen=True)
class OutputRef:
    """``NAME=PATH`` where PATH is the engine's local path for output `name`'s pointer file."""

    #: The step output.
    name: str


@dataclass(frozen=True)
class WorkerPython:
    """The Python executable the engine's worker itself runs (the interpreter is not fixed)."""


#: Every kind of value; :func:`render` has one case for each.
Value = Literal | JsonLiteral | RunId | Param | InputRef | OutputRef | WorkerPython
VALUE_KINDS: tuple[type, ...] = (Literal, JsonLiteral, RunId, Param, InputRef, OutputRef, WorkerPython)


@dataclass(frozen=True)
class Option:
    """One flag of the call and its value."""

    #: The flag (a name in :data:`pipec.runtime.shim_flags.FLAGS`).
    flag: str
    #: Its value, None for a switch.
    value: Value | None = None

    def __post_init__(self) -> None:
        known = BY_NAME.get(self.flag)
        if known is None:
            raise ValueError(f"{self.flag} is not a run-step flag")
        if known.takes_value != (self.value is not None):
            raise ValueError(f"{self.flag} {'needs a value' if known.takes_value else 'takes no value'}")

    @property
    def scope(self) -> str:
        """Whose value the option carries: "pipeline", "module" or "step" (see `shim_flags`)."""
        return BY_NAME[self.flag].scope


@dataclass(frozen=True)
class ShimCall:
    """``PYTHON -m pipec.runtime run-step OPTIONS...`` as data."""

    #: The interpreter: a path or command name, or the worker's own.
    python: Literal | WorkerPython
    #: The options, in the order the argv lists them.
    options: tuple[Option, ...]


# --------------------------------------------------------------------------- building


def element_key(name: str, position: int) -> str:
    """The data-input key of element `position` of list input `name`: ``NAME[i]`` (a Python
    identifier has no ``[``, so the key cannot be taken by an argument)."""
    return f"{name}[{position}]"


def data_inputs(step: StepInvocation) -> list[tuple[str, UpstreamOutput]]:
    """``(key, upstream output)`` per data input of `step`, in binding order: the argument name
    for one output, :func:`element_key` per element of a list of outputs (a fan-in)."""
    keyed: list[tuple[str, UpstreamOutput]] = []
    for binding in step.inputs:
        if isinstance(binding.source, UpstreamOutput):
            keyed.append((binding.name, binding.source))
        elif isinstance(binding.source, OutputList):
            keyed += [(element_key(binding.name, i), ref) for i, ref in enumerate(binding.source.items)]
    return keyed


def step_params(pipeline: Pipeline, step: StepInvocation) -> dict[str, str]:
    """``{input name: JSON text}`` of the bound non-artifact arguments of `step`, in binding
    order: a literal, else the bound pipeline parameter's compile-time value, else its
    default; ValueError when a bound parameter has neither."""
    return {name: encode_json(value) for name, value in _param_values(pipeline, step, ()).items()}


def _param_values(pipeline: Pipeline, step: StepInvocation, runtime: Collection[str]) -> dict[str, object]:
    """Bound non-artifact arguments: their compile-time value, or the :class:`ParameterRef`
    when the parameter is one of `runtime`."""
    values: dict[str, object] = {}
    for binding in step.inputs:
        source = binding.source
        if isinstance(source, LiteralValue):
            values[binding.name] = source.value
        elif isinstance(source, ParameterRef):
            param = pipeline.parameter(source.name)
            if source.name in runtime:
                values[binding.name] = source
            elif param is None:
                raise ValueError(f"step `{step.id}` binds unknown pipeline parameter `{source.name}`")
            elif param.known:
                values[binding.name] = param.value
            elif param.has_default:
                values[binding.name] = param.default
            else:
                raise ValueError(
                    f"pipeline parameter `{source.name}` (bound by step `{step.id}`) has no value: "
                    "pass it with --param or give the target a run-time placeholder")
    return values


def resolved_input_options(step: StepInvocation) -> list[Option]:
    """``--input-lookup`` then ``--input-value``, each in binding order: the inputs the shim
    resolves when the step starts (compile-time JSON, so every engine carries it unchanged)."""
    lookups = [Option("--input-lookup", JsonLiteral(b.name, {key: value for key, value in (
        ("scope", b.source.scope), ("name", b.source.name), ("version", b.source.version), ("id", b.source.id),
        ("parameter", b.source.parameter), ("version_parameter", b.source.version_parameter)) if value is not None}))
        for b in step.inputs if isinstance(b.source, ArtifactLookup)]
    values = [Option("--input-value", JsonLiteral(b.name, {"value": b.source.value, **(
        {"name": b.source.name} if b.source.name is not None else {})}))
        for b in step.inputs if isinstance(b.source, ExternalValue)]
    return lookups + values


def lookup_parameters(pipeline: Pipeline, step: StepInvocation, runtime: Collection[str] = (),
                      field: str = "parameter") -> dict[str, object]:
    """``{input: value}`` of the pipeline parameters that name looked-up artifacts (`field`
    "parameter", :attr:`ArtifactLookup.parameter`) or their versions ("version_parameter"): the
    compile-time value, or the :class:`ParameterRef` when the parameter is one of `runtime`;
    ValueError as for step parameters."""
    named = tuple(InputBinding(b.name, ParameterRef(getattr(b.source, field)), b.span) for b in step.inputs
                  if isinstance(b.source, ArtifactLookup) and getattr(b.source, field) is not None)
    return _param_values(pipeline, replace(step, inputs=named), runtime) if named else {}


def _parameter_options(pipeline: Pipeline, values: Mapping[str, object], encoding: str,
                       flags: tuple[str, str]) -> list[Option]:
    """One option per value: `flags[0]` with a compile-time JSON value or a run-time placeholder
    expanding to JSON, or `flags[1]` for a ``str`` parameter whose placeholder expands to raw text
    (`encoding` "text")."""
    options = []
    for name, value in values.items():
        if isinstance(value, ParameterRef):
            param = pipeline.parameter(value.name)
            text = encoding == "text" and param is not None and param.type == "str"
            options.append(Option(flags[1] if text else flags[0], Param(name, value.name, "text" if text else "json")))
        else:
            options.append(Option(flags[0], JsonLiteral(name, value)))
    return options


def shim_call(pipeline: Pipeline, step: StepInvocation, *, artifact_store: str, metadata_store: str | None,
              python: str | None = "python", source_root: str = ".", runtime_params: Collection[str] = (),
              placeholder_encoding: str = "json", input_refs: Collection[str] = (),
              output_refs: Collection[str] = ()) -> ShimCall:
    """The call that runs `step` of `pipeline` through the runtime shim.

    `python` None is the engine worker's own interpreter. `source_root` is where the
    user's source tree is inside the container ("." = the working directory). Pipeline
    parameters named in `runtime_params` become :class:`Param` values (the engine passes
    them at run time); with `placeholder_encoding` "json" they are ``--param`` (the placeholder
    must expand to JSON), with "text" a ``str`` parameter is ``--param-text`` (its raw
    string) and any other ``--param`` (its expansion must be JSON-compatible text). Others
    use the compile-time value, else the default; ValueError when none is known. Data
    inputs named in `input_refs` are ``--input-ref`` instead of ``--input``; outputs named
    in `output_refs` also get an ``--output-ref`` (after the ``--output`` flags). Each element
    of a list of outputs is a data input of its own, keyed ``NAME[i]`` (see :func:`data_inputs`).
    """
    if placeholder_encoding not in ENCODINGS:
        raise ValueError(f"placeholder_encoding must be 'json' or 'text', not {placeholder_encoding!r}")
    options = [Option("--source-root", Literal(source_root)), Option("--module", Literal(step.module)),
               Option("--function", Literal(step.function)), Option("--pipeline", Literal(pipeline.name)),
               Option("--step-id", Literal(step.id)), Option("--run-id", RunId()),
               Option("--artifact-store", Literal(artifact_store))]
    if metadata_store is not None:
        options += [Option("--metadata-store", Literal(metadata_store)),
                    Option("--num-steps", Literal(str(len(pipeline.steps))))]
    for key, source in data_inputs(step):
        options.append(Option("--input-ref", InputRef(key)) if key in input_refs else
                       Option("--input", Literal(f"{key}={name_text(source.step)}/{name_text(source.output)}")))
    options += resolved_input_options(step)
    options += _parameter_options(pipeline, lookup_parameters(pipeline, step, runtime_params), placeholder_encoding,
                                  ("--lookup-param", "--lookup-param-text"))
    options += _parameter_options(pipeline, lookup_parameters(pipeline, step, runtime_params, "version_parameter"),
                                  placeholder_encoding, ("--lookup-version", "--lookup-version-text"))
    options += _parameter_options(pipeline, _param_values(pipeline, step, runtime_params), placeholder_encoding,
                                  ("--param", "--param-text"))
    # Only a step's own literals are encoded: a pipeline parameter's value reaches the step as is.
    options += [Option("--construct", Literal(b.name)) for b in step.inputs
                if isinstance(b.source, LiteralValue) and holds_reserved(b.source.value)]
    options += [Option("--output", Literal(f"{name_text(output.name)}={output.type}")) for output in step.outputs]
    options += [Option("--output-ref", OutputRef(output.name)) for output in step.outputs
                if output.name in output_refs]
    if step.model is not None:
        options.append(Option("--model", JsonLiteral(step.model.name, model_json(step))))
    if step.settings.enable_cache is False:
        options.append(Option("--no-cache"))
    if step.settings.timeout is not None:
        seconds = float(step.settings.timeout)
        options.append(Option("--timeout", Literal(str(int(seconds)) if seconds.is_integer() else repr(seconds))))
    return ShimCall(Literal(python) if python is not None else WorkerPython(), tuple(options))


def model_json(step: StepInvocation) -> dict[str, object]:
    """What ``--model`` carries after the name: the model's set fields and the kinds of the step's
    outputs that are not data artifacts."""
    assert step.model is not None
    out = step.model.spec_json
    kinds = {output.name: output.kind for output in step.outputs if output.kind is not None}
    if kinds:
        out["kinds"] = kinds
    return out


# --------------------------------------------------------------------------- rendering

Item = TypeVar("Item")


class EngineText(Generic[Item]):
    """How one engine writes the pieces of a shim argv; each target subclasses it.

    An engine that cannot carry a text unchanged reports it (a diagnostic with the step's
    span) from :meth:`literal` and returns what it can; :func:`render` never decides that.
    By default a flag is a literal, a JSON literal is its text, and pointer files and the
    worker's Python are refused (a target that asks for them overrides those).
    """

    def literal(self, text: str) -> Item:
        """Text that must reach the shim unchanged, escaped for the engine (or refused)."""
        raise NotImplementedError

    def run_id(self) -> Item:
        """The engine's run-id placeholder."""
        raise NotImplementedError

    def param(self, name: str, encoding: str) -> Item:
        """Pipeline parameter `name` at run time, expanding to JSON or to raw text (`encoding`)."""
        raise NotImplementedError

    def concat(self, parts: list[Item]) -> Item:
        """One argv item made of `parts`, in order."""
        raise NotImplementedError

    def fixed(self, text: str) -> Item:
        """A word pipec wrote itself: a flag, or ``-m pipec.runtime run-step``."""
        return self.literal(text)

    def json_literal(self, name: str, value: object) -> Item:
        """``NAME=JSON`` for a value known at compile time."""
        return self.literal(f"{name}={encode_json(value)}")

    def input_path(self, name: str) -> Item:
        """The local path of data input `name`'s pointer file."""
        raise ValueError(f"{type(self).__name__} has no pointer file for input `{name}`")

    def output_path(self, name: str) -> Item:
        """The local path where output `name`'s pointer file goes."""
        raise ValueError(f"{type(self).__name__} has no pointer file for output `{name}`")

    def worker_python(self) -> Item:
        """The worker's own Python executable."""
        raise ValueError(f"{type(self).__name__} needs a Python executable")


@dataclass(frozen=True)
class Rendered(Generic[Item]):
    """A call in one engine's text."""

    #: ``PYTHON -m pipec.runtime run-step``.
    entrypoint: list[Item]
    #: Per option: the option and its items (the flag, then its value unless it is a switch).
    options: list[tuple[Option, list[Item]]] = field(default_factory=list)

    @property
    def arguments(self) -> list[Item]:
        """The items after the entrypoint."""
        return [item for _, items in self.options for item in items]

    @property
    def argv(self) -> list[Item]:
        """The whole command line."""
        return self.entrypoint + self.arguments


def _value(value: Value, engine: EngineText[Item]) -> Item:
    match value:
        case Literal(text):
            return engine.literal(text)
        case JsonLiteral(name, data):
            return engine.json_literal(name, data)
        case RunId():
            return engine.run_id()
        case Param(binding, name, encoding):
            return engine.concat([engine.literal(f"{binding}="), engine.param(name, encoding)])
        case InputRef(name):
            return engine.concat([engine.literal(f"{name}="), engine.input_path(name)])
        case OutputRef(name):
            return engine.concat([engine.literal(f"{name_text(name)}="), engine.output_path(name)])
        case WorkerPython():
            return engine.worker_python()
    raise TypeError(f"no rendering for {value!r}")


def render(call: ShimCall, engine: EngineText[Item]) -> Rendered[Item]:
    """`call` in the text of `engine`, item by item, in order."""
    entrypoint = [_value(call.python, engine), *(engine.fixed(word) for word in ENTRYPOINT)]
    return Rendered(entrypoint, [(option, [engine.fixed(option.flag)] + (
        [] if option.value is None else [_value(option.value, engine)])) for option in call.options])


@dataclass
class PlainText(EngineText[str]):
    """Plain strings: the run id and run-time values as given (the local orchestrator, tests)."""

    #: The run id.
    run_id_text: str
    #: Text of each run-time pipeline parameter.
    params: Mapping[str, str] = field(default_factory=dict)
    #: Pointer-file path per data input.
    inputs: Mapping[str, str] = field(default_factory=dict)
    #: Pointer-file path per output.
    outputs: Mapping[str, str] = field(default_factory=dict)

    def literal(self, text: str) -> str:
        """The text itself."""
        return text

    def run_id(self) -> str:
        """The given run id."""
        return self.run_id_text

    def param(self, name: str, encoding: str) -> str:
        """The given text of the parameter."""
        return self.params[name]

    def input_path(self, name: str) -> str:
        """The given path."""
        return self.inputs[name]

    def output_path(self, name: str) -> str:
        """The given path."""
        return self.outputs[name]

    def concat(self, parts: list[str]) -> str:
        """The parts joined."""
        return "".join(parts)


def shim_command(pipeline: Pipeline, step: StepInvocation, *, run_id: str, artifact_store: str,
                 metadata_store: str | None, python: str = "python", source_root: str = ".",
                 parameter_placeholders: Mapping[str, str] | None = None,
                 placeholder_encoding: str = "json", input_refs: Mapping[str, str] | None = None,
                 output_refs: Mapping[str, str] | None = None) -> list[str]:
    """:func:`shim_call` rendered as plain strings: `run_id`, each of `parameter_placeholders`
    (by pipeline parameter), `input_refs` and `output_refs` (paths by name) copied verbatim."""
    params, inputs, outputs = parameter_placeholders or {}, input_refs or {}, output_refs or {}
    call = shim_call(pipeline, step, artifact_store=artifact_store, metadata_store=metadata_store, python=python,
                     source_root=source_root, runtime_params=params, placeholder_encoding=placeholder_encoding,
                     input_refs=inputs, output_refs=outputs)
    return render(call, PlainText(run_id, params, inputs, outputs)).argv
