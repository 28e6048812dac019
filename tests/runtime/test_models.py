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
