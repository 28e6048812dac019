"""Hostile text through the SkyPilot task: names, parameter values and options full of shell,
YAML and template syntax reach the orchestrator and each step's shim exactly, with bash running
the task's `run` (`tests.helpers.engines.skypilot`) and SkyPilot's own loader reading the file."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
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


HOSTILE_CHAIN = '''
from pipec import pipeline, step


@step
def first() -> int:
    return 1


@step(settings={"orchestrator.vm_aws": {"use_spot": True}})
def second(x: int) -> int:
    return x + 1


@pipeline
def hostile_chain():
    second(first(id=FIRST), id=SECOND)
'''
#: Step ids full of shell syntax, one of them holding a `--step` of its own (no `/`: the shim's
#: ``--input NAME=STEP/OUTPUT`` does not take one in a step id).
STEP_IDS = ("fi rst$(touch pwned)'q'\"d\" --step x", "sec.ond-2 ${HOME} `id`")
#: A run id with the same tricks (what `pipec submit` or `sky jobs launch --env` could set).
RUN_ID = "run $(touch /tmp/pwned) 'q' \"d\" ${HOME}"


def _hostile_chain(tmp_path: Path, options: dict) -> list[dict]:
    source = tmp_path / "src" / "run.py"
    source.parent.mkdir(parents=True)
    (source.parent / "pyproject.toml").write_text('[project]\nname = "hostile-chain"\nversion = "0"\n')
    source.write_text(HOSTILE_CHAIN.replace("FIRST", repr(STEP_IDS[0])).replace("SECOND", repr(STEP_IDS[1])))
    [(_, files)], diagnostics = compile_source(source, "vm_aws", options=options)
    assert not diagnostics.has_errors
    (text,) = files.values()
    (tmp_path / "chain.yaml").write_text(text, encoding="utf-8")
    return list(yaml.safe_load_all(text))


@pytest.mark.parametrize("options", [{}, HOSTILE_OPTIONS], ids=["defaults", "hostile-options"])
def test_hostile_step_ids_and_run_id_reach_each_chain_task_exactly(options: dict, tmp_path: Path) -> None:
    """Bash runs each task's `run` (the interpreter recorded, not run): the orchestrator gets its
    group's step ids and the shared run id exactly; SkyPilot's chain loader reads the file exactly."""
    _, *tasks = _hostile_chain(tmp_path, options)
    python = shlex.quote(options.get("python", "python"))
    for task, step_id in zip(tasks, STEP_IDS, strict=True):
        script = task["run"].replace(f"\n{python} -m pipec.runtime kube-run ", "\n__pipec_argv ")
        env = {**os.environ, **task["envs"], "PIPEC_RUN_ID": RUN_ID}
        proc = subprocess.run(["bash", "-c", engine.RECORDER + script], env=env, capture_output=True, timeout=60,
                              cwd=tmp_path)
        assert proc.returncode == 0, proc.stderr
        args = engine.parser().parse_args(proc.stdout.decode("utf-8").split("\0")[:-1])
        assert (args.steps, args.run_id) == ([step_id], RUN_ID)
        assert (args.source_root, args.artifact_store) == (options.get("source_root", "/app"),
                                                           options.get("artifact_store", "/pipec/artifacts"))
        assert not Path("/tmp/pwned").exists() and not (tmp_path / "pwned").exists()
    result = side_checks([tmp_path / "chain.yaml"], tmp_path / "home")[str(tmp_path / "chain.yaml")]
    assert result["checks"]["load_chain_dag"] is None
    assert [(t["run"], t["envs"], t["name"]) for t in result["tasks"]] == [(t["run"], t["envs"], t["name"])
                                                                            for t in tasks]


def test_a_hostile_chain_runs_here_as_one_run(tmp_path: Path) -> None:
    """The chain's tasks run for real (the stand-in for the image), under the hostile run id."""
    from pipec import Client
    from tests.skypilot.test_skypilot_run import stand_in

    _, *tasks = _hostile_chain(tmp_path, {})
    meta = f"sqlite:///{tmp_path / 'm.db'}"
    for task in tasks:
        env = {**os.environ, **task["envs"], "PIPEC_RUN_ID": RUN_ID, "PIPEC_METADATA_STORE": meta,
               "PIPEC_ARTIFACT_STORE": str(tmp_path / "artifacts")}
        run = stand_in(task["run"], sys.executable, tmp_path / "src").replace(
            '--artifact-store "$PIPEC_ARTIFACT_STORE"', '--artifact-store "$PIPEC_ARTIFACT_STORE" --metadata-store '
                                                        '"$PIPEC_METADATA_STORE"')
        proc = subprocess.run(["bash", "-c", run], env=env, capture_output=True, text=True, timeout=600,
                              cwd=tmp_path, stdin=subprocess.DEVNULL)
        assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    run = Client(meta).get_pipeline_run(RUN_ID)
    assert run.status == "completed" and run.steps[STEP_IDS[1]].outputs["output"].load() == 2
    assert set(run.steps) == set(STEP_IDS) and not Path("/tmp/pwned").exists() and not (tmp_path / "pwned").exists()
