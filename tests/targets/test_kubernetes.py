"""The kubernetes target, proven with Kubernetes' own OpenAPI schemas and the official client.

- Every golden manifest and every step Job body in its plan (as the launcher creates it)
  passes ``kubernetes-validate --strict`` for each version in `VERSIONS`.
- The step Job bodies survive the official client's models: deserialized into ``V1Job`` and
  serialized back (what ``create_namespaced_job`` sends), they are unchanged.
- Hostile text reaches the shim unchanged through the launcher's fill-in and the kubelet's
  ``$(VAR)`` expansion (`tests.helpers.engines.kubernetes`).
- The scheduler takes a launcher factory (the hook the Kubernetes launcher uses), proven with
  a local-process launcher; the launcher's reading of Job and pod status uses the client's models.
"""

from __future__ import annotations

import json
from pathlib import Path

import kubernetes_validate
import pytest
import yaml

from pipec.runtime.kubernetes_launcher import job_for_run, job_outcome, termination_message
from pipec.targets.kubernetes import TARGET
from tests.helpers.engines.kubernetes import UID, documents, engine_view, orchestrator_argv, step_jobs
from tests.helpers.kube_proofs import (
    compile_source,
    example_source,
    expected_view,
    hostile_project,
    plain_scalars,
    retyped_by_some_reader,
    shim_view,
)

REPO = Path(__file__).resolve().parents[2]
#: The Kubernetes versions the manifests are validated for (kubernetes-validate 1.37.0 ships 1.25-1.37).
VERSIONS = ("1.30.0", "1.37.0")
GOLDENS = sorted(REPO.glob("golden/*/kubernetes/*.yaml"))


def _all_objects(text: str) -> list[dict]:
    """The manifest's documents plus every step Job as the launcher creates it."""
    return documents(text) + [job_for_run(job, UID) for job in step_jobs(text).values()]


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("golden", GOLDENS, ids=lambda p: p.parent.parent.name)
def test_every_manifest_and_step_job_validates_strictly(golden: Path, version: str) -> None:
    assert GOLDENS, "no kubernetes goldens"
    for obj in _all_objects(golden.read_text(encoding="utf-8")):
        kubernetes_validate.validate(obj, version, strict=True)


def test_validator_rejects_an_unknown_field() -> None:
    text = GOLDENS[0].read_text(encoding="utf-8")
    job = job_for_run(next(iter(step_jobs(text).values())), UID)
    job["spec"]["template"]["spec"]["containers"][0]["bogus"] = 1
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(job, VERSIONS[-1], strict=True)


class _Response:
    """What `ApiClient.deserialize` reads: the body of an HTTP response."""

    def __init__(self, data: object) -> None:
        self.data = json.dumps(data)


@pytest.mark.parametrize("golden", GOLDENS, ids=lambda p: p.parent.parent.name)
def test_step_jobs_round_trip_through_the_client_models(golden: Path) -> None:
    from kubernetes.client import ApiClient

    api = ApiClient()
    for job in step_jobs(golden.read_text(encoding="utf-8")).values():
        body = job_for_run(job, UID)
        model = api.deserialize(_Response(body), "V1Job")
        assert type(model).__name__ == "V1Job"
        assert api.sanitize_for_serialization(model) == body


def _round_trip(source: Path, config: Path | None = None, options: dict | None = None):
    outputs, diags = compile_source(source, "kubernetes", config=config, options=options)
    merged = {spec.name: spec.default for spec in TARGET.options if spec.default is not None} | (options or {})
    for pipeline, files in outputs:
        (text,) = files.values()
        assert [v for v in plain_scalars(text) if retyped_by_some_reader(v)] == []
        for obj in _all_objects(text):
            kubernetes_validate.validate(obj, VERSIONS[-1], strict=True)
        jobs = step_jobs(text)
        for step in pipeline.steps:
            argv, env = engine_view(jobs[step.id])
            view = shim_view(argv)
            assert view.pop("result_file") == "/dev/termination-log"
            expected = expected_view(pipeline, step, {k: v for k, v in merged.items() if k != "metadata_store"}, UID)
            expected.pop("result_file")
            assert view == expected
            user_env = dict(step.settings.docker.environment) if step.settings.docker else {}
            assert {k: v for k, v in env.items() if k in user_env} == user_env
        assert orchestrator_argv(text)[:4] == [merged["python"], "-m", "pipec.runtime", "kube-run"]
    return diags.sorted()


def test_hostile_strings_example_round_trips() -> None:
    _round_trip(*example_source("hostile_strings"))


def test_kubernetes_references_in_user_values_round_trip(tmp_path: Path) -> None:
    """$(VAR), $$, Tekton and Argo syntax in literals, env values, parameters, step id and
    pipeline name arrive unchanged (Kubernetes' `$` escape is applied, never evaluated)."""
    source = hostile_project(tmp_path, "k8s $(HOME) $$x {{workflow.name}}")
    diags = _round_trip(source, options={"artifact_store": "s3://b/$(HOME)/$$", "metadata_store": "sqlite:///$(X)"})
    assert [d.code for d in diags] == ["PC304"]  # the retry delay Kubernetes' pod backoff replaces


SETTINGS_SOURCE = '''
from pipec import Resources, Retry, pipeline, step

POD = {"node_selectors": {"pool": "gpu"}, "tolerations": [{"key": "gpu", "operator": "Exists", "effect": "NoSchedule"}],
       "affinity": {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [
           {"matchExpressions": [{"key": "zone", "operator": "In", "values": ["a"]}]}]}}},
       "labels": {"team": "ml"}, "annotations": {"note": "$(HOME)"}, "image_pull_secrets": ["regcred"],
       "resources": {"limits": {"cpu": "4"}}, "host_ipc": False}


@step(resources=Resources(cpu=2, memory="4GiB", gpu=1, gpu_type="nvidia-tesla-t4"), retry=Retry(max_retries=3),
      settings={"orchestrator.kubernetes": {"pod_settings": POD, "ttl_seconds_after_finished": 600,
                                            "active_deadline_seconds": 3600, "step_pod_service_account_name": "runner",
                                            "synchronous": True}})
def train() -> int:
    return 1


@pipeline(settings={"orchestrator.kubernetes": {"max_parallelism": 2, "orchestrator_pod_settings": {
    "node_selectors": {"pool": "cpu"}}}})
def p():
    train()
'''


def test_settings_resources_and_retries_reach_the_step_job(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'k'\n", encoding="utf-8")
    (tmp_path / "run.py").write_text(SETTINGS_SOURCE, encoding="utf-8")
    [(pipeline, files)], diags = compile_source(tmp_path / "run.py", "kubernetes")
    (text,) = files.values()
    for obj in _all_objects(text):
        kubernetes_validate.validate(obj, VERSIONS[-1], strict=True)
    job = step_jobs(text)["train"]
    spec = job["spec"]
    pod = spec["template"]["spec"]
    assert (spec["backoffLimit"], spec["ttlSecondsAfterFinished"], spec["activeDeadlineSeconds"]) == (3, 600, 3600)
    assert pod["nodeSelector"] == {"pool": "gpu", "nvidia.com/gpu.product": "nvidia-tesla-t4"}
    assert pod["tolerations"][0]["key"] == "gpu" and "nodeAffinity" in pod["affinity"]
    assert pod["imagePullSecrets"] == [{"name": "regcred"}] and pod["serviceAccountName"] == "runner"
    assert spec["template"]["metadata"]["labels"]["team"] == "ml"
    assert spec["template"]["metadata"]["annotations"]["note"] == "$(HOME)"  # annotations are not expanded
    assert pod["containers"][0]["resources"] == {"requests": {"cpu": "2", "memory": "4Gi", "nvidia.com/gpu": "1"},
                                                 "limits": {"memory": "4Gi", "nvidia.com/gpu": "1", "cpu": "4"}}
    assert "hostIPC" not in pod
    orchestrator = documents(text)[-1]["spec"]["template"]["spec"]
    assert orchestrator["nodeSelector"] == {"pool": "cpu"}
    assert orchestrator_argv(text)[-2:] == ["--max-parallel", "2"]
    assert [(d.code, d.message.split(";")[0]) for d in diags.sorted()] == [
        ("PC308", "kubernetes setting `synchronous` is not read by the kubernetes target")]


def test_schedule_becomes_a_cron_job_with_its_options() -> None:
    source, config = example_source("pipec_project")
    options = {"concurrency_policy": "Replace", "starting_deadline_seconds": "120",
               "successful_jobs_history_limit": "2", "failed_jobs_history_limit": "0"}
    [(_, files)], _ = compile_source(source, "kubernetes", config=config, options=options)
    (text,) = files.values()
    cron = documents(text)[-1]
    assert cron["kind"] == "CronJob" and not any(d["kind"] == "Job" for d in documents(text))
    assert {k: v for k, v in cron["spec"].items() if k != "jobTemplate"} == {
        "schedule": "0 6 * * 1", "concurrencyPolicy": "Replace", "startingDeadlineSeconds": 120,
        "successfulJobsHistoryLimit": 2, "failedJobsHistoryLimit": 0}
    for version in VERSIONS:
        kubernetes_validate.validate(cron, version, strict=True)


def test_rbac_allows_only_what_the_orchestrator_does() -> None:
    docs = documents(GOLDENS[0].read_text(encoding="utf-8"))
    (role,) = [d for d in docs if d["kind"] == "Role"]
    assert {(r["resources"][0], tuple(r["verbs"])) for r in role["rules"]} == {
        ("jobs", ("create", "get", "list", "watch", "delete")), ("pods", ("get", "list", "watch")),
        ("pods/log", ("get",))}
    (binding,) = [d for d in docs if d["kind"] == "RoleBinding"]
    job = docs[-1]
    assert binding["subjects"][0]["name"] == job["spec"]["template"]["spec"]["serviceAccountName"]


def test_launcher_reads_job_and_pod_status_from_the_client_models() -> None:
    from kubernetes.client import (
        V1ContainerState,
        V1ContainerStateTerminated,
        V1ContainerStatus,
        V1Job,
        V1JobCondition,
        V1JobStatus,
        V1Pod,
        V1PodStatus,
    )

    def job(*conditions: tuple[str, str]) -> V1Job:
        return V1Job(status=V1JobStatus(conditions=[V1JobCondition(type=t, status=s) for t, s in conditions]))

    assert job_outcome(V1Job(status=V1JobStatus(active=1))) is None
    assert job_outcome(job(("SuccessCriteriaMet", "True"), ("Complete", "True"))) == 0
    assert job_outcome(job(("FailureTarget", "True"))) == 1
    assert job_outcome(job(("Failed", "False"))) is None
    terminated = V1ContainerState(terminated=V1ContainerStateTerminated(exit_code=0, message='{"status": "completed"}'))
    pod = V1Pod(status=V1PodStatus(container_statuses=[V1ContainerStatus(
        name="step", image="i", image_id="", ready=False, restart_count=0, state=terminated)]))
    assert termination_message(pod) == '{"status": "completed"}'
    assert termination_message(V1Pod(status=V1PodStatus())) is None


def test_scheduler_runs_through_a_launcher_factory(tmp_path: Path) -> None:
    """The hook `kube-run` plugs its launcher into: the scheduler asks the factory for a
    launcher, keyed by step; here a local-process one, which runs the diamond to the end."""
    from pipec.runtime import run_pipeline
    from pipec.runtime.kube_run import without_retries
    from pipec.runtime.launcher import SpawnLauncher
    from tests.helpers.runtime_projects import DIAMOND, load_pipeline, make_project

    root = make_project(tmp_path, DIAMOND)
    seen: dict = {}

    def factory(keys, on_exit):
        seen.update(keys)
        return SpawnLauncher(dict(__import__("os").environ), on_exit)

    pipeline = without_retries(load_pipeline(root))
    result = run_pipeline(pipeline, root, launcher=factory, max_parallel=2, orchestrator="kubernetes")
    assert result.exit_code == 0, result.summary()
    assert sorted(seen.values()) == sorted(s.id for s in pipeline.steps)
    assert all(s.settings.retry is None for s in pipeline.steps)


def test_plan_loads_back_as_the_pipeline() -> None:
    """The ConfigMap's plan.json is the IR the scheduler runs: it loads back to the compiled pipeline."""
    from pipec.ir.codec import pipeline_from_json

    source, config = example_source("diamond")
    [(pipeline, files)], _ = compile_source(source, "kubernetes", config=config)
    data = next(d for d in documents(next(iter(files.values()))) if d["kind"] == "ConfigMap")["data"]
    assert pipeline_from_json(json.loads(data["plan.json"])) == pipeline
    assert list(yaml.safe_load_all(data["jobs.yaml"]))[0]["kind"] == "Job"


def test_overridden_parameter_reaches_the_scheduler_and_the_step(tmp_path: Path) -> None:
    """A value set in the orchestrator's env (as editing the Job does) is what the scheduler
    records and what the step's shim gets, `$(...)` and all."""
    from pipec.ir.codec import pipeline_from_json
    from pipec.runtime.kube_run import with_parameters

    source = hostile_project(tmp_path, "p")
    [(_, files)], _ = compile_source(source, "kubernetes")
    (text,) = files.values()
    env = {e["name"]: e["value"] for e in documents(text)[-1]["spec"]["template"]["spec"]["containers"][0]["env"]
           if "value" in e}
    assert set(env) == {"PIPEC_PARAM_safe", "PIPEC_PARAM_note", "PIPEC_PARAM_number", "PIPEC_PARAM_flag"}
    data = next(d for d in documents(text) if d["kind"] == "ConfigMap")["data"]
    plan = pipeline_from_json(json.loads(data["plan.json"]))
    run, params = with_parameters(plan, {"PIPEC_PARAM_number": "2.5", "PIPEC_PARAM_safe": "$(HOME) $$ {{x}}"})
    assert {p.name: p.value for p in run.parameters}["number"] == 2.5
    assert params == {"PIPEC_PARAM_number": "2.5", "PIPEC_PARAM_safe": "$(HOME) $$ {{x}}"}
    job = step_jobs(text)["first.$(step)"]
    argv, _ = engine_view(job_for_run(job, UID, params))  # the launcher's fill-in, then the kubelet
    view = shim_view(argv)
    assert view["params"]["number"] == 2.5 and view["params"]["safe"] == "$(HOME) $$ {{x}}"
    assert view["params"]["flag"] is True  # not overridden: the compiled value


def test_parameter_without_value_is_left_to_the_orchestrator_env(tmp_path: Path, capsys) -> None:
    """PC331 at compile time; `kube-run` without the env var stops with exit 2 and says which."""
    from pipec.runtime.kube_run import main

    source = REPO / "tests/data/broken/k8s_engine_templating.py"
    outputs, diags = compile_source(source, "kubernetes")
    assert any(d.code == "PC331" and "PIPEC_PARAM_name" in d.message for d in diags)
    text = next(files for pipeline, files in outputs if pipeline.name == "needs_value")["needs_value.yaml"]
    for obj in _all_objects(text):
        kubernetes_validate.validate(obj, VERSIONS[-1], strict=True)
    data = next(d for d in documents(text) if d["kind"] == "ConfigMap")["data"]
    (tmp_path / "plan.json").write_text(data["plan.json"], encoding="utf-8")
    (tmp_path / "jobs.yaml").write_text(data["jobs.yaml"], encoding="utf-8")
    code = main(["--plan", str(tmp_path / "plan.json"), "--jobs", str(tmp_path / "jobs.yaml"),
                 "--namespace", "default", "--run-id", UID])
    assert code == 2
    assert "`name` (set the env var PIPEC_PARAM_name)" in capsys.readouterr().err


def test_settings_of_the_wrong_form_are_errors_and_unread_ones_warnings() -> None:
    from pipec.ir import NO_SPAN, Settings
    from pipec.ir.diagnostics import Diagnostics
    from pipec.targets.kubernetes.settings import read_settings

    diags = Diagnostics()
    settings = Settings(extra=(("orchestrator.kubernetes", {
        "pod_settings": {"tolerations": "gpu", "host_ipc": False, "privileged_mode": True, "volumes": []},
        "max_parallelism": 0, "concurrency_policy": "Sometimes", "timeout": 60}),))
    read = read_settings(settings, diags, NO_SPAN, set())
    found = sorted((d.code, d.message) for d in diags)
    assert found == [
        ("PC308", "kubernetes setting `pod_settings.privileged_mode` is not read by the kubernetes target; it is "
                  "ignored"),
        ("PC308", "kubernetes setting `timeout` is not read by the kubernetes target; it is ignored"),
        ("PC310", "kubernetes setting `concurrency_policy` must be one of Allow, Forbid, Replace"),
        ("PC310", "kubernetes setting `max_parallelism` must be a whole number above zero"),
        ("PC310", "kubernetes setting `pod_settings.tolerations` has the wrong form")]
    assert read.pod.tolerations == [] and read.counts == {}
