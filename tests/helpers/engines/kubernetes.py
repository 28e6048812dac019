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


# --------------------------------------------------------------------------- Jobs as local processes


#: The kubelet keeps at most this much of a termination message (Kubernetes' limit per container).
MESSAGE_LIMIT = 4096  # written from Kubernetes' documentation, not imported from the launcher


class LocalJobs:
    """A model of the Job controller and the kubelet for `pipec.runtime.kubernetes_launcher`, with
    the client's own model classes as answers: each created Job runs its container's command as a
    local process (image ignored: the host's Python; volumes: the host's folders), the env built
    and ``$(VAR)`` expanded as the kubelet does, the termination message file mapped to a host
    file (kept to `MESSAGE_LIMIT` bytes). Pass it as the launcher's ``batch`` and ``core`` API."""

    def __init__(self, scratch: Path) -> None:
        self.scratch = scratch
        #: name -> (process, log path, message path, the Job body as created)
        self.jobs: dict[str, tuple] = {}
        self.deleted: list[str] = []

    # BatchV1Api
    def create_namespaced_job(self, namespace: str, body: dict):
        import os
        import subprocess

        from kubernetes.client import V1Job, V1ObjectMeta

        name = f"{body['metadata']['generateName']}{len(self.jobs):05d}"
        template = body["spec"]["template"]
        container = template["spec"]["containers"][0]
        env = k8s_container_env(container, template["metadata"].get("annotations", {}))
        message = self.scratch / f"{name}.message"
        message.write_text("", encoding="utf-8")
        argv = [str(message) if item == container["terminationMessagePath"] else k8s_expand(item, env)
                for item in container["command"] + container["args"]]
        log = self.scratch / f"{name}.log"
        with open(log, "wb") as out:
            process = subprocess.Popen(argv, env={**os.environ, **env}, stdout=out, stderr=subprocess.STDOUT,
                                       stdin=subprocess.DEVNULL)
        self.jobs[name] = (process, log, message, body)
        return V1Job(metadata=V1ObjectMeta(name=name, namespace=namespace))

    def read_namespaced_job_status(self, name: str, namespace: str):
        from kubernetes.client import V1Job, V1JobCondition, V1JobStatus

        code = self.jobs[name][0].poll()
        if code is None:
            return V1Job(status=V1JobStatus(active=1))
        kind = "Complete" if code == 0 else "Failed"
        return V1Job(status=V1JobStatus(conditions=[V1JobCondition(type=kind, status="True")]))

    def delete_namespaced_job(self, name: str, namespace: str, body=None):
        self.jobs[name][0].kill()
        self.deleted.append(name)

    # CoreV1Api
    def list_namespaced_pod(self, namespace: str, label_selector: str):
        from kubernetes.client import (
            V1ContainerState,
            V1ContainerStateTerminated,
            V1ContainerStatus,
            V1ObjectMeta,
            V1Pod,
            V1PodList,
            V1PodStatus,
        )

        name = label_selector.split("=", 1)[1]
        process, _, message, _ = self.jobs[name]
        text = message.read_bytes()[:MESSAGE_LIMIT].decode("utf-8", "replace")
        state = V1ContainerState(terminated=V1ContainerStateTerminated(exit_code=process.returncode,
                                                                       message=text or None))
        status = V1ContainerStatus(name="step", image="", image_id="", ready=False, restart_count=0, state=state)
        return V1PodList(items=[V1Pod(metadata=V1ObjectMeta(name=f"{name}-pod"),
                                      status=V1PodStatus(container_statuses=[status]))])

    def read_namespaced_pod_log(self, name: str, namespace: str) -> str:
        return self.jobs[name.removesuffix("-pod")][1].read_text(encoding="utf-8")
