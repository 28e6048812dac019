"""The local_docker compose file: the shared `ComposeBuilder`, plus the compose keys of ZenML's
``run_args`` (`settings.run_args`)."""

from __future__ import annotations

from pipec.ir import StepInvocation
from pipec.targets.compose.build import ComposeBuilder

from .settings import run_args


class LocalDockerComposeBuilder(ComposeBuilder):
    """The shared builder reading ``orchestrator.local_docker`` ``run_args``."""

    target = "local_docker"

    def _run_args(self, step: StepInvocation) -> dict[str, object]:
        """The compose keys of `step`'s ``run_args``."""
        return run_args(step, self.diags, self._reported)
