"""The `sagemaker` target: a SageMaker Pipelines definition per pipeline.

Writes ``<pipeline>.json`` (the definition, see :mod:`.build`) and, for a scheduled
pipeline, ``<pipeline>.schedule.json`` (an EventBridge Scheduler request, see
:mod:`.schedule`). `pipec submit` creates or updates the pipeline and starts an
execution (:mod:`.submit`).
"""

from __future__ import annotations

from pipec.compiler.writer import safe_name
from pipec.ir import Pipeline
from pipec.targets.base import CompileContext, OptionSpec, Submission, SubmitContext
from pipec.targets.kit.capabilities import Capabilities
from pipec.targets.kit.retry import RetrySupport

from .options import OPTIONS

#: Most attempts a SageMaker retry policy allows.
MAX_RETRY_ATTEMPTS = 20
#: SageMaker's RetryPolicies: service and capacity errors only, at most 20 attempts.
RETRY = RetrySupport("SageMaker", max_retries=MAX_RETRY_ATTEMPTS, code_failures=False, code="PC356")


def definition_file(pipeline: Pipeline) -> str:
    """The relative path of `pipeline`'s definition."""
    return f"{safe_name(pipeline.name)}.json"


def schedule_file(pipeline: Pipeline) -> str:
    """The relative path of `pipeline`'s schedule request."""
    return f"{safe_name(pipeline.name)}.schedule.json"


def sagemaker_pipeline_name(pipeline: Pipeline, options: dict[str, str]) -> str:
    """The SageMaker name of `pipeline`: the `pipeline_name` option, else derived from its name."""
    from .names import pipeline_name

    return options.get("pipeline_name") or pipeline_name(pipeline.name)


class SageMakerTarget:
    """Writes ``{pipeline}.json`` (and ``{pipeline}.schedule.json``) per pipeline."""

    name = "sagemaker"
    description = "Amazon SageMaker Pipelines definition JSON (processing or training jobs)"
    options: tuple[OptionSpec, ...] = OPTIONS
    capabilities = Capabilities("Amazon SageMaker Pipelines", schedule_noun="EventBridge schedules", catchup=False,
                                retry=RETRY, settings_key="sagemaker", step_operators=None)

    def compile(self, pipeline: Pipeline, context: CompileContext) -> dict[str, str]:
        """``{"<pipeline>.json": definition, "<pipeline>.schedule.json": schedule request}``."""
        from .build import build_definition, dumps
        from .names import valid_pipeline_name
        from .options import parse_options
        from .schedule import build_schedule

        options = parse_options(context.options, context.diagnostics)
        name = sagemaker_pipeline_name(pipeline, context.options)
        if not valid_pipeline_name(name):
            context.diagnostics.error("PC302", f"option `pipeline_name` of target `sagemaker` is not a valid "
                                      f"SageMaker pipeline name: `{name}`",
                                      help="use letters, digits and single hyphens, at most 256 characters")
        files = {definition_file(pipeline): dumps(build_definition(pipeline, context, options))}
        schedule = build_schedule(pipeline, name, options, context.diagnostics)
        if schedule is not None:
            files[schedule_file(pipeline)] = dumps(schedule)
        return files

    def submit(self, pipeline: Pipeline, context: SubmitContext) -> Submission:
        """Create or update the pipeline and start an execution (see :mod:`.submit`)."""
        from .submit import submit

        return submit(pipeline, context)


#: The registered target object (see `pipec.targets.BUILTINS`).
TARGET = SageMakerTarget()
