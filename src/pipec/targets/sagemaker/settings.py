"""A step's SageMaker-specific settings (after ZenML's SageMaker orchestrator/step operator).

``settings={"orchestrator.sagemaker": {...}}`` and ``"step_operator.sagemaker"`` (the
latter wins key by key) may set ``instance_type``, ``volume_size_in_gb``,
``max_runtime_in_seconds``, ``use_training_step`` and ``environment``. Other keys
ZenML knows are reported as unsupported (PC304) and ignored; values of the wrong
type are errors (PC354).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pipec.ir import StepInvocation
from pipec.ir.diagnostics import Diagnostics
from pipec.targets.kit.engine_settings import merged_settings
from pipec.targets.kit.unsupported import unsupported

#: Settings keys read, in increasing precedence.
KEYS = ("orchestrator.sagemaker", "step_operator.sagemaker")
_INSTANCE = re.compile(r"^ml\.[a-z0-9-]+\.[a-z0-9-]+$")


@dataclass(frozen=True)
class StepSettings:
    """What a step's settings say for SageMaker (None: not set)."""

    # Instance type, e.g. "ml.g5.xlarge".
    instance_type: str | None = None
    # EBS volume size in GB.
    volume_size_in_gb: int | None = None
    # Stop the job after this many seconds.
    max_runtime_in_seconds: int | None = None
    # True: a training job, False: a processing job.
    use_training_step: bool | None = None
    # Extra environment variables, sorted by name.
    environment: tuple[tuple[str, str], ...] = ()


def _positive_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


def step_settings(step: StepInvocation, diagnostics: Diagnostics) -> StepSettings:
    """The merged SageMaker settings of `step`, with problems reported on its span."""
    merged = merged_settings(step, KEYS, diagnostics, "PC354")
    found: dict[str, object] = {}
    for name, value in sorted(merged.items()):
        if name == "instance_type":
            ok = isinstance(value, str) and _INSTANCE.match(value) is not None
            expected = 'an instance type such as "ml.m5.xlarge"'
        elif name in ("volume_size_in_gb", "max_runtime_in_seconds"):
            ok, expected = _positive_int(value), "a positive whole number"
        elif name == "use_training_step":
            ok, expected = isinstance(value, bool), "True or False"
        elif name == "environment":
            ok = isinstance(value, dict) and all(isinstance(v, str) for v in value.values())
            expected = "a dict of strings"
            if ok:
                value = tuple(sorted(value.items()))
        else:
            unsupported(diagnostics, f"SageMaker setting `{name}` of step `{step.id}` is not supported "
                                "by the sagemaker target and is ignored", step.span,
                                help="supported: instance_type, volume_size_in_gb, max_runtime_in_seconds, "
                                     "use_training_step, environment")
            continue
        if not ok:
            diagnostics.error("PC354", f"SageMaker setting `{name}` of step `{step.id}` must be {expected}, "
                              f"not {value!r}", step.span)
            continue
        found[name] = value
    return StepSettings(**found)
