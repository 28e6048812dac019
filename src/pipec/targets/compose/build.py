"""IR -> the compose file as plain data: the project, one service per step, the volumes.

Each service runs the step's shim call in the step's image (``entrypoint`` the interpreter,
``command`` the rest, so the image's own entrypoint never wraps it), ``depends_on`` every
upstream step (data edges and ``after=``) with ``condition: service_completed_successfully``,
mounts the named volumes of the artifact and metadata stores, and carries the step's docker
environment, ``deploy.resources`` (cpu and memory limits, GPUs as device reservations),
``restart: on-failure:N`` for retries and the compose keys a target adds (`_run_args`:
local_docker's from ZenML's ``run_args``).
"""

from __future__ import annotations

import posixpath
import re

from pipec.ir import Pipeline, StepInvocation
from pipec.ir.diagnostics import Diagnostics
from pipec.runtime.command import render
from pipec.targets.base import CompileContext
from pipec.targets.common import step_call, step_environment, step_image, step_resources
from pipec.targets.kit.names import DNS_LABELS
from pipec.targets.kit.resources import memory_bytes
from pipec.targets.kit.retry import RetrySupport, lower_retry
from pipec.targets.kit.stores import UNSHARED_STORE, artifact_store, is_folder_store, sqlite_path
from pipec.targets.kube_text import bound_parameters, engine_parameters, report_baked

from .interpolation import (
    JSON_ESCAPES,
    compose_text,
    literal,
    placeholder,
    run_id_placeholder,
    unsafe_default,
)

#: Docker restarts a failed container at once, then after a delay that doubles from 100 ms.
RETRY = RetrySupport("Docker", delay=False)
#: The named volume holding both stores when one folder holds the other (else each store's
#: folder has its own volume, ``pipec-artifacts`` and ``pipec-metadata``).
DATA_VOLUME = "pipec-data"
#: Labels every service carries: the pipeline and step it runs.
PIPELINE_LABEL, STEP_LABEL = "pipec.pipeline", "pipec.step"
#: The one condition an edge waits for.
COMPLETED = {"condition": "service_completed_successfully"}
_UNITS = {"Ki": "k", "Mi": "m", "Gi": "g", "Ti": "t"}
_BINARY = re.compile(r"([0-9]+)(Ki|Mi|Gi|Ti)B")


def project_name(pipeline: Pipeline) -> str:
    """The compose project name: lower-case letters, digits and ``-`` (a digest when cut or empty)."""
    return DNS_LABELS.name(pipeline.name)


def compose_memory(memory: str) -> str:
    """A compose memory quantity (Docker's units are binary): "4GiB" -> "4g", "500MB" -> "500000000b"."""
    match = _BINARY.fullmatch(memory)
    if match:
        return match.group(1) + _UNITS[match.group(2)]
    return f"{memory_bytes(memory)}b"


def compose_cpus(cpu: float) -> str:
    """A compose ``cpus`` value: 2 -> "2", 0.5 -> "0.5"."""
    return f"{cpu:g}"


class ComposeBuilder:
    """Builds the compose file of one pipeline; reports problems as it goes. A target sets
    `target` and overrides `_run_args`, `_service` or `_deploy` for what it adds."""

    #: The target whose messages and run-id placeholder name it (each subclass sets it).
    target: str

    def __init__(self, pipeline: Pipeline, context: CompileContext) -> None:
        self.pipeline_ir = pipeline
        self.context = context
        self.diags: Diagnostics = context.diagnostics
        self.services = DNS_LABELS.unique([s.id for s in pipeline.steps])
        self.params, baked = engine_parameters(pipeline, escape=JSON_ESCAPES, unsafe=unsafe_default)
        report_baked(baked, self.diags, self.target, "setting a PIPEC_PARAM_ variable")
        self.mounts = self._mounts()
        # Settings problems already reported (pipeline settings repeat in every step).
        self._reported: set[str] = set()

    def document(self) -> dict:
        """The compose file's top-level mapping."""
        document: dict = {"name": project_name(self.pipeline_ir),
                          "services": {self.services[s.id]: self._service(s) for s in self.pipeline_ir.steps}}
        volumes = dict.fromkeys(self.mounts.values())
        if volumes:
            document["volumes"] = {name: {} for name in volumes}
        return document

    # ------------------------------------------------------------------ pieces

    def _mounts(self) -> dict[str, str]:
        """``{folder in the container: named volume}`` for the stores that are folders: one
        volume when one folder holds the other (the default: ``/pipec``, which the image
        creates for the step's user, so Docker copies its ownership into the new volume)."""
        folders: dict[str, str] = {}
        store = artifact_store(self.context.options)
        if is_folder_store(store):
            path = store.removeprefix("file://")
            if path.startswith("/"):
                folders["artifacts"] = path.rstrip("/") or "/"
            else:
                self.diags.warning(UNSHARED_STORE, f"artifact store `{store}` is a relative folder: each step's "
                                                   "container has its own, so steps cannot read their inputs",
                                   help="use an absolute folder (a named volume then holds it) or an object store")
        database = sqlite_path(self.context.options.get("metadata_store"))
        if database and database.startswith("/"):
            folders["metadata"] = posixpath.dirname(database) or "/"
        elif database not in (None, "", ":memory:"):
            self.diags.warning(UNSHARED_STORE, "the SQLite metadata store is a relative path: each step's "
                                               "container records to its own file",
                               help="use sqlite:////absolute/path.db (a named volume then holds it)")
        if len(folders) == 2:
            outer, inner = sorted(folders.values(), key=len)
            if inner == outer or inner.startswith(outer.rstrip("/") + "/"):
                return {outer: DATA_VOLUME}
        return {folder: f"pipec-{what}" for what, folder in folders.items()}

    def _service(self, step: StepInvocation) -> dict:
        bound = bound_parameters(step, self.params)
        placeholders = {p.parameter.name: placeholder(p) for p in bound}
        call = step_call(self.pipeline_ir, step, self.context, runtime_params=placeholders,
                         placeholder_encoding="text")
        argv = render(call, compose_text(placeholders, run_id_placeholder(self.target))).argv
        service: dict = {"image": literal(step_image(self.pipeline_ir, step, self.context)),
                         "entrypoint": argv[:1], "command": argv[1:]}
        extra = self._run_args(step)
        environment = {name: literal(value) for name, value in step_environment(step)}
        environment.update((k, literal(v)) for k, v in sorted(extra.pop("environment", {}).items()))
        if environment:
            service["environment"] = environment
        labels = {PIPELINE_LABEL: literal(self.pipeline_ir.name), STEP_LABEL: literal(step.id)}
        labels.update((k, literal(v)) for k, v in sorted(extra.pop("labels", {}).items()))
        service["labels"] = labels
        upstream = [self.services[dep] for dep in step.upstream if dep in self.services]
        if upstream:
            service["depends_on"] = {name: dict(COMPLETED) for name in upstream}
        if self.mounts:
            service["volumes"] = [{"type": "volume", "source": volume, "target": folder}
                                  for folder, volume in self.mounts.items()]
        retry = lower_retry(step.settings.retry, RETRY, self.diags, step.span, f"step `{step.id}`")
        if retry is not None:
            service["restart"] = f"on-failure:{retry.max_retries}"
        deploy = self._deploy(step)
        if deploy:
            service["deploy"] = deploy
        for key, value in extra.items():
            service[key] = _escaped(value)
        return service

    def _run_args(self, step: StepInvocation) -> dict[str, object]:
        """``{compose service key: value}`` the target's settings add to `step`'s service (none here)."""
        return {}

    def _deploy(self, step: StepInvocation) -> dict:
        resources = step_resources(step)
        limits: dict = {}
        if resources.cpu is not None:
            limits["cpus"] = compose_cpus(resources.cpu)
        if resources.memory is not None:
            limits["memory"] = compose_memory(resources.memory)
        spec: dict = {}
        if limits:
            spec["limits"] = limits
        if resources.gpu:
            spec["reservations"] = {"devices": [{"driver": "nvidia", "count": resources.gpu,
                                                 "capabilities": ["gpu"]}]}
        return {"resources": spec} if spec else {}


def _escaped(value: object) -> object:
    """`value` with every string `literal` (lists and dict values too)."""
    if isinstance(value, str):
        return literal(value)
    if isinstance(value, list):
        return [_escaped(item) for item in value]
    if isinstance(value, dict):
        return {key: _escaped(item) for key, item in value.items()}
    return value


