"""Evaluating one pipeline body: binding step calls into StepInvocations (`PipelineBuilder`)."""

from __future__ import annotations

import ast
from dataclasses import replace
from typing import Any

from pipec.ir.diagnostics import Diagnostics, did_you_mean
from pipec.runtime.deferred_calls import escape

from ..ir import (
    ArtifactLookup,
    InputBinding,
    LiteralValue,
    OutputRef,
    ParameterRef,
    PipelineParameter,
    Source,
    Span,
    StepInvocation,
)
from .artifact_inputs import ResolvedInput
from .calls import Evaluator
from .config_numbers import coerce_config_value
from .fan_in import is_fan_in, output_list, pin_parameters, pinned_parameters
from .integration_objects import shown, step_value
from .interp import EvalError, runtime_error
from .interp.limits import MAX_INVOCATIONS, BudgetExhausted
from .model_control import config_model
from .modules import ModuleIndex
from .run_config import STEP_SETTING_KEYS, RunConfig
from .runtime_values import find_runtime
from .settings import Partial, SettingsReader, merge, to_settings
from .stepdefs import PipelineDef, StepDef, parameters_fields
from .values import (
    POISON,
    Artifact,
    Invocation,
    OldStepInstance,
    ParamsInstance,
    ParamValue,
    PipelineHandle,
    PoisonSignal,
    Slot,
    StepHandle,
    contains_symbolic,
)

#: Step invocations one pipeline may make (loops are unrolled at compile time).


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
        # The next suffix worth trying per base name: ids are never released, so the scan resumes
        # where it stopped (a linear scan from `_2` each time is quadratic in the invocations).
        self._next_suffix: dict[str, int] = {}
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
        # Parameters that size a fan-in list: (step id, input) of the first one each sizes.
        self.pinned: dict[str, tuple[str, str]] = {}

    # ------------------------------------------------------------------ ids

    def next_id(self, base: str) -> str:
        """ZenML's invocation ids: the step name, then name_2, name_3, ..."""
        if base not in self.taken:
            return base
        index = self._next_suffix.get(base, 2)
        while f"{base}_{index}" in self.taken:
            index += 1
        self._next_suffix[base] = index
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
            raise BudgetExhausted("PC114", f"more than {MAX_INVOCATIONS:,} step invocations", node,
                                  help="a pipeline this large is usually a loop over data: loop inside a step")
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
        if "model" in config_section:
            partial["model"] = config_model(partial.get("model"), config_section["model"], self.diags,
                                            self.config.span("steps", step_id, "model"))
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
        if definition.integration is None:
            from .integration_steps import check_object_image

            check_object_image(step_id, inputs, partial, self.diags, ev.span(node))
        after = self._after(after_value, arg_nodes.get("after", node)) if after_value is not None else ()
        # A step of an original-API pipeline names its outputs by the original rules (ZenML <= 0.39).
        declared = definition.old_outputs if self.pdef.old_api else definition.outputs
        self.invocations.append(StepInvocation(
            id=step_id, function=definition.function, module=definition.module, signature=definition.params,
            inputs=tuple(inputs), outputs=declared, after=after, settings=to_settings(partial),
            model=partial.get("model"), definition_span=definition.span, span=ev.span(node)))
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
            raise PoisonSignal()
        if isinstance(value, Artifact):
            return OutputRef(value.step, value.output)
        if isinstance(value, ParamValue):
            return ParameterRef(value.name)
        if isinstance(value, Invocation):
            raise EvalError("PC113", f"step `{value.step}` has no outputs; it cannot feed input `{name}`", node,
                            help=f"use after=\"{value.step}\" to order the steps without passing data")
        if is_fan_in(value):
            where = self._argument_node(name, node)
            for param in pinned_parameters(where, self.active[-1].node, ev.scope.names):
                self.pinned.setdefault(param, (step_id, name))
            return output_list(value, name, definition.name, where)
        if isinstance(value, tuple) and value and all(isinstance(v, Artifact) for v in value):
            names = ", ".join(v.output for v in value)
            raise EvalError("PC113", f"step `{value[0].step}` has {len(value)} outputs ({names}); pass one of "
                            f"them to `{name}`", node, help="unpack them first: `a, b = step(...)`")
        if isinstance(value, ParamsInstance):
            return LiteralValue(escape(dict(value.fields)))
        if isinstance(value, ResolvedInput):
            return value.source
        if isinstance(value, ArtifactLookup):  # e.g. `get_pipeline_context().model.get_artifact(name)`
            return value
        runtime = find_runtime(value)
        if runtime is not None:
            where = self._argument_node(name, node)
            raise runtime_error(runtime, where, ev.span(where))
        if contains_symbolic(value):
            raise EvalError("PC113", f"input `{name}` of step `{definition.name}` is a collection holding step "
                            "outputs; pass each output to its own input", node)
        try:
            return LiteralValue(step_value(value))
        except TypeError as exc:
            from .zenml_constants import unknown_value_error

            unknown = unknown_value_error(value, self._argument_node(name, node),
                                          f"input `{name}` of step `{definition.name}`")
            raise unknown or EvalError("PC111", f"input `{name}` of step `{definition.name}` is not "
                                       f"JSON-serialisable: {exc}", node) from None

    def _argument_node(self, name: str, node: ast.AST) -> ast.AST:
        """The expression passed for input `name` (where a caret goes), else the call `node`."""
        where = getattr(self, "_argument_nodes", {}).get(name, node)
        return where.value if isinstance(where, ast.keyword) else where

    def _config_step_partial(self, step_id: str, section: dict) -> Partial:
        if not section or self.config is None:
            return {}
        options = []
        for key in STEP_SETTING_KEYS:
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
            declared = next((p.type for p in definition.params if p.name == name), None)
            if declared is not None:
                literal = coerce_config_value(literal, declared, f"parameter `{name}` of step `{step_id}`",
                                              config_span, self.diags)
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
            code_value, origin = escape(param.value), f" (pipeline parameter `{source.name}`)"
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
                literal = step_value(values)
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
        if self.pinned:
            self.invocations = pin_parameters(self.invocations, self.pinned, self.parameters, self.diags)
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
    text = shown(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _is_outputs(value: Any) -> bool:
    return isinstance(value, tuple) and bool(value) and all(isinstance(v, Artifact) for v in value)


def _json_or_none(value: Any) -> Any:
    try:
        return step_value(value)
    except TypeError:
        return None
