"""Building one IR pipeline: its options, settings, run configuration, parameters and body."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipec.ir.diagnostics import Diagnostics, did_you_mean

from ..ir import (
    ArtifactLookup,
    Pipeline,
    PipelineParameter,
    Retry,
    Schedule,
    Span,
    StepInvocation,
)
from .builder import PipelineBuilder
from .calls import Evaluator
from .enum_parameters import enum_parameter_values
from .interp import EvalError, Scope
from .model_control import config_model
from .modules import ModuleIndex
from .parameters import ValueOrigin, resolve_parameters
from .run_config import PIPELINE_SETTING_KEYS, STEP_KEYS, RunConfig, load_run_config
from .settings import Partial, SettingsReader, merge, to_settings
from .stepdefs import PipelineDef, report_definition
from .values import (
    POISON,
    OldStepInstance,
    ParamValue,
    PipelineInstance,
    ReturnSignal,
    Slot,
)

if TYPE_CHECKING:
    from .run_scan import IgnoredCall


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
    # evaluate (the first such call): their parameters' defaults may not be what the run gets.
    arguments_unknown: Mapping[int, IgnoredCall] = field(default_factory=dict)


@dataclass(frozen=True)
class PipelineCall:
    """A pipeline called by a running script: its argument values, already Python objects."""

    # Name of the called pipeline.
    pipeline: str
    # Argument values by parameter name (positional ones mapped through the signature).
    values: dict[str, Any]
    # Where the call is (reported with wrong values).
    span: Span


# ---------------------------------------------------------------------- one pipeline


def build_pipeline(pdef: PipelineDef, instance: PipelineInstance | None, options: BuildOptions,
                   index: ModuleIndex, diags: Diagnostics) -> Pipeline:
    """Evaluate `pdef`'s body into an IR Pipeline."""
    report_definition(pdef, diags)
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
    if config is not None and "model" in config.data:
        partial["model"] = config_model(partial.get("model"), config.data["model"], diags, config.span("model"))
    schedule = partial.pop(Schedule.key, None)
    for key in ("name", "config_path", "parameters", "steps"):
        partial.pop(key, None)

    origins: dict[str, ValueOrigin] = {}
    parameters = (resolve_parameters(pdef, instance, config, options.cli_params, diags, call, origins)
                  if not pdef.old_api else [])
    parameters, members = enum_parameter_values(pdef, parameters, origins, index, diags)
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
        _bind_slots(pdef, instance, builder, scope, diags, options.arguments_unknown.get(id(pdef)))
    else:
        _bind_parameters(pdef, parameters, members, index, diags, scope)
    ev = Evaluator(index, diags, pdef.source, pdef.node, scope, builder)
    try:
        ev.run_block(pdef.node.body)
    except ReturnSignal:
        pass
    steps = builder.finish()
    _check_config_steps(config, pdef.name, steps, builder.failed, diags)
    parameters = _lookup_names_are_text(parameters, steps)
    return Pipeline(name=pdef.name, function=pdef.function, module=pdef.module, parameters=tuple(parameters),
                    steps=steps, schedule=schedule, settings=to_settings(partial), model=partial.get("model"),
                    span=pdef.span)


def _bind_parameters(pdef: PipelineDef, parameters: list[PipelineParameter], members: dict[str, Any],
                     index: ModuleIndex, diags: Diagnostics, scope: Scope) -> None:
    """Bind the body's parameter names: an Enum parameter's value is its member (`members`), a
    known object for a parameter-class annotation is that object, a path annotation a path."""
    from .param_objects import parameter_object
    from .pure_stdlib import path_parameter
    from .stepdefs import parameters as signature

    annotations = {arg.arg: arg.annotation for arg, _ in signature(pdef.node)}
    ev = Evaluator(index, diags, pdef.source, pdef.node)
    for param in parameters:
        if param.name in members:
            member = members[param.name]
            scope.names[param.name] = POISON if member is POISON else ParamValue(param.name, param.known, member)
            continue
        value = param.value
        if param.known:
            try:
                value = path_parameter(ev, annotations.get(param.name),
                                       parameter_object(ev, annotations.get(param.name), value))
            except EvalError as err:
                ev.report(err)
                scope.names[param.name] = POISON
                continue
        scope.names[param.name] = ParamValue(param.name, param.known, value)


def _lookup_names_are_text(parameters: list[PipelineParameter], steps: tuple[StepInvocation, ...]
                           ) -> list[PipelineParameter]:
    """An unannotated parameter that names a looked-up artifact or its version is a ``str``
    (ZenML's `get_artifact_version` takes both as text), so engines type it as one."""
    naming = {name for step in steps for b in step.inputs if isinstance(b.source, ArtifactLookup)
              for name in (b.source.parameter, b.source.version_parameter) if name is not None}
    return [replace(p, type="str") if p.name in naming and p.type == "Any" else p for p in parameters]


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
               for key in PIPELINE_SETTING_KEYS if key in config.data
               and (key not in ("settings", "extra") or isinstance(config.data[key], dict))]
    partial = reader.read(options, "pipeline")
    if isinstance(config.data.get(Retry.key), dict):
        partial = merge(partial, reader.read([(Retry.key, config.data[Retry.key], config.span(Retry.key))],
                                             "pipeline"))
    return partial


def _bind_slots(pdef: PipelineDef, instance: PipelineInstance | None, builder: PipelineBuilder, scope: Scope,
                diags: Diagnostics, dropped: IgnoredCall | None) -> None:
    if instance is None and dropped is not None:
        # The script instantiates it, but an argument cannot be evaluated: that is the error.
        diags.error(dropped.code, f"{dropped.message}; the {dropped.where} that instantiates old-style pipeline "
                    f"`{pdef.name}` is ignored, so pipec cannot tell which steps it runs", dropped.span,
                    help=dropped.help)
    elif instance is None:
        diags.error("PC115", f"old-style pipeline `{pdef.name}` is never instantiated, so pipec cannot tell which "
                    "steps it runs", pdef.span,
                    help=f"instantiate it at module level, e.g. `{pdef.function}("
                    + ", ".join(f"{p.name}={p.name}()" for p in pdef.params) + ").run()`")
    if instance is None:
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
