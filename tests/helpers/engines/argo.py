"""Argo Workflows: what a Workflow's task hands its container.

Argo fills in its own ``{{...}}`` tags (workflow parameters into the task's arguments, then the
run id and the task's inputs into the container template); later passes must find nothing
they would change; then Kubernetes expands ``$(NAME)`` (`tests.helpers.engines.kubelet`).
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from tests.helpers.engines.kubelet import k8s_container_env, k8s_expand

#: What Argo substitutes for ``{{workflow.uid}}`` in the model: the run id the shim gets.
UID = "0d9e8f7a-0000-4000-8000-workflow"
#: Roots of every variable Argo fills in (read from util/variables/keys and the validator's
#: list in workflow/common); a tag whose trimmed text starts with one may be substituted.
ARGO_ROOTS = {"workflow", "cronworkflow", "inputs", "outputs", "steps", "tasks", "item", "pod", "node",
              "retries", "lastRetry", "status", "duration", "exitCode", "resourcesDuration"}


def documents(text: str) -> list[dict]:
    """The documents of one artifact: a Workflow, then a CronWorkflow when scheduled."""
    docs = list(yaml.safe_load_all(text))
    assert [d["kind"] for d in docs] in (["Workflow"], ["Workflow", "CronWorkflow"])
    return docs


def argo_pass(text: str, values: dict[str, str], *, hostile: bool) -> str:
    """One pass of Argo's templating over one string of a template (fasttemplate, ``{{``..``}}``).

    A tag whose trimmed text is in `values` is replaced; with `hostile`, a tag Argo might
    know (root in ARGO_ROOTS), an expression tag, a nested or unclosed tag fail the
    assertion; any other tag is written back as it was. Tags are found per string, which
    matches Argo's scan over the template's JSON as long as no string leaves a ``{{`` open
    (an open one fails here)."""
    out: list[str] = []
    start = 0
    while (opening := text.find("{{", start)) != -1:
        closing = text.find("}}", opening + 2)
        assert closing != -1, f"Argo fails on the unclosed tag in {text!r}"
        tag = text[opening + 2:closing]
        key = tag.strip()
        out.append(text[start:opening])
        if key in values:
            out.append(values[key])
        else:
            if hostile:
                assert not tag.startswith("="), f"Argo would evaluate {tag!r} in {text!r}"
                assert "{{" not in tag, f"Argo would resolve the nested tag {tag!r} in {text!r}"
                assert re.split(r"[.\[]", key, maxsplit=1)[0].strip() not in ARGO_ROOTS and not key.startswith("="), \
                    f"Argo might substitute {tag!r} in {text!r}"
            out.append("{{" + tag + "}}")
        start = closing + 2
    out.append(text[start:])
    return "".join(out)


def engine_view(workflow: dict, task_name: str, overrides: dict[str, str] | None = None
                ) -> tuple[list[str], dict[str, str]]:
    """The argv and environment the step's process gets: Argo fills in our placeholders
    (workflow parameters into the task's arguments, then the run id and the inputs into the
    container), two more hostile passes must change nothing, then Kubernetes expands."""
    spec = workflow["spec"]
    arguments = {p["name"]: p["value"] for p in spec.get("arguments", {}).get("parameters", [])}
    arguments.update(overrides or {})
    globals_ = {f"workflow.parameters.{k}": v for k, v in arguments.items()} | {"workflow.uid": UID}
    templates = {t["name"]: t for t in spec["templates"]}
    task = next(t for t in templates[spec["entrypoint"]]["dag"]["tasks"] if t["name"] == task_name)
    inputs = {f"inputs.parameters.{p['name']}": argo_pass(p["value"], globals_, hostile=True)
              for p in task.get("arguments", {}).get("parameters", [])}
    for value in inputs.values():  # the inputs are part of the template: later passes scan them
        assert argo_pass(value, {}, hostile=True) == value

    def fill(text: str) -> str:
        once = argo_pass(text, globals_ | inputs, hostile=False)
        for _ in range(2):
            assert argo_pass(once, {}, hostile=True) == once
        return once

    container = templates[task["template"]]["container"]
    filled = dict(container, command=[fill(t) for t in container["command"]], args=[fill(t) for t in container["args"]],
                  env=[dict(e, name=fill(e["name"]), value=fill(e["value"])) for e in container.get("env", [])])
    env = k8s_container_env(filled, {})
    return [k8s_expand(t, env) for t in [*filled["command"], *filled["args"]]], env


#: One compile per proof: the target's defaults.
COMPILE_OPTIONS: tuple[dict[str, str], ...] = ({},)


def step_argvs(text: str, pipeline, tmp_path: Path) -> list[list[str]]:
    """The argv of every task's container, in task order, for the Workflow in `text`."""
    workflow = documents(text)[0]
    return [engine_view(workflow, task["name"])[0] for task in workflow["spec"]["templates"][0]["dag"]["tasks"]]
