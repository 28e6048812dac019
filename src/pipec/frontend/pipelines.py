"""Building IR pipelines: binding step calls, scanning module-level runs, evaluating bodies."""

from __future__ import annotations

import ast
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from pipec.ir.diagnostics import Diagnostics, did_you_mean

from ..ir import (
    InputBinding,
    LiteralValue,
    OutputRef,
    ParameterRef,
    Pipeline,
    PipelineParameter,
    Source,
    Span,
    StepInvocation,
)
from .entry_functions import defines_step_or_pipeline, local_assignment, walk_function
from .entry_imports import pipeline_bindings
from .evaluator import POISON, EvalError, Evaluator, Scope, _PoisonSignal, _Return, runtime_error
from .modules import ModuleIndex
from .run_config import STEP_KEYS, RunConfig, load_run_config
from .runtime_values import find_runtime
from .settings import Partial, SettingsReader, merge, to_json_value, to_settings
from .source import SourceFile
from .stepdefs import PipelineDef, StepDef, parameters_fields
from .values import (
    Artifact,
    Invocation,
    OldStepInstance,
    ParamsInstance,
    ParamValue,
    PipelineHandle,
    PipelineInstance,
    Slot,
    StepHandle,
    contains_symbolic,
)

MAX_INVOCATIONS = 20_000


# ---------------------------------------------------------------------- module-level runs


class RunScanner:
    """Finds module-level pipeline calls: `p(lr=0.1)`, `p.with_options(...)()`, `old_p(s=s()).run()`.

    Module-level code is arbitrary (argparse, logging, click...), so only expressions
    that mention a pipeline are evaluated, and failures in them are warnings.
    """

    def __init__(self, index: ModuleIndex, diags: Diagnostics, src: SourceFile, *,
                 values_from_script: bool = False) -> None:
        self.index = index
        self.diags = diags
        self.src = src
        # A running script passes the call's values (`python run.py`): arguments the compiler
        # cannot evaluate do not matter then, only the options around them.
        self.values_from_script = values_from_script
        self.scope = Scope()
        self.instances: list[PipelineInstance] = []
        # Names assigned the result of a new-API pipeline call.
        self.run_names: set[str] = set()
        # Pipelines (by id of their definition) called with arguments pipec could not evaluate.
        self.ignored_calls: set[int] = set()

    def scan(self) -> list[PipelineInstance]:
        """Every pipeline instance created at module level, in source order."""
        for stmt in self.src.tree.body:
            self._walk(stmt, stmt)
        return self.instances

    def _walk(self, stmt: ast.stmt, top: ast.stmt) -> None:
        if isinstance(stmt, ast.ImportFrom) and stmt is not top:
            # `from pipelines.train import p` inside `main()`: the calls after it use that pipeline.
            self.scope.names.update(pipeline_bindings(self.index, stmt))
            return
        if isinstance(stmt, (ast.Expr, ast.Assign, ast.AnnAssign)):
            if stmt.value is not None and not self._expression(stmt, top) and stmt is not top:
                local_assignment(self, stmt, top)  # a local constant of an entry function
            return
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
            if not defines_step_or_pipeline(self, stmt):  # steps and pipelines are not entry points
                walk_function(self, stmt, top)
            return
        if isinstance(stmt, ast.ClassDef):
            return
        for block in _blocks(stmt):
            for inner in block:
                self._walk(inner, top)

    def _expression(self, small: ast.Expr | ast.Assign | ast.AnnAssign, top: ast.stmt) -> bool:
        """Evaluate `small` when it mentions a pipeline (True then), else leave it (False)."""
        if not (self._mentions_pipeline(small.value) or _is_configure_call(small.value)):
            return False
        ev = Evaluator(self.index, self.diags, self.src, top, self.scope, builder=self)
        try:
            value = ev.eval(small.value)
        except EvalError as err:
            if self.values_from_script and self._call_without_arguments(small.value, err.node, top):
                return True
            span = ev.span(err.node) if err.node is not None else self.src.statement_span(top)
            where = "module-level pipeline call" if small is top else "pipeline call"
            self.ignored_calls.update(id(d) for d in self._pipelines_mentioned(small.value))
            self.diags.warning(err.code, f"{err.message}; the {where} is ignored", span, help=err.help)
            return True
        except (_PoisonSignal, RecursionError):
            return True
        # A new-API call runs the pipeline; an original-API instance runs when `.run()` is called.
        finished_run = isinstance(value, PipelineInstance) and (not value.handle.definition.old_api
                                                                or _is_run_call(small.value))
        if isinstance(small, ast.Assign):
            for target in small.targets:
                if isinstance(target, ast.Name):
                    if finished_run:
                        # `run = training()`: the name holds a finished run, so `run.steps[...]` is no call.
                        self.run_names.add(target.id)
                    else:
                        self.scope.names[target.id] = value
                        self.run_names.discard(target.id)
        return True

    def _call_without_arguments(self, expr: ast.expr, failed: ast.AST | None, top: ast.stmt) -> bool:
        """Record the pipeline call around `failed`, an argument, with its options but no arguments."""
        if failed is None:
            return False
        for node in ast.walk(expr):
            if not (isinstance(node, ast.Call) and self._mentions_pipeline(node.func)):
                continue
            arguments = [*node.args, *(k.value for k in node.keywords)]
            if not any(failed is inner for arg in arguments for inner in ast.walk(arg)):
                continue
            ev = Evaluator(self.index, self.diags, self.src, top, self.scope, builder=self)
            try:
                handle = ev.eval(node.func)
            except (EvalError, _PoisonSignal, RecursionError):
                return False
            if isinstance(handle, PipelineHandle):
                self.instances.append(PipelineInstance(handle, [], {}, (), ev.span(node)))
                return True
        return False

    def _pipeline_named(self, name: str) -> PipelineDef | None:
        """The pipeline `name` stands for here (a pipeline or an instance of one), else None."""
        value = self.scope.names.get(name)
        if value is None:
            try:
                value = self.index.resolve(self.src, name)
            except RecursionError:
                value = None
        if isinstance(value, PipelineHandle):
            return value.definition
        return value.handle.definition if isinstance(value, PipelineInstance) else None

    def _pipelines_mentioned(self, node: ast.expr) -> list[PipelineDef]:
        """The pipeline definitions the names in `node` stand for."""
        return [pdef for name in _names_mentioned(node) if (pdef := self._pipeline_named(name)) is not None]

    def _mentions_pipeline(self, node: ast.expr) -> bool:
        return any(name not in self.run_names and self._pipeline_named(name) is not None
                   for name in _names_mentioned(node))

    # Evaluator builder hooks -------------------------------------------------------

    def call_step(self, ev: Evaluator, func: Any, args: list, kwargs: dict, node: ast.Call,
                  arg_nodes: dict) -> Any:
        """At module level, calling a step makes an old-API step instance."""
        if isinstance(func, StepHandle):
            kwargs = dict(kwargs)
            if len(args) == 1 and isinstance(args[0], ParamsInstance) and "params" not in kwargs:
                kwargs["params"] = args[0]  # ZenML <= 0.39 also takes the parameters object positionally
            elif args:
                raise EvalError("PC107", "old-style step instances take keyword arguments only", node)
            return OldStepInstance(func.definition, kwargs, func.overrides, ev.span(node))
        raise EvalError("PC102", "this call cannot be evaluated at module level", node)

    def pipeline_call(self, ev: Evaluator, handle: PipelineHandle, args: list, kwargs: dict, node: ast.Call,
                      arg_nodes: dict) -> PipelineInstance:
        """Record a module-level pipeline call."""
        instance = PipelineInstance(handle, list(args), dict(kwargs), (), ev.span(node))
        instance.arg_spans = {k: ev.span(v) for k, v in arg_nodes.items()}  # type: ignore[attr-defined]
        self.instances.append(instance)
        return instance


def _is_run_call(node: ast.expr) -> bool:
    """`<instance>.run(...)`."""
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "run"


def _is_configure_call(node: ast.expr) -> bool:
    """`something.configure(...)`: ZenML's in-place step configuration."""
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "configure"


def _names_mentioned(node: ast.expr) -> list[str]:
    """Identifiers written in `node`: names, attribute names and keyword names, in source order."""
    names: list[str] = []
    for child in ast.walk(node):
        if isinstance(child, ast.Name):
            names.append(child.id)
        elif isinstance(child, ast.Attribute):
            names.append(child.attr)
        elif isinstance(child, ast.keyword) and child.arg is not None:
            names.append(child.arg)
    return names


def _blocks(stmt: ast.stmt) -> list:
    blocks = [getattr(stmt, name) for name in ("body", "orelse", "finalbody")
              if isinstance(getattr(stmt, name, None), list)]
    blocks[1:1] = [handler.body for handler in getattr(stmt, "handlers", ()) or ()]
    return blocks


# ---------------------------------------------------------------------- pipeline body


@dataclass
class BuildOptions:
    """Inputs to building one pipeline."""

    # Raw --param values.
    cli_params: dict[str, str]
    # --config path, if given.
    cli_config: Path | None
    # The entry file's folder (relative config paths resolve from it).
    entry_dir: Path
    # Source root.
    root: Path
    # A call from a running script (`python run.py`), whose real values replace the source's call.
    call: PipelineCall | None = None
    # Pipelines (ids of their definitions) whose call in the entry passes arguments pipec could not
    # evaluate: their parameters' defaults may not be what the run gets.
    arguments_unknown: frozenset[int] = frozenset()


@dataclass(frozen=True)
class PipelineCall:
    """A pipeline called by a running script: its argument values, already Python objects."""

    # Name of the called pipeline.
    pipeline: str
    # Argument values by parameter name (positional ones mapped through the signature).
    values: dict[str, Any]
    # Where the call is (reported with wrong values).
    span: Span


class PipelineBuilder:
    """Evaluates one pipeline body and records its step invocations."""

    def __init__(self, pdef: PipelineDef, index: ModuleIndex, diags: Diagnostics, reader: SettingsReader,
                 pipeline_partial: Partial, config: RunConfig | None) -> None:
        self.pdef = pdef
        self.index = index
        self.diags = diags
        self.reader = reader
        self.pipeline_partial = pipeline_partial
        self.config = config
        self.invocations: list[StepInvocation] = []
        # The pipeline's parameters with their compile-time values, by name.
        self.parameters: dict[str, PipelineParameter] = {}
        self.taken: set[str] = set()
        self.slots: dict[str, Slot] = {}
        # Ids of step calls that failed (reported); ZenML would have given them these ids.
        self.failed: set[str] = set()
        # (call node, id) of the step call being bound, until it is recorded.
        self._binding: tuple[ast.AST, str] | None = None
        # Parameters whose value is only their default while the entry's call passes unknown values.
        self.defaults_only: set[str] = set()
        # The pipelines whose bodies are being evaluated: this one, then the ones inlined into it.
        self.active: list[PipelineDef] = [pdef]
        # Inlined pipelines whose ignored options were reported: (name, option keys).
        self.warned_inlined: set[tuple[str, tuple[str, ...]]] = set()

    # ------------------------------------------------------------------ ids

    def next_id(self, base: str) -> str:
        """ZenML's invocation ids: the step name, then name_2, name_3, ..."""
        if base not in self.taken:
            return base
        index = 2
        while f"{base}_{index}" in self.taken:
            index += 1
        return f"{base}_{index}"

    def step_failed(self, func: Any, node: ast.Call) -> None:
        """A call of step `func` failed (reported): keep its id taken and remember it."""
        if isinstance(func, Slot):
            self.failed.add(func.name)
            return
        if self._binding is not None and self._binding[0] is node:
            self.failed.add(self._binding[1])
            self._binding = None
            return
        custom = next((k.value.value for k in node.keywords if k.arg == "id" and isinstance(k.value, ast.Constant)
                       and isinstance(k.value.value, str)), None)
        step_id = custom or self.next_id(func.definition.name)
        self.taken.add(step_id)
        self.failed.add(step_id)

    # ------------------------------------------------------------------ calls

    def call_step(self, ev: Evaluator, func: Any, args: list, kwargs: dict, node: ast.Call,
                  arg_nodes: dict) -> Any:
        """Bind one step call into a StepInvocation and return its output handles."""
        if len(self.invocations) >= MAX_INVOCATIONS:
            raise EvalError("PC114", f"more than {MAX_INVOCATIONS:,} step invocations", node)
        kwargs = dict(kwargs)
        after_value = kwargs.pop("after", None) if isinstance(func, StepHandle) else None
        custom_id = kwargs.pop("id", None) if isinstance(func, StepHandle) else None
        if isinstance(func, Slot):
            definition, overrides = func.instance.definition, func.instance.overrides
            step_id = func.name
            instance = func.instance
        else:
            definition, overrides, instance = func.definition, func.overrides, None
            if custom_id is not None and (not isinstance(custom_id, str) or not custom_id):
                raise EvalError("PC107", "`id=` must be a non-empty string", arg_nodes.get("id", node))
            step_id = custom_id if custom_id is not None else self.next_id(definition.name)
        self.taken.add(step_id)
        self._binding = (node, step_id)  # if binding fails below, step_failed keeps this id

        values: list[tuple[str, Any, Span]] = []
        params = [p for p in definition.params if p.kind != "parameters"]
        if len(args) > len(params):
            raise EvalError("PC204", f"step `{definition.name}` takes {len(params)} positional "
                            f"argument{'s' if len(params) != 1 else ''} but {len(args)} were given", node)
        for position, value in enumerate(args):
            span = ev.span(arg_nodes[f"#{position}"]) if f"#{position}" in arg_nodes else ev.span(node)
            values.append((params[position].name, value, span))
        for name, value in kwargs.items():
            values.append((name, value, ev.span(arg_nodes[name]) if name in arg_nodes else ev.span(node)))

        self._argument_nodes = {**{params[int(k[1:])].name: v for k, v in arg_nodes.items()
                                   if k.startswith("#") and int(k[1:]) < len(params)},
                                **{k: v for k, v in arg_nodes.items() if not k.startswith("#")}}
        inputs = [InputBinding(name, self._source(definition, step_id, name, value, node, ev), span)
                  for name, value, span in values]
        option_partial = self.reader.read(definition.options, "step")
        override_partial = self.reader.read(overrides, "step")
        config_section = self.config.step(step_id) if self.config else {}
        config_partial = self._config_step_partial(step_id, config_section)
        partial = merge(self.pipeline_partial, option_partial, override_partial, config_partial)
        partial.pop("name", None)
        if definition.integration is not None:
            from .integration_steps import check_image

            check_image(step_id, definition.integration, partial, self.diags, ev.span(node))
        code_parameters = {**option_partial.get("parameters", {}), **override_partial.get("parameters", {})}
        partial.pop("parameters", None)
        inputs = self._extra_parameters(inputs, code_parameters, config_section.get("parameters") or {},
                                        definition, step_id, ev.span(node))
        if definition.params_classes:
            inputs += self._params_bindings(definition, instance, step_id, ev, node,
                                            config_section.get("parameters") or {})
        after = self._after(after_value, arg_nodes.get("after", node)) if after_value is not None else ()
        # A step of an original-API pipeline names its outputs by the original rules (ZenML <= 0.39).
        declared = definition.old_outputs if self.pdef.old_api else definition.outputs
        self.invocations.append(StepInvocation(
            id=step_id, function=definition.function, module=definition.module, signature=definition.params,
            inputs=tuple(inputs), outputs=declared, after=after, settings=to_settings(partial),
            definition_span=definition.span, span=ev.span(node)))
        self._binding = None
        outputs = [Artifact(step_id, out.name, out.type) for out in declared]
        if not outputs:
            return Invocation(step_id)
        return outputs[0] if len(outputs) == 1 else tuple(outputs)

    def pipeline_call(self, ev: Evaluator, handle: PipelineHandle, args: list, kwargs: dict, node: ast.Call,
                      arg_nodes: dict) -> Any:
        """A pipeline called in this pipeline's body is inlined (see `nested.inline_pipeline`)."""
        from .nested import inline_pipeline

        return inline_pipeline(self, ev, handle, args, kwargs, node, arg_nodes)

    def _source(self, definition: StepDef, step_id: str, name: str, value: Any, node: ast.AST,
                ev: Evaluator) -> Source:
        if value is POISON:
            raise _PoisonSignal()
        if isinstance(value, Artifact):
            return OutputRef(value.step, value.output)
        if isinstance(value, ParamValue):
            return ParameterRef(value.name)
        if isinstance(value, Invocation):
            raise EvalError("PC113", f"step `{value.step}` has no outputs; it cannot feed input `{name}`", node,
                            help=f"use after=\"{value.step}\" to order the steps without passing data")
        if isinstance(value, tuple) and value and all(isinstance(v, Artifact) for v in value):
            names = ", ".join(v.output for v in value)
            raise EvalError("PC113", f"step `{value[0].step}` has {len(value)} outputs ({names}); pass one of "
                            f"them to `{name}`", node, help="unpack them first: `a, b = step(...)`")
        if isinstance(value, ParamsInstance):
            return LiteralValue(dict(value.fields))
        runtime = find_runtime(value)
        if runtime is not None:
            where = getattr(self, "_argument_nodes", {}).get(name, node)  # the caret on the argument
            where = where.value if isinstance(where, ast.keyword) else where
            raise runtime_error(runtime, where, ev.span(where))
        if contains_symbolic(value):
            raise EvalError("PC113", f"input `{name}` of step `{definition.name}` is a collection holding step "
                            "outputs; pass each output to its own input", node)
        try:
            return LiteralValue(to_json_value(value))
        except TypeError as exc:
            raise EvalError("PC111", f"input `{name}` of step `{definition.name}` is not JSON-serialisable: {exc}",
                            node) from None

    def _config_step_partial(self, step_id: str, section: dict) -> Partial:
        if not section or self.config is None:
            return {}
        options = []
        for key in ("settings", "enable_cache", "retry", "step_operator", "extra", "experiment_tracker"):
            if key in section:
                options.append((key, section[key], self.config.span("steps", step_id, key)))
        return self.reader.read(options, "step")

    def _extra_parameters(self, inputs: list[InputBinding], code: dict, config: dict, definition: StepDef,
                          step_id: str, span: Span) -> list[InputBinding]:
        inputs = list(inputs)
        bound = {b.name: b for b in inputs}
        signature = {p.name for p in definition.params if p.kind != "parameters"}
        for name, value in code.items():
            if name in bound:
                continue
            bound[name] = InputBinding(name, LiteralValue(_json_or_none(value)), span)
            inputs.append(bound[name])
        for name, value in config.items():
            if any(p.name == name for p in definition.params if p.kind == "parameters"):
                continue
            if definition.params_classes and name not in signature:
                continue  # an old-API BaseParameters field: handled with the parameters class
            config_span = self.config.span("steps", step_id, "parameters", name) if self.config else span
            existing = bound.get(name)
            literal = _json_or_none(value)
            if existing is not None:
                self._config_and_code(name, step_id, existing, literal, config_span)
                continue
            bound[name] = InputBinding(name, LiteralValue(literal), config_span)
            inputs.append(bound[name])
        return inputs

    def _config_and_code(self, name: str, step_id: str, existing: InputBinding, literal: Any,
                         config_span: Span) -> None:
        """A step parameter set in the code and in the run configuration: ZenML fails only when they differ."""
        source = existing.source
        if isinstance(source, ParameterRef):
            param = self.parameters.get(source.name)
            if param is None or not param.known or source.name in self.defaults_only:
                self.diags.warning("PC110", f"parameter `{name}` of step `{step_id}` is set in the run configuration "
                                   f"and, in the code, to pipeline parameter `{source.name}`, which has no value at "
                                   "compile time" + (" (the script's call passes values pipec cannot evaluate)"
                                                     if source.name in self.defaults_only else ""), config_span,
                                   help=f"ZenML fails the run if the two values differ; give `{source.name}` a "
                                   f"value (--param, `parameters:`) or drop `steps.{step_id}.parameters.{name}`",
                                   notes=(f"set in code at {existing.span}",))
                return
            code_value, origin = param.value, f" (pipeline parameter `{source.name}`)"
        elif isinstance(source, LiteralValue):
            code_value, origin = source.value, ""
        else:
            code_value, origin = _DIFFERENT, ""
        if code_value == literal:
            return  # the same value twice: ZenML accepts it
        shown = f"the code gives `{_short(code_value)}`{origin}, the run configuration `{_short(literal)}`" \
            if code_value is not _DIFFERENT else "the code passes a step output"
        self.diags.error("PC110", f"parameter `{name}` of step `{step_id}` is set both in the code and in "
                         "the run configuration", config_span,
                         help=f"remove one of them; the two values differ: {shown}",
                         notes=(f"set in code at {existing.span}",))

    def _params_bindings(self, definition: StepDef, instance: OldStepInstance | None, step_id: str,
                         ev: Evaluator, node: ast.AST, config: dict) -> list[InputBinding]:
        bindings = []
        every_field: dict[str, None] = {}  # of every parameters class, in declaration order
        for pname, cls in definition.params_classes.items():
            fields = parameters_fields(cls, self.index, self.diags)
            every_field.update(dict.fromkeys(fields))
            given: dict[str, Any] = {}
            source_value = None
            if instance is not None:
                for key in (pname, "params", "config"):
                    if key in instance.kwargs:
                        source_value = instance.kwargs[key]
                        break
            span = instance.span if instance is not None and instance.span else ev.span(node)
            if isinstance(source_value, ParamsInstance):
                given.update(dict(source_value.fields))
            elif isinstance(source_value, dict):
                given.update(source_value)
            elif source_value is not None:
                self.diags.error("PC108", f"`{pname}` of step `{step_id}` must be a `{cls.name}(...)`", span)
            for key, value in config.items():
                if key in fields:
                    given[key] = value
            values: dict[str, Any] = {}
            for fname, (has_default, default, _) in fields.items():
                if fname in given:
                    values[fname] = given[fname]
                elif has_default:
                    values[fname] = default
                else:
                    self.diags.error("PC203", f"field `{fname}` of `{cls.name}` has no value for step `{step_id}`",
                                     span, help=f"pass {pname}={cls.name}({fname}=...) when instantiating the "
                                     "step, or set it under `steps.{id}.parameters` in the config".replace(
                                         "{id}", step_id))
            unknown = sorted(set(given) - set(fields))
            for fname in unknown:
                self.diags.error("PC204", f"`{cls.name}` has no field `{fname}`", span,
                                 help=did_you_mean(fname, fields))
            try:
                literal = to_json_value(values)
            except TypeError as exc:
                self.diags.error("PC111", f"parameters of step `{step_id}` are not JSON-serialisable: {exc}", span)
                self.diags.unbound_calls.add(ev.span(node))
                continue
            if not unknown and all(f in values for f in fields):
                bindings.append(InputBinding(pname, LiteralValue(literal), span))
        signature = {p.name for p in definition.params}  # handled by `_extra_parameters`
        for key in config:
            if key not in every_field and key not in signature:
                self.diags.error("PC204", f"step `{step_id}` has no parameter `{key}`",
                                 self.config.span("steps", step_id, "parameters", key),
                                 help=did_you_mean(key, every_field) or "its parameters: "
                                 + (", ".join(f"`{f}`" for f in every_field) or "none"))
        return bindings

    def _after(self, value: Any, node: ast.AST) -> tuple[str, ...]:
        if isinstance(value, ParamValue) and value.known:
            value = value.value  # `after=after`, a pipeline parameter whose value is known
        items = value if isinstance(value, (list, tuple)) and not _is_outputs(value) else [value]
        ids: list[str] = []
        for item in items:
            if isinstance(item, ParamValue) and item.known:
                item = item.value
            if item is None:
                continue  # `after=None` is no dependency, as in ZenML
            if isinstance(item, str):
                ids.append(item)
            elif isinstance(item, (Artifact, Invocation)):
                ids.append(item.step)
            elif isinstance(item, tuple) and _is_outputs(item):
                ids.append(item[0].step)
            else:
                raise EvalError("PC119", "`after=` takes step ids, step outputs, or a list of them", node)
        return tuple(dict.fromkeys(ids))

    # ------------------------------------------------------------------ finish

    def finish(self) -> tuple[StepInvocation, ...]:
        """The invocations, with old-API `.after()` edges applied.

        `after=` ids of step calls that failed (already reported) are dropped: "runs after
        unknown step" would only echo that error.
        """
        if self.failed:
            self.invocations = [replace(inv, after=tuple(a for a in inv.after if a not in self.failed))
                                if any(a in self.failed for a in inv.after) else inv for inv in self.invocations]
        if not self.slots:
            return tuple(self.invocations)
        out = []
        for inv in self.invocations:
            slot = self.slots.get(inv.id)
            if slot is not None and slot.after:
                inv = replace(inv, after=tuple(dict.fromkeys((*inv.after, *slot.after))))
            out.append(inv)
        return tuple(out)


#: Stands for a code value no literal can equal (a step output).
_DIFFERENT = object()


def _short(value: Any) -> str:
    """A JSON value as a message shows it, cut to a readable length."""
    import json

    text = json.dumps(value, sort_keys=True)
    return text if len(text) <= 40 else text[:37] + "..."


def _is_outputs(value: Any) -> bool:
    return isinstance(value, tuple) and bool(value) and all(isinstance(v, Artifact) for v in value)


def _json_or_none(value: Any) -> Any:
    try:
        return to_json_value(value)
    except TypeError:
        return None


# ---------------------------------------------------------------------- parameters


def coerce_param(raw: str, type_: str) -> Any:
    """Convert a `--param` string to the parameter's declared type; ValueError when it does not fit."""
    base = type_.replace(" | None", "")
    if type_.endswith(" | None") and raw in ("null", "None", "~"):
        return None
    if base == "str":
        return raw
    if base == "int":
        return int(raw)
    if base == "float":
        return float(raw)
    if base == "bool":
        lowered = raw.lower()
        if lowered in ("true", "yes", "1", "on"):
            return True
        if lowered in ("false", "no", "0", "off"):
            return False
        raise ValueError("expected true or false")
    import yaml

    try:
        value = yaml.safe_load(raw)
    except yaml.YAMLError:
        return raw
    try:
        return to_json_value(value)
    except TypeError:
        return raw


def _parameter_help(name: str, pdef: PipelineDef) -> str:
    """Did-you-mean for a parameter `pdef` lacks, else the parameters it declares."""
    names = [p.name for p in pdef.params]
    return did_you_mean(name, names) or (f"`{pdef.name}` declares {', '.join(f'`{n}`' for n in names)}"
                                         if names else f"`{pdef.name}` declares no parameters")


def resolve_parameters(pdef: PipelineDef, instance: PipelineInstance | None, config: RunConfig | None,
                       cli: dict[str, str], diags: Diagnostics,
                       call: PipelineCall | None = None) -> list[PipelineParameter]:
    """Parameter values: --param > --config > the call (a running script's, else module-level) > default."""
    call_values: dict[str, tuple[Any, Span]] = {}
    if call is not None and not pdef.old_api:
        call_values = _script_call_values(pdef, call, diags)
    elif instance is not None and not pdef.old_api:
        spans = getattr(instance, "arg_spans", {})
        for position, value in enumerate(instance.args):
            if position < len(pdef.params):
                call_values[pdef.params[position].name] = (value, spans.get(f"#{position}", instance.span))
        for name, value in instance.kwargs.items():
            if not any(p.name == name for p in pdef.params):
                diags.error("PC109", f"pipeline `{pdef.name}` has no parameter `{name}`",
                            spans.get(name, instance.span), help=_parameter_help(name, pdef))
                continue
            call_values[name] = (value, spans.get(name, instance.span))
    config_values = config.parameters if config else {}
    for name in config_values:
        if not any(p.name == name for p in pdef.params):
            diags.error("PC109", f"pipeline `{pdef.name}` has no parameter `{name}`", config.span("parameters", name),
                        help=_parameter_help(name, pdef))
    out = []
    for p in pdef.params:
        known, value = p.default_known, p.default
        if p.name in call_values:
            raw, span = call_values[p.name]
            if isinstance(raw, ParamValue):
                raw = raw.value if raw.known else None
            try:
                value, known = to_json_value(raw), True
            except TypeError as exc:
                diags.error("PC111", f"value of parameter `{p.name}` is not JSON-serialisable: {exc}", span)
        if p.name in config_values:
            from pipec.ir.types import describe_literal, literal_is_compatible

            try:
                candidate = to_json_value(config_values[p.name])
            except TypeError as exc:
                diags.error("PC111", f"value of parameter `{p.name}` is not JSON-serialisable: {exc}",
                            config.span("parameters", p.name))
            else:
                if literal_is_compatible(candidate, p.type):
                    value, known = candidate, True
                else:
                    diags.error("PC110", f"parameter `{p.name}` expects `{p.type}` but the run configuration gives "
                                f"`{describe_literal(candidate)}`", config.span("parameters", p.name))
        if p.name in cli:
            try:
                value, known = coerce_param(cli[p.name], p.type), True
            except ValueError as exc:
                diags.error("PC303", f"--param {p.name}={cli[p.name]!r} does not fit type `{p.type}`: {exc}", p.span)
        out.append(PipelineParameter(p.name, p.type, p.has_default, p.default if p.default_known else None,
                                     value if known else None, known, p.span))
    return out


def _script_call_values(pdef: PipelineDef, call: PipelineCall, diags: Diagnostics) -> dict[str, tuple[Any, Span]]:
    """The values a running script passed, as JSON; ones that are not JSON or do not fit the type are errors."""
    from pipec.ir.types import describe_literal, literal_is_compatible

    types = {p.name: p.type for p in pdef.params}
    out: dict[str, tuple[Any, Span]] = {}
    for name, raw in call.values.items():
        if name not in types:
            diags.error("PC109", f"pipeline `{pdef.name}` has no parameter `{name}`", call.span,
                        help=did_you_mean(name, list(types)))
            continue
        try:
            value = to_json_value(raw)
        except TypeError as exc:
            diags.error("PC111", f"value of parameter `{name}` is not JSON-serialisable: {exc}", call.span,
                        help="pass plain data (numbers, strings, booleans, None, lists, dicts with string keys) "
                             "and load anything bigger inside a step")
            continue
        if not literal_is_compatible(value, types[name]):
            diags.error("PC303", f"parameter `{name}` expects `{types[name]}` but the call passes "
                        f"`{describe_literal(value)}`", call.span)
            continue
        out[name] = (value, call.span)
    return out


# ---------------------------------------------------------------------- one pipeline


def build_pipeline(pdef: PipelineDef, instance: PipelineInstance | None, options: BuildOptions,
                   index: ModuleIndex, diags: Diagnostics) -> Pipeline:
    """Evaluate `pdef`'s body into an IR Pipeline."""
    if pdef.api_by_shape and not pdef.old_api and instance is not None and _binds_step_instances(instance):
        pdef.old_api = True  # `p(loader=load()).run()`: ZenML's original API, whatever the body looks like
    reader = SettingsReader(diags)
    run_options = tuple(instance.handle.overrides) + tuple(instance.run_options) if instance else ()
    call = options.call if options.call is not None and options.call.pipeline == pdef.name else None
    if call is not None:
        run_options = tuple(o for o in run_options if o[0] != "run_name")  # the running script names its run
    decorator_partial = reader.read(pdef.options, "pipeline")
    run_partial = reader.read(run_options, "pipeline")
    config = _load_config(options, merge(decorator_partial, run_partial), diags)
    config_partial = _config_pipeline_partial(config, reader)
    partial = merge(decorator_partial, run_partial, config_partial)
    schedule = partial.pop("schedule", None)
    for key in ("name", "config_path", "parameters", "steps"):
        partial.pop(key, None)

    parameters = (resolve_parameters(pdef, instance, config, options.cli_params, diags, call)
                  if not pdef.old_api else [])
    for name in config.parameters if config is not None and pdef.old_api else ():
        diags.error("PC109", f"pipeline `{pdef.name}` (ZenML's original API) takes steps, not parameters; "
                    f"`{name}` is not used", config.span("parameters", name),
                    help="set a step's parameters under `steps.<id>.parameters`")
    builder = PipelineBuilder(pdef, index, diags, reader, partial, config)
    builder.parameters = {p.name: p for p in parameters}
    if instance is None and id(pdef) in options.arguments_unknown:
        set_elsewhere = set(options.cli_params) | set(config.parameters if config is not None else ())
        builder.defaults_only = {p.name for p in parameters} - set_elsewhere
    scope = Scope()
    if pdef.old_api:
        _bind_slots(pdef, instance, builder, scope, diags)
    else:
        for param in parameters:
            scope.names[param.name] = ParamValue(param.name, param.known, param.value)
    ev = Evaluator(index, diags, pdef.source, pdef.node, scope, builder)
    try:
        ev.run_block(pdef.node.body)
    except _Return:
        pass
    steps = builder.finish()
    _check_config_steps(config, pdef.name, steps, builder.failed, diags)
    return Pipeline(name=pdef.name, function=pdef.function, module=pdef.module, parameters=tuple(parameters),
                    steps=steps, schedule=schedule, settings=to_settings(partial), span=pdef.span)


def _binds_step_instances(instance: PipelineInstance) -> bool:
    """True when a pipeline call passes step instances (`trainer=trainer()`): an original-API instance."""
    return any(isinstance(value, OldStepInstance) for value in [*instance.args, *instance.kwargs.values()])


def _check_config_steps(config: RunConfig | None, pipeline: str, steps: tuple[StepInvocation, ...],
                        failed: set[str], diags: Diagnostics) -> None:
    """Warn about `steps.<id>` sections and keys ZenML ignores (it logs and skips them too)."""
    sections = config.data.get("steps") if config is not None else None
    if not isinstance(sections, dict):
        return
    by_id = {s.id: s for s in steps}
    for step_id, section in sections.items():
        step = by_id.get(step_id)
        if not isinstance(section, dict):
            continue  # an error already (`steps.<id>` must be a mapping)
        if step is None:
            if step_id in failed:
                continue  # its call failed (reported): not a configuration mistake
            diags.warning("PC116", f"the run configuration configures step `{step_id}`, which pipeline "
                          f"`{pipeline}` does not invoke; the section is ignored", config.span("steps", step_id),
                          help=did_you_mean(str(step_id), by_id))
            continue
        parameters = {p.name for p in step.signature if p.kind != "parameters"}
        for key in config.unknown_step_keys(step_id):
            hint = (f"`{key}` is a parameter of step `{step_id}`: put `{key}` under `steps.{step_id}.parameters`"
                    if key in parameters else did_you_mean(str(key), STEP_KEYS))
            diags.warning("PC116", f"unknown key `{key}` in `steps.{step_id}` is ignored",
                          config.span("steps", step_id, key), help=hint)


def _load_config(options: BuildOptions, partial: Partial, diags: Diagnostics) -> RunConfig | None:
    path = options.cli_config
    if path is None and partial.get("config_path"):
        path = options.entry_dir / partial["config_path"]
    if path is None:
        return None
    resolved = path.resolve()
    try:
        shown = resolved.relative_to(options.root).as_posix()
    except ValueError:
        shown = str(path)
    return load_run_config(resolved, shown, diags)


def _config_pipeline_partial(config: RunConfig | None, reader: SettingsReader) -> Partial:
    if config is None:
        return {}
    # Keys of the wrong shape were already reported (PC110) by the config validation.
    options = [(key, config.data[key], config.span(key))
               for key in ("settings", "enable_cache", "schedule", "extra") if key in config.data
               and (key not in ("settings", "extra") or isinstance(config.data[key], dict))]
    partial = reader.read(options, "pipeline")
    if isinstance(config.data.get("retry"), dict):
        partial = merge(partial, reader.read([("retry", config.data["retry"], config.span("retry"))], "pipeline"))
    return partial


def _bind_slots(pdef: PipelineDef, instance: PipelineInstance | None, builder: PipelineBuilder, scope: Scope,
                diags: Diagnostics) -> None:
    if instance is None:
        diags.error("PC115", f"old-style pipeline `{pdef.name}` is never instantiated, so pipec cannot tell which "
                    "steps it runs", pdef.span,
                    help=f"instantiate it at module level, e.g. `{pdef.function}("
                    + ", ".join(f"{p.name}={p.name}()" for p in pdef.params) + ").run()`")
        for param in pdef.params:
            scope.names[param.name] = POISON
        return
    bound: dict[str, Any] = {}
    for position, value in enumerate(instance.args):
        if position < len(pdef.params):
            bound[pdef.params[position].name] = value
    bound.update(instance.kwargs)
    for param in pdef.params:
        value = bound.get(param.name)
        if isinstance(value, OldStepInstance):
            name = value.kwargs.get("name")
            slot = Slot(param.name, value)
            if isinstance(name, str) and name:
                slot = Slot(name, value)
            builder.slots[slot.name] = slot
            scope.names[param.name] = slot
        else:
            diags.error("PC115", f"step slot `{param.name}` of pipeline `{pdef.name}` is not bound to a step "
                        "instance", instance.span or pdef.span,
                        help=f"pass {param.name}=<step>() when instantiating the pipeline")
            scope.names[param.name] = POISON
    for name in bound:
        if not any(p.name == name for p in pdef.params):
            diags.error("PC109", f"pipeline `{pdef.name}` has no step slot `{name}`", instance.span or pdef.span,
                        help=did_you_mean(name, [p.name for p in pdef.params]))
