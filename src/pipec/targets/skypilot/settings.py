"""ZenML's SkyPilot orchestrator settings (``settings={"orchestrator.vm_aws": {...}}``, also
``vm_gcp`` / ``vm_azure`` and ``target.<name>``), read into the task's parts.

Every key of ZenML's ``SkypilotBaseOrchestratorSettings`` is mapped or reported:

- resources: ``instance_type``, ``cpus``, ``memory``, ``accelerators``, ``accelerator_args``,
  ``use_spot``, ``job_recovery`` (``spot_recovery``, its old name), ``region`` and ``zone`` (as
  ``infra: CLOUD/REGION/ZONE``, since SkyPilot takes no ``region`` beside ``infra``),
  ``disk_size``, ``disk_tier``, ``ports``, ``labels``, ``any_of``, ``ordered`` and the free-form
  ``resources_settings``;
- task: ``envs``, ``num_nodes`` (1; more is reported: each node would run the pipeline),
  ``file_mounts``, ``task_name`` and the free-form ``task_settings``;
  ``docker_run_args`` become the task's ``config.docker.run_options``;
- launch (``pipec submit``, as ``sky.launch`` arguments): ``cluster_name``, ``retry_until_up``,
  ``idle_minutes_to_autostop``, ``down``, ``stream_logs`` and the free-form ``launch_settings``;
- reported (PC304): ``image_id`` (the steps' image is the VM's ``docker:`` image) and
  ``workdir`` (the code is in the image).

A malformed value is an error (PC393), an accelerator SkyPilot does not know is an error (PC394):
SkyPilot itself only finds either when it launches.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from pipec.ir import Span
from pipec.ir.diagnostics import Diagnostics
from pipec.targets.kit.unsupported import unsupported

from .accelerators import skypilot_accelerator

#: Code of a malformed SkyPilot setting.
BAD_SETTING = "PC393"
#: Code of an accelerator SkyPilot does not know.
UNKNOWN_ACCELERATOR = "PC394"
#: ``cpus`` / ``memory`` as SkyPilot reads them: a number, ``+`` for "at least".
AT_LEAST = re.compile(r"^[0-9]+(\.[0-9]+)?\+?$")
#: ``accelerators`` as a string: ``NAME`` or ``NAME:COUNT``.
ACCELERATOR_TEXT = re.compile(r"^(?P<name>[^:]+?)(:(?P<count>[0-9]+(\.[0-9]+)?))?$")
#: SkyPilot's disk tiers.
DISK_TIERS = ("low", "medium", "high", "ultra", "best")
#: Keys of a task (``sky.Task``) ``task_settings`` may set.
TASK_FIELDS = frozenset({"name", "num_nodes", "envs", "secrets", "file_mounts", "volumes", "setup",
                         "event_callback", "service", "config"})
#: Keys a ``resources`` section (and ``any_of`` / ``ordered`` entries) may hold.
RESOURCE_FIELDS = frozenset({"instance_type", "cpus", "memory", "accelerators", "accelerator_args", "use_spot",
                             "job_recovery", "region", "zone", "disk_size", "disk_tier", "network_tier", "ports",
                             "labels", "autostop", "priority"})
#: Settings ``sky.launch`` takes (``pipec submit``).
LAUNCH_KEYS = ("cluster_name", "retry_until_up", "idle_minutes_to_autostop", "down", "stream_logs")
#: Settings reported and ignored, with why.
IGNORED = {"image_id": "the VM runs the steps' image (`image_id: docker:IMAGE`); set the image with "
                       "`--option image=...` or DockerSettings",
           "workdir": "the pipeline's code is in the image, not synced from a folder"}


@dataclass(frozen=True)
class VmSettings:
    """What the SkyPilot settings of a pipeline ask for."""

    #: ``resources`` fields from the settings (SkyPilot's names and forms).
    resources: dict = field(default_factory=dict)
    #: Task fields (``name``, ``envs``, ``num_nodes``, ``file_mounts``...).
    task: dict = field(default_factory=dict)
    #: Extra ``docker run`` options of the VM's container.
    docker_run_args: tuple[str, ...] = ()
    #: ``sky.launch`` keyword arguments (``pipec submit``).
    launch: dict = field(default_factory=dict)


def _is_text(value: object) -> bool:
    return isinstance(value, str)


def _is_number_text(value: object) -> bool:
    return (isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0) or (
        isinstance(value, str) and bool(AT_LEAST.match(value)))


def _is_count(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


def _is_whole(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _is_flag(value: object) -> bool:
    return isinstance(value, bool)


def _is_text_map(value: object) -> bool:
    return isinstance(value, dict) and all(isinstance(k, str) and isinstance(v, str) for k, v in value.items())


def _is_map(value: object) -> bool:
    return isinstance(value, dict) and all(isinstance(k, str) for k in value)


def _is_ports(value: object) -> bool:
    if isinstance(value, list):
        return all(_is_ports(v) and not isinstance(v, list) for v in value)
    return _is_count(value) or (isinstance(value, str) and bool(re.match(r"^[0-9]+(-[0-9]+)?$", value)))


def _is_place(value: object) -> bool:
    """A region or zone name: one word of ``infra: CLOUD/REGION/ZONE``."""
    return isinstance(value, str) and value != "" and "/" not in value and value.strip() == value


def _is_maps(value: object) -> bool:
    return isinstance(value, list) and all(_is_map(item) for item in value)


def _is_texts(value: object) -> bool:
    return isinstance(value, list) and all(isinstance(item, str) for item in value)


def _is_recovery(value: object) -> bool:
    return isinstance(value, str) or _is_map(value)


#: Setting -> (where it goes, check, what it must be).
CHECKS: dict[str, tuple[str, Callable[[object], bool], str]] = {
    "instance_type": ("resources", _is_text, "a string"),
    "cpus": ("resources", _is_number_text, "a positive number, or a string such as '4' or '4+'"),
    "memory": ("resources", _is_number_text, "GiB as a positive number, or a string such as '16' or '16+'"),
    "accelerators": ("resources", lambda v: True, ""),  # checked by `accelerators`
    "accelerator_args": ("resources", _is_map, "a dict"),
    "use_spot": ("resources", _is_flag, "True or False"),
    "job_recovery": ("resources", _is_recovery, "a strategy name or a dict"),
    "spot_recovery": ("resources", _is_recovery, "a strategy name or a dict"),
    "region": ("resources", _is_place, "a region name"),
    "zone": ("resources", _is_place, "a zone name"),
    "disk_size": ("resources", _is_count, "a positive whole number of GiB"),
    "disk_tier": ("resources", lambda v: v in DISK_TIERS, "one of " + ", ".join(DISK_TIERS)),
    "ports": ("resources", _is_ports, "a port, a range such as '8000-8010', or a list of them"),
    "labels": ("resources", _is_text_map, "a dict of strings"),
    "any_of": ("resources", _is_maps, "a list of dicts"),
    "ordered": ("resources", _is_maps, "a list of dicts"),
    "resources_settings": ("resources", _is_map, "a dict"),
    "envs": ("task", _is_text_map, "a dict of strings"),
    "num_nodes": ("task", _is_count, "a positive whole number"),
    "file_mounts": ("task", _is_map, "a dict"),
    "task_name": ("task", _is_text, "a string"),
    "task_settings": ("task", _is_map, "a dict"),
    "docker_run_args": ("docker", _is_texts, "a list of strings"),
    "cluster_name": ("launch", _is_text, "a string"),
    "retry_until_up": ("launch", _is_flag, "True or False"),
    "idle_minutes_to_autostop": ("launch", _is_whole, "a whole number of minutes"),
    "down": ("launch", _is_flag, "True or False"),
    "stream_logs": ("launch", _is_flag, "True or False"),
    "launch_settings": ("launch", _is_map, "a dict"),
}
#: Every key the settings dict may hold (the driver reports others, PC308).
SETTINGS_SCHEMA = frozenset(CHECKS) | frozenset(IGNORED)


def accelerators(value: object, where: str, diags: Diagnostics, span: Span) -> dict | None:
    """``{SkyPilot accelerator name: count}`` from an ``accelerators`` setting (``'V100'``,
    ``'V100:2'`` or ``{'V100': 2}``); None, reported, when it is malformed or names an
    accelerator SkyPilot does not know."""
    if isinstance(value, str):
        match = ACCELERATOR_TEXT.match(value.strip())
        if not match:
            diags.error(BAD_SETTING, f"{where}: `accelerators` {value!r} is not NAME or NAME:COUNT", span,
                        help="e.g. 'T4', 'A100:8' or {'A100': 8}")
            return None
        count = float(match.group("count") or 1)
        pairs = [(match.group("name"), int(count) if count.is_integer() else count)]
    elif isinstance(value, dict) and all(isinstance(k, str) and _is_number_text(v) and not isinstance(v, str)
                                         for k, v in value.items()) and len(value) == 1:
        pairs = list(value.items())
    else:
        diags.error(BAD_SETTING, f"{where}: `accelerators` must be 'NAME', 'NAME:COUNT' or {{NAME: COUNT}} "
                                 f"with one accelerator, not {value!r}", span, help="e.g. 'T4' or {'A100': 8}")
        return None
    found = {}
    for name, count in pairs:
        canonical = skypilot_accelerator(name)
        if canonical is None:
            diags.error(UNKNOWN_ACCELERATOR, f"{where}: SkyPilot knows no accelerator `{name}`", span,
                        help="run `sky show-gpus --all` for the names, e.g. T4, L4, A100, A100-80GB, H100")
            return None
        found[canonical] = count
    return found


def read_settings(settings: dict, where: str, diags: Diagnostics, span: Span) -> VmSettings:
    """`settings` (the merged dict of one settings key) read into a `VmSettings`; problems reported."""
    resources: dict = {}
    task: dict = {}
    launch: dict = {}
    docker: tuple[str, ...] = ()
    for key in sorted(settings):
        value = settings[key]
        if value is None:
            continue
        if key in IGNORED:
            unsupported(diags, f"{where}: setting `{key}` is ignored: {IGNORED[key]}", span)
            continue
        if key not in CHECKS:
            continue  # reported by the driver (PC308)
        part, check, kind = CHECKS[key]
        if not check(value):
            diags.error(BAD_SETTING, f"{where}: setting `{key}` must be {kind}, not {value!r}", span)
            continue
        if key == "accelerators":
            value = accelerators(value, where, diags, span)
            if value is None:
                continue
        if key == "num_nodes" and value > 1:
            unsupported(diags, f"{where}: `num_nodes` {value} is ignored: SkyPilot runs `run` on every node, so "
                               "each would run the whole pipeline; the task has one node", span)
            continue
        if key in ("any_of", "ordered"):
            value = [_candidate(entry, key, where, diags, span) for entry in value]
        if part == "resources":
            if key == "resources_settings":
                resources.update(_fields(value, RESOURCE_FIELDS, key, where, diags, span))
            else:
                resources["job_recovery" if key == "spot_recovery" else key] = value
        elif part == "task":
            if key == "task_settings":
                task.update(_fields(value, TASK_FIELDS, key, where, diags, span))
            else:
                task["name" if key == "task_name" else key] = value
        elif part == "docker":
            docker = tuple(value)
        elif key == "launch_settings":
            launch.update(value)
        else:
            launch[key] = value
    return VmSettings(resources, task, docker, launch)


def _fields(value: dict, allowed: frozenset[str], key: str, where: str, diags: Diagnostics, span: Span) -> dict:
    """The entries of free-form `value` SkyPilot reads; the others reported as ignored."""
    for name in sorted(set(value) - allowed):
        unsupported(diags, f"{where}: `{name}` in `{key}` is not a SkyPilot field the task writes; it is ignored",
                    span, help="it writes: " + ", ".join(sorted(allowed)))
    return {k: v for k, v in value.items() if k in allowed}


def _candidate(entry: dict, key: str, where: str, diags: Diagnostics, span: Span) -> dict:
    """One ``any_of`` / ``ordered`` resources candidate, its accelerators checked."""
    entry = _fields(entry, RESOURCE_FIELDS, key, where, diags, span)
    if "accelerators" in entry:
        found = accelerators(entry["accelerators"], where, diags, span)
        entry = {k: v for k, v in entry.items() if k != "accelerators"} | ({"accelerators": found} if found else {})
    return entry
