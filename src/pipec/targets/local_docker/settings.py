"""ZenML's local Docker orchestrator settings: ``settings={"orchestrator.local_docker": {"run_args": {...}}}``.

ZenML hands ``run_args`` to docker-py's ``containers.run``; the keyword arguments that have a
compose service key of the same meaning become that key (`RUN_ARGS`). Any other key is
reported through the unsupported-setting policy (PC304) and left out; a value of the wrong
type is an error (PC385). Other keys of the settings dict are reported by the driver
(`Capabilities.settings_schema`).
"""

from __future__ import annotations

from pipec.ir import StepInvocation
from pipec.ir.diagnostics import Diagnostics
from pipec.targets.kit.capabilities import engine_settings_keys
from pipec.targets.kit.unsupported import unsupported

#: The target's settings key (``orchestrator.local_docker`` / ``target.local_docker``).
SETTINGS_KEY = "local_docker"
#: Keys of the settings dict the target reads.
SETTINGS_SCHEMA = frozenset({"run_args"})

#: Value kinds of a run argument.
TEXT, FLAG, TEXTS, TEXT_MAP = "a string", "True or False", "a list of strings", "a dict of strings"
#: docker-py ``containers.run`` keyword -> (compose service key, value kind).
RUN_ARGS: dict[str, tuple[str, str]] = {
    "cap_add": ("cap_add", TEXTS),
    "cap_drop": ("cap_drop", TEXTS),
    "devices": ("devices", TEXTS),
    "dns": ("dns", TEXTS),
    "environment": ("environment", TEXT_MAP),
    "extra_hosts": ("extra_hosts", TEXT_MAP),
    "group_add": ("group_add", TEXTS),
    "hostname": ("hostname", TEXT),
    "init": ("init", FLAG),
    "ipc_mode": ("ipc", TEXT),
    "labels": ("labels", TEXT_MAP),
    "network_mode": ("network_mode", TEXT),
    "pid_mode": ("pid", TEXT),
    "platform": ("platform", TEXT),
    "privileged": ("privileged", FLAG),
    "read_only": ("read_only", FLAG),
    "runtime": ("runtime", TEXT),
    "security_opt": ("security_opt", TEXTS),
    "shm_size": ("shm_size", TEXT),
    "stop_signal": ("stop_signal", TEXT),
    "user": ("user", TEXT),
    "working_dir": ("working_dir", TEXT),
}


def _fits(kind: str, value: object) -> bool:
    if kind == TEXT:
        return isinstance(value, str) or (isinstance(value, int) and not isinstance(value, bool))
    if kind == FLAG:
        return isinstance(value, bool)
    if kind == TEXTS:
        return isinstance(value, list) and all(isinstance(item, str) for item in value)
    return isinstance(value, dict) and all(isinstance(k, str) and isinstance(v, str) for k, v in value.items())


def run_args(step: StepInvocation, diags: Diagnostics, seen: set[str]) -> dict[str, object]:
    """``{compose service key: value}`` from the step's ``run_args`` (later settings keys win);
    each problem reported once (`seen` holds the messages already given: pipeline settings
    repeat in every step)."""
    def report(error: bool, message: str, help: str) -> None:
        if message in seen:
            return
        seen.add(message)
        if error:
            diags.error("PC385", message, step.span, help=help)
        else:
            unsupported(diags, message, step.span, help=help)

    merged: dict[str, object] = {}
    extra = step.settings.extra_dict()
    for key in engine_settings_keys(SETTINGS_KEY):
        settings = extra.get(key)
        if settings is None:
            continue
        if not isinstance(settings, dict) or not isinstance(settings.get("run_args", {}), dict):
            report(True, f"settings `{key}` must be a dict whose `run_args` is a dict",
                   "e.g. {'run_args': {'shm_size': '2g'}}")
            continue
        merged.update(settings.get("run_args", {}))
    found: dict[str, object] = {}
    for name, value in sorted(merged.items()):
        known = RUN_ARGS.get(name)
        if known is None:
            report(False, f"docker run argument `{name}` has no Docker Compose equivalent the local_docker "
                          "target writes; it is ignored", "supported: " + ", ".join(sorted(RUN_ARGS)))
        elif not _fits(known[1], value):
            report(True, f"docker run argument `{name}` must be {known[1]}, not {value!r}",
                   "see docker-py's containers.run for what it takes")
        else:
            found[known[0]] = str(value) if known[1] == TEXT else value
    return found
