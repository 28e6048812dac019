"""The README's GitHub Actions and GitLab CI jobs (section "Committed artifacts in CI"), as
written there: checked by the engines' own validators and run on a scratch project.

* actionlint (with shellcheck on the `run:` scripts) and check-jsonschema's vendored GitHub
  workflow schema accept the workflow; check-jsonschema's GitLab CI schema accepts the GitLab
  file; both tools reject a broken copy, so they did look.
* The jobs' shell commands run in a fresh virtualenv (the hosted runner's Python) in a scratch
  git repository holding the README's compile table and committed artifacts, with the job's
  environment as the engine would build it. The only stand-in is the user's CI variable
  `PIPEC_WHEELS`: a folder holding pipec's wheel built from this working tree (pipec is not on
  PyPI; its dependencies come from the index as in CI). The job must pass on fresh artifacts and
  fail, showing the diff and the regenerate command, after a step's body changes.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Mapping
from pathlib import Path

import pytest
import yaml

from tests.helpers.scratch_git import (
    change_step,
    env,
    new_venv,
    pipec_wheel,
    readme_block,
    run,
    scratch_project,
    tool,
)

GITHUB = "# .github/workflows/pipec.yml"
GITLAB = "# .gitlab-ci.yml"
#: `uses:` steps that only make sense on a hosted runner: the checkout is the scratch project
#: itself, and the fresh virtualenv stands in for setup-python's interpreter.
RUNNER_ONLY = ("actions/checkout@", "actions/setup-python@")
#: Keys of a `run:` step the test knows how to execute.
RUN_KEYS = {"name", "id", "run", "env"}


def _write(folder: Path, marker: str, text: str) -> Path:
    path = folder / marker.removeprefix("# ")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def _validate(argv: list[str], cwd: Path) -> tuple[int, str]:
    proc = run(argv, cwd, os.environ, timeout=300, check=False)
    return proc.returncode, proc.stdout


@pytest.fixture(scope="module")
def actionlint() -> list[str]:
    """actionlint with shellcheck passed explicitly (without one it silently skips `run:` scripts)."""
    return [tool("actionlint"), "-no-color", "-oneline", "-shellcheck", tool("shellcheck"), "-pyflakes="]


def test_github_workflow_is_valid(tmp_path: Path, actionlint: list[str]) -> None:
    """actionlint and GitHub's workflow schema accept the README's workflow, and reject it without `runs-on`."""
    text = readme_block(GITHUB)
    path = _write(tmp_path, GITHUB, text)
    schema = [tool("check-jsonschema"), "--builtin-schema", "vendor.github-workflows"]
    assert _validate([*actionlint, str(path)], tmp_path) == (0, "")
    code, out = _validate([*schema, str(path)], tmp_path)
    assert code == 0, out

    broken = yaml.safe_load(text)
    del broken["jobs"]["artifacts"]["runs-on"]
    _write(tmp_path, GITHUB, yaml.safe_dump(broken))
    code, out = _validate([*actionlint, str(path)], tmp_path)
    assert code == 1 and '"runs-on" section is missing' in out, out
    assert _validate([*schema, str(path)], tmp_path)[0] == 1


def test_gitlab_file_is_valid(tmp_path: Path) -> None:
    """GitLab's CI schema accepts the README's .gitlab-ci.yml, and rejects it with `script` misspelt."""
    text = readme_block(GITLAB)
    path = _write(tmp_path, GITLAB, text)
    schema = [tool("check-jsonschema"), "--builtin-schema", "vendor.gitlab-ci"]
    code, out = _validate([*schema, str(path)], tmp_path)
    assert code == 0, out

    broken = yaml.safe_load(text)
    for job in broken.values():
        job["scripts"] = job.pop("script")
    _write(tmp_path, GITLAB, yaml.safe_dump(broken))
    assert _validate([*schema, str(path)], tmp_path)[0] == 1


# --------------------------------------------------------------------------- running the jobs


def _github_value(text: str, variables: Mapping[str, str]) -> str:
    """`text` with each ``${{ vars.NAME }}`` replaced; any other expression fails the test."""
    def evaluate(match: re.Match[str]) -> str:
        name = re.fullmatch(r"vars\.([A-Za-z_][A-Za-z0-9_]*)", match.group(1).strip())
        assert name, f"the test evaluates only vars.NAME expressions, not {match.group(0)!r}"
        return variables.get(name.group(1), "")  # GitHub: an unset variable is empty
    return re.sub(r"\$\{\{(.*?)\}\}", evaluate, text)


def _github_scripts(workflow: dict, variables: Mapping[str, str]) -> list[tuple[dict[str, str], str]]:
    """(environment, script) of each `run:` step of the workflow's one job, in order."""
    [job] = workflow["jobs"].values()
    assert not job.get("defaults") and "container" not in job, "the test runs steps on the host with bash"
    scripts = []
    for step in job["steps"]:
        if "uses" in step:
            assert step["uses"].startswith(RUNNER_ONLY), f"the test does not know how to run {step['uses']}"
            continue
        assert set(step) <= RUN_KEYS, f"the test does not know how to run a step with {sorted(set(step) - RUN_KEYS)}"
        environ = {**workflow.get("env", {}), **job.get("env", {}), **step.get("env", {})}
        scripts.append(({k: _github_value(str(v), variables) for k, v in environ.items()},
                        _github_value(step["run"], variables)))
    return scripts


def _gitlab_scripts(config: dict, variables: Mapping[str, str]) -> list[tuple[dict[str, str], str]]:
    """(environment, script) of the file's one job: its `before_script` and `script` lines as
    one shell session, with `variables` (global, then the job's) expanded as GitLab does."""
    jobs = {k: v for k, v in config.items() if isinstance(v, dict) and not k.startswith(".")
            and k not in {"variables", "default", "workflow", "include", "stages"}}
    [job] = jobs.values()
    environ: dict[str, str] = {}
    for key, value in {**config.get("variables", {}), **job.get("variables", {})}.items():
        scope = {**variables, **environ}
        environ[key] = re.sub(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?",
                              lambda m, scope=scope: scope.get(m.group(1), ""), str(value))
    lines = [*job.get("before_script", []), *job["script"]]
    return [(environ, "\n".join(lines))]


def _run_job(scripts: list[tuple[dict[str, str], str]], project: Path, venv: Path) -> tuple[int, str]:
    """Run the scripts in order, each with bash as GitHub's `run:` and GitLab's runner do
    (`-eo pipefail`, stop at the first failure); (exit code of the last one run, all output)."""
    base = env(project.parent / "home")
    base.pop("PYTHONHOME", None)
    base.update(VIRTUAL_ENV=str(venv), PATH=os.pathsep.join([str(venv / "bin"), base["PATH"]]))
    output = []
    for environ, script in scripts:
        proc = run([tool("bash"), "--noprofile", "--norc", "-eo", "pipefail", "-c", script], project,
                   {**base, **environ}, check=False)
        output.append(proc.stdout)
        if proc.returncode != 0:
            return proc.returncode, "".join(output)
    return 0, "".join(output)


@pytest.mark.parametrize("marker", [GITHUB, GITLAB], ids=["github", "gitlab"])
def test_job_passes_on_fresh_artifacts_and_fails_on_stale_ones(marker: str, tmp_path: Path,
                                                               tmp_path_factory: pytest.TempPathFactory) -> None:
    """The README job installs pipec from the wheel, passes as committed, fails after a step change."""
    if not sys.platform.startswith("linux"):
        pytest.skip("the jobs run on Linux runners")
    wheels = pipec_wheel(tmp_path_factory)
    table = readme_block("# pyproject.toml").split("\n", 1)[1]
    project = scratch_project(tmp_path / "project", env(tmp_path / "home"), table)
    venv = new_venv(tmp_path / "venv")
    # What the user's CI variable would hold; the machine's own find-links stay usable.
    variables = {"PIPEC_WHEELS": " ".join(filter(None, [str(wheels), os.environ.get("PIP_FIND_LINKS")]))}
    config = yaml.safe_load(readme_block(marker))
    scripts = (_github_scripts if marker == GITHUB else _gitlab_scripts)(config, variables)

    code, out = _run_job(scripts, project, venv)
    assert code == 0, out
    [wheel] = wheels.glob("pipec-*.whl")
    assert wheel.name in out, f"pipec did not come from the local wheel:\n{out}"
    assert "files up to date in deploy/" in out

    change_step(project)
    code, out = _run_job(scripts, project, venv)
    assert code == 1, out
    assert "--- deploy/argo/tiny.yaml" in out and "+      image: pipec.local/tiny:" in out
    assert "to regenerate, run:\n  pipec compile\n" in out
