"""The pre-commit hooks of .pre-commit-hooks.yaml, run by the real `pre-commit` on a scratch
git repository holding a pipeline project (the README's `[tool.pipec.compile]` table) and its
committed artifacts.

pre-commit builds pipec from a snapshot of this repository's working tree into its own
virtualenv (dependencies from PyPI, as a user's pre-commit does), once per `try-repo` call and
once for the README's configuration. Its store goes under the test's temporary folder.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tests.helpers.scratch_git import (
    change_step,
    compile_project,
    env,
    git,
    readme_block,
    repo_snapshot,
    run,
    scratch_project,
    tool,
)

HOOK_IDS = ["pipec-check", "pipec-compile"]


@pytest.fixture
def project(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """(the scratch project's folder, the environment to run git and pre-commit in)."""
    environ = env(tmp_path / "home")
    table = readme_block("# pyproject.toml").split("\n", 1)[1]
    return scratch_project(tmp_path / "project", environ, table), environ


def _try_repo(folder: Path, environ: dict[str, str], hook: str, tmp_path_factory: pytest.TempPathFactory):
    snapshot, _ = repo_snapshot(tmp_path_factory)
    return run([tool("pre-commit"), "try-repo", str(snapshot), hook, "--all-files", "--color", "never"],
               folder, environ, check=False)


def test_manifest_declares_the_hooks() -> None:
    """Both hooks compile the configured project as a whole: no file names, on every commit."""
    hooks = yaml.safe_load((Path(__file__).parent.parent / ".pre-commit-hooks.yaml").read_text())
    assert [h["id"] for h in hooks] == HOOK_IDS
    by_id = {h["id"]: h for h in hooks}
    assert by_id["pipec-check"]["entry"] == "pipec compile --check"
    assert by_id["pipec-compile"]["entry"] == "pipec compile"
    for hook in hooks:
        assert hook["language"] == "python" and hook["pass_filenames"] is False and hook["always_run"] is True


def test_check_hook_passes_on_fresh_artifacts_and_fails_on_stale_ones(project, tmp_path_factory) -> None:
    """`pre-commit try-repo pipec-check`: passes as committed; after a step's body changes it
    fails with the diff of the image tag and the regenerate command."""
    folder, environ = project
    fresh = _try_repo(folder, environ, "pipec-check", tmp_path_factory)
    assert fresh.returncode == 0, fresh.stdout
    assert "pipec compile --check" in fresh.stdout and "Passed" in fresh.stdout

    change_step(folder)
    stale = _try_repo(folder, environ, "pipec-check", tmp_path_factory)
    assert stale.returncode == 1, stale.stdout
    assert "Failed" in stale.stdout and "- exit code: 1" in stale.stdout
    assert "--- deploy/argo/tiny.yaml" in stale.stdout
    assert "-      image: pipec.local/tiny:" in stale.stdout and "+      image: pipec.local/tiny:" in stale.stdout
    assert "to regenerate, run:\n  pipec compile\n" in stale.stdout
    assert git(folder, environ, "status", "--porcelain") == " M pipelines/tiny.py\n", "the check wrote files"


def test_compile_hook_regenerates_and_stops_the_commit(project, tmp_path_factory) -> None:
    """`pre-commit try-repo pipec-compile`: passes when nothing changes; after a step's body
    changes it rewrites the artifact and fails, as hooks that modify files do."""
    folder, environ = project
    fresh = _try_repo(folder, environ, "pipec-compile", tmp_path_factory)
    assert fresh.returncode == 0, fresh.stdout

    change_step(folder)
    stale = _try_repo(folder, environ, "pipec-compile", tmp_path_factory)
    assert stale.returncode == 1, stale.stdout
    assert "files were modified by this hook" in stale.stdout
    assert "wrote deploy/argo/tiny.yaml" in stale.stdout
    assert git(folder, environ, "status", "--porcelain") == " M deploy/argo/tiny.yaml\n M pipelines/tiny.py\n"
    compile_project(folder, "--check")


def test_readme_configuration_guards_git_commit(project, tmp_path_factory) -> None:
    """The README's .pre-commit-config.yaml (its placeholder `repo`/`rev` pointed at this
    repository's snapshot), installed as the git hook: `git commit` of a step change without
    its artifacts is refused with the diff; after `pipec compile` it goes through."""
    folder, environ = project
    snapshot, sha = repo_snapshot(tmp_path_factory)
    config = yaml.safe_load(readme_block("# .pre-commit-config.yaml"))
    [entry] = config["repos"]
    assert entry["hooks"] == [{"id": "pipec-check"}]
    entry.update(repo=str(snapshot), rev=sha)
    (folder / ".pre-commit-config.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    pre_commit = tool("pre-commit")
    run([pre_commit, "validate-config", ".pre-commit-config.yaml"], folder, environ)
    compile_project(folder)  # the new file is part of the images' build context
    git(folder, environ, "add", "-A")
    run([pre_commit, "install"], folder, environ)
    git(folder, environ, "commit", "-q", "-m", "pre-commit")  # the hook runs and passes

    change_step(folder)
    refused = run([tool("git"), "commit", "-a", "-m", "step change"], folder, environ, check=False)
    assert refused.returncode == 1, refused.stdout
    assert "pipec compile --check" in refused.stdout and "Failed" in refused.stdout
    assert "--- deploy/argo/tiny.yaml" in refused.stdout and "  pipec compile\n" in refused.stdout
    assert git(folder, environ, "log", "--format=%s", "-1") == "pre-commit\n"

    compile_project(folder)
    git(folder, environ, "commit", "-q", "-a", "-m", "step change")
    assert git(folder, environ, "status", "--porcelain") == ""
