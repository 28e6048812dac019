"""What pipec checks in a SkyPilot chain file and SkyPilot does not: SkyPilot's loader takes any
order of tasks and any accelerator name (it finds an unknown one only at launch), but a chain
runs right only when every step of the plan runs in exactly one task, after the tasks that run
its upstream steps, all tasks run the same plan, and each accelerator exists. `pipec submit`
refuses a chain with a problem before anything is launched.
"""

from __future__ import annotations

import json
import shlex

from pipec.ir.codec import pipeline_from_json

from .accelerators import skypilot_accelerator
from .build import PLAN_ENV
from .settings import ACCELERATOR_TEXT


def task_steps(run: object) -> list[str]:
    """The steps a chain task's ``run`` passes to ``kube-run`` (``--step ID``), in order."""
    for line in str(run or "").splitlines():
        words = shlex.split(line) if "kube-run" in line else []
        if "kube-run" in words:
            return [words[i + 1] for i, word in enumerate(words[:-1]) if word == "--step"]
    return []


def accelerator_names(resources: object) -> list[str]:
    """The accelerator names of a task's ``resources`` (its ``any_of`` / ``ordered`` candidates too)."""
    if not isinstance(resources, dict):
        return []
    names: list[str] = []
    for entry in [resources, *resources.get("any_of", []), *resources.get("ordered", [])]:
        value = entry.get("accelerators") if isinstance(entry, dict) else None
        if isinstance(value, dict):
            names += [str(name) for name in value]
        elif isinstance(value, str):
            match = ACCELERATOR_TEXT.match(value.strip())
            names.append(match.group("name") if match else value)
    return names


def chain_problems(documents: list[object]) -> list[str]:
    """What is wrong with a chain's `documents` (the header, then the tasks), one sentence each."""
    if len(documents) < 2 or not isinstance(documents[0], dict) or set(documents[0]) != {"name"}:
        return ["a chain is a first document holding only the chain's `name`, then one document per task"]
    problems: list[str] = []
    plans: set[str] = set()
    runs_in: dict[str, int] = {}
    for index, task in enumerate(documents[1:]):
        if not isinstance(task, dict):
            problems.append(f"task {index} is not a mapping")
            continue
        label = f"task {index} (`{task.get('name')}`)"
        for name in accelerator_names(task.get("resources")):
            if skypilot_accelerator(name) != name:
                problems.append(f"{label}: SkyPilot knows no accelerator `{name}`")
        plans.add(str((task.get("envs") or {}).get(PLAN_ENV)))
        steps = task_steps(task.get("run"))
        if not steps:
            problems.append(f"{label}: its `run` runs no step (`kube-run --step ID`)")
        for sid in steps:
            if sid in runs_in:
                problems.append(f"{label}: step `{sid}` also runs in task {runs_in[sid]}")
            runs_in[sid] = index
    if len(plans) != 1:
        return [*problems, "the tasks run different plans (`envs.PIPEC_PLAN`)"]
    try:
        pipeline = pipeline_from_json(json.loads(plans.pop()))
    except (ValueError, TypeError) as exc:
        return [*problems, f"the plan (`envs.{PLAN_ENV}`) cannot be read: {exc}"]
    for step in pipeline.steps:
        if step.id not in runs_in:
            problems.append(f"step `{step.id}` runs in no task")
            continue
        for dep in step.upstream:
            if runs_in.get(dep, -1) > runs_in[step.id]:
                problems.append(f"task {runs_in[step.id]} runs step `{step.id}` before task {runs_in[dep]} runs its "
                                f"upstream step `{dep}`: the tasks are out of order")
    return problems
