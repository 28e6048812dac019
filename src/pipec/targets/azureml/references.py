"""The reference check of an Azure ML pipeline job: what azure-ai-ml's loader lets through.

azure-ai-ml rejects a binding to an unknown job or pipeline input, but not one to an output
the job does not declare, a command's ``${{inputs.x}}`` of an input the job lacks, an
expression other than a job's inputs and outputs in a command, a job without an image, or
a cycle of jobs. :func:`check_references` finds those in a loaded job document.
"""

from __future__ import annotations

import re

_EXPRESSION = re.compile(r"\$\{\{(.*?)\}\}", re.S)
_PARENT_INPUT = re.compile(r"parent\.inputs\.([A-Za-z0-9_]+)")
_PARENT_OUTPUT = re.compile(r"parent\.jobs\.([A-Za-z0-9_]+)\.outputs\.([A-Za-z0-9_]+)")
_OWN = re.compile(r"(inputs|outputs)\.([A-Za-z0-9_]+)")


def check_references(document: dict) -> list[str]:
    """Every dangling or unexpected reference of pipeline job `document`, one message each."""
    problems: list[str] = []
    jobs: dict = document.get("jobs") or {}
    pipeline_inputs = set(document.get("inputs") or {})
    upstream: dict[str, set[str]] = {}
    for name, job in jobs.items():
        upstream[name] = set()
        inputs = job.get("inputs") or {}
        for key, value in inputs.items():
            for expr in _EXPRESSION.findall(str(value)):
                expr = expr.strip()
                if match := _PARENT_INPUT.fullmatch(expr):
                    if match.group(1) not in pipeline_inputs:
                        problems.append(f"jobs.{name}.inputs.{key}: no pipeline input `{match.group(1)}`")
                elif match := _PARENT_OUTPUT.fullmatch(expr):
                    producer, output = match.groups()
                    if producer not in jobs:
                        problems.append(f"jobs.{name}.inputs.{key}: no job `{producer}`")
                    elif output not in (jobs[producer].get("outputs") or {}):
                        problems.append(f"jobs.{name}.inputs.{key}: job `{producer}` has no output `{output}`")
                    else:
                        upstream[name].add(producer)
                else:
                    problems.append(f"jobs.{name}.inputs.{key}: unexpected expression `{expr}`")
        for expr in _EXPRESSION.findall(job.get("command", "")):
            match = _OWN.fullmatch(expr.strip())
            if match is None:
                problems.append(f"jobs.{name}.command: unexpected expression `{expr.strip()}`")
            elif match.group(2) not in (job.get(match.group(1)) or {}):
                problems.append(f"jobs.{name}.command: the job has no {match.group(1)[:-1]} `{match.group(2)}`")
        if not (job.get("environment") or {}).get("image"):
            problems.append(f"jobs.{name}.environment: no image")
    problems += [f"jobs: cycle through `{name}`" for name in _cycle(upstream)]
    return problems


def _cycle(upstream: dict[str, set[str]]) -> list[str]:
    """Jobs left over when jobs whose upstream all ran are removed until none is (a cycle)."""
    left = dict(upstream)
    while True:
        ready = [name for name, deps in left.items() if not deps & set(left)]
        if not ready:
            return sorted(left)
        for name in ready:
            del left[name]
