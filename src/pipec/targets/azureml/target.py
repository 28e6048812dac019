"""The `azureml` target: an Azure ML CLI v2 pipeline job per pipeline (``az ml job create -f``).

``<pipeline>.yaml`` is the pipeline job (see `build`), or ``<pipeline>.component.yaml`` a
pipeline component when a parameter has no value (a job cannot declare one); a scheduled pipeline also gets
``<pipeline>.schedule.yaml`` (``az ml schedule create -f``), whose ``create_job`` points
at the job file next to it. Literal text never holds Azure ML's ``${{`` (see `text`); the
run id is the pipeline job's own id (``$AZUREML_ROOT_RUN_ID``). `pipec submit` creates the
job with azure-ai-ml's MLClient (`submit`).
"""

from __future__ import annotations

from pipec.compiler.writer import safe_name
from pipec.ir import Pipeline
from pipec.targets.base import POSITIVE_INT, CompileContext, OptionSpec, Submission, SubmitContext
from pipec.targets.common import CONTAINER_OPTIONS
from pipec.targets.kit.capabilities import CRON, INTERVAL, Capabilities
from pipec.targets.kit.retry import RetrySupport

from .settings import SCHEMA

#: Azure ML pipeline command jobs have no retry policy (the target reports every retry).
RETRY = RetrySupport("Azure ML", max_retries=0)


class AzureMLTarget:
    """Writes ``{safe pipeline name}.yaml`` (and ``.schedule.yaml``): an Azure ML pipeline job."""

    name = "azureml"
    description = "Azure ML CLI v2 pipeline job YAML, one command job per step"
    options: tuple[OptionSpec, ...] = CONTAINER_OPTIONS + (
        OptionSpec("compute", "compute cluster or instance every job runs on (default: serverless)"),
        OptionSpec("instance_type", "VM size of serverless jobs (default: the smallest that fits each step)"),
        OptionSpec("instance_count", "nodes per job", default="1", kind=POSITIVE_INT),
        OptionSpec("subscription_id", "pipec submit: the workspace's subscription (default: config.json)"),
        OptionSpec("resource_group", "pipec submit: the workspace's resource group"),
        OptionSpec("workspace", "pipec submit: the Azure ML workspace"),
        OptionSpec("experiment", "pipec submit: the experiment the job is filed under (default: the pipeline name)"),
    )
    capabilities = Capabilities("Azure ML", schedules=frozenset({CRON, INTERVAL}), schedule_noun="Azure ML schedules",
                                catchup=False, retry=RETRY, gpu_types=False,
                                gpu_type_help="name a VM size with that GPU: "
                                              "settings={'orchestrator.azureml': {'instance_type': ...}}",
                                settings_key="azureml", settings_schema=SCHEMA)

    def compile(self, pipeline: Pipeline, context: CompileContext) -> dict[str, str]:
        """``{"<pipeline>.yaml": job, "<pipeline>.schedule.yaml": schedule}``; problems go to
        ``context.diagnostics``."""
        from .build import Compute, JobBuilder
        from .names import SCHEDULE_NAMES
        from .render import dump
        from .schedule import schedule_document

        options = context.options
        compute = Compute(options.get("compute") or None, options.get("instance_type") or None,
                          int(options.get("instance_count") or 1))
        stem = safe_name(pipeline.name)
        builder = JobBuilder(pipeline, context, compute)
        suffix = ".component.yaml" if builder.required else ".yaml"
        files = {f"{stem}{suffix}": dump(builder.document())}
        if pipeline.schedule is not None:
            files[f"{stem}.schedule.yaml"] = dump(schedule_document(
                SCHEDULE_NAMES.name(pipeline.name), f"{stem}.yaml", pipeline.schedule, context.diagnostics))
        return files

    def submit(self, pipeline: Pipeline, context: SubmitContext) -> Submission:
        """Create the pipeline job in the workspace and follow it (see :mod:`.submit`)."""
        from .submit import submit

        return submit(pipeline, context)


#: The registered target object (see `pipec.targets.BUILTINS`).
TARGET = AzureMLTarget()
