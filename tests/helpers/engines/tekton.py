"""Tekton Pipelines: what a PipelineRun's task hands its step's container.

Tekton substitutes our own ``$(params.x)`` and ``$(context.pipelineRun.uid)`` once (Go's
strings.Replacer: leftmost match, no rescan); later passes must find nothing to substitute;
then Kubernetes expands ``$(NAME)`` (`tests.helpers.engines.kubelet`).
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from tests.helpers.engines.kubelet import k8s_container_env, k8s_expand

#: A ``$(...)`` reference as Tekton's substitution finds it; group 1 is the text inside.
TEKTON_REF = re.compile(r"\$\(([^)]*)\)")
#: What Tekton substitutes for ``$(context.pipelineRun.uid)`` in the model: the run id the shim gets.
UID = "6f1c5a2e-0000-4000-8000-pipelinerun"


def documents(text: str) -> tuple[dict, dict]:
    """The Pipeline and the PipelineRun of one artifact."""
    docs = list(yaml.safe_load_all(text))
    assert [d["kind"] for d in docs] == ["Pipeline", "PipelineRun"]
    return docs[0], docs[1]


def _replace_once(text: str, values: dict[str, str]) -> str:
    """One pass of Tekton's substitution (Go's strings.Replacer: leftmost match, no rescan)."""
    return TEKTON_REF.sub(lambda m: values.get(m.group(1), m.group(0)), text)


def engine_view(pipeline_doc: dict, run_doc: dict, task: dict) -> tuple[list[str], dict[str, str]]:
    """The argv and environment the step's process gets: Tekton's substitution of our own
    placeholders, a check that no later pass has anything left to substitute, then Kubernetes."""
    values = {p["name"]: p["default"] for p in pipeline_doc["spec"].get("params", []) if "default" in p}
    values.update({p["name"]: p["value"] for p in run_doc["spec"].get("params", [])})
    pipeline_level = {f"params.{k}": v for k, v in values.items()} | {"context.pipelineRun.uid": UID}
    task_values = {p["name"]: _replace_once(p["value"], pipeline_level) for p in task["params"]}
    task_level = {f"params.{k}": v for k, v in task_values.items()}
    step = task["taskSpec"]["steps"][0]
    substituted = dict(step, command=[_replace_once(t, task_level) for t in step["command"]],
                       args=[_replace_once(t, task_level) for t in step["args"]],
                       env=[dict(e, value=_replace_once(e["value"], task_level)) if "value" in e else e
                            for e in step.get("env", [])])
    for text in [*substituted["command"], *substituted["args"], *(e.get("value", "") for e in substituted["env"])]:
        # Later passes (contexts, results, workspaces, credentials, step paths) substitute
        # `$(` + a lowercase root; Kubernetes' own references are upper case.
        assert not re.search(r"\$\([a-z]", text), f"a later Tekton pass could change {text!r}"
    annotations = task["taskSpec"].get("metadata", {}).get("annotations", {})
    env = k8s_container_env(substituted, annotations)
    argv = [k8s_expand(t, env) for t in [*substituted["command"], *substituted["args"]]]
    return argv, env


#: One compile per proof: the target's defaults.
COMPILE_OPTIONS: tuple[dict[str, str], ...] = ({},)


def step_argvs(text: str, pipeline, tmp_path: Path) -> list[list[str]]:
    """The argv of every task's step container, in task order, for the Pipeline and PipelineRun in `text`."""
    pipeline_doc, run_doc = documents(text)
    return [engine_view(pipeline_doc, run_doc, task)[0] for task in pipeline_doc["spec"]["tasks"]]
