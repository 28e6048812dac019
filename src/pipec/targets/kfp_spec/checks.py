"""Checks both KFP-schema targets make: a GPU type without a count, a folder artifact store."""

from __future__ import annotations

from pipec.ir import StepInvocation
from pipec.targets.base import CompileContext
from pipec.targets.kit.stores import is_folder_store
from pipec.targets.kit.unsupported import unsupported


def gpu_warning(step: StepInvocation, context: CompileContext) -> None:
    """PC304: a GPU type without a GPU count requests nothing."""
    unsupported(context.diagnostics, f"step `{step.id}` names GPU type `{step_gpu_type(step)}` but no GPU count, "
                "so it gets no GPU", step.span, help="set the GPU count too, e.g. ResourceSettings(gpu_count=1, ...)")


def step_gpu_type(step: StepInvocation) -> str | None:
    """The step's GPU type setting, None when unset."""
    return step.settings.resources.gpu_type if step.settings.resources else None


#: True for an artifact store that is a folder of the container's own file system.
is_local = is_folder_store
