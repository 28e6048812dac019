"""The vm_gcp target's engine: SkyPilot (see `tests.helpers.engines.skypilot`)."""

from tests.helpers.engines.skypilot import COMPILE_OPTIONS, TASK_ID, orchestrator_stores, step_argvs

__all__ = ["COMPILE_OPTIONS", "TASK_ID", "orchestrator_stores", "step_argvs"]
