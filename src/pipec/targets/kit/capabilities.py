"""What a target's engine can do, declared once, and the generic checks the driver runs
against it (each once per pipeline, before the target compiles).

A target sets ``capabilities = Capabilities(...)``; a plug-in without one is compiled
without these checks. Every finding goes through the unsupported-setting policy
(`pipec.targets.kit.unsupported`), so ``--unsupported=error`` turns it into an error.
"""

from __future__ import annotations

from dataclasses import dataclass

from pipec.ir import Pipeline, Span
from pipec.ir.diagnostics import Diagnostics

from .retry import FULL, RetrySupport
from .unsupported import unsupported

#: Schedule kinds: a cron expression, or a fixed interval.
CRON, INTERVAL = "cron", "interval"


@dataclass(frozen=True)
class Capabilities:
    """The features of one engine that the generic checks and the kit's lowerings consult."""

    #: Engine name as messages say it ("Tekton Pipelines").
    engine: str
    #: Schedule kinds the engine runs (empty: it has no schedules).
    schedules: frozenset[str] = frozenset({CRON, INTERVAL})
    #: How messages name its schedules ("Argo CronWorkflows").
    schedule_noun: str = "its schedules"
    #: Help for a schedule on an engine without schedules.
    schedule_help: str | None = None
    #: Whether its schedules run missed intervals (``catchup``).
    catchup: bool = True
    #: What of a retry policy it expresses (see `pipec.targets.kit.retry`).
    retry: RetrySupport = FULL
    #: Whether it can pick a GPU model (``gpu_type``); when not, `gpu_type_help` says how by hand.
    gpu_types: bool = True
    #: Help for a ``gpu_type`` it cannot select.
    gpu_type_help: str | None = None
    #: Whether all steps see one filesystem, so a folder artifact store is shared.
    shared_filesystem: bool = False
    #: The key of its engine settings (``orchestrator.<key>`` / ``target.<key>``); None: it reads none.
    settings_key: str | None = None
    #: Keys its engine settings accept; None when its own reader validates them (with its own codes).
    settings_schema: frozenset[str] | None = None
    #: Step operators it honours; None when the target decides itself.
    step_operators: frozenset[str] | None = frozenset()
    #: How a step asking for a step operator it does not honour runs instead.
    ordinary_step: str = "in its container like any step"


def engine_settings_keys(target: str) -> tuple[str, str]:
    """The two settings keys engine settings for `target` may use."""
    return f"orchestrator.{target}", f"target.{target}"


def check_capabilities(pipeline: Pipeline, target: str, caps: Capabilities, diags: Diagnostics) -> None:
    """Report what `pipeline` asks of `target` that `caps` says the engine cannot do."""
    shared = pipeline.settings.extra_dict()
    _check_engine_settings(shared, target, caps, diags, pipeline.span, f"pipeline `{pipeline.name}`")
    for step in pipeline.steps:
        # A step's settings hold the pipeline's too: report only what the step itself set.
        own = {k: v for k, v in step.settings.extra_dict().items() if shared.get(k) != v}
        _check_engine_settings(own, target, caps, diags, step.span, f"step `{step.id}`")
        operator = step.settings.step_operator
        if operator and caps.step_operators is not None and operator not in caps.step_operators:
            unsupported(diags, f"step `{step.id}` asks for step operator `{operator}`, which the {target} target "
                               f"does not support; it runs {caps.ordinary_step}", step.span)
        resources = step.settings.resources
        if resources is not None and resources.gpu_type and not caps.gpu_types:
            unsupported(diags, f"step `{step.id}` asks for GPU type `{resources.gpu_type}`, which the {target} "
                               "target cannot select; only the GPU count is requested", step.span,
                        help=caps.gpu_type_help)
    schedule = pipeline.schedule
    if schedule is None:
        return
    if not caps.schedules:
        unsupported(diags, f"{caps.engine} has no schedules; the schedule is ignored", schedule.span,
                    help=caps.schedule_help)
        return
    kind = CRON if schedule.cron else INTERVAL
    if kind not in caps.schedules:
        unsupported(diags, f"{caps.schedule_noun} take no {kind} schedule; the schedule is ignored", schedule.span)
    if schedule.catchup and not caps.catchup:
        unsupported(diags, f"{caps.schedule_noun} do not run missed intervals; `catchup` is ignored", schedule.span)


def _check_engine_settings(extra: dict, target: str, caps: Capabilities, diags: Diagnostics, span: Span,
                           where: str) -> None:
    for key in engine_settings_keys(target):
        value = extra.get(key)
        if value is None:
            continue
        if caps.settings_key is None:
            unsupported(diags, f"settings `{key}` of {where} are ignored: the {target} target reads no engine "
                               "settings", span, code="PC308", help="drop them, or move them to the target "
                                                                    "that reads them")
        elif caps.settings_schema is not None and isinstance(value, dict):
            for name in sorted(set(value) - caps.settings_schema):
                unsupported(diags, f"setting `{name}` in `{key}` of {where} is not one the {target} target "
                                   "reads; it is ignored", span, code="PC308",
                            help="it reads: " + ", ".join(sorted(caps.settings_schema)))
