"""The `sagemaker` target: a SageMaker Pipelines definition per pipeline.

Writes ``<pipeline>.json`` (the definition, see :mod:`.build`) and, for a scheduled
pipeline, ``<pipeline>.schedule.json`` (an EventBridge Scheduler request, see
:mod:`.schedule`). `pipec submit` creates or updates the pipeline and starts an
execution (:mod:`.submit`).
"""

from __future__ import annotations

from pipec.ir import Pipeline
from pipec.targets.base import CompileContext, OptionSpec, Submission, SubmitContext
from pipec.targets.kit.capabilities import Capabilities

from .names import definition_file, sagemaker_pipeline_name, schedule_file, valid_pipeline_name
from .options import OPTIONS
from .retry import RETRY


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
        from .options import parse_options
        from .schedule import build_schedule

        options = parse_options(context.options)
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
