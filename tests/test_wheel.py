"""The wheel ships the whole package tree, and the installed wheel compiles.

An editable install imports any module under `src/pipec/`, so every other test passes even when
a wheel would leave a package out. These tests build the wheel from a snapshot of the working
tree (tests/scratch_git.py), compare its files with `src/pipec/`, and run `pipec compile` from a
fresh virtual environment that has only the wheel and its dependencies.
"""

from __future__ import annotations

import os
import sys
import zipfile
from pathlib import Path

import pytest

from tests.helpers.scratch_git import new_venv, pipec_wheel, repo_snapshot, run

REPO = Path(__file__).resolve().parent.parent


def _package_files(snapshot: Path) -> set[str]:
    """Every file of `src/pipec/` that a wheel must carry (sources and package data), as wheel paths."""
    root = snapshot / "src"
    return {p.relative_to(root).as_posix() for p in (root / "pipec").rglob("*")
            if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc"}


def test_wheel_holds_every_module_and_data_file(tmp_path_factory: pytest.TempPathFactory) -> None:
    """A module or template added anywhere under src/pipec/ is in the wheel without listing it."""
    snapshot, _ = repo_snapshot(tmp_path_factory)
    [wheel] = pipec_wheel(tmp_path_factory).glob("pipec-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        shipped = {name for name in archive.namelist() if name.startswith("pipec/")}
    expected = _package_files(snapshot)
    assert expected, "no files under src/pipec/ in the snapshot"
    assert sorted(expected - shipped) == [], "files of src/pipec/ missing from the wheel"
    assert sorted(shipped - expected) == [], "files in the wheel that src/pipec/ does not hold"
    # Every folder with modules is a package: a folder without __init__.py would ship as loose files.
    folders = {str(Path(name).parent) for name in expected if name.endswith(".py")}
    assert sorted(f for f in folders if f"{f}/__init__.py" not in expected) == []


def test_installed_wheel_compiles_every_target(tmp_path: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    """`pipec compile --target all` from a venv holding the wheel alone (no source tree on the path)."""
    if not sys.platform.startswith("linux"):
        pytest.skip("the venv layout below is the POSIX one")
    [wheel] = pipec_wheel(tmp_path_factory).glob("pipec-*.whl")
    venv = new_venv(tmp_path / "venv")
    environ = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "VIRTUAL_ENV"}}
    run([str(venv / "bin" / "python"), "-m", "pip", "install", "-q", str(wheel)], tmp_path, environ)
    where = run([str(venv / "bin" / "python"), "-c", "import pipec; print(pipec.__file__)"], tmp_path, environ)
    assert str(venv) in where.stdout, f"pipec imported from outside the venv: {where.stdout}"
    project = tmp_path / "project"
    project.mkdir()
    (project / "run.py").write_text((REPO / "examples" / "diamond" / "run.py").read_text())
    proc = run([str(venv / "bin" / "pipec"), "compile", "run.py", "--target", "all", "--out", "out"],
               project, environ)
    written = sorted(p.relative_to(project / "out").as_posix() for p in (project / "out").rglob("*")
                     if p.is_file() and not p.name.startswith("."))
    targets = {name.split("/")[0] for name in written}
    assert {"airflow", "argo", "github", "ir", "kubeflow", "sagemaker", "tekton", "vertex"} <= targets, proc.stdout
