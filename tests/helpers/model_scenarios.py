"""ZenML's Model Control Plane on one metadata store URL, shared by the SQLite, PostgreSQL and
MariaDB tests: the shims record it as an engine runs them (each step its own process)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

from pipec.runtime import Client, models, shim_command
from pipec.runtime.metadata import MetadataStore
from tests.helpers.runtime_projects import load_pipeline, make_project

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "model_control_plane"

#: Two independent steps under a model with no version: parallel steps of one run share one new version.
FAN = {"run.py": textwrap.dedent("""
    from zenml import Model, pipeline, step

    @step
    def left() -> int:
        return 1

    @step
    def right() -> int:
        return 2

    @pipeline(model=Model(name="fan"))
    def fan():
        left()
        right()
""")}


def _shims(url: str, root: Path, pipeline: str, run_id: str, waves: list[list[str]]) -> None:
    pipe = load_pipeline(root, pipeline=pipeline)
    env = {**os.environ, "PIPEC_ORCHESTRATOR": "test-engine"}
    for wave in waves:
        procs = [subprocess.Popen(shim_command(pipe, pipe.step(s), run_id=run_id, artifact_store=str(root / "art"),
                                               metadata_store=url, python=sys.executable),
                                  cwd=root, env=env, stderr=subprocess.PIPE, text=True) for s in wave]
        errors = [p.communicate(timeout=120)[1] for p in procs]
        assert [p.returncode for p in procs] == [0] * len(wave), errors


def train_promote_infer(url: str, tmp_path: Path) -> None:
    """Two training runs make versions 1 and 2 (the second from the cache: the same artifact
    versions are linked again); version 2 goes to production; inference reads its classifier."""
    root = tmp_path / "mcp"
    shutil.copytree(EXAMPLE, root)
    training = [["load_data"], ["train"], ["evaluate"]]
    _shims(url, root, "iris_training", "t-1", training)
    _shims(url, root, "iris_training", "t-2", training)
    client = Client(url)
    try:
        assert [v.number for v in client.get_model("iris-rules").versions] == [1, 2]
        first = client.get_model_version("iris-rules", 1)
        second = client.get_model_version("iris-rules", "latest").set_stage("production")
        assert {n: a.kind for n, a in first.artifacts.items()} == {
            "dataset": "data", "classifier": "model", "accuracy": "data"}
        assert {n: a.version for n, a in second.artifacts.items()} == {n: a.version for n, a in first.artifacts.items()}
        assert first.runs == ["t-1"] and second.runs == ["t-2"]
        _shims(url, root, "iris_inference", "i-1", [["predict"]])
        production = client.get_model_version("iris-rules", "production")
        assert production.number == 2 and production.runs == ["t-2", "i-1"]
        assert production.get_artifact("predictions").load() == ["setosa", "versicolor", "virginica"]
        assert client.get_model("iris-rules").license == "Apache-2.0"
    finally:
        client.close()


def parallel_steps_share_one_new_version(url: str, tmp_path: Path) -> None:
    """Parallel shims of one run, and threads resolving the same run, create exactly one version."""
    root = make_project(tmp_path, FAN)
    _shims(url, root, "fan", "f-1", [["left", "right"]])
    store = MetadataStore(url)
    try:
        store.create_pipeline_run("f-2", "fan", orchestrator="test")
        found: list[object] = []

        def resolve() -> None:
            try:
                found.append(models.resolve_model_version(store, {"name": "fan"}, "f-2").number)
            except Exception as exc:  # shown by the assertion below
                found.append(exc)

        threads = [threading.Thread(target=resolve) for _ in range(6)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert found == [2] * 6, found
        versions = models.list_versions(store, "fan")
        assert [v.number for v in versions] == [1, 2]
        assert sorted(a.name for a in models.version_artifacts(store, versions[0].id)) == [
            "fan::left::output", "fan::right::output"]
    finally:
        store.close()


def stage_is_pinned_per_run(url: str) -> None:
    """A run's "production" (or "latest") is what it meant when the run's first step asked,
    though the stage moves on before a later step asks; a new run sees the move."""
    store = MetadataStore(url)
    try:
        for run in ("s-1", "s-2", "s-3"):
            store.create_pipeline_run(run, "p", orchestrator="test")
        one = models.resolve_model_version(store, {"name": "pinned"}, "s-1")
        two = models.resolve_model_version(store, {"name": "pinned"}, "s-2")
        models.set_stage(store, one.id, "production")
        production = {"name": "pinned", "version": "production"}
        assert models.resolve_model_version(store, production, "s-3").number == 1
        assert models.resolve_model_version(store, {"name": "pinned", "version": "latest"}, "s-3").number == 2
        models.set_stage(store, two.id, "production", force=True)
        store.create_pipeline_run("s-4", "p", orchestrator="test")
        assert models.resolve_model_version(store, {"name": "pinned"}, "s-4").number == 3
        assert models.resolve_model_version(store, production, "s-3").number == 1
        assert models.resolve_model_version(store, {"name": "pinned", "version": "latest"}, "s-3").number == 2
        assert models.resolve_model_version(store, production, "s-4").number == 2
    finally:
        store.close()
