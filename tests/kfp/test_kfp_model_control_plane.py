"""ZenML's Model Control Plane in the Kubeflow form (examples/model_control_plane): the compiled
executors run through the shim the way KFP's launcher runs them. Two training runs make model
versions 1 and 2 with their artifacts linked; version 1 is promoted; the inference run reads the
classifier of the version in production through `get_pipeline_context().model.get_artifact`."""

from __future__ import annotations

import json
from pathlib import Path

from pipec.runtime import Client
from pipec.runtime import metadata as md
from tests.helpers.kfp_side import REPO, load_spec, run_side
from tests.kfp.test_kfp_artifacts import Launcher

EXAMPLE = REPO / "examples" / "model_control_plane"


def test_training_runs_make_versions_and_inference_reads_the_production_one(tmp_path: Path, cli) -> None:
    meta_url = md.default_url(tmp_path)
    proc = cli.run(["compile", str(EXAMPLE / "run.py"), "--target", "kubeflow", "--option",
                    f"artifact_store={tmp_path / 'store'}", "--option", f"source_root={EXAMPLE}",
                    "--option", f"metadata_store={meta_url}", "--out", str(tmp_path / "out")])
    assert proc.returncode == 0, proc.stderr
    training = tmp_path / "out" / "kubeflow" / "iris_training.yaml"
    inference = tmp_path / "out" / "kubeflow" / "iris_inference.yaml"
    files = [{"kind": "kubeflow", "path": str(path)} for path in (training, inference)]
    results = json.loads(run_side("kfp_proofs.py", {"files": files}))["results"]
    assert not {path: {k: v for k, v in checks.items() if v} for path, checks in results.items()
                if any(checks.values())}, results

    spec, _ = load_spec(training)
    assert any(arg == "--model" for arg in spec["deploymentSpec"]["executors"]["exec-train"]["container"]["args"])
    launcher = Launcher(spec, tmp_path / "kfp")
    for run in ("kfp-train-1", "kfp-train-2"):
        for task in ("load-data", "train", "evaluate"):
            done = launcher.run(run, task)
            assert done.returncode == 0, done.stderr

    client = Client(meta_url)
    first = client.get_model_version("iris-rules", 1)
    assert client.get_model_version("iris-rules", "latest").number == 2
    assert {name: a.kind for name, a in first.artifacts.items()} == {
        "classifier": "model", "dataset": "data", "accuracy": "data"}
    first.set_stage("production")

    spec, _ = load_spec(inference)
    [task] = spec["root"]["dag"]["tasks"]
    done = Launcher(spec, tmp_path / "kfp").run("kfp-infer-1", task)
    assert done.returncode == 0, done.stderr
    predict = client.get_pipeline_run("kfp-infer-1").steps["predict"]
    [(name, source)] = [(name, i.source) for name, i in predict.inputs.items() if name == "classifier"]
    assert source == "model"
    assert predict.inputs["classifier"].run_id == "kfp-train-1"  # version 1's classifier, not the latest
