"""`python -m pipec.runtime run-step ...`: execute one step (the contract every target embeds).

The flags are the table :data:`pipec.runtime.shim_flags.FLAGS` (stable; documented in
runtime/README.md); the parser below is built from it.

Exit status: 0 when the step completed or was served from the cache, 1 when it
failed (the traceback, starting at the user's code, is printed to stderr), 2 for a
malformed command line or a store flag referring to an unset variable.
"""

from __future__ import annotations

import argparse
import importlib
import inspect
import json
import os
import sys
import time
import traceback
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from . import (
    artifacts,
    edge_conversions,
    lineage,
    list_inputs,
    materializers,
    models,
    pointers,
    resolved_inputs,
)
from .artifacts import ArtifactInfo, ArtifactStore
from .shim_flags import FLAGS, name_from_text
from .step_deadline import StepTimedOut, deadline, parse_seconds
from .store_env import REDACTED_STORE_ENV, Redactor, UnsetVariable, expand


@dataclass(frozen=True)
class StepSpec:
    """A parsed run-step command line."""

    # Folder the user's modules are imported from.
    source_root: str
    # Dotted module of the step function.
    module: str
    # Step function name.
    function: str
    # Pipeline name.
    pipeline: str
    # Step invocation id.
    step_id: str
    # Run id.
    run_id: str
    # Artifact store URI.
    artifact_store: str
    # SQLAlchemy URL, None to record nothing.
    metadata_store: str | None
    # Number of steps in the pipeline, None when not given.
    num_steps: int | None
    # (argument, upstream step id, upstream output) per artifact input.
    inputs: tuple[tuple[str, str, str], ...]
    # (argument, JSON text) per parameter.
    params: tuple[tuple[str, str], ...]
    # (output name, static type) in return order.
    outputs: tuple[tuple[str, str], ...]
    # False with --no-cache.
    cache: bool
    # Attempt number to record, None for "the next one".
    attempt: int | None
    # Where to write the outcome as JSON, or None.
    result_file: str | None
    # (argument, pointer file path) per artifact input bound through a pointer.
    input_refs: tuple[tuple[str, str], ...] = ()
    # (output name, pointer file path) per output whose pointer is to be written.
    output_refs: tuple[tuple[str, str], ...] = ()
    # Parameters whose JSON holds ZenML integration objects to build (--construct).
    constructed: tuple[str, ...] = ()
    # (argument, lookup as JSON text) per input looked up in the metadata store (--input-lookup).
    lookups: tuple[tuple[str, str], ...] = ()
    # (argument, {"value", "name"} as JSON text) per value stored once per run (--input-value).
    values: tuple[tuple[str, str], ...] = ()
    # Metadata store to resolve those from when nothing is recorded (--lookup-store), or None.
    lookup_store: str | None = None
    # (argument, JSON text) per lookup whose name or id a pipeline parameter gives (--lookup-param).
    lookup_params: tuple[tuple[str, str], ...] = ()
    # (argument, JSON text) per lookup whose version a pipeline parameter gives (--lookup-version).
    lookup_versions: tuple[tuple[str, str], ...] = ()
    # (model name, JSON text) of the step's model (ZenML's Model Control Plane), or None.
    model: tuple[str, str] | None = None
    # Seconds the attempt may run (--timeout), None for no limit.
    timeout: float | None = None


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> Any:  # exit 2 with a one-line reason, no usage dump
        sys.stderr.write(f"pipec run-step: error: {message}\n")
        raise SystemExit(2)


def _pair(kind: str, sep: str) -> Any:
    def parse(text: str) -> tuple[str, str]:
        name, found, rest = text.partition(sep)
        if not found or not name:
            raise argparse.ArgumentTypeError(f"{kind} must look like NAME{sep}..., got {text!r}")
        return name, rest

    return parse


def _input(text: str) -> tuple[str, str, str]:
    name, ref = _pair("--input", "=")(text)
    step, found, output = ref.partition("/")
    if not found or not step or not output:
        raise argparse.ArgumentTypeError(f"--input must look like NAME=STEP_ID/OUTPUT, got {text!r}")
    return name, name_from_text(step), name_from_text(output)


def _output_name(kind: str) -> Callable[[str], tuple[str, str]]:
    """A ``NAME=...`` flag whose NAME is an output name (percent-encoded, see `shim_flags.name_text`)."""
    pair = _pair(kind, "=")

    def parse(text: str) -> tuple[str, str]:
        name, rest = pair(text)
        return name_from_text(name), rest

    return parse


def _param(text: str) -> tuple[str, str]:
    name, value = _pair("--param", "=")(text)
    try:
        json.loads(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"--param {name}: value is not JSON ({exc}): {value!r}") from None
    return name, value


def _joined_parts(parts: list[tuple[str, str]], flag: str = "--param") -> list[tuple[str, str]]:
    """`flag` values assembled from their `flag`-part pieces, in the order given."""
    joined: dict[str, str] = {}
    for name, chunk in parts:
        joined[name] = joined.get(name, "") + chunk
    parse = _param if flag == "--param" else _json_object(flag)
    try:
        return [parse(f"{name}={value}") for name, value in joined.items()]
    except argparse.ArgumentTypeError as exc:
        build_parser().error(str(exc).replace(f"{flag} ", f"{flag}-part ", 1))


def _param_text(text: str) -> tuple[str, str]:
    name, value = _pair("--param-text", "=")(text)
    return name, json.dumps(value, ensure_ascii=False)


def _json_object(flag: str) -> Callable[[str], tuple[str, str]]:
    def parse(text: str) -> tuple[str, str]:
        name, value = _pair(flag, "=")(text)
        try:
            data = json.loads(value)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(f"{flag} {name}: value is not JSON ({exc}): {value!r}") from None
        if not isinstance(data, dict):
            raise argparse.ArgumentTypeError(f"{flag} {name}: expected a JSON object, got {value!r}")
        return name, value

    return parse


#: How the value of a flag is parsed (others are taken as text; see `shim_flags.FLAGS`).
_PARSERS: dict[str, Callable[[str], Any]] = {
    "--num-steps": int, "--attempt": int, "--input": _input, "--param": _param, "--param-text": _param_text,
    "--input-lookup": _json_object("--input-lookup"), "--input-value": _json_object("--input-value"),
    "--lookup-param": _param, "--lookup-param-text": _param_text, "--lookup-version": _param,
    "--lookup-version-text": _param_text, "--model": _json_object("--model"), "--timeout": parse_seconds,
    "--output": _output_name("--output"), "--output-ref": _output_name("--output-ref")}


def build_parser() -> argparse.ArgumentParser:
    """The run-step argument parser, one argument per flag of :data:`shim_flags.FLAGS`."""
    p = _Parser(prog="python -m pipec.runtime run-step", description="Execute one pipeline step.")
    for flag in FLAGS:
        kwargs: dict[str, Any] = {"help": flag.help}
        if flag.dest:
            kwargs["dest"] = flag.dest
        if not flag.takes_value:
            kwargs["action"] = "store_false"
        else:
            kwargs["metavar"] = flag.metavar
            kwargs["type"] = _PARSERS.get(flag.name) or (
                _pair(flag.name, "=") if flag.metavar.startswith("NAME=") else str)
            if flag.repeatable:
                kwargs.update(action="append", default=[])
            elif flag.required:
                kwargs["required"] = True
            else:
                kwargs["default"] = flag.default
        p.add_argument(flag.name, **kwargs)
    return p


def parse_args(argv: list[str]) -> StepSpec:
    """Parse a run-step command line (SystemExit(2) when malformed)."""
    ns = build_parser().parse_args(argv)
    ns.params += _joined_parts(ns.param_parts)
    ns.values += _joined_parts(ns.value_parts, "--input-value")
    if ns.model_parts:
        models_given = {name for name, _ in ns.model_parts}
        if ns.model is not None or len(models_given) > 1:
            build_parser().error("--model-part pieces must be of one model, without --model")
        ns.model = _joined_parts(ns.model_parts, "--model")[0]
    names = [n for n, *_ in ns.inputs] + [n for n, _ in [*ns.input_refs, *ns.params, *ns.lookups, *ns.values]]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        build_parser().error(f"argument(s) bound more than once: {', '.join(dupes)}")
    declared = {n for n, _ in ns.outputs}
    refs = [n for n, _ in ns.output_refs]
    for name in refs:
        if name not in declared:
            build_parser().error(f"--output-ref names {name!r}, which is not a declared --output")
        if refs.count(name) > 1:
            build_parser().error(f"--output-ref {name!r} given more than once")
    unbound = sorted(set(ns.constructed) - {n for n, _ in ns.params})
    if unbound:
        build_parser().error(f"--construct names {', '.join(map(repr, unbound))}, which no --param binds")
    for flag, given in (("--lookup-param", ns.lookup_params), ("--lookup-version", ns.lookup_versions)):
        unnamed = sorted({n for n, _ in given} - {n for n, _ in ns.lookups})
        if unnamed:
            build_parser().error(f"{flag} names {', '.join(map(repr, unnamed))}, which no --input-lookup binds")
    if any(not path for _, path in [*ns.input_refs, *ns.output_refs]):
        build_parser().error("--input-ref and --output-ref need a non-empty PATH")
    problem = list_inputs.element_problem(n for n, *_ in [*ns.inputs, *ns.input_refs])
    if problem:
        build_parser().error(problem)
    return StepSpec(ns.source_root, ns.module, ns.function, ns.pipeline, ns.step_id, ns.run_id,
                    ns.artifact_store, ns.metadata_store, ns.num_steps, tuple(ns.inputs), tuple(ns.params),
                    tuple(ns.outputs), ns.cache, ns.attempt, ns.result_file, tuple(ns.input_refs),
                    tuple(ns.output_refs), tuple(ns.constructed), tuple(ns.lookups), tuple(ns.values),
                    ns.lookup_store, tuple(ns.lookup_params), tuple(ns.lookup_versions), ns.model, ns.timeout)


# --------------------------------------------------------------------------- user code


class StepError(Exception):
    """A problem running the step that is not an exception from the user's code."""


class _LazyZenML:
    """A last-resort meta-path finder: loads the ZenML stand-in only when `zenml` is imported
    and nothing on sys.path provides it (most steps never pay for it)."""

    def find_spec(self, fullname: str, path: Any, target: Any = None) -> Any:
        if fullname != "zenml":
            return None
        sys.meta_path.remove(self)
        from . import zenml_compat

        zenml_compat.install()
        zenml_compat.importing = _importing
        return zenml_compat._FINDER.find_spec(fullname, path, target)


_importing = False


def _set_importing(value: bool) -> None:
    from . import context

    global _importing
    _importing = value
    context.importing_step_module = value  # a pipeline called at import time must not start a run
    compat = sys.modules.get(f"{__package__}.zenml_compat")
    if compat is not None:
        compat.importing = value


def import_step(source_root: str, module: str, function: str) -> Any:
    """Import `module` from `source_root` and return the plain callable of step `function`."""
    from pipec.decorators import StepFunction

    root = os.path.abspath(source_root)
    if root not in sys.path:
        sys.path.insert(0, root)
    if not any(isinstance(f, _LazyZenML) for f in sys.meta_path):
        sys.meta_path.append(_LazyZenML())
    _set_importing(True)
    try:
        mod = importlib.import_module(module)
    finally:
        _set_importing(False)
    try:
        obj = getattr(mod, function)
    except AttributeError:
        raise StepError(f"module `{module}` ({getattr(mod, '__file__', '?')}) has no `{function}`") from None
    if isinstance(obj, StepFunction):
        return obj.entrypoint
    if inspect.isclass(obj) and callable(getattr(obj, "entrypoint", None)):
        return obj().entrypoint  # old-API class-based step
    entry = getattr(obj, "entrypoint", None)
    if callable(entry) and not inspect.isfunction(obj):
        return entry  # a real ZenML step object
    if callable(obj):
        return obj
    raise StepError(f"`{module}.{function}` is not callable")


def _annotation(fn: Any, name: str) -> Any:
    try:
        param = inspect.signature(fn).parameters.get(name)
    except (TypeError, ValueError):
        return None
    if param is None or param.annotation is inspect.Parameter.empty:
        return None
    ann = param.annotation
    if isinstance(ann, str):  # `from __future__ import annotations`
        try:
            ann = eval(ann, getattr(fn, "__globals__", {}))  # noqa: S307 - the user's own annotation
        except Exception:
            return None
    return ann


def _is_parameters_class(ann: Any) -> bool:
    if not inspect.isclass(ann) or ann in (dict, list, str, int, float, bool):
        return False
    if any(klass.__name__ == "BaseParameters" for klass in ann.__mro__[1:]):
        return True
    import dataclasses

    return dataclasses.is_dataclass(ann) or hasattr(ann, "model_validate") or hasattr(ann, "parse_obj")


def _is_enum_class(ann: Any) -> bool:
    import enum

    return inspect.isclass(ann) and issubclass(ann, enum.Enum)


def _is_path_class(ann: Any) -> bool:
    import pathlib

    return inspect.isclass(ann) and issubclass(ann, pathlib.PurePath)


def _build_parameters(ann: Any, value: dict[str, Any]) -> Any:
    if hasattr(ann, "model_validate"):
        return ann.model_validate(value)
    if hasattr(ann, "parse_obj"):
        return ann.parse_obj(value)
    return ann(**value)


def build_kwargs(fn: Any, params: dict[str, Any], inputs: dict[str, Any]) -> dict[str, Any]:
    """The keyword arguments of the call: parameters (config classes built from their JSON
    objects, old-API BaseParameters defaulted when unbound) and loaded inputs."""
    kwargs: dict[str, Any] = {}
    for name, value in params.items():
        ann = _annotation(fn, name)
        if isinstance(value, dict) and _is_parameters_class(ann):
            value = _build_parameters(ann, value)
        elif isinstance(value, str) and _is_path_class(ann):  # a path travels as its string
            value = ann(value)
        elif _is_enum_class(ann) and not isinstance(value, ann):  # a member travels as its value
            try:
                value = ann(value)
            except ValueError:
                allowed = ", ".join(repr(member.value) for member in ann)
                raise StepError(f"parameter `{name}`: {value!r} is no value of {ann.__name__} ({allowed})") from None
        elif isinstance(value, (dict, list)) and ann is not None and "pydantic" in sys.modules:
            from .deferred_calls import DeferredCallError, as_annotated

            try:  # ZenML builds the pydantic models nested in the annotation too
                value = as_annotated(ann, value)
            except DeferredCallError as exc:
                raise StepError(f"parameter `{name}`: {exc}") from None
        kwargs[name] = value
    for name, value in inputs.items():
        try:
            kwargs[name] = edge_conversions.as_annotated(value, _annotation(fn, name))
        except edge_conversions.EdgeConversionError as exc:
            raise StepError(f"input `{name}`: {exc}") from None
    try:
        signature = inspect.signature(fn)
    except (TypeError, ValueError):
        return kwargs
    for name, param in signature.parameters.items():
        if name in kwargs or param.default is not inspect.Parameter.empty:
            continue
        ann = _annotation(fn, name)
        if _is_parameters_class(ann) and any(k.__name__ == "BaseParameters" for k in ann.__mro__[1:]):
            kwargs[name] = ann()
    return kwargs


def _constructed(params: dict[str, Any], names: tuple[str, ...]) -> dict[str, Any]:
    """`params` with ZenML integration objects built (see `deferred_calls`); StepError when one cannot be."""
    from .deferred_calls import DeferredCallError, decode_params

    try:
        return decode_params(params, names)
    except DeferredCallError as exc:
        raise StepError(str(exc)) from None


def split_outputs(result: Any, outputs: tuple[tuple[str, str], ...]) -> dict[str, Any]:
    """Map the function's return value onto the declared outputs."""
    if not outputs:
        if result is not None:
            print(f"pipec: warning: the step returned a {type(result).__name__} but declares no "
                  "output; it is discarded", file=sys.stderr)
        return {}
    if len(outputs) == 1:
        return {outputs[0][0]: result}
    if not isinstance(result, (tuple, list)) or len(result) != len(outputs):
        got = f"{len(result)} values" if isinstance(result, (tuple, list)) else f"a {type(result).__name__}"
        raise StepError(f"the step declares {len(outputs)} outputs "
                        f"({', '.join(n for n, _ in outputs)}) but returned {got}")
    return {name: value for (name, _), value in zip(outputs, result, strict=True)}


# --------------------------------------------------------------------------- execution


def _print_user_traceback(exc: BaseException, redact: Callable[[str], str]) -> None:
    """The traceback from the first frame outside pipec.runtime (the user's code)."""
    here = os.path.dirname(os.path.abspath(__file__))
    tb = exc.__traceback__
    while tb is not None and tb.tb_frame.f_code.co_filename.startswith(here):
        tb = tb.tb_next
    lines = traceback.format_exception(type(exc), exc, tb if tb is not None else exc.__traceback__)
    sys.stderr.write(redact("".join(lines)))


def expand_stores(spec: StepSpec, env: Mapping[str, str] | None = None) -> tuple[StepSpec, Redactor]:
    """`spec` with the ``${NAME}`` references of its store flags expanded from `env` (the
    process environment), and the redactor that hides the values again; UnsetVariable, with
    ``flag`` set, for a variable that is not set."""
    env = os.environ if env is None else env
    done = []
    for flag, raw in (("--artifact-store", spec.artifact_store), ("--metadata-store", spec.metadata_store),
                      ("--lookup-store", spec.lookup_store)):
        if raw is None or "${" not in raw:
            continue
        try:
            done.append((flag, expand(raw, env)))
        except UnsetVariable as exc:
            raise UnsetVariable(exc.name, flag) from None
    values = {flag: item.value for flag, item in done}
    hidden = env.get(REDACTED_STORE_ENV)
    if hidden:
        try:
            done.append((REDACTED_STORE_ENV, expand(hidden, env)))
        except UnsetVariable:
            pass  # a value that is not set cannot leak
    expanded = replace(spec, artifact_store=values.get("--artifact-store", spec.artifact_store),
                       metadata_store=values.get("--metadata-store", spec.metadata_store),
                       lookup_store=values.get("--lookup-store", spec.lookup_store))
    return expanded, Redactor(*(item for _, item in done))


def _write_json_atomic(path: str, data: dict[str, Any]) -> None:
    text = json.dumps(data, sort_keys=True, default=repr)
    tmp = f"{path}.tmp-{os.getpid()}"
    try:
        with open(tmp, "w", encoding="utf-8") as out:
            out.write(text)
        os.replace(tmp, path)
    except OSError:
        # A file that cannot be replaced, in a folder we may not write to: the kubelet's
        # termination message file (/dev/termination-log), which the kubernetes target uses.
        if os.path.exists(tmp):
            os.remove(tmp)
        with open(path, "w", encoding="utf-8") as out:
            out.write(text)


def _write_pointers(spec: StepSpec, committed: list[ArtifactInfo]) -> None:
    """The pointer file of every committed output that has an --output-ref."""
    if not spec.output_refs:
        return
    by_name = {info.name: info for info in committed}
    for name, path in spec.output_refs:
        info = by_name.get(name)
        if info is None:
            raise StepError(f"output `{name}` was not committed, so its pointer cannot be written")
        pointers.write_pointer(path, pointers.pointer_for(spec.pipeline, spec.run_id, spec.step_id, info))


def execute(spec: StepSpec, redact: Callable[[str], str] = str) -> int:
    """Run the step described by `spec` (stores already expanded, see `expand_stores`); returns
    the process exit status. `redact` hides expanded store values in what is printed or recorded."""
    from . import context

    started = time.time()
    outcome: dict[str, Any] = {"status": "failed", "started_at": started, "outputs": {},
                               "metadata": {}, "cache_key": None, "error": None, "warnings": []}
    meta = lookup_meta = None
    step_run_id = None
    try:
        store = ArtifactStore(spec.artifact_store)
        if spec.metadata_store:
            from .metadata import MetadataStore

            meta = MetadataStore(spec.metadata_store)
            meta.create_pipeline_run(spec.run_id, spec.pipeline, num_steps=spec.num_steps,
                                     orchestrator=os.environ.get("PIPEC_ORCHESTRATOR", "external"))
            step_run_id = meta.start_step_run(spec.run_id, spec.step_id, attempt=spec.attempt,
                                              module=spec.module, function=spec.function,
                                              started_at=started)
        infos = {name: store.read_marker(spec.pipeline, spec.run_id, step, output)
                 for name, step, output in spec.inputs}
        model_run = models.StepModel.start(meta, spec.model, spec.run_id) if spec.model else None
        if spec.input_refs:
            infos.update({name: pointers.resolve(store, pointers.read_pointer(path), name)
                          for name, path in spec.input_refs})
        if meta is not None and infos:
            lineage.record_inputs(meta, step_run_id, infos)
        if spec.lookups or spec.values:
            if meta is None and spec.lookup_store:
                from .metadata import MetadataStore

                lookup_meta = MetadataStore(spec.lookup_store)
            resolved = resolved_inputs.resolve(spec.lookups, spec.values, pipeline=spec.pipeline,
                                               run_id=spec.run_id, store=store, meta=meta or lookup_meta,
                                               parameters=dict(spec.lookup_params),
                                               versions=dict(spec.lookup_versions),
                                               step_model=models.from_flag(spec.model))
            infos.update(resolved.infos)
            if meta is not None:
                meta.record_step_inputs(step_run_id, resolved_inputs.lineage(resolved))
        key = None
        if meta is not None and spec.cache:
            from .cache import cache_key, step_source

            key = cache_key(
                source=step_source(spec.source_root, spec.module, spec.function),
                module=spec.module, function=spec.function, params=dict(spec.params),
                inputs={n: (i.content_hash, i.materializer) for n, i in infos.items()},
                outputs=spec.outputs, artifact_store=store.uri)
            outcome["cache_key"] = key
            hit = meta.find_cached(key)
            if hit is not None and all(store.intact(a) for a in hit[1]):
                record, cached = hit
                linked = [store.link(a, pipeline=spec.pipeline, run_id=spec.run_id,
                                     step_id=spec.step_id, output=a.name) for a in cached]
                _write_pointers(spec, linked)
                meta.finish_step_run(step_run_id, "cached", artifacts=linked, cached_from=record.id,
                                     cache_key=key)
                if model_run is not None:
                    model_run.link(step_run_id)
                outcome.update(status="cached", cached_from=record.id,
                               outputs={a.name: a.to_json() for a in linked})
                print(f"pipec: step `{spec.step_id}` served from the cache", file=sys.stderr)
                return 0

        fn = import_step(spec.source_root, spec.module, spec.function)
        params = {name: json.loads(text) for name, text in spec.params}
        if spec.constructed:
            params = _constructed(params, spec.constructed)
        loaded = list_inputs.assemble({name: resolved_inputs.load(store, info) for name, info in infos.items()}, fn)
        kwargs = build_kwargs(fn, params, loaded)
        ctx = context.StepContext(spec.pipeline, spec.run_id, spec.step_id, spec.attempt or 0)
        context.set_current(ctx)
        try:
            result = fn(**kwargs)
        finally:
            context.set_current(None)
        saved: list[ArtifactInfo] = []
        types = dict(spec.outputs)
        for name, value in split_outputs(result, spec.outputs).items():
            info, warning = store.save(value, pipeline=spec.pipeline, run_id=spec.run_id,
                                       step_id=spec.step_id, output=name, type_str=types[name])
            if warning:
                print(f"pipec: warning: output `{name}`: {warning}", file=sys.stderr)
                outcome["warnings"].append(warning)
            saved.append(info)
        _write_pointers(spec, saved)
        outcome.update(status="completed", outputs={a.name: a.to_json() for a in saved},
                       metadata=ctx.metadata)
        if meta is not None:
            if ctx.metadata:
                meta.add_run_metadata(spec.run_id, ctx.metadata, step_id=spec.step_id)
            meta.finish_step_run(step_run_id, "completed", artifacts=saved, cache_key=key)
            if model_run is not None:
                model_run.link(step_run_id)
        return 0
    except Exception as exc:
        if isinstance(exc, (StepError, artifacts.ArtifactNotFound, materializers.MaterializerError,
                            pointers.PointerError, resolved_inputs.InputNotFound, models.ModelError)):
            print(redact(f"pipec: error: step `{spec.step_id}`: {exc}"), file=sys.stderr)
        else:
            _print_user_traceback(exc, redact)
        message = str(exc) if isinstance(exc, StepTimedOut) else redact(f"{type(exc).__name__}: {exc}".strip())
        outcome["error"] = message.splitlines()[0] if message else type(exc).__name__
        if meta is not None and step_run_id is not None:
            try:
                meta.finish_step_run(step_run_id, "failed", error=outcome["error"])
            except Exception as record_exc:  # the step's own error matters more
                print(redact(f"pipec: warning: could not record the failure: {record_exc}"), file=sys.stderr)
        return 1
    finally:
        outcome["ended_at"] = time.time()
        if spec.result_file:
            _write_json_atomic(spec.result_file, outcome)
        for opened in (meta, lookup_meta):
            if opened is not None:
                opened.close()


def main(argv: list[str] | None = None) -> int:
    """Entry point of `python -m pipec.runtime run-step`."""
    spec = parse_args(sys.argv[1:] if argv is None else argv)
    try:
        spec, redact = expand_stores(spec)
    except UnsetVariable as exc:
        sys.stderr.write(f"pipec run-step: error: {exc.flag} refers to ${{{exc.name}}}, but the environment "
                         f"variable {exc.name} is not set\n")
        return 2
    with deadline(spec.timeout):
        code = execute(spec, redact)
    sys.stdout.flush()
    sys.stderr.flush()
    return code
