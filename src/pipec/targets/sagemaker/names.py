"""Names SageMaker accepts for steps, pipelines and schedules, derived from pipec's.

Step names match ``[A-Za-z0-9_-]{1,64}``; pipeline names ``[A-Za-z0-9](-*[A-Za-z0-9])*``
(no underscores, at most 256). A name that has to change gets a short hash of the
original, so distinct step ids stay distinct. Also the relative paths of a pipeline's
definition and schedule request, which `target` writes and `submit` reads.
"""

from __future__ import annotations

import re

from pipec.compiler.writer import safe_name
from pipec.ir import Pipeline
from pipec.targets.kit.names import NEVER, Namer, short_digest

#: SageMaker's limits on step and pipeline names.
STEP_NAME_MAX = 64
PIPELINE_NAME_MAX = 256
#: What a pipeline parameter's name must match.
PARAMETER_NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


#: SageMaker step names: ``[A-Za-z0-9_-]``, at most 64, a digest after a changed name.
STEP_NAMES = Namer(r"[^A-Za-z0-9_-]", "_", max_len=STEP_NAME_MAX)
#: SageMaker pipeline names: runs of characters other than ``[A-Za-z0-9]`` as one ``-``, trimmed,
#: at most 256, never a digest (empty when nothing is left: see `pipeline_name`).
PIPELINE_NAMES = Namer(r"[^A-Za-z0-9]+", "-", max_len=PIPELINE_NAME_MAX, trim="-", digest=NEVER)


def step_name(step_id: str) -> str:
    """The SageMaker step name for a pipec step id (the id itself when it is valid)."""
    return STEP_NAMES.name(step_id)


def pipeline_name(name: str) -> str:
    """The SageMaker pipeline name for a pipec pipeline name: runs of other characters become "-"."""
    return PIPELINE_NAMES.name(name) or f"pipeline-{short_digest(name)}"


def valid_pipeline_name(name: str) -> bool:
    """True when SageMaker accepts `name` as a pipeline name."""
    return re.fullmatch(r"[A-Za-z0-9](-*[A-Za-z0-9]){0,255}", name) is not None


def definition_file(pipeline: Pipeline) -> str:
    """The relative path of `pipeline`'s definition."""
    return f"{safe_name(pipeline.name)}.json"


def schedule_file(pipeline: Pipeline) -> str:
    """The relative path of `pipeline`'s schedule request."""
    return f"{safe_name(pipeline.name)}.schedule.json"


def sagemaker_pipeline_name(pipeline: Pipeline, options: dict[str, str]) -> str:
    """The SageMaker name of `pipeline`: the `pipeline_name` option, else derived from its name."""
    return options.get("pipeline_name") or pipeline_name(pipeline.name)
