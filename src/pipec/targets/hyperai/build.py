"""The hyperai compose file: the shared compose builder's (local_docker's), plus what a HyperAI instance adds.

Per service: the bind mounts of ``mounts_from_to`` (after the stores' named volumes), and with
the `gpu_enabled_in_container` option every GPU of the instance reserved for a step that asks
for none (ZenML's HyperAI orchestrator does that for every step; here a step's own GPU count
still wins). Everything else, escaping included, is the shared `ComposeBuilder`; local_docker's
``run_args`` settings are not read.
"""

from __future__ import annotations

from pipec.ir import StepInvocation
from pipec.targets.compose.build import ComposeBuilder
from pipec.targets.compose.interpolation import literal

from .settings import mounts_from_to

#: The reservation of every GPU the instance has (compose's ``count: all``).
ALL_GPUS = {"driver": "nvidia", "count": "all", "capabilities": ["gpu"]}


class HyperAIComposeBuilder(ComposeBuilder):
    """The shared compose builder with HyperAI's bind mounts and GPU reservations."""

    target = "hyperai"

    def _service(self, step: StepInvocation) -> dict:
        service = super()._service(step)
        binds = [{"type": "bind", "source": literal(source), "target": literal(target)}
                 for source, target in mounts_from_to(step, self.diags, self._reported).items()]
        if binds:
            service["volumes"] = [*service.get("volumes", []), *binds]
        return service

    def _deploy(self, step: StepInvocation) -> dict:
        deploy = super()._deploy(step)
        if self.context.options.get("gpu_enabled_in_container") != "true":
            return deploy
        resources = deploy.setdefault("resources", {})
        resources.setdefault("reservations", {"devices": [dict(ALL_GPUS)]})
        return deploy
