"""The launcher of ``python -m pipec.runtime kube-run``: one batch/v1 Job per step attempt,
created through the official `kubernetes` client (``pip install 'pipec[kubernetes]'``) from the
Job bodies the compiler wrote into the run plan, and followed to the end.

It plugs into the local orchestrator's scheduler (`pipec.runtime.orchestrator.run_pipeline`)
in place of a process launcher: the scheduler decides what runs when (up to its
``max_parallel``), records every run in the metadata store and reads each step's result file;
this launcher sets the run id and the run's parameter values on the step's Job body
(:func:`job_for_run`, the only changes it makes), creates the Job, polls it until it succeeds or fails, then writes the result the shim
left in the pod's termination message to the scheduler's result file, appends the pod's log
to the step's log file, and reports the exit status (0 or 1).
"""

from __future__ import annotations

import copy
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any

#: The annotation the step's env var reads the run id from (see `pipec.targets.kubernetes.step_job`).
RUN_ID_ANNOTATION = "pipec.io/run-id"
#: The annotation that names the step a Job body runs.
STEP_ID_ANNOTATION = "pipec.io/step-id"
#: Bytes of a container's termination message the kubelet keeps (the shim's result must fit).
MESSAGE_LIMIT = 4096
#: The label the Job controller puts on the pods of a Job.
JOB_NAME_LABEL = "batch.kubernetes.io/job-name"


#: Prefix of the env vars that carry run-time pipeline parameters (orchestrator and steps).
PARAM_ENV_PREFIX = "PIPEC_PARAM_"


def parameter_env(names: Iterable[str]) -> dict[str, str]:
    """``{pipeline parameter: env var}`` for the run-time parameters `names`: the prefix plus the
    engine name of `pipec.targets.kube_text.parameter_names` (distinct for distinct names)."""
    from pipec.targets.kube_text import parameter_names

    return {name: PARAM_ENV_PREFIX + engine for name, engine in parameter_names(names).items()}


def job_for_run(body: Mapping[str, Any], run_id: str, params: Mapping[str, str] | None = None) -> dict:
    """A copy of the compiled Job `body` whose pods carry `run_id` (the step's ``PIPEC_RUN_ID``)
    and, for each env var of `params` the container has, that text instead of the compiled
    value (``$`` doubled: Kubernetes expands env values)."""
    job = copy.deepcopy(dict(body))
    template = job["spec"]["template"].setdefault("metadata", {})
    template.setdefault("annotations", {})[RUN_ID_ANNOTATION] = run_id
    for container in job["spec"]["template"]["spec"]["containers"]:
        for entry in container.get("env", []):
            if entry["name"] in (params or {}) and "value" in entry:
                entry["value"] = params[entry["name"]].replace("$", "$$")
    return job


def jobs_by_step(documents: list[dict]) -> dict[str, dict]:
    """``{step id: Job body}`` of the plan's ``jobs.yaml`` documents."""
    return {doc["metadata"]["annotations"][STEP_ID_ANNOTATION]: doc for doc in documents}


def job_outcome(job: Any) -> int | None:
    """0 when `job` (a V1Job) succeeded, 1 when it failed, None while it runs."""
    status = job.status
    for condition in (status.conditions or []) if status is not None else []:
        if condition.status == "True" and condition.type in ("Complete", "SuccessCriteriaMet"):
            return 0
        if condition.status == "True" and condition.type in ("Failed", "FailureTarget"):
            return 1
    return None


def termination_message(pod: Any) -> str | None:
    """The message the step container left at its termination message path (the shim's result)."""
    for status in (pod.status.container_statuses or []) if pod.status is not None else []:
        terminated = status.state.terminated if status.state is not None else None
        if terminated is not None and terminated.message:
            return terminated.message
    return None


class KubernetesLauncher:
    """Creates and follows one Job per launched step (see the module docstring)."""

    name = "kubernetes"

    def __init__(self, jobs: Mapping[str, Mapping[str, Any]], keys: Mapping[str, str], namespace: str, run_id: str,
                 on_exit: Callable[[str, int], None], *, params: Mapping[str, str] | None = None,
                 api_client: Any = None, poll: float = 2.0) -> None:
        from kubernetes import client, config  # the extra `pipec[kubernetes]`, needed only here

        if api_client is None:
            try:
                config.load_incluster_config()
            except config.ConfigException:
                config.load_kube_config()
            api_client = client.ApiClient()
        #: The compiled Job body of each step, by step id.
        self.jobs = jobs
        #: Step id by launcher key.
        self.keys = keys
        self.namespace, self.run_id, self.on_exit, self.poll = namespace, run_id, on_exit, poll
        #: Text of each run-time parameter's env var for this run.
        self.params = dict(params or {})
        self.batch = client.BatchV1Api(api_client)
        self.core = client.CoreV1Api(api_client)
        #: No local processes: the scheduler's process-group signals have nothing to reach.
        self.pids: dict[str, int] = {}
        #: Jobs created and not yet finished, by name.
        self.running: set[str] = set()
        self._lock = threading.Lock()

    def launch(self, key: str, argv: list[str], cwd: str, log_path: str) -> None:
        """Create the Job of the step `key` names; `on_exit(key, status)` follows when it ends.
        Of `argv` (the local command line) only the ``--result-file`` is used: the Job runs the
        compiled command."""
        result_file = argv[len(argv) - 1 - argv[::-1].index("--result-file") + 1]
        body = job_for_run(self.jobs[self.keys[key]], self.run_id, self.params)
        created = self.batch.create_namespaced_job(self.namespace, body)
        name = created.metadata.name
        with self._lock:
            self.running.add(name)
        threading.Thread(target=self._follow, args=(key, name, result_file, log_path), daemon=True).start()

    def _follow(self, key: str, name: str, result_file: str, log_path: str) -> None:
        status = 1
        try:
            while (outcome := job_outcome(self.batch.read_namespaced_job_status(name, self.namespace))) is None:
                time.sleep(self.poll)
            status = outcome
            self._collect(name, result_file, log_path)
        except Exception as exc:  # the API failed: the step is failed, the run goes on
            with open(log_path, "a", encoding="utf-8") as log:
                log.write(f"pipec: could not follow Job {name}: {exc}\n")
        finally:
            with self._lock:
                self.running.discard(name)
            self.on_exit(key, status)

    def _collect(self, name: str, result_file: str, log_path: str) -> None:
        pods = self.core.list_namespaced_pod(self.namespace, label_selector=f"{JOB_NAME_LABEL}={name}").items
        pods.sort(key=lambda pod: pod.metadata.creation_timestamp or 0)
        with open(log_path, "a", encoding="utf-8") as log:
            for pod in pods:
                log.write(self.core.read_namespaced_pod_log(pod.metadata.name, self.namespace))
        message = termination_message(pods[-1]) if pods else None
        if message is None:
            return
        if len(message.encode()) >= MESSAGE_LIMIT and not _is_json(message):
            with open(log_path, "a", encoding="utf-8") as log:
                log.write(f"pipec: the step's result is longer than Kubernetes keeps of a termination message "
                          f"({MESSAGE_LIMIT} bytes), so its outputs cannot be recorded\n")
            return
        with open(result_file, "w", encoding="utf-8") as out:
            out.write(message)

    def close(self) -> None:
        """Delete the Jobs still running (their pods with them): the run is over or cancelled."""
        from kubernetes import client

        with self._lock:
            left = sorted(self.running)
        for name in left:
            self.batch.delete_namespaced_job(name, self.namespace,
                                             body=client.V1DeleteOptions(propagation_policy="Background"))


def _is_json(text: str) -> bool:
    import json

    try:
        json.loads(text)
    except ValueError:
        return False
    return True
