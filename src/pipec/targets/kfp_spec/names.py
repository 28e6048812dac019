"""Names KFP accepts: the pipeline name and one task/component/executor name per step.

KFP's own compiler lower-cases names and turns every run of other characters into one
dash (Kubernetes resource names); pipec does the same and keeps the original step id
as the task's display name (`taskInfo.name`), so nothing is lost.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass

from pipec.ir import Pipeline
from pipec.targets.kit.names import KFP_TASKS

#: KFP's rule for `pipelineInfo.name` (checked by its SDK and by Vertex AI).
PIPELINE_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,127}$")
#: Task names are kept within a Kubernetes label value (63 characters) so that backends
#: may use them in pod names and labels.
MAX_TASK_NAME = 63

#: `pipelineInfo.name`: the task-name rule, at most 128 characters, "pipeline" when nothing is left.
PIPELINE_NAMES = dataclasses.replace(KFP_TASKS, max_len=128, fallback="pipeline")

_NOT_IDENTIFIER = re.compile(r"[^A-Za-z0-9_]+")


def pipeline_name(pipeline: Pipeline) -> str:
    """The `pipelineInfo.name` for `pipeline` (matches :data:`PIPELINE_NAME`)."""
    return PIPELINE_NAMES.name(pipeline.name)


@dataclass(frozen=True)
class StepNames:
    """The names one step invocation gets in the spec."""

    # Key of the task in `root.dag.tasks` (also what `dependentTasks`/`producerTask` name).
    task: str
    # Key of its component in `components` (`componentRef.name`).
    component: str
    # Key of its executor in `deploymentSpec.executors` (`executorLabel`).
    executor: str


def step_names(pipeline: Pipeline) -> dict[str, StepNames]:
    """Unique names per step id, in body order; a clash after sanitising gets ``-2``, ``-3``..."""
    tasks = KFP_TASKS.unique(step.id for step in pipeline.steps)
    return {step_id: StepNames(task, f"comp-{task}", f"exec-{task}") for step_id, task in tasks.items()}


def io_keys(names: list[str], prefix: str, taken: set[str] = frozenset()) -> dict[str, str]:
    """A KFP input/output key per name in `names`: a Python identifier (what kfp's SDK writes
    and its loader and placeholders accept), other characters as ``_``, `prefix` in front of a
    leading digit or nothing; unique among themselves and against `taken` (``_2``, ``_3``...).

    Not a :class:`~pipec.targets.kit.names.Namer`: a key must stay a Python identifier, so a
    clash index is ``_2`` (a Namer's is ``-2``) and a bad first character gets `prefix` put in
    front (a Namer replaces it)."""
    used = set(taken)
    keys: dict[str, str] = {}
    for name in names:
        base = _NOT_IDENTIFIER.sub("_", name).strip("_")
        if not base or base[0].isdigit():
            base = f"{prefix}_{base}".rstrip("_")
        key, index = base, 2
        while key in used:
            key, index = f"{base}_{index}", index + 1
        used.add(key)
        keys[name] = key
    return keys
