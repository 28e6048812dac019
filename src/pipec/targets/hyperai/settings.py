"""ZenML's HyperAI orchestrator settings: ``settings={"orchestrator.hyperai": {"mounts_from_to": {...}}}``.

``mounts_from_to`` maps a folder on the HyperAI instance to a folder in the step's container
(ZenML's `HyperAIOrchestratorSettings`); each pair becomes a bind mount of the step's
service. Both must be absolute POSIX paths (the instance runs Linux; ZenML refuses other
forms too); anything else is an error (PC386). Other keys are reported by the driver
(`Capabilities.settings_schema`). ZenML's component config (`container_registry_autologin`,
`gpu_enabled_in_container`) are the target's options `registry` and `gpu_enabled_in_container`.
"""

from __future__ import annotations

from pipec.ir import StepInvocation
from pipec.ir.diagnostics import Diagnostics
from pipec.targets.kit.capabilities import engine_settings_keys
from pipec.targets.kit.engine_settings import merged_settings

#: The target's settings key (``orchestrator.hyperai`` / ``target.hyperai``).
SETTINGS_KEY = "hyperai"
#: Keys of the settings dict the target reads.
SETTINGS_SCHEMA = frozenset({"mounts_from_to"})
#: The error code of a setting the target cannot use.
INVALID = "PC386"


def _absolute(path: object) -> bool:
    return isinstance(path, str) and path.startswith("/") and "\0" not in path


def mounts_from_to(step: StepInvocation, diags: Diagnostics, seen: set[str]) -> dict[str, str]:
    """``{folder on the instance: folder in the container}`` of `step` (later settings keys win);
    each problem reported once (`seen` holds the messages already given: pipeline settings
    repeat in every step)."""
    def report(message: str, help: str) -> None:
        if message not in seen:
            seen.add(message)
            diags.error(INVALID, message, step.span, help=help)

    merged = merged_settings(step, engine_settings_keys(SETTINGS_KEY), diags, INVALID)
    mounts = merged.get("mounts_from_to", {})
    if not isinstance(mounts, dict):
        report(f"`mounts_from_to` must be a dict of folders, not {mounts!r}",
               "e.g. {'mounts_from_to': {'/data/on/instance': '/data'}}")
        return {}
    found: dict[str, str] = {}
    for source, target in mounts.items():
        if not (_absolute(source) and _absolute(target)):
            report(f"mount {source!r} -> {target!r} of `mounts_from_to` needs two absolute paths",
                   "map a folder of the instance to one in the container, e.g. '/data/on/instance': '/data'")
        else:
            found[source] = target
    return found
