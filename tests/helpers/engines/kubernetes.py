"""Kubernetes with pipec's own orchestrator pod: what a step Job's container gets.

The orchestrator's launcher takes the step's Job body from the plan ConfigMap and sets the
run id annotation (`pipec.runtime.kubernetes_launcher.job_for_run`, the launcher's own code);
then the kubelet builds the container's environment (the run id read back from the
annotation) and expands ``$(NAME)`` in command and args (`tests.helpers.engines.kubelet`).
"""

from __future__ import annotations

from pathlib import Path

import yaml

from pipec.runtime.kubernetes_launcher import job_for_run, jobs_by_step
from tests.helpers.engines.kubelet import k8s_container_env, k8s_expand

#: The run id the model's orchestrator uses (the orchestrator Job's uid in a cluster).
UID = "0d9e8f7a-0000-4000-8000-kubernetes"
#: One compile per proof: the target's defaults.
COMPILE_OPTIONS: tuple[dict[str, str], ...] = ({},)


def documents(text: str) -> list[dict]:
    """The objects of one artifact, in order (RBAC, volume claim, plan, Job or CronJob)."""
    docs = list(yaml.safe_load_all(text))
    kinds = [d["kind"] for d in docs]
    assert kinds[-1] in ("Job", "CronJob") and "ConfigMap" in kinds, kinds
    return docs


def plan(text: str) -> dict:
    """The ConfigMap's data: ``plan.json`` and ``jobs.yaml``."""
    return next(d for d in documents(text) if d["kind"] == "ConfigMap")["data"]


def step_jobs(text: str) -> dict[str, dict]:
    """``{step id: Job body}`` from the plan, as the orchestrator reads them."""
    return jobs_by_step(list(yaml.safe_load_all(plan(text)["jobs.yaml"])))


def orchestrator_container(text: str) -> dict:
    """The orchestrator pod's container (of the Job, or of the CronJob's job template)."""
    last = documents(text)[-1]
    spec = last["spec"]["jobTemplate"]["spec"] if last["kind"] == "CronJob" else last["spec"]
    return spec["template"]["spec"]["containers"][0]


def orchestrator_argv(text: str) -> list[str]:
    """The orchestrator's argv after the kubelet's expansion (namespace and run id from the downward API)."""
    container = orchestrator_container(text)
    env = {"PIPEC_NAMESPACE": "default", "PIPEC_RUN_ID": UID}
    return [k8s_expand(t, env) for t in container["command"] + container["args"]]


def orchestrator_stores(text: str) -> tuple[str | None, str | None]:
    """(--artifact-store, --metadata-store) the orchestrator gets: it records the run; steps do not."""
    from pipec.runtime.kube_run import parser

    args = parser().parse_args(orchestrator_argv(text)[4:])
    return args.artifact_store, args.metadata_store


def engine_view(job: dict, run_id: str = UID) -> tuple[list[str], dict[str, str]]:
    """(argv, env) of the container of a step Job the launcher created for `run_id`."""
    filled = job_for_run(job, run_id)
    template = filled["spec"]["template"]
    container = template["spec"]["containers"][0]
    env = k8s_container_env(container, template["metadata"].get("annotations", {}))
    return [k8s_expand(t, env) for t in container["command"] + container["args"]], env


def step_argvs(text: str, pipeline, tmp_path: Path) -> list[list[str]]:
    """The argv of every step's container, in step order."""
    jobs = step_jobs(text)
    return [engine_view(jobs[step.id])[0] for step in pipeline.steps]
