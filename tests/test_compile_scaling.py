"""Compile cost does not grow with pipelines x targets x files (issue 17 item 7).

The source root (the build context of every step image) is walked and hashed once per
compile, whatever the number of pipelines and targets; a many-pipeline compile over a
root of many files stays within a fixed address space. Timings are in
bench/context_scaling.py, not here.
"""

from __future__ import annotations

import resource
import subprocess
import sys
from pathlib import Path

import pytest

import pipec.build.context as build_context
from pipec.cli.main import main

HEADER = 'from pipec import pipeline, step\n\n\n@step\ndef s(x: str = "") -> str:\n    return x\n'
#: Address space of the compiling process for the many-files case (a normal compile needs ~60 MB RSS).
ADDRESS_SPACE = 1 << 30


def _project(root: Path, pipelines: int, files: int) -> None:
    (root / "pyproject.toml").write_text("[project]\nname = 'scale'\n")
    (root / "data").mkdir()
    for i in range(files):
        (root / "data" / f"f{i:04d}.csv").write_text("a,b\n1,2\n")
    (root / "run.py").write_text(HEADER + "".join(f"\n\n@pipeline\ndef p{i}():\n    s()\n" for i in range(pipelines)))


def test_the_source_root_is_hashed_once_per_compile(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _project(tmp_path, pipelines=12, files=50)
    scans: list[Path] = []
    real = build_context.scan_context

    def counting(root, *args, **kwargs):
        scans.append(root)
        return real(root, *args, **kwargs)

    monkeypatch.setattr(build_context, "scan_context", counting)
    monkeypatch.chdir(tmp_path)
    assert main(["compile", "run.py", "--target", "all", "--out", "deploy", "--color", "never"]) == 0
    assert len(scans) == 1, scans  # not once per pipeline (12) nor per container target
    assert main(["compile", "run.py", "--target", "all", "--out", "deploy", "--color", "never"]) == 0
    assert len(scans) == 2, scans  # a later compile in the same process hashes again: no stale digest


def test_each_pipelines_images_are_planned_once_for_all_targets(tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    import pipec.build.image as image

    _project(tmp_path, pipelines=12, files=3)
    planned: list[str] = []
    real = image.plan_images

    def counting(pipeline, *args, **kwargs):
        planned.append(pipeline.name)
        return real(pipeline, *args, **kwargs)

    monkeypatch.setattr(image, "plan_images", counting)
    monkeypatch.chdir(tmp_path)
    assert main(["compile", "run.py", "--target", "all", "--out", "deploy", "--color", "never", "--no-cache"]) == 0
    assert sorted(planned) == sorted(f"p{i}" for i in range(12)), planned  # not once per target (14 ask)


def test_each_pipelines_plan_text_is_dumped_once_for_all_targets(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """Kubernetes and the three SkyPilot clouds embed the same IR text of a pipeline: dumped once."""
    import gc

    from pipec.ir import codec

    _project(tmp_path, pipelines=12, files=3)
    dumped: list[str] = []
    real = codec.pipeline_to_json

    def counting(pipe):
        dumped.append(pipe.name)
        return real(pipe)

    monkeypatch.setattr(codec, "pipeline_to_json", counting)
    monkeypatch.chdir(tmp_path)
    gc.collect()
    before = set(codec._TEXTS)
    assert main(["compile", "run.py", "--target", "all", "--out", "deploy", "--color", "never", "--no-cache"]) == 0
    assert sorted(dumped) == sorted(f"p{i}" for i in range(12)), dumped  # not 4 times each
    assert "p3" in (tmp_path / "deploy" / "vm_aws" / "p3.yaml").read_text()
    gc.collect()
    assert set(codec._TEXTS) <= before  # released with the pipelines


def _cap() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE, ADDRESS_SPACE))


def test_many_pipelines_over_many_files_fit_a_fixed_address_space(tmp_path: Path) -> None:
    _project(tmp_path, pipelines=40, files=3000)
    proc = subprocess.run([sys.executable, "-m", "pipec", "compile", "run.py", "--target", "all", "--out", "deploy",
                           "--color", "never"], cwd=tmp_path, capture_output=True, text=True, timeout=300,
                          preexec_fn=_cap)
    assert proc.returncode == 0, proc.stderr
    assert len(list((tmp_path / "deploy" / "kubeflow").glob("p*.yaml"))) == 40


def test_each_output_folder_is_synced_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The folder fsync that makes renames durable runs once per folder, not once per file (with
    2,000 pipelines x all targets it was half of 60,000 fsyncs)."""
    from pipec.compiler import writer

    synced: list[Path] = []
    monkeypatch.setattr(writer, "_fsync_dir", synced.append)
    files = {f"{target}/p{i}.yaml": f"n: {i}\n" for target in ("argo", "tekton") for i in range(50)}
    assert len(writer.write_outputs(files, tmp_path)) == 100
    assert sorted(p.name for p in synced) == ["argo", "tekton"]
    assert writer.write_outputs(files, tmp_path) == [] and len(synced) == 2  # unchanged: nothing synced
