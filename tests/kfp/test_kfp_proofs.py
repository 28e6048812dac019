"""The engines' own libraries accept every golden kubeflow/vertex file, and the same checks
reject broken copies (so a pass means something).

All files go to `kfp_proofs.py` in ONE run of the side environment (imports of kfp and
aiplatform cost seconds): per KFP package a strict `ParseDict` into `PipelineSpec`, each
`deploymentSpec` executor into `PipelineDeploymentConfig`, the platform spec into
`PlatformSpec` and each executor's into `KubernetesExecutorConfig`, then
`kfp.components.load_component_from_file` and a recompile inside a wrapper pipeline with
kfp's compiler; per Vertex job the same for its `pipelineSpec`, a strict parse into
aiplatform's `PipelineJob` message and `aiplatform.PipelineJob(template_path=...)`;
schedule files bound to `create_recurring_run` / `create_schedule`.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from pipec.targets.kfp_spec.references import check_references
from pipec.targets.vertex.accelerators import ACCELERATOR_TYPES
from tests.helpers.kfp_side import file_kind, golden_files, rel, run_side

FILES = golden_files("kubeflow") + golden_files("vertex")
#: The checks each kind of file must have passed (PlatformSpec too when a package has one).
REQUIRED = {
    "kubeflow": {"PipelineSpec", "PipelineDeploymentConfig", "load_component_from_file"},
    "vertex": {"PipelineSpec", "PipelineDeploymentConfig", "aiplatform_v1.PipelineJob", "aiplatform.PipelineJob",
               "load_component_from_file"},
    "recurring-run": {"create_recurring_run"},
    "vertex-schedule": {"create_schedule"},
}
DIAMOND_KFP = Path("golden/diamond/kubeflow/diamond.yaml")
DIAMOND_VERTEX = Path("golden/diamond/vertex@gcs/diamond.json")
PROJECT_KFP = Path("golden/pipec_project/kubeflow/weekly_training.yaml")


def _package(path: Path) -> list[dict]:
    return list(yaml.safe_load_all((Path(__file__).parents[2] / path).read_text(encoding="utf-8")))


def _job(path: Path) -> dict:
    return json.loads((Path(__file__).parents[2] / path).read_text(encoding="utf-8"))


def _join_summary(spec: dict) -> dict:
    return spec["root"]["dag"]["tasks"]["join"]["inputs"]["artifacts"]["summary"]["taskOutputArtifact"]


#: Broken artifact references that kfp and its protobuf accept: only pipec's checker sees them.
KFP_BLIND = {
    "outputArtifactKey the producer lacks": lambda s: _join_summary(s).update(outputArtifactKey="nope"),
    "producerTask that does not exist": lambda s: _join_summary(s).update(producerTask="nope"),
}


def _broken_cases() -> dict[str, tuple[str, object, str, str]]:
    """name -> (kind, document(s), the check that must fail, a word its error must hold)."""
    cases: dict[str, tuple[str, object, str, str]] = {}
    docs = _package(DIAMOND_KFP)
    docs[0]["root"]["dag"]["tasks"]["load"]["cachingOption"] = {}
    cases["unknown task field"] = ("kubeflow", docs, "PipelineSpec", "cachingOption")
    docs = _package(DIAMOND_KFP)
    docs[0]["deploymentSpec"]["executors"]["exec-load"]["container"]["resourceCpuLimit"] = "2"
    cases["resource field outside resources"] = ("kubeflow", docs, "PipelineDeploymentConfig", "resourceCpuLimit")
    docs = _package(PROJECT_KFP)
    docs[1]["platforms"]["kubernetes"]["deploymentSpec"]["executors"]["exec-fit-0"]["nodeSelector"]["label"] = {}
    cases["unknown platform field"] = ("kubeflow", docs, "PlatformSpec", "label")
    docs = _package(DIAMOND_KFP)
    join_inputs = docs[0]["root"]["dag"]["tasks"]["join"]["inputs"]["artifacts"]
    join_inputs["summary"]["taskOutputArtifacts"] = join_inputs["summary"].pop("taskOutputArtifact")
    cases["unknown field in an artifact input"] = ("kubeflow", docs, "PipelineSpec", "taskOutputArtifacts")
    docs = _package(DIAMOND_KFP)
    artifact_type = docs[0]["components"]["comp-load"]["outputDefinitions"]["artifacts"]["output"]["artifactType"]
    artifact_type["schemaTitel"] = artifact_type.pop("schemaTitle")
    cases["unknown field in an artifact type"] = ("kubeflow", docs, "PipelineSpec", "schemaTitel")
    job = _job(DIAMOND_VERTEX)
    job["pipelineSpec"]["components"]["comp-join"]["outputDefinitions"]["artifacts"]["output"]["artifactTyp"] = {}
    cases["unknown field in a Vertex job's output artifact"] = ("vertex", job, "PipelineSpec", "artifactTyp")
    for name, mutate in KFP_BLIND.items():
        docs = _package(DIAMOND_KFP)
        mutate(docs[0])
        cases[name] = ("kubeflow", docs, "", "")
    docs = _package(DIAMOND_KFP)
    docs[0]["root"]["inputDefinitions"]["parameters"]["n"]["parameterType"] = "NUMBER_INT"
    cases["unknown parameter type"] = ("kubeflow", docs, "load_component_from_file", "NUMBER_INT")
    job = _job(DIAMOND_VERTEX)
    job["runtimeConfig"]["gcsOutputDir"] = job["runtimeConfig"].pop("gcsOutputDirectory")
    cases["unknown runtime config field"] = ("vertex", job, "aiplatform_v1.PipelineJob", "gcsOutputDir")
    job = _job(DIAMOND_VERTEX)
    job["displayName"] = "x" * 129
    cases["display name too long"] = ("vertex", job, "aiplatform.PipelineJob", "128")
    run = {"job_name": "x", "pipeline_package_path": "x.yaml", "cron_expression": "0 0 6 * * 1"}
    cases["unknown recurring-run argument"] = ("recurring-run", {**run, "cron": "0 0 6 * * 1"},
                                               "create_recurring_run", "cron")
    cases["five-field cron for KFP"] = ("recurring-run", {**run, "cron_expression": "0 6 * * 1"},
                                        "create_recurring_run", "6 fields")
    cases["package missing"] = ("recurring-run", {**run, "pipeline_package_path": "y.yaml"},
                                "create_recurring_run", "y.yaml")
    cases["six-field cron for Vertex"] = ("vertex-schedule", {"display_name": "x", "cron": "0 0 6 * * 1"},
                                          "create_schedule", "5 fields")
    cases["unknown schedule argument"] = ("vertex-schedule", {"display_name": "x", "cron": "0 6 * * 1",
                                                              "catch_up": True}, "create_schedule", "catch_up")
    return cases


BROKEN = _broken_cases()


@pytest.fixture(scope="module")
def platform_files(tmp_path_factory: pytest.TempPathFactory, cli) -> list[Path]:
    """tests/kfp/data/platform (every setting the targets map) compiled for kubeflow and vertex."""
    out = tmp_path_factory.mktemp("platform")
    proc = cli.run(["compile", "tests/kfp/data/platform/run.py", "--target", "kubeflow", "--target", "vertex",
                    "--out", str(out)])
    assert proc.returncode == 0, proc.stderr
    files = sorted(p for p in out.rglob("*") if p.is_file() and p.name != ".pipec-artifacts")
    assert len(files) == 4, files
    return files


@pytest.fixture(scope="module")
def proofs(tmp_path_factory: pytest.TempPathFactory, platform_files: list[Path]) -> dict:
    """The proof script's results for every golden file, the platform example and every broken case."""
    folder = tmp_path_factory.mktemp("broken")
    files = [{"kind": file_kind(p), "path": str(p)} for p in FILES + platform_files]
    for index, (kind, document, _, _) in enumerate(BROKEN.values()):
        if kind == "kubeflow":
            path = folder / f"case{index}.yaml"
            path.write_text(yaml.safe_dump_all(document), encoding="utf-8")
        else:
            path = folder / f"case{index}.json"
            path.write_text(json.dumps(document), encoding="utf-8")
            (folder / "x.yaml").write_text("{}\n", encoding="utf-8")
        files.append({"kind": kind, "path": str(path), "case": index})
    results = json.loads(run_side("kfp_proofs.py", {"files": files}))
    first = len(FILES) + len(platform_files)
    results["broken"] = {name: results["results"][files[first + i]["path"]] for i, name in enumerate(BROKEN)}
    return results


def test_there_are_golden_files_to_prove() -> None:
    """Every example has a kubeflow and a vertex golden (plus variants), so the proofs below run."""
    kinds = {file_kind(p) for p in FILES}
    assert kinds == set(REQUIRED), kinds
    assert len([p for p in FILES if file_kind(p) == "kubeflow"]) >= 10


@pytest.mark.parametrize("path", FILES, ids=rel)
def test_golden_file_passes_the_engines_checks(path: Path, proofs: dict) -> None:
    """Strict protobuf parses, kfp's loader and compiler, aiplatform's loader: all pass."""
    _assert_passed(path, proofs)


def test_platform_example_passes_the_engines_checks(platform_files: list[Path], proofs: dict) -> None:
    """Node selectors, tolerations, secrets, pod metadata, pull secrets, GPU types, six parameter
    types, labels and a schedule with times: kfp-kubernetes, kfp and aiplatform accept them."""
    for path in platform_files:
        _assert_passed(path, proofs)
    package = next(p for p in platform_files if p.suffix == ".yaml")
    executors = list(yaml.safe_load_all(package.read_text(encoding="utf-8")))[1]["platforms"]["kubernetes"]
    config = executors["deploymentSpec"]["executors"]["exec-train"]
    assert {"nodeSelector", "tolerations", "secretAsEnv", "podMetadata", "imagePullSecret",
            "imagePullPolicy"} <= set(config)


def _assert_passed(path: Path, proofs: dict) -> None:
    results = proofs["results"][str(path)]
    required = set(REQUIRED[file_kind(path)])
    if file_kind(path) == "kubeflow" and len(list(yaml.safe_load_all(path.read_text(encoding="utf-8")))) > 1:
        required.add("PlatformSpec")
    assert required <= set(results), f"checks not run on {path.name}: {sorted(required - set(results))}"
    failures = {check: error for check, error in results.items() if error}
    assert not failures, f"{path.name} failed:\n" + "\n".join(f"[{k}] {v}" for k, v in failures.items())


@pytest.mark.parametrize("case", [name for name in BROKEN if name not in KFP_BLIND])
def test_checks_reject_a_broken_file(case: str, proofs: dict) -> None:
    """Each check fails on a file broken in exactly the way it exists to catch."""
    _, _, check, word = BROKEN[case]
    result = proofs["broken"][case]
    assert result.get(check), f"check {check} accepted the broken file ({case}): {result}"
    assert word in result[check], f"check {check} failed for another reason than {case}:\n{result[check]}"


@pytest.mark.parametrize("case", list(KFP_BLIND))
def test_reference_checker_sees_what_kfp_accepts(case: str, proofs: dict) -> None:
    """kfp's protobuf, loader and compiler accept these broken artifact references; pipec's
    reference checker (run on every golden spec) is what rejects them."""
    assert not any(proofs["broken"][case].values()), proofs["broken"][case]
    spec = _package(DIAMOND_KFP)[0]
    KFP_BLIND[case](spec)
    assert check_references(spec)


def test_deployment_spec_needs_its_own_parse(proofs: dict) -> None:
    """A bad executor field passes the PipelineSpec parse (deploymentSpec is a free-form Struct there)."""
    result = proofs["broken"]["resource field outside resources"]
    assert result["PipelineSpec"] is None and result["PipelineDeploymentConfig"]


def test_accelerator_list_matches_aiplatform(proofs: dict) -> None:
    """The Vertex accelerator names pipec knows are exactly aiplatform's AcceleratorType values."""
    assert list(ACCELERATOR_TYPES) == proofs["accelerator_types"]

