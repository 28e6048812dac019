"""ZenML's Model Control Plane in pipec's metadata store (SQLite here; test_postgres/test_mysql
run the shared scenarios on the servers)."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipec.runtime import models
from pipec.runtime.metadata import MetadataStore, default_url
from tests.helpers import model_scenarios


@pytest.fixture
def store(tmp_path: Path):
    meta = MetadataStore(default_url(tmp_path))
    for run in ("r1", "r2", "r3"):
        meta.create_pipeline_run(run, "p", orchestrator="test")
    yield meta
    meta.close()


def test_train_promote_infer_through_engine_style_shims(tmp_path: Path) -> None:
    model_scenarios.train_promote_infer(default_url(tmp_path), tmp_path)


def test_parallel_steps_share_one_new_version(tmp_path: Path) -> None:
    model_scenarios.parallel_steps_share_one_new_version(default_url(tmp_path), tmp_path)


def test_which_version_a_run_uses(store: MetadataStore) -> None:
    new = models.resolve_model_version(store, {"name": "m", "license": "MIT", "tags": ["a"]}, "r1")
    assert (new.number, new.name, new.tags) == (1, "1", ("a",))
    assert models.resolve_model_version(store, {"name": "m"}, "r1") == new  # once per run
    assert models.resolve_model_version(store, {"name": "m"}, "r2").number == 2  # a new one per run
    named = models.resolve_model_version(store, {"name": "m", "version": "gold"}, "r3")
    assert (named.number, named.name) == (3, "gold")
    assert models.resolve_model_version(store, {"name": "m", "version": "gold"}, "r1") == named  # reused
    assert models.resolve_model_version(store, {"name": "m", "version": "2"}, "r3").number == 2
    assert models.resolve_model_version(store, {"name": "m", "version": "latest"}, "r2").number == 3
    with pytest.raises(models.ModelError, match=r"model `m` has no version 7; its versions: 1, 2, 3 \(gold\)"):
        models.resolve_model_version(store, {"name": "m", "version": "7"}, "r1")
    with pytest.raises(models.ModelError, match="no version in stage `production`"):
        models.resolve_model_version(store, {"name": "m", "version": "production"}, "r1")
    models.set_stage(store, 2, "production")
    assert models.resolve_model_version(store, {"name": "m", "version": "production"}, "r1").number == 2
    assert models.get_model(store, "m").fields[0] == ("license", "MIT")
    assert [v.number for v in models.run_model_versions(store, "r1")] == [1, 2, 3]
    # "latest" and a stage mean, for every step of a run, what they meant for its first step.
    models.set_stage(store, 3, "production", force=True)
    assert models.resolve_model_version(store, {"name": "m", "version": "production"}, "r1").number == 2
    assert models.resolve_model_version(store, {"name": "m", "version": "production"}, "r2").number == 3
    store.create_pipeline_run("r4", "p", orchestrator="test")
    assert models.resolve_model_version(store, {"name": "m"}, "r4").number == 4
    assert models.resolve_model_version(store, {"name": "m", "version": "latest"}, "r2").number == 3
    assert models.resolve_model_version(store, {"name": "m", "version": "latest"}, "r1").number == 4


def test_set_stage_follows_zenml(store: MetadataStore) -> None:
    one = models.resolve_model_version(store, {"name": "m"}, "r1")
    two = models.resolve_model_version(store, {"name": "m"}, "r2")
    models.set_stage(store, one.id, "production")
    with pytest.raises(models.ModelError, match="version 1 of model `m` is in stage `production`; pass force=True"):
        models.set_stage(store, two.id, "production")
    models.set_stage(store, two.id, "production", force=True)
    assert [(v.number, v.stage) for v in models.list_versions(store, "m")] == [(1, "archived"), (2, "production")]
    models.set_stage(store, two.id, "archived")  # several versions may be archived
    with pytest.raises(ValueError, match="not a stage"):
        models.set_stage(store, one.id, "prod")


def test_unknown_models_and_versions_name_what_exists(store: MetadataStore) -> None:
    models.resolve_model_version(store, {"name": "m"}, "r1")
    with pytest.raises(models.ModelError, match="there is no model `x`; models: m"):
        models.get_model(store, "x")
    with pytest.raises(models.ModelError, match="model `m` has no version `staging`; its versions: 1"):
        models.get_version(store, "m", "staging")
    version = models.get_version(store, "m", "1")
    with pytest.raises(models.ModelError, match="has no artifact `clf`; its artifacts: none"):
        models.linked_artifact(store, version, "clf")


def test_pipec_run_train_twice_promote_infer_and_read_back(tmp_path: Path, cli) -> None:
    """The example end to end with `pipec run`, `pipec models` and `pipec runs show`."""
    import json
    import shutil

    from pipec.runtime import Client

    root = tmp_path / "mcp"
    shutil.copytree(model_scenarios.EXAMPLE, root)

    def pipec(*args: str, code: int = 0):
        proc = cli.run(list(args), cwd=root)
        assert proc.returncode == code, proc.stderr + proc.stdout
        assert cli.traceback not in proc.stderr
        return proc

    no_version = pipec("run", "run.py", "--pipeline", "iris_inference", code=1)
    assert "model `iris-rules` has no version in stage `production`" in no_version.stdout + no_version.stderr
    pipec("run", "run.py", "--pipeline", "iris_training")
    pipec("run", "run.py", "--pipeline", "iris_training", "--param", "margin=0.5")
    client = Client(root=root)
    try:
        assert [v.number for v in client.get_model("iris-rules").versions] == [1, 2]
        client.get_model_version("iris-rules", 2).set_stage("production")
        pipec("run", "run.py", "--pipeline", "iris_inference")
        version = client.get_model_version("iris-rules", "production")
        assert version.model_artifacts["classifier"].load() == pytest.approx({"setosa": 2.9, "versicolor": 5.3})
        assert set(version.data_artifacts) == {"dataset", "accuracy", "predictions"}
        inference = client.get_pipeline_run("iris_inference")
        assert version.runs == [client.get_pipeline_run("iris_training").id, inference.id]
        assert inference.steps["predict"].outputs["predictions"].load() == ["setosa", "versicolor", "virginica"]
    finally:
        client.close()
    assert "model iris-rules version 2 [production]" in pipec("runs", "show", "iris_inference").stdout
    listed = json.loads(pipec("models", "list", "--json").stdout)
    assert listed == [{"name": "iris-rules", "versions": 2, "latest": "2", "production": "2", "staging": None,
                       "license": "Apache-2.0", "tags": ["iris", "rules"]}]
    shown = pipec("models", "show", "iris-rules", "--version", "production").stdout
    assert "classifier   2        model" in shown
    assert "has no version `9`; its versions: 1, 2 [production]" in pipec(
        "models", "show", "iris-rules", "--version", "9", code=2).stderr
    assert "there is no model `nope`; models: iris-rules" in pipec("models", "show", "nope", code=2).stderr


def test_a_model_artifact_input_without_a_model_or_artifact_fails_clearly(tmp_path: Path,
                                                                         store: MetadataStore) -> None:
    from pipec.runtime.artifacts import ArtifactStore
    from pipec.runtime.resolved_inputs import InputNotFound, resolve

    lookup = [("x", '{"scope": "model", "name": "clf"}')]
    common = {"pipeline": "p", "run_id": "r1", "store": ArtifactStore(str(tmp_path / "art")), "meta": store}
    with pytest.raises(InputNotFound, match="input `x` is artifact `clf` of the pipeline's model, but the step has no"):
        resolve(lookup, [], **common)
    with pytest.raises(InputNotFound, match=r"input `x`: version 1 of model `m` has no artifact `clf`; its artifacts: "
                                            "none"):
        resolve(lookup, [], step_model={"name": "m"}, **common)


def test_stage_is_pinned_per_run(tmp_path: Path) -> None:
    model_scenarios.stage_is_pinned_per_run(default_url(tmp_path))
