"""`python -m pipec.runtime kube-run`'s scheduler with the Kubernetes launcher, end to end on this
machine: the plan and step Jobs the kubernetes target compiles, the launcher's own code, and
`tests.helpers.engines.kubernetes.LocalJobs` (the Job controller and kubelet as local processes,
answering with the client's model classes; no API server can run here). The outputs, read back
through `Client`, equal those of `pipec run`'s local launcher.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd
import yaml

from pipec.ir.codec import pipeline_from_json
from pipec.runtime import Client, run_pipeline
from pipec.runtime.kube_run import with_parameters, without_retries
from pipec.runtime.kubernetes_launcher import KubernetesLauncher, jobs_by_step
from pipec.targets.base import CompileContext
from pipec.targets.kubernetes import TARGET
from tests.helpers.engines.kubernetes import LocalJobs, documents, plan
from tests.helpers.runtime_projects import DIAMOND, load_pipeline, make_project


def _compiled(root: Path, store: Path):
    options = {spec.name: spec.default for spec in TARGET.options if spec.default is not None}
    options.update(python=sys.executable, source_root=str(root), artifact_store=str(store))
    (text,) = TARGET.compile(load_pipeline(root, params={"n": "5"}), CompileContext(options=options)).values()
    return text


def _kube_run(tmp_path: Path, root: Path, environ: dict[str, str]):
    """What `kube-run` does with the compiled plan, the launcher's API answered by `LocalJobs`:
    (run result, the cluster model, the launchers made, the metadata store URL, the manifest)."""
    store = tmp_path / "artifacts"
    text = _compiled(root, store)
    data = plan(text)
    pipeline, params = with_parameters(without_retries(pipeline_from_json(yaml.safe_load(data["plan.json"]))),
                                       environ)
    jobs = jobs_by_step(list(yaml.safe_load_all(data["jobs.yaml"])))
    cluster = LocalJobs(tmp_path)
    created: list[KubernetesLauncher] = []

    def launcher(keys, on_exit):
        from kubernetes.client import ApiClient

        made = KubernetesLauncher(jobs, keys, "default", "uid-1", on_exit, params=params, api_client=ApiClient(),
                                  poll=0.05)
        made.batch = made.core = cluster
        created.append(made)
        return made

    meta = f"sqlite:///{tmp_path / 'metadata.db'}"
    result = run_pipeline(pipeline, root, launcher=launcher, artifact_store=str(store), metadata_store=meta,
                          run_id="uid-1", orchestrator="kubernetes", max_parallel=2)
    return result, cluster, created, meta, text


def test_diamond_runs_through_the_kubernetes_launcher(tmp_path: Path) -> None:
    root = make_project(tmp_path, DIAMOND)
    result, cluster, created, meta, text = _kube_run(tmp_path, root, {"PIPEC_PARAM_n": "6"})
    assert result.exit_code == 0, result.summary() + "".join(
        p.read_text() for p in tmp_path.glob("*.log"))
    assert len(cluster.jobs) == 4 and not created[0].running and cluster.deleted == []
    bodies = [job[3] for job in cluster.jobs.values()]
    assert all(b["spec"]["template"]["metadata"]["annotations"]["pipec.io/run-id"] == "uid-1" for b in bodies)

    local = run_pipeline(load_pipeline(root, params={"n": "6"}), root, launcher="spawn")
    assert local.exit_code == 0
    kube_run = Client(meta).get_pipeline_run("uid-1")
    local_run = Client(root=root).get_pipeline_run(local.run_id)
    assert kube_run.parameters == {"n": 6} and kube_run.status == "completed"
    for sid in ("load", "left", "right", "join"):
        got, want = kube_run.steps[sid].outputs["output"].load(), local_run.steps[sid].outputs["output"].load()
        if isinstance(want, pd.DataFrame):
            pd.testing.assert_frame_equal(got, want)
        else:
            assert got == want
    assert documents(text)[-1]["kind"] == "Job"


def test_a_failed_step_job_fails_the_run_and_skips_its_descendants(tmp_path: Path) -> None:
    files = dict(DIAMOND)
    files["steps/ops.py"] = files["steps/ops.py"].replace('return {"mean_y"', 'raise RuntimeError("boom")\n'
                                                          '            return {"mean_y"')
    root = make_project(tmp_path, files)
    result, cluster, _, meta, _ = _kube_run(tmp_path, root, {})
    assert result.exit_code != 0
    statuses = {sid: s.status for sid, s in Client(meta).get_pipeline_run("uid-1").steps.items()}
    assert statuses == {"load": "completed", "left": "completed", "right": "failed", "join": "skipped"}
    assert "RuntimeError: boom" in result.steps["right"].error
    assert len(cluster.jobs) == 3  # join never got a Job


def test_shim_writes_its_result_in_place_where_it_cannot_replace_the_file(tmp_path: Path, monkeypatch) -> None:
    """The kubelet bind-mounts the termination message file: renaming onto it fails (EBUSY)."""
    import errno
    import json

    from pipec.runtime import shim

    target = tmp_path / "termination-log"
    target.write_text("", encoding="utf-8")

    def busy(src, dst):
        raise OSError(errno.EBUSY, "Device or resource busy")

    monkeypatch.setattr(shim.os, "replace", busy)
    shim._write_json_atomic(str(target), {"status": "completed"})
    assert json.loads(target.read_text(encoding="utf-8")) == {"status": "completed"}
    assert [p.name for p in tmp_path.iterdir()] == ["termination-log"]
