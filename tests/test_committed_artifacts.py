"""Artifacts committed inside the project stay true: `--check` after a compile, manifests, many files.

The workflow pipec exists for: compile into a folder of the project, commit it, and let CI
run `pipec compile --check`. These tests run the real command line in fresh processes.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

import pytest

from pipec import targets
from pipec.build.context import (
    ALWAYS_EXCLUDED,
    generated_dockerignore,
    literal_pattern,
    matcher_for,
    scan_context,
    walk_context,
)
from pipec.compiler import manifest

IMAGE = re.compile(r"pipec\.local/[a-z0-9._-]+:[0-9a-f]{16}")


def _project(tmp_path: Path, case: str = "diamond") -> Path:
    root = tmp_path / "proj"
    shutil.copytree(Path(__file__).resolve().parent.parent / "examples" / case, root,
                    ignore=shutil.ignore_patterns("__pycache__", ".pipec"))
    return root


def _tags(folder: Path) -> set[str]:
    return {m for p in folder.rglob("*") if p.is_file() for m in IMAGE.findall(p.read_text(errors="replace"))}


@pytest.mark.parametrize("target", targets.names())
def test_check_passes_right_after_a_compile_inside_the_project(cli, tmp_path: Path, target: str) -> None:
    """For every target: compile into the project, --check passes; editing a step or a committed file fails it."""
    root = _project(tmp_path)
    argv = ["compile", "run.py", "--target", target, "--out", "deploy"]
    first = cli.run(argv, cwd=root)
    assert first.returncode == 0, first.stderr
    assert (root / "deploy" / manifest.MANIFEST).is_file()
    check = cli.run([*argv, "--check"], cwd=root)
    assert check.returncode == 0, check.stdout + check.stderr
    again = cli.run(argv, cwd=root)
    assert again.returncode == 0 and " 0 files written" in " " + again.stdout.splitlines()[-1], again.stdout

    produced = sorted(p for p in (root / "deploy" / target).rglob("*") if p.is_file())
    committed = produced[0]
    original = committed.read_bytes()
    committed.write_bytes(original + b"\n# edited\n")
    check = cli.run([*argv, "--check"], cwd=root)
    assert check.returncode == 1 and "to regenerate, run:\n  pipec compile run.py --target" in check.stdout
    committed.write_bytes(original)

    code = root / "run.py"
    code.write_text(code.read_text().replace("return", "return  ", 1))
    check = cli.run([*argv, "--check"], cwd=root)
    if _tags(root / "deploy"):  # the step image changes with the code, so do the artifacts naming it
        assert check.returncode == 1, check.stdout + check.stderr
        assert "(1 changed" in check.stdout or "changed)" in check.stdout, check.stdout
    else:
        assert check.returncode in (0, 1), check.stdout + check.stderr


@pytest.mark.parametrize("out", ["deploy", "a/b/deploy", ".", "../outside", "out"])
def test_check_passes_for_any_output_folder(cli, tmp_path: Path, out: str) -> None:
    """Inside the root (nested, the root itself, the old default name) or outside it: --check passes."""
    root = _project(tmp_path)
    argv = ["compile", "run.py", "--target", "all", "--out", out]
    proc = cli.run(argv, cwd=root)
    assert proc.returncode == 0, proc.stderr
    check = cli.run([*argv, "--check"], cwd=root)
    assert check.returncode == 0, check.stdout + check.stderr
    (root / "NOTES.md").write_text("an unrelated note: it is copied into the image, so tags change\n")
    assert cli.run([*argv, "--check"], cwd=root).returncode == 1


def test_build_and_compile_agree_on_tags_whatever_the_folders(cli, tmp_path: Path) -> None:
    """`pipec build --out build` and `pipec compile --out deploy`, both inside the root, in either order."""
    root = _project(tmp_path)
    env = cli.env(DOCKER_HOST="unix:///nonexistent/docker.sock")
    assert cli.run(["compile", "run.py", "--target", "argo", "--out", "deploy"], cwd=root).returncode == 0
    built = cli.run(["build", "run.py", "--out", "build"], cwd=root, env=env)
    assert built.returncode == 0, built.stderr
    built_refs = set(IMAGE.findall(built.stdout))
    assert built_refs and built_refs == _tags(root / "deploy")
    check = cli.run(["compile", "run.py", "--target", "argo", "--out", "deploy", "--check"], cwd=root)
    assert check.returncode == 0, check.stdout
    ignore = (root / "build/docker/diamond/load/Dockerfile.dockerignore").read_text()
    assert ignore.endswith("/build\n/deploy\n"), ignore


def test_manifest_keeps_other_sources_and_drops_deleted_ones(cli, tmp_path: Path) -> None:
    """Two modules compiled one at a time into one folder keep each other's files; a deleted module's go."""
    root = _project(tmp_path)
    shutil.copy(root / "run.py", root / "second.py")
    (root / "second.py").write_text((root / "second.py").read_text().replace("def diamond(", "def second("))
    for name in ("run.py", "second.py"):
        assert cli.run(["compile", name, "--target", "ir", "--out", "deploy"], cwd=root).returncode == 0
    assert sorted(p.name for p in (root / "deploy/ir").iterdir()) == ["diamond.json", "second.json"]
    listed = json.loads((root / "deploy" / manifest.MANIFEST).read_text())["sources"]
    assert listed == {"../run.py": ["ir/diamond.json"], "../second.py": ["ir/second.json"]}
    both = ["compile", "run.py", "second.py", "--target", "ir", "--out", "deploy", "--check"]
    assert cli.run(both, cwd=root).returncode == 0

    (root / "second.py").unlink()
    check = cli.run(["compile", "run.py", "--target", "ir", "--out", "deploy", "--check"], cwd=root)
    assert check.returncode == 1 and "--- deploy/ir/second.json\n+++ /dev/null" in check.stdout, check.stdout
    proc = cli.run(["compile", "run.py", "--target", "ir", "--out", "deploy"], cwd=root)
    assert "removed deploy/ir/second.json" in proc.stdout, proc.stdout
    assert cli.run(["compile", "run.py", "--target", "ir", "--out", "deploy", "--check"], cwd=root).returncode == 0


def test_many_files_in_one_process_report_everything_and_exit_with_the_worst(cli, tmp_path: Path) -> None:
    root = _project(tmp_path)
    (root / "broken.py").write_text("from pipec import pipeline, step\n\n@pipeline\ndef p():\n    nothing()\n")
    proc = cli.run(["compile", "run.py", "broken.py", "--target", "ir", "--out", "deploy"], cwd=root)
    assert proc.returncode == 2 and "broken.py:5:5: error[PC103]" in proc.stderr, proc.stderr
    assert not (root / "deploy").exists(), "nothing is written when any file has errors"
    (root / "broken.py").unlink()
    assert cli.run(["compile", "run.py", "--target", "ir", "--out", "deploy"], cwd=root).returncode == 0
    (root / "deploy/ir/diamond.json").write_text("{}\n")
    (root / "broken.py").write_text("from pipec import pipeline\n\n@pipeline\ndef p(:\n")
    proc = cli.run(["compile", "run.py", "broken.py", "--target", "ir", "--out", "deploy", "--check"], cwd=root)
    assert proc.returncode == 2 and "error[PC001]" in proc.stderr, proc.stderr


def test_two_sources_writing_one_file_is_an_error(cli, tmp_path: Path) -> None:
    root = _project(tmp_path)
    shutil.copy(root / "run.py", root / "twin.py")
    (root / "twin.py").write_text((root / "twin.py").read_text().replace("n: int = 10", "n: int = 11"))
    proc = cli.run(["compile", "run.py", "twin.py", "--target", "ir", "--out", "deploy"], cwd=root)
    assert proc.returncode == 2 and "error[PC382]: `run.py` and `twin.py` both write `ir/diamond.json`" in proc.stderr, \
        proc.stderr


def test_an_output_folder_holding_the_source_is_refused(cli, tmp_path: Path) -> None:
    root = _project(tmp_path)
    proc = cli.run(["compile", "proj/run.py", "--target", "ir", "--out", ".", "--root", "proj"], cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr  # ./ir/ holds no source
    shutil.rmtree(tmp_path / "ir")
    os.rename(root, tmp_path / "ir")
    proc = cli.run(["compile", "ir/run.py", "--target", "ir", "--out", "."], cwd=tmp_path)
    assert proc.returncode == 2 and "error[PC383]" in proc.stderr, proc.stderr
    assert (tmp_path / "ir" / "run.py").is_file()


def test_project_table_compiles_and_checks_without_arguments(cli, tmp_path: Path) -> None:
    root = _project(tmp_path)
    (root / "pipelines").mkdir()
    shutil.copy(root / "run.py", root / "pipelines" / "other.py")
    other = root / "pipelines" / "other.py"
    other.write_text(other.read_text().replace("def diamond(", "def other("))
    (root / "pyproject.toml").write_text(
        (root / "pyproject.toml").read_text()
        + '\n[tool.pipec.compile]\nfiles = ["run.py", "pipelines/*.py"]\ntargets = ["ir", "argo"]\nout = "deploy"\n')
    proc = cli.run(["compile"], cwd=root)
    assert proc.returncode == 0, proc.stderr
    assert {p.name for p in (root / "deploy/ir").iterdir()} == {"diamond.json", "other.json"}
    assert cli.run(["compile", "--check"], cwd=root / "pipelines").returncode == 0, "found from a subfolder"
    other.write_text(other.read_text().replace("return", "return  ", 1))
    check = cli.run(["compile", "--check"], cwd=root)
    assert check.returncode == 1 and check.stdout.endswith("to regenerate, run:\n  pipec compile\n"), check.stdout
    assert cli.run(["compile", "--check", "--root", str(root)], cwd=tmp_path).returncode == 1


@pytest.mark.parametrize(("table", "expected"), [
    ('files = ["run.py"]\ntarget = ["ir"]\n', "unknown key `target` in pyproject.toml [tool.pipec.compile]"),
    ('files = ["nope/*.py"]\ntargets = ["ir"]\n', "error[PC381]: `nope/*.py` in `files` matches no file"),
    ('files = ["run.py"]\n', "names no `targets` (or `stack`)"),
    ('targets = ["ir"]\n', "has no `files`"),
    ('files = [{ file = "run.py", pipline = "x" }]\ntargets = "ir"\n', "unknown key `pipline` in entry 1"),
])
def test_project_table_errors_point_at_the_key(cli, tmp_path: Path, table: str, expected: str) -> None:
    root = _project(tmp_path)
    (root / "pyproject.toml").write_text((root / "pyproject.toml").read_text() + "\n[tool.pipec.compile]\n" + table)
    proc = cli.run(["compile", "--check"], cwd=root)
    assert proc.returncode == 2 and expected in proc.stderr, proc.stderr
    assert "pyproject.toml:" in proc.stderr and cli.traceback not in proc.stderr


def test_no_file_and_no_table(cli, tmp_path: Path) -> None:
    root = _project(tmp_path)
    proc = cli.run(["compile"], cwd=root)
    assert proc.returncode == 2 and "error[PC380]: no FILE given and no compile table" in proc.stderr, proc.stderr


def test_a_broken_manifest_is_a_clear_error(cli, tmp_path: Path) -> None:
    root = _project(tmp_path)
    (root / "deploy").mkdir()
    (root / "deploy" / manifest.MANIFEST).write_text("<<<<<<< HEAD\n")
    proc = cli.run(["compile", "run.py", "--target", "ir", "--out", "deploy"], cwd=root)
    assert proc.returncode == 2 and "error[PC384]" in proc.stderr and "merge conflict" in proc.stderr, proc.stderr


# --------------------------------------------------------------------------- the context walk


def test_marked_folders_and_listed_root_targets_are_left_out(tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "a.py").write_text("x = 1\n")
    (tmp_path / "gen" / "airflow").mkdir(parents=True)
    (tmp_path / "gen" / manifest.MANIFEST).write_text(manifest.Manifest({"../x.py": ["airflow/x.py"]}).render())
    (tmp_path / "gen" / "airflow" / "x.py").write_text("dag\n")
    (tmp_path / "argo").mkdir()
    (tmp_path / "argo" / "x.yaml").write_text("wf\n")
    (tmp_path / manifest.MANIFEST).write_text(manifest.Manifest({"x.py": ["argo/x.yaml"]}).render())
    walked = walk_context(tmp_path, matcher_for(()), ("later",))
    assert [e.rel for e in walked.entries] == ["src", "src/a.py"]
    assert walked.outputs == (manifest.MANIFEST, "argo", "gen", "later")


def test_literal_patterns_match_exactly_that_path() -> None:
    for rel in ["deploy", "a b ", "#x", "!y", "we*ird?[x]\\z", "n\nl", "dir/sub out"]:
        matcher = matcher_for([literal_pattern(rel)])
        assert matcher.excluded(rel) and matcher.excluded(rel + "/f"), rel
        assert not matcher.excluded("other") and not matcher.excluded(rel + "x"), rel


def _scan(root: Path):
    """One command's scan: load the root's digest cache, hash, save."""
    from pipec.build.digest_cache import DigestCache

    cache = DigestCache(root)
    found = scan_context(root, None, (), cache)
    cache.save()
    return found


def test_the_stat_cache_reads_unchanged_files_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An unchanged file is hashed once; an ignored one never; a changed one (even back-dated) again."""
    from pipec.build import context as build_context
    from pipec.build import digest_cache

    monkeypatch.setattr(digest_cache, "RACY_NS", 0)  # files written a moment ago count as settled here
    for name in ("big.bin", "code.py", "ignored/data.bin"):
        path = tmp_path / name
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(name.encode() * 1000)
    (tmp_path / ".dockerignore").write_text("ignored\n")
    opened: list[str] = []
    real = build_context._file_digest
    monkeypatch.setattr(build_context, "_file_digest", lambda p: opened.append(p.name) or real(p))
    first = _scan(tmp_path)
    assert sorted(opened) == [".dockerignore", "big.bin", "code.py"], opened
    opened.clear()
    second = _scan(tmp_path)
    assert second.digest == first.digest and opened == []
    stat = (tmp_path / "code.py").stat()
    (tmp_path / "code.py").write_bytes(b"x" * stat.st_size)  # same size...
    os.utime(tmp_path / "code.py", ns=(stat.st_atime_ns, stat.st_mtime_ns))  # ...and the old mtime
    third = _scan(tmp_path)
    assert opened == ["code.py"] and third.digest != first.digest
    assert (tmp_path / ".pipec/cache/.gitignore").read_text().endswith("*\n")


def test_the_stat_cache_rereads_files_changed_just_before_hashing(tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """A file written within the racy window could change again unseen in the same clock tick: not cached."""
    from pipec.build import context as build_context

    (tmp_path / "fresh.py").write_text("x = 1\n")
    opened: list[str] = []
    real = build_context._file_digest
    monkeypatch.setattr(build_context, "_file_digest", lambda p: opened.append(p.name) or real(p))
    _scan(tmp_path)
    _scan(tmp_path)
    assert opened == ["fresh.py", "fresh.py"]


def test_a_large_context_without_dockerignore_warns_once(cli, tmp_path: Path) -> None:
    root = _project(tmp_path)
    (root / "data").mkdir()
    with open(root / "data" / "raw.bin", "wb") as handle:  # sparse: no disk, but 120 MB to hash
        handle.truncate(120 * 1024 * 1024)
    proc = cli.run(["compile", "run.py", "--target", "argo", "--target", "kubeflow", "--out", "deploy"], cwd=root)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr.count("warning[PC379]") == 1, proc.stderr
    assert "data (120.0 MB)" in proc.stderr and "add a .dockerignore file" in proc.stderr
    (root / ".dockerignore").write_text("data/\n")
    proc = cli.run(["compile", "run.py", "--target", "argo", "--out", "deploy"], cwd=root)
    assert "PC379" not in proc.stderr


def test_pipec_never_hides_a_users_folder_named_out() -> None:
    assert "out" not in ALWAYS_EXCLUDED


@pytest.mark.filterwarnings("ignore::FutureWarning")  # docker-py's own pattern compiler warns on `[[]`
def test_generated_dockerignore_agrees_with_docker_py(tmp_path: Path) -> None:
    """What `Dockerfile.dockerignore` leaves out, read by Docker's Python client (docker-py's
    `exclude_paths`, with its own .dockerignore line handling), is what pipec's context digest leaves out:
    the user's lines, pipec's own exclusions and output folders with hostile names."""
    docker_build = pytest.importorskip("docker.utils.build")
    outputs = ("!y", "#x", "a b ", "deploy", "dir/sub out", "we*ird?[x]\\z")
    for name in (*outputs, "keep", "dir", ".git", "sub/.venv", "a"):
        (tmp_path / name).mkdir(parents=True, exist_ok=True)
        (tmp_path / name / "f.txt").write_text("x\n")
    for name in ("top.py", "notes.log", "dir/other.txt", "x.pyc"):
        (tmp_path / name).write_text("x\n")
    user = ["*.log", "!keep/*.log"]
    text = generated_dockerignore(user, outputs)
    lines = [line.strip() for line in text.splitlines()]
    exclude = [line for line in lines if line and not line.startswith("#")]  # as docker-py reads the file
    docker_files = {p for p in docker_build.exclude_paths(str(tmp_path), exclude) if (tmp_path / p).is_file()}
    ours = {e.rel for e in walk_context(tmp_path, matcher_for(user), outputs).entries if e.kind == "f"}
    assert ours == docker_files == {"top.py", "dir/other.txt", "dir/f.txt", "keep/f.txt", "a/f.txt"}
