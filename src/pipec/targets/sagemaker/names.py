"""Names SageMaker accepts for steps, pipelines and schedules, derived from pipec's.

Step names match ``[A-Za-z0-9_-]{1,64}``; pipeline names ``[A-Za-z0-9](-*[A-Za-z0-9])*``
(no underscores, at most 256). A name that has to change gets a short hash of the
original, so distinct step ids stay distinct. Also the relative paths of a pipeline's
definition and schedule request, which `target` writes and `submit` reads.
"""

from __future__ import annotations

import hashlib
import re

from pipec.compiler.writer import safe_name
from pipec.ir import Pipeline

_STEP_UNSAFE = re.compile(r"[^A-Za-z0-9_-]")
_PIPELINE_UNSAFE = re.compile(r"[^A-Za-z0-9]+")
#: SageMaker's limits on step and pipeline names.
STEP_NAME_MAX = 64
PIPELINE_NAME_MAX = 256
#: What a pipeline parameter's name must match.
PARAMETER_NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:8]


def step_name(step_id: str) -> str:
    """The SageMaker step name for a pipec step id (the id itself when it is valid)."""
    if _STEP_UNSAFE.search(step_id) is None and 0 < len(step_id) <= STEP_NAME_MAX:
        return step_id
    safe = _STEP_UNSAFE.sub("_", step_id)[: STEP_NAME_MAX - 9]
    return f"{safe}-{_digest(step_id)}" if safe else _digest(step_id)


def pipeline_name(name: str) -> str:
    """The SageMaker pipeline name for a pipec pipeline name: runs of other characters become "-"."""
    safe = _PIPELINE_UNSAFE.sub("-", name).strip("-")[:PIPELINE_NAME_MAX].rstrip("-")
    return safe or f"pipeline-{_digest(name)}"


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
