"""The documents of ``kubernetes/<pipeline>.yaml``: RBAC for the orchestrator, the volume
claim of a folder artifact store, the ConfigMap with the run plan, and the orchestrator's Job
(or, for a scheduled pipeline, a CronJob around the same Job template)."""

from __future__ import annotations

from dataclasses import dataclass

from pipec.ir import Pipeline
from pipec.ir.codec import pipeline_text
from pipec.targets.kube import volume_claim_spec

from .settings import PodSettings
from .step_job import MANAGED_BY, PIPELINE_LABEL, VOLUME, JobChoices, add_pod_fields

#: Where the ConfigMap is mounted in the orchestrator pod, and its two keys.
PLAN_DIR, PLAN_KEY, JOBS_KEY = "/etc/pipec", "plan.json", "jobs.yaml"
#: The orchestrator's Job (with the run id label the Job controller sets on its pods).
JOB_UID_LABEL = "batch.kubernetes.io/controller-uid"
#: What the orchestrator may do in its namespace: run step Jobs and read their pods and logs.
RULES = [
    {"apiGroups": ["batch"], "resources": ["jobs"], "verbs": ["create", "get", "list", "watch", "delete"]},
    {"apiGroups": [""], "resources": ["pods"], "verbs": ["get", "list", "watch"]},
    {"apiGroups": [""], "resources": ["pods/log"], "verbs": ["get"]},
]


class Block(str):
    """A string the YAML writer shows as a literal block (``|``): the plan and the step Jobs."""

    __slots__ = ()


@dataclass(frozen=True)
class Orchestrator:
    """The orchestrator pod's choices."""

    #: Its image (the pipeline's image: it imports nothing of the user's code but reads its sources).
    image: str
    #: Its argv (``python -m pipec.runtime kube-run ...``), Kubernetes-escaped.
    argv: list[str]
    #: Its service account (the one created here unless a setting names another).
    service_account: str
    #: Pod settings from ``orchestrator_pod_settings``.
    pod: PodSettings
    #: Job-level fields (ttlSecondsAfterFinished, activeDeadlineSeconds), by Kubernetes name.
    job_fields: dict[str, int]


def metadata(name: str, choices: JobChoices) -> dict:
    """Object metadata: name, namespace, pipec's labels."""
    return {"name": name, "namespace": choices.namespace,
            "labels": {**MANAGED_BY, PIPELINE_LABEL: choices.pipeline_label}}


def rbac(account: str, choices: JobChoices, create_account: bool) -> list[dict]:
    """ServiceAccount (unless a setting names an existing one), Role and RoleBinding."""
    docs = []
    if create_account:
        docs.append({"apiVersion": "v1", "kind": "ServiceAccount", "metadata": metadata(account, choices)})
    docs.append({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role",
                 "metadata": metadata(account, choices), "rules": RULES})
    docs.append({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
                 "metadata": metadata(account, choices),
                 "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": account},
                 "subjects": [{"kind": "ServiceAccount", "name": account, "namespace": choices.namespace}]})
    return docs


def claim(choices: JobChoices) -> dict:
    """The PersistentVolumeClaim the orchestrator and the steps mount at a folder artifact store."""
    return {"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": metadata(choices.claim, choices),
            "spec": volume_claim_spec(choices.volume)}


def config_map(name: str, pipeline: Pipeline, jobs_text: str, choices: JobChoices) -> dict:
    """The run plan: the pipeline's IR (what the scheduler runs) and each step's Job."""
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": metadata(name, choices),
            "data": {PLAN_KEY: Block(pipeline_text(pipeline)), JOBS_KEY: Block(jobs_text)}}


def job_template(plan: str, orchestrator: Orchestrator, choices: JobChoices) -> dict:
    """The orchestrator Job's spec (also a CronJob's ``jobTemplate.spec``)."""
    pod = orchestrator.pod
    env = [{"name": "PIPEC_NAMESPACE", "valueFrom": {"fieldRef": {"fieldPath": "metadata.namespace"}}},
           {"name": "PIPEC_RUN_ID", "valueFrom": {"fieldRef": {
               "fieldPath": f"metadata.labels['{JOB_UID_LABEL}']"}}},
           *({"name": var, "value": text.replace("$", "$$")} for var, text in choices.params.values()
             if text is not None), *pod.env]
    mounts = [{"name": "plan", "mountPath": PLAN_DIR, "readOnly": True}]
    volumes = [{"name": "plan", "configMap": {"name": plan}}]
    if choices.claim and choices.volume:
        mounts.append({"name": VOLUME, "mountPath": choices.volume.path})
        volumes.append({"name": VOLUME, "persistentVolumeClaim": {"claimName": choices.claim}})
    container: dict = {"name": "orchestrator", "image": orchestrator.image, "command": orchestrator.argv[:1],
                       "args": orchestrator.argv[1:], "env": env}
    if pod.resources:
        container["resources"] = pod.resources
    container["volumeMounts"] = mounts + pod.volume_mounts
    spec: dict = {"serviceAccountName": orchestrator.service_account, "restartPolicy": "Never"}
    add_pod_fields(spec, pod, dict(pod.node_selectors))
    spec["containers"] = [container]
    spec["volumes"] = volumes + pod.volumes
    labels = {**pod.labels, **MANAGED_BY, PIPELINE_LABEL: choices.pipeline_label}
    template: dict = {"metadata": {"labels": labels}, "spec": spec}
    if pod.annotations:
        template["metadata"]["annotations"] = dict(pod.annotations)
    # The orchestrator is not retried: a second one would start the steps again under a new run id.
    return {"backoffLimit": 0, **orchestrator.job_fields, "template": template}
