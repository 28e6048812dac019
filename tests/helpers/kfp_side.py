"""Helpers for the kubeflow/vertex tests: the side environment, golden files, compiling.

The engines' libraries (kfp, kfp-pipeline-spec, kfp-kubernetes, google-cloud-aiplatform)
live in the side environment `.venvs/kfp` (built by `.ci/after-install.d/kfp.sh`, pins in
`tests/kfp/requirements.txt`) because their pins clash with the main test environment.
Tests run the scripts of tests/kfp with its interpreter. Without it the tests that need it
skip locally and fail under CI (`tests.helpers.requires`).
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import yaml

from tests.helpers import requires

REPO = Path(__file__).resolve().parents[2]
#: The scripts the side interpreter runs (kfp_proofs.py, kfp_model_selection.py).
SCRIPTS = REPO / "tests" / "kfp"
GOLDEN = REPO / "golden"


def run_side(script: str, request: object | None = None, args: list[str] = (), timeout: float = 600) -> str:
    """Run `script` (a file of tests/kfp) with the side interpreter; its stdout (fails on exit != 0)."""
    proc = subprocess.run([str(requires.side_python("kfp")), str(SCRIPTS / script), *args], input=json.dumps(request or {}),
                          capture_output=True, text=True, encoding="utf-8", timeout=timeout, cwd=REPO)
    assert proc.returncode == 0, f"{script} failed ({proc.returncode}):\n{proc.stderr[-4000:]}"
    return proc.stdout


def golden_files(target: str) -> list[Path]:
    """Every golden file of `target` and its variants, sorted."""
    return sorted(p for p in GOLDEN.glob(f"*/{target}*/*") if p.is_file()
                  and p.parent.name.split("@")[0] == target)


def file_kind(path: Path) -> str:
    """The proof script's kind for a golden file."""
    if path.name.endswith(".recurring-run.json"):
        return "recurring-run"
    if path.name.endswith(".schedule.json"):
        return "vertex-schedule"
    return "kubeflow" if path.suffix == ".yaml" else "vertex"


def load_spec(path: Path) -> tuple[dict, dict]:
    """(PipelineSpec, {executor: platform config}) of a kubeflow package or a vertex job file."""
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".json":
        return json.loads(text)["pipelineSpec"], {}
    documents = list(yaml.safe_load_all(text))
    platform = documents[1]["platforms"]["kubernetes"]["deploymentSpec"]["executors"] if len(documents) > 1 else {}
    return documents[0], platform


def rel(path: Path) -> str:
    """`path` relative to the repository, for test ids."""
    return path.relative_to(REPO).as_posix()
