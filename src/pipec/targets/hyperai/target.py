"""The `hyperai` target: local_docker's compose file, run on a HyperAI instance over SSH.

Like ZenML's HyperAI orchestrator: ``pipec submit --target hyperai --option host=...
--option user=...`` connects with paramiko (host keys checked against known_hosts, never
added silently), logs the instance in to the container registry when asked (credentials from
the environment at submit time only), uploads ``<pipeline>.compose.yaml`` to
``<remote_dir>/<pipeline>/`` and runs ``docker compose up`` there with a fresh run id; a
cron schedule installs the line of ``<pipeline>.crontab`` in the user's crontab instead,
replacing the pipeline's earlier line. The compose file is local_docker's (one service per
step, every edge a ``depends_on``, named volumes for the stores, ``${VAR}`` escaped) plus
``mounts_from_to`` bind mounts and, with `gpu_enabled_in_container`, every GPU reserved.
"""

from __future__ import annotations

from pipec.compiler.writer import safe_name
from pipec.ir import Pipeline
from pipec.targets.base import (
    POSITIVE_INT,
    CompileContext,
    OptionSpec,
    Submission,
    SubmitContext,
    SubmitError,
)
from pipec.targets.compose.options import compose_options
from pipec.targets.kit.capabilities import CRON, Capabilities
from pipec.targets.kit.unsupported import unsupported

from .names import DEFAULT_KEY_ENV, DEFAULT_REMOTE_DIR, compose_file, crontab_file, remote_folder
from .settings import SETTINGS_KEY, SETTINGS_SCHEMA

#: The instance's options (read by `pipec submit`; `remote_dir` and `compose` also shape the crontab line).
INSTANCE_OPTIONS: tuple[OptionSpec, ...] = (
    OptionSpec("host", "`pipec submit`: the HyperAI instance's host name or IP address"),
    OptionSpec("port", "`pipec submit`: its SSH port", default="22", kind=POSITIVE_INT),
    OptionSpec("user", "`pipec submit`: the SSH user (default: the local user name)"),
    OptionSpec("key_env", "`pipec submit`: environment variable holding the private key's path or text "
                          "(unset: the SSH agent and ~/.ssh keys)", default=DEFAULT_KEY_ENV),
    OptionSpec("known_hosts", "`pipec submit`: known_hosts file the host key must be in (unknown hosts are "
                              "refused)", default="~/.ssh/known_hosts"),
    OptionSpec("remote_dir", "folder on the instance (relative: to the user's home) holding one folder per "
                             "pipeline", default=DEFAULT_REMOTE_DIR),
    OptionSpec("registry", "`pipec submit`: container registry to `docker login` to on the instance first, "
                           "with PIPEC_HYPERAI_REGISTRY_USER / _PASSWORD from the environment"),
    OptionSpec("gpu_enabled_in_container", "reserve every GPU of the instance for steps that request none "
                                           "(ZenML's option of the same name)", default="false",
               choices=("true", "false")),
)


class HyperAITarget:
    """Writes ``{pipeline}.compose.yaml`` (and ``{pipeline}.crontab`` for a cron schedule)."""

    name = "hyperai"
    description = "Docker Compose file run on a HyperAI instance over SSH (cron for schedules)"
    options: tuple[OptionSpec, ...] = compose_options() + INSTANCE_OPTIONS
    capabilities = Capabilities(
        "HyperAI", schedules=frozenset({CRON}), schedule_noun="HyperAI crontab entries", catchup=False,
        gpu_types=False, gpu_type_help="add `device_ids` to the service's GPU reservation by hand",
        settings_key=SETTINGS_KEY, settings_schema=SETTINGS_SCHEMA)

    def compile(self, pipeline: Pipeline, context: CompileContext) -> dict[str, str]:
        """``{"<pipeline>.compose.yaml": ..., "<pipeline>.crontab": ... (cron schedules only)}``."""
        from pipec.targets.kube import dump_documents

        from .build import HyperAIComposeBuilder
        from .schedule import crontab_line
        from .submit import compose_words

        stem = safe_name(pipeline.name)
        document = HyperAIComposeBuilder(pipeline, context).document()
        files = {compose_file(stem): dump_documents([document])}
        schedule = pipeline.schedule
        if schedule is not None and schedule.cron:
            for field in ("start_time", "end_time"):
                if getattr(schedule, field):
                    unsupported(context.diagnostics, f"crontab entries have no {field.replace('_', ' ')}; "
                                                     "it is ignored", schedule.span)
            folder = remote_folder(context.options.get("remote_dir") or DEFAULT_REMOTE_DIR, stem)
            try:
                compose = compose_words(context.options)
            except SubmitError as exc:
                context.diagnostics.error("PC302", str(exc), schedule.span, help="e.g. --option compose='docker compose'")
                return files
            files[crontab_file(stem)] = crontab_line(schedule.cron, folder, compose_file(stem), compose, stem) + "\n"
        return files

    def submit(self, pipeline: Pipeline, context: SubmitContext) -> Submission:
        """Upload the compose file over SSH and start it, or install its crontab line (see `submit`)."""
        from .submit import submit

        return submit(pipeline, context)


#: The registered target object (see `pipec.targets.BUILTINS`).
TARGET = HyperAITarget()
