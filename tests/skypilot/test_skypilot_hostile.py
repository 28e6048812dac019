"""Hostile text through the SkyPilot task: names, parameter values and options full of shell,
YAML and template syntax reach the orchestrator and each step's shim exactly, with bash running
the task's `run` (`tests.helpers.engines.skypilot`) and SkyPilot's own loader reading the file."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from pipec.ir.codec import pipeline_to_json
from tests.helpers.engines import skypilot as engine
from tests.helpers.kube_proofs import compile_source, expected_view, hostile_project, shim_view
from tests.skypilot.test_skypilot_proofs import side_checks

REPO = Path(__file__).resolve().parents[2]
#: Options aimed at the shell: quotes, expansions, command substitution, newlines.
HOSTILE_OPTIONS = {"python": "py'thon $(touch /tmp/pwned) `id`", "source_root": "/app dir/$HOME/'x'\n\"y\"",
                   "artifact_store": "s3://b/${BUCKET}/$(x) 'q'", "metadata_store": "sqlite:////tmp/$USER/'m'.db"}


@pytest.mark.parametrize("case", ["hostile_k8s", "hostile_strings"])
@pytest.mark.parametrize("options", [{}, HOSTILE_OPTIONS], ids=["defaults", "hostile-options"])
def test_hostile_text_reaches_the_orchestrator_and_the_shim_exactly(case: str, options: dict,
                                                                    tmp_path: Path) -> None:
    source = (hostile_project(tmp_path / "src", "tricky $(x) {{y}} ${z} 'q' \"d\"") if case == "hostile_k8s"
              else REPO / "examples/hostile_strings/run.py")
    outputs, diagnostics = compile_source(source, "vm_aws", options=options)
    assert not diagnostics.has_errors
    paths = []
    for index, (pipeline, files) in enumerate(outputs):
        (text,) = files.values()
        argv, plan = engine.orchestrator_argv(text, tmp_path)
        assert plan == pipeline_to_json(pipeline)
        args = engine.parser().parse_args(argv)
        merged = {"source_root": "/app", "artifact_store": "/pipec/artifacts", **options}
        assert (args.source_root, args.artifact_store, args.metadata_store) == (
            merged["source_root"], merged["artifact_store"], options.get("metadata_store"))
        assert args.run_id == engine.TASK_ID
        step_options = {k: v for k, v in merged.items() if k != "metadata_store"}
        for step, step_argv in zip(pipeline.steps, engine.step_argvs(text, pipeline, tmp_path), strict=True):
            assert shim_view(step_argv) == expected_view(pipeline, step, step_options, engine.TASK_ID)
            assert step_argv[0] == options.get("python", "python")
        paths.append(tmp_path / f"task{index}.yaml")
        paths[-1].write_text(text, encoding="utf-8")
        assert not (Path("/tmp/pwned")).exists()
    results = side_checks(paths, tmp_path / "home")
    for path in paths:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        [task] = results[str(path)]["tasks"]
        assert results[str(path)]["checks"] == {"from_yaml": None, "load_chain_dag": None}
        assert (task["run"], task["envs"], task["name"]) == (doc["run"], doc["envs"], doc["name"])
