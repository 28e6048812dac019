"""Payloads are checked against the sha256 recorded when they were written before a cache hit
reuses them or anything reads them (issue 17, item 5; report F4): a tampered artifact fails the
read, never feeds a step."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from pipec.runtime import Client, run_pipeline
from pipec.runtime.artifacts import ArtifactCorrupted, ArtifactStore
from tests.helpers.runtime_projects import load_pipeline, make_project

PIPELINE = textwrap.dedent("""
    from zenml import pipeline, step

    @step
    def produce(n: int = 10) -> list:
        return list(range(n))

    @step
    def total(xs: list) -> int:
        return sum(xs)

    @pipeline
    def basic(n: int = 10):
        total(produce(n=n))
""")


def test_a_tampered_payload_is_not_reused_by_the_cache_nor_loaded(tmp_path: Path) -> None:
    root = make_project(tmp_path, {"pyproject.toml": "", "run.py": PIPELINE})
    first = run_pipeline(load_pipeline(root), root)
    assert first.exit_code == 0
    payload = Client(root=root).get_pipeline_run(first.run_id).steps["produce"].outputs["output"]
    Path(payload.uri).write_text("[1000000]")
    # A change to `total` re-runs it; `produce` may come from the cache only with its original bytes.
    (root / "run.py").write_text(PIPELINE.replace("return sum(xs)", "return sum(xs)  # edited"))
    second = run_pipeline(load_pipeline(root), root)
    assert second.exit_code == 0
    run = Client(root=root).get_pipeline_run(second.run_id)
    assert run.steps["produce"].status == "completed"  # not cached: its cached payload was changed
    assert run.steps["total"].outputs["output"].load() == 45
    with pytest.raises(ArtifactCorrupted, match=r"was changed after it was written \(its sha256 is"):
        payload.load()


def test_a_truncated_payload_fails_the_read_with_an_integrity_error(tmp_path: Path) -> None:
    store = ArtifactStore(str(tmp_path / "art"))
    info, _ = store.save({"rows": list(range(100))}, pipeline="p", run_id="r", step_id="s", output="o",
                         type_str="dict")
    assert store.intact(info) and store.load(info) == {"rows": list(range(100))}
    path = tmp_path / "art" / info.payload
    path.write_bytes(path.read_bytes()[:20])
    assert not store.intact(info)
    with pytest.raises(ArtifactCorrupted, match="it is not used; run the step that made it again"):
        store.load(info)
