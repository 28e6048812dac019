"""Run-time-resolved inputs in the Kubeflow form (examples/runtime_inputs): the compiled
executors run through the shim the way KFP's launcher runs them, the producer's package in one
run and the consumer's in another; the consumer looks the artifact up in the metadata store,
stores its two values once, and records the lineage."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipec.runtime import Client
from pipec.runtime import metadata as md
from tests.helpers.kfp_side import REPO, load_spec, run_side
from tests.kfp.test_kfp_artifacts import Launcher

EXAMPLE = REPO / "examples" / "runtime_inputs"


@pytest.fixture(scope="module")
def packages(tmp_path_factory: pytest.TempPathFactory, cli) -> tuple[Path, Path, Path]:
    """(producer package, consumer package, folder holding the stores)."""
    out = tmp_path_factory.mktemp("runtime-inputs")
    for entry in ("publish.py", "run.py"):
        proc = cli.run(["compile", str(EXAMPLE / entry), "--target", "kubeflow", "--option",
                        f"artifact_store={out / 'store'}", "--option", f"source_root={EXAMPLE}",
                        "--option", f"metadata_store={md.default_url(out)}", "--out", str(out / entry)])
        assert proc.returncode == 0, proc.stderr
    return (out / "publish.py" / "kubeflow" / "publish_numbers.yaml",
            out / "run.py" / "kubeflow" / "report_pipeline.yaml", out)


def test_the_consumer_reads_what_the_producer_published(packages: tuple[Path, Path, Path], tmp_path: Path) -> None:
    producer, consumer, stores = packages
    produce, _ = load_spec(producer)
    [task] = produce["root"]["dag"]["tasks"]  # KFP's name for make_numbers
    done = Launcher(produce, tmp_path).run("kfp-run-1", task)
    assert done.returncode == 0, done.stderr
    spec, _ = load_spec(consumer)
    assert "--input-lookup" in spec["deploymentSpec"]["executors"]["exec-report"]["container"]["args"]
    done = Launcher(spec, tmp_path).run("kfp-run-2", "report")
    assert done.returncode == 0, done.stderr

    client = Client(md.default_url(stores))
    report = client.get_pipeline_run("kfp-run-2").steps["report"]
    assert report.outputs["output"].load() == {"title": "Squares, 'quoted' & $escaped", "count": 5, "total": 60}
    assert [(name, i.source, i.run_id) for name, i in report.inputs.items()] == [
        ("numbers", "lookup", "kfp-run-1"), ("settings", "external", "kfp-run-2"), ("title", "saved", "kfp-run-2")]


def test_kfp_accepts_both_packages(packages: tuple[Path, Path, Path]) -> None:
    """Strict protobuf parses, kfp's loader and recompile."""
    files = [{"kind": "kubeflow", "path": str(path)} for path in packages[:2]]
    results = __import__("json").loads(run_side("kfp_proofs.py", {"files": files}))["results"]
    for item in files:
        assert not {k: v for k, v in results[item["path"]].items() if v}, results[item["path"]]
