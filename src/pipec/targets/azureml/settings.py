"""A step's Azure ML settings (``orchestrator.azureml`` / ``step_operator.azureml``, the
latter winning key by key), after ZenML's AzureML orchestrator settings.

``mode`` ("serverless", "compute-cluster" or "compute-instance"), ``compute_name`` (the
cluster or instance to run on), ``instance_type`` (alias ``compute_size``: the VM size of a
serverless job) and ``instance_count``. Unknown keys are reported by the kit (PC308);
wrong types are errors (PC397).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pipec.ir import StepInvocation
from pipec.ir.diagnostics import Diagnostics
from pipec.targets.kit.engine_settings import merged_settings

#: Settings keys read, in increasing precedence.
KEYS = ("orchestrator.azureml", "target.azureml", "step_operator.azureml")
#: The keys the target reads (the kit reports others).
SCHEMA = frozenset({"mode", "compute_name", "instance_type", "compute_size", "instance_count"})
MODES = ("serverless", "compute-cluster", "compute-instance")
#: A compute or VM size name (Azure: letters, digits, ``-`` and ``_``).
RESOURCE_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_-]{0,63}")


@dataclass(frozen=True)
class StepSettings:
    """What a step's settings say for Azure ML (None: not set)."""

    #: "serverless", "compute-cluster" or "compute-instance".
    mode: str | None = None
    #: Compute cluster or instance name.
    compute_name: str | None = None
    #: VM size of a serverless job.
    instance_type: str | None = None
    #: Nodes the job runs on.
    instance_count: int | None = None


def step_settings(step: StepInvocation, diags: Diagnostics) -> StepSettings:
    """The merged Azure ML settings of `step`, problems reported on its span."""
    merged = merged_settings(step, KEYS, diags, "PC397")
    if "compute_size" in merged:
        merged.setdefault("instance_type", merged.pop("compute_size"))
    found: dict[str, object] = {}
    for name in sorted(set(merged) & SCHEMA):
        value = merged[name]
        if name == "mode":
            ok, expected = value in MODES, " or ".join(f'"{m}"' for m in MODES)
        elif name == "instance_count":
            ok = isinstance(value, int) and not isinstance(value, bool) and value > 0
            expected = "a positive whole number"
        else:
            ok = isinstance(value, str) and RESOURCE_NAME.fullmatch(value) is not None
            expected = "a name of letters, digits, `-` and `_`"
        if not ok:
            diags.error("PC397", f"Azure ML setting `{name}` of step `{step.id}` must be {expected}, not {value!r}",
                        step.span)
            continue
        found[name] = value
    return StepSettings(**found)
