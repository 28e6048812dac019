"""The `local_docker` target: ``<pipeline>.compose.yaml``, run with ``docker compose up``.

One service per step runs the runtime shim in the step's image; ``depends_on`` with
``condition: service_completed_successfully`` orders them (data edges and ``after=``), so
compose runs independent steps at the same time (ZenML's local Docker orchestrator runs them
one after another and ignores resources). Named volumes hold the artifact store and the SQLite
metadata store, shared by every step and kept between runs (so caching works). The run id
comes from ``PIPEC_RUN_ID`` (compose refuses to start without it); a run-time pipeline
parameter from ``PIPEC_PARAM_<name>`` (its compile-time value as default). Every string is
escaped for compose's ``${VAR}`` interpolation (see `interpolation`). Compose has no
schedules: a schedule is reported as unsupported.
"""

from __future__ import annotations

from dataclasses import replace

from pipec.compiler.writer import safe_name
from pipec.ir import Pipeline
from pipec.targets.base import CompileContext, OptionSpec, Submission, SubmitContext
from pipec.targets.common import CONTAINER_OPTIONS
from pipec.targets.kit.capabilities import Capabilities

from .names import DEFAULT_METADATA_STORE, compose_file
from .settings import SETTINGS_KEY, SETTINGS_SCHEMA


def _options() -> tuple[OptionSpec, ...]:
    """The container options, the metadata store defaulting to SQLite on a named volume."""
    return tuple(replace(spec, default=DEFAULT_METADATA_STORE) if spec.name == "metadata_store" else spec
                 for spec in CONTAINER_OPTIONS) + (
        OptionSpec("compose", "`pipec submit`: the compose command (e.g. `docker compose`, `docker-compose`, "
                              "`podman compose`)", default="docker compose"),
    )


class LocalDockerTarget:
    """Writes ``{safe pipeline name}.compose.yaml``: a Docker Compose file."""

    name = "local_docker"
    description = "Docker Compose file: one service per step, run with `docker compose up`"
    options: tuple[OptionSpec, ...] = _options()
    capabilities = Capabilities(
        "Docker Compose", schedules=frozenset(), schedule_noun="Docker Compose",
        schedule_help="run `pipec submit --target local_docker` from cron or a systemd timer",
        gpu_types=False, gpu_type_help="add `device_ids` to the service's GPU reservation by hand",
        settings_key=SETTINGS_KEY, settings_schema=SETTINGS_SCHEMA)

    def compile(self, pipeline: Pipeline, context: CompileContext) -> dict[str, str]:
        """``{"<pipeline>.compose.yaml": the compose file}``."""
        from pipec.targets.kube import dump_documents

        from .build import ComposeBuilder

        document = ComposeBuilder(pipeline, context).document()
        return {compose_file(safe_name(pipeline.name)): dump_documents([document])}

    def submit(self, pipeline: Pipeline, context: SubmitContext) -> Submission:
        """Run the compose file with a fresh run id and follow it (see `submit`)."""
        from .submit import submit

        return submit(pipeline, context)


#: The registered target object (see `pipec.targets.BUILTINS`).
TARGET = LocalDockerTarget()
