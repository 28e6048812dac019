"""Data edges as KFP artifacts (`tests/kfp/data/artifacts`): names KFP accepts, caching from
`enable_cache`, the engines' own checks, and the compiled executors run through the shim the
way KFP's launcher would run them (placeholders expanded, artifact files handed from producer
to consumer), including a second run in which KFP's cache skipped the producer."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from pipec.runtime import metadata as md
from pipec.runtime.artifacts import ArtifactStore
from pipec.targets.kfp_spec.names import io_keys
from pipec.targets.kfp_spec.references import check_references
from tests.helpers.engines.kubelet import k8s_expand
from tests.helpers.kfp_side import REPO, load_spec, run_side

EXAMPLE = REPO / "tests" / "kfp" / "data" / "artifacts"
IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
PLACEHOLDER = re.compile(r"\{\{\$\.(?:pipeline_job_uuid|(inputs|outputs)\.(parameters|artifacts)\['([^']+)'\](?:\.path)?)\}\}")


@pytest.fixture(scope="module")
def compiled(tmp_path_factory: pytest.TempPathFactory, cli) -> tuple[Path, Path]:
    """(kubeflow package, vertex job) of the example, with stores in a temporary folder."""
    out = tmp_path_factory.mktemp("artifacts")
    proc = cli.run(["compile", str(EXAMPLE / "run.py"), "--target", "kubeflow", "--target", "vertex",
                    "--option", f"artifact_store={out / 'store'}", "--option", f"source_root={EXAMPLE}",
                    "--option", f"metadata_store={md.default_url(out)}", "--option", "kfp_cache=true",
                    "--out", str(out)])
    assert proc.returncode == 0, proc.stderr
    return out / "kubeflow" / "artifacts.yaml", out / "vertex" / "artifacts.json"


def test_io_keys_are_unique_identifiers() -> None:
    """Any names become distinct Python identifiers, distinct from the names already taken too."""
    names = ["it's [a]", "it's (a)", "9 lives", "", "__", "ok", "a"]
    keys = io_keys(names, "output", taken={"a", "ok_2"})
    assert list(keys.values()) == ["it_s_a", "it_s_a_2", "output_9_lives", "output", "output_2", "ok", "a_2"]
    assert all(IDENTIFIER.match(k) for k in keys.values())


def test_outputs_inputs_and_caching(compiled: tuple[Path, Path]) -> None:
    """Each output a system.Artifact, each data input fed by taskOutputArtifact, the input named
    like the step's parameter renamed, enable_cache mapped with the step's value winning."""
    spec, _ = load_spec(compiled[0])
    components, tasks = spec["components"], spec["root"]["dag"]["tasks"]
    artifact = {"artifactType": {"schemaTitle": "system.Artifact", "schemaVersion": "0.0.1"}}
    assert components["comp-make"]["outputDefinitions"]["artifacts"] == {
        "it_s_a_count": artifact, "it_s_a_count_2": artifact, "output_9_lives": artifact}
    assert components["comp-use"]["inputDefinitions"]["parameters"] == {"a": {"parameterType": "NUMBER_INTEGER"}}
    assert set(components["comp-use"]["inputDefinitions"]["artifacts"]) == {"a_2", "b", "c", "same"}
    source = {k: (v["taskOutputArtifact"]["producerTask"], v["taskOutputArtifact"]["outputArtifactKey"])
              for k, v in tasks["use"]["inputs"]["artifacts"].items()}
    assert source == {"a_2": ("make", "it_s_a_count"), "b": ("make", "it_s_a_count_2"),
                      "c": ("make", "output_9_lives"), "same": ("make", "it_s_a_count")}
    assert "outputDefinitions" not in components["comp-last"]
    assert {t: task["cachingOptions"]["enableCache"] for t, task in tasks.items()} == \
        {"make": False, "use": True, "last": False}
    assert check_references(spec) == []
    vertex, _ = load_spec(compiled[1])
    assert check_references(vertex) == []
    assert vertex["components"] == spec["components"] and vertex["root"] == spec["root"]


def test_kfp_cache_is_off_unless_asked(tmp_path: Path, cli) -> None:
    """By default no task lets KFP skip it (the shim's cache still follows enable_cache)."""
    proc = cli.run(["compile", str(EXAMPLE / "run.py"), "--target", "kubeflow", "--out", str(tmp_path)])
    assert proc.returncode == 0, proc.stderr
    spec, _ = load_spec(tmp_path / "kubeflow" / "artifacts.yaml")
    assert {t: task["cachingOptions"] for t, task in spec["root"]["dag"]["tasks"].items()} == \
        {t: {"enableCache": False} for t in ("make", "use", "last")}
    args = {label: executor["container"]["args"] for label, executor in spec["deploymentSpec"]["executors"].items()}
    assert sorted(label for label, argv in args.items() if "--no-cache" in argv) == ["exec-last", "exec-make"]


def test_engines_accept_it(compiled: tuple[Path, Path]) -> None:
    """Strict protobuf parses, kfp's loader and recompile, aiplatform's PipelineJob: all pass."""
    files = [{"kind": "kubeflow", "path": str(compiled[0])}, {"kind": "vertex", "path": str(compiled[1])}]
    results = json.loads(run_side("kfp_proofs.py", {"files": files}))["results"]
    for item in files:
        checks = results[item["path"]]
        assert {"PipelineSpec", "PipelineDeploymentConfig", "load_component_from_file"} <= set(checks)
        assert not {k: v for k, v in checks.items() if v}, checks


class Launcher:
    """What runs one executor, minus the upload: the kubelet expands ``$$`` and ``$(VAR)`` in the
    container's args and env (`tests.helpers.engines.kubelet`), then KFP's launcher expands its
    placeholders (artifact paths are local files; an input's is its producer's output file) and
    runs it with that environment."""

    def __init__(self, spec: dict, folder: Path) -> None:
        self.spec = spec
        self.folder = folder

    def output_path(self, run: str, task: str, key: str) -> Path:
        return self.folder / run / task / key

    def run(self, run: str, task: str, inputs_from: str | None = None) -> subprocess.CompletedProcess[str]:
        """Run `task` in run `run`; its input artifacts are those of run `inputs_from` (default: `run`)."""
        definition = self.spec["root"]["dag"]["tasks"][task]
        component = self.spec["components"][definition["componentRef"]["name"]]
        container = self.spec["deploymentSpec"]["executors"][component["executorLabel"]]["container"]
        declared = self.spec["root"].get("inputDefinitions", {}).get("parameters", {})
        parameters = {k: str(v["defaultValue"]) for k, v in declared.items()}

        def expand(match: re.Match) -> str:
            side, kind, key = match.groups()
            if side is None:
                return run
            if kind == "parameters":
                return parameters[definition["inputs"]["parameters"][key]["componentInputParameter"]]
            if side == "outputs":
                return str(self.output_path(run, task, key))
            source = definition["inputs"]["artifacts"][key]["taskOutputArtifact"]
            return str(self.output_path(inputs_from or run, source["producerTask"], source["outputArtifactKey"]))

        env: dict[str, str] = {}
        for item in container.get("env", []):
            env[item["name"]] = k8s_expand(item["value"], env)
        argv = [PLACEHOLDER.sub(expand, k8s_expand(item, env)) for item in container["command"] + container["args"]]
        return subprocess.run([sys.executable, *argv[1:]], capture_output=True, text=True, timeout=120, cwd=REPO,
                              env={**os.environ, **env})


def test_executors_pass_data_through_artifact_files(compiled: tuple[Path, Path], tmp_path: Path) -> None:
    """Run 1 executes every task; in run 2 KFP's cache served `make` (its shim never runs) and
    `use` reads run 1's payloads through the pointer files KFP hands it."""
    spec, _ = load_spec(compiled[0])
    launcher = Launcher(spec, tmp_path)
    for task in ("make", "use", "last"):
        done = launcher.run("run-1", task)
        assert done.returncode == 0, f"{task}: {done.stderr}"
    pointer = json.loads(launcher.output_path("run-1", "make", "it_s_a_count").read_text(encoding="utf-8"))
    assert (pointer["run_id"], pointer["step_id"], pointer["output"]) == ("run-1", "make", "it's [a] \"count\"")
    store = ArtifactStore(str(compiled[0].parent.parent / "store"))
    assert store.load(store.read_marker("artifacts", "run-1", "use", "output")) == 1 + 2 + 1 + 1 + 1

    # KFP cache hit of `make` in run 2: its output artifacts are run 1's files. `use` (caching on)
    # finds its inputs' content unchanged through them, so pipec's own cache serves it; `last`
    # (caching off) runs and reads `use`'s run-2 pointer.
    done = launcher.run("run-2", "use", inputs_from="run-1")
    assert done.returncode == 0 and "served from the cache" in done.stderr, done.stderr
    assert store.load(store.read_marker("artifacts", "run-2", "use", "output")) == 6
    done = launcher.run("run-2", "last")
    assert done.returncode == 0, done.stderr
    meta = md.MetadataStore(md.default_url(compiled[0].parent.parent))
    assert sorted((r.step_id, r.status) for r in meta.step_runs("run-2")) == [("last", "completed"),
                                                                             ("use", "cached")]
    assert sorted(r.step_id for r in meta.step_runs("run-1")) == ["last", "make", "use"]


def test_missing_artifact_file_is_a_clear_failure(compiled: tuple[Path, Path], tmp_path: Path) -> None:
    """A consumer whose producer left no artifact file fails with one line and exit status 1."""
    spec, _ = load_spec(compiled[0])
    done = Launcher(spec, tmp_path).run("run-9", "last")
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert "pointer file" in done.stderr and "does not exist" in done.stderr


def test_package_is_one_yaml_document(compiled: tuple[Path, Path]) -> None:
    """No platform spec is needed for artifacts."""
    assert len(list(yaml.safe_load_all(compiled[0].read_text(encoding="utf-8")))) == 1


def test_fan_in_elements_are_input_artifacts_and_reach_the_step(tmp_path: Path, cli) -> None:
    """examples/fan_in for Kubeflow: each element of the list input is its own input artifact
    (a valid key, fed by its producer's output), the engines accept the spec, and run through the
    launcher emulation `combine` reads the scores in training order, each element's lineage
    recorded with its position."""
    example = REPO / "examples" / "fan_in"
    meta_url = md.default_url(tmp_path)
    proc = cli.run(["compile", str(example / "run.py"), "--target", "kubeflow", "--target", "vertex",
                    "--option", f"artifact_store={tmp_path / 'store'}", "--option", f"source_root={example}",
                    "--option", f"metadata_store={meta_url}", "--out", str(tmp_path)])
    assert proc.returncode == 0, proc.stderr
    package = tmp_path / "kubeflow" / "fan_in.yaml"
    spec, _ = load_spec(package)
    tasks = spec["root"]["dag"]["tasks"]
    feeds = {key: value["taskOutputArtifact"]["producerTask"]
             for key, value in tasks["combine"]["inputs"]["artifacts"].items()}
    assert feeds == {"scores_0": "train-0", "scores_1": "train-1", "scores_2": "train-2"}
    assert all(IDENTIFIER.match(key) for key in feeds)
    files = [{"kind": "kubeflow", "path": str(package)}, {"kind": "vertex", "path": str(tmp_path / "vertex" / "fan_in.json")}]
    results = json.loads(run_side("kfp_proofs.py", {"files": files}))["results"]
    assert not {path: {k: v for k, v in checks.items() if v} for path, checks in results.items()
                if any(checks.values())}, results

    launcher = Launcher(spec, tmp_path / "kfp")
    for task in ("train-0", "train-1", "train-2", "combine"):
        done = launcher.run("run-1", task)
        assert done.returncode == 0, f"{task}: {done.stderr}"
    store = ArtifactStore(str(tmp_path / "store"))
    scores = [store.load(store.read_marker("fan_in", "run-1", f"train_{i}", "output")) for i in range(3)]
    assert store.load(store.read_marker("fan_in", "run-1", "combine", "output"))["scores"] == scores
    from pipec.runtime import Client

    elements = Client(meta_url).get_pipeline_run("run-1").steps["combine"].inputs["scores"]
    assert [v.name for v in elements] == [f"fan_in::train_{i}::output" for i in range(3)]
