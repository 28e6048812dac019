"""The `local_docker` target: ``<pipeline>.compose.yaml``, run with ``docker compose up``.

One service per step runs the runtime shim in the step's image; ``depends_on`` with
``condition: service_completed_successfully`` orders them (data edges and ``after=``), so
compose runs independent steps at the same time (ZenML's local Docker orchestrator runs them
one after another and ignores resources). Named volumes hold the artifact store and the SQLite
metadata store, shared by every step and kept between runs (so caching works). The run id
comes from ``PIPEC_RUN_ID`` (compose refuses to start without it); a run-time pipeline
parameter from ``PIPEC_PARAM_<name>`` (its compile-time value as default). Every string is
escaped for compose's ``${VAR}`` interpolation (see `pipec.targets.compose.interpolation`). Compose has no
schedules: a schedule is reported as unsupported.
"""

from __future__ import annotations

from pipec.compiler.writer import safe_name
from pipec.ir import Pipeline
from pipec.targets.base import CompileContext, OptionSpec, Submission, SubmitContext
from pipec.targets.compose.names import compose_file
from pipec.targets.compose.options import compose_options
from pipec.targets.kit.capabilities import Capabilities

from .settings import SETTINGS_KEY, SETTINGS_SCHEMA


class LocalDockerTarget:
    """Writes ``{safe pipeline name}.compose.yaml``: a Docker Compose file."""

    name = "local_docker"
    description = "Docker Compose file: one service per step, run with `docker compose up`"
    options: tuple[OptionSpec, ...] = compose_options()
    capabilities = Capabilities(
        "Docker Compose", schedules=frozenset(), schedule_noun="Docker Compose",
        schedule_help="run `pipec submit --target local_docker` from cron or a systemd timer",
        gpu_types=False, gpu_type_help="add `device_ids` to the service's GPU reservation by hand",
        settings_key=SETTINGS_KEY, settings_schema=SETTINGS_SCHEMA)

    def compile(self, pipeline: Pipeline, context: CompileContext) -> dict[str, str]:
        """``{"<pipeline>.compose.yaml": the compose file}``."""
        from pipec.targets.kube import dump_documents

        from .build import LocalDockerComposeBuilder

        document = LocalDockerComposeBuilder(pipeline, context).document()
        return {compose_file(safe_name(pipeline.name)): dump_documents([document])}

    def submit(self, pipeline: Pipeline, context: SubmitContext) -> Submission:
        """Run the compose file with a fresh run id and follow it (see `submit`)."""
        from .submit import submit

        return submit(pipeline, context)


#: The registered target object (see `pipec.targets.BUILTINS`).
TARGET = LocalDockerTarget()
