"""`pipec submit --target airflow`, against a real Airflow started by the tests.

The server tests (marker `airflow_server`, deselect with ``-m "not airflow_server"``) start an
api-server, a scheduler and a dag-processor on 127.0.0.1 once for the module (see `tests.helpers.airflow_server`),
deploy through the dags folder, trigger through the REST API and compare what the steps wrote
with `pipec run`. Without Airflow they skip, except under CI, where they fail.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from pipec.runtime import Client
from pipec.targets.airflow import submit as af
from pipec.targets.base import SubmitContext, SubmitError
from tests.helpers import requires
from tests.helpers.airflow_server import CREDENTIAL_ENV, AirflowServer, airflow_executable
from tests.helpers.servers import free_port

REPO = Path(__file__).resolve().parents[2]

skip_without_airflow = requires.mark(airflow_executable() is not None, "apache-airflow", "pip install -e '.[test]'")

#: A hand-written two-task DAG: the contract of `submit_dag` without the Airflow target.
HAND_DAG = textwrap.dedent('''\
    import datetime

    from airflow import DAG
    from airflow.providers.standard.operators.bash import BashOperator

    with DAG(dag_id="{dag_id}", schedule=None, start_date=datetime.datetime(2024, 1, 1), catchup=False,
             params={{"greeting": "hello"}}):
        first = BashOperator(task_id="first", bash_command="echo {{{{ params.greeting }}}}")
        second = BashOperator(task_id="second", bash_command="{command}")
        first >> second
    ''')

#: A pipeline whose second step always fails.
FAILING = textwrap.dedent('''\
    from pipec import pipeline, step


    @step
    def make() -> int:
        return 41


    @step
    def explode(value: int) -> int:
        raise RuntimeError(f"exploding on {value}")


    @pipeline
    def failing():
        explode(make())
    ''')


@pytest.fixture(scope="module")
def airflow_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AirflowServer]:
    """One Airflow for the module's tests, stopped (with everything it started) at the end."""
    with AirflowServer(tmp_path_factory.mktemp("airflow")) as server:
        yield server


@pytest.fixture
def credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    """The test server's admin in the environment, as a user of `pipec submit` would set it."""
    for name, value in CREDENTIAL_ENV.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv(af.TOKEN_ENV, raising=False)


def _copy(src: Path, dst: Path) -> Path:
    shutil.copytree(src, dst, ignore=shutil.ignore_patterns(".pipec", "__pycache__"))
    return dst


def _pipec(*args: str, cwd: Path, timeout: float = 240) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, **CREDENTIAL_ENV, "NO_COLOR": "1"}
    return subprocess.run([sys.executable, "-m", "pipec", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=timeout)


def _submit_args(server: AirflowServer, project: Path, store: Path) -> list[str]:
    return ["--target", "airflow", "--option", "operator=local", "--option", f"airflow_url={server.url}",
            "--option", f"dags_folder={server.dags_folder}", "--option", f"source_root={project}",
            "--option", f"artifact_store={store / 'artifacts'}",
            "--option", f"metadata_store=sqlite:///{store / 'metadata.db'}", "--timeout", "150"]


def _outputs(client: Client, run_id: str) -> dict[str, dict[str, object]]:
    run = client.get_pipeline_run(run_id)
    return {step: {name: art.load() for name, art in s.outputs.items()} for step, s in run.steps.items()}


def _submission(stdout: str) -> dict[str, object]:
    lines = [line for line in stdout.splitlines() if line.startswith("{")]
    assert len(lines) == 1, stdout
    return json.loads(lines[0])


# --------------------------------------------------------------------------- against a real server


@pytest.mark.airflow_server
@skip_without_airflow
def test_submit_diamond_matches_pipec_run(airflow_server: AirflowServer, tmp_path: Path) -> None:
    local = _copy(REPO / "examples" / "diamond", tmp_path / "local")
    ran = _pipec("run", "run.py", "--param", "n=12", cwd=local)
    assert ran.returncode == 0, ran.stderr
    expected = _outputs(Client(root=local), Client(root=local).list_pipeline_runs("diamond")[0].id)

    project = _copy(REPO / "examples" / "diamond", tmp_path / "submitted")
    store = tmp_path / "store"
    store.mkdir()
    done = _pipec("submit", "run.py", "--param", "n=12", *_submit_args(airflow_server, project, store), cwd=project)
    assert done.returncode == 0, done.stdout + done.stderr
    result = _submission(done.stdout)
    assert result["status"] == "completed"
    assert str(result["url"]).startswith(f"{airflow_server.url}/dags/diamond/runs/")
    assert "run " in done.stderr and ": success" in done.stderr  # progress went to stderr
    with urllib.request.urlopen(str(result["url"]), timeout=10) as page:  # the UI serves the link
        assert page.status == 200

    client = Client(f"sqlite:///{store / 'metadata.db'}")
    run = client.get_pipeline_run(str(result["run_id"]))
    assert run.status == "completed"
    assert run.run_metadata["orchestrator_url"] == result["url"]
    assert _outputs(client, run.id) == expected
    assert set(expected) == {"load", "stats", "scale", "join"}

    # --no-wait returns at once; the run recorded with its link still completes in Client's eyes.
    started = _pipec("submit", "run.py", "--no-wait", *_submit_args(airflow_server, project, store), cwd=project)
    assert started.returncode == 0, started.stdout + started.stderr
    later = _submission(started.stdout)
    assert later["status"] in ("queued", "running") and later["run_id"] != result["run_id"]
    deadline = time.monotonic() + 120
    while (status := client.get_pipeline_run(str(later["run_id"])).status) == "running":
        assert time.monotonic() < deadline, "the --no-wait run did not complete"
        time.sleep(1)
    assert status == "completed"
    assert client.get_pipeline_run(str(later["run_id"])).run_metadata["orchestrator_url"] == later["url"]


@pytest.mark.airflow_server
@skip_without_airflow
def test_submit_failing_pipeline_exits_1(airflow_server: AirflowServer, tmp_path: Path) -> None:
    project = tmp_path / "failing"
    project.mkdir()
    (project / "pyproject.toml").write_text("[project]\nname = 'failing'\n")
    (project / "run.py").write_text(FAILING)
    store = tmp_path / "store"
    store.mkdir()
    done = _pipec("submit", "run.py", *_submit_args(airflow_server, project, store), cwd=project)
    assert done.returncode == 1, done.stdout + done.stderr
    result = _submission(done.stdout)
    assert result["status"] == "failed"
    assert "task explode: failed" in done.stderr
    run = Client(f"sqlite:///{store / 'metadata.db'}").get_pipeline_run(str(result["run_id"]))
    assert run.status == "failed" and run.steps["explode"].status == "failed"
    assert "exploding on 41" in (run.steps["explode"].error or "")


@pytest.mark.airflow_server
@skip_without_airflow
def test_hand_written_dag_redeployed_and_triggered_without_waiting(airflow_server: AirflowServer,
                                                                   credentials: None) -> None:
    lines: list[str] = []
    options = {"airflow_url": airflow_server.url, "dags_folder": str(airflow_server.dags_folder)}
    context = SubmitContext(options=options, files={}, parameters={"greeting": "{{ not templated }}"},
                            wait=False, log=lines.append)
    first = af.submit_dag("hand", "hand.py", HAND_DAG.format(dag_id="hand", command="exit 0"), context)
    assert first.state in ("queued", "running")
    # A changed file is waited for (the old one is parsed already), then run to the end.
    second = af.submit_dag("hand", "hand.py", HAND_DAG.format(dag_id="hand", command="exit 3"),
                           SubmitContext(options=options, files={}, log=lines.append, timeout=120))
    assert second.state == "failed", lines
    assert "task second: failed" in lines
    assert sorted(p.name for p in airflow_server.dags_folder.iterdir() if p.name.startswith(".hand")) == []


@pytest.mark.airflow_server
@skip_without_airflow
def test_import_error_is_reported(airflow_server: AirflowServer, credentials: None) -> None:
    context = SubmitContext(options={"airflow_url": airflow_server.url,
                                     "dags_folder": str(airflow_server.dags_folder)}, files={}, log=lambda _: None)
    broken = "from airflow import DAG\n\nraise ValueError('this DAG file is broken on purpose')\n"
    with pytest.raises(SubmitError, match="(?s)could not import broken.py.*broken on purpose"):
        af.submit_dag("broken", "broken.py", broken, context)


@pytest.mark.airflow_server
@skip_without_airflow
def test_wrong_password_is_a_clear_error(airflow_server: AirflowServer, credentials: None,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(af.PASSWORD_ENV, "not the password")
    context = SubmitContext(options={"airflow_url": airflow_server.url,
                                     "dags_folder": str(airflow_server.dags_folder)}, files={})
    with pytest.raises(SubmitError, match=r"refused the credentials.*HTTP 401.*Invalid credentials"):
        af.submit_dag("never", "never.py", "", context)
    monkeypatch.delenv(af.USERNAME_ENV)
    with pytest.raises(SubmitError, match=r"HTTP 401.*PIPEC_AIRFLOW_TOKEN"):
        af.submit_dag("never", "never.py", "", context)


# --------------------------------------------------------------------------- without a server


def test_missing_options_name_the_fix(tmp_path: Path) -> None:
    with pytest.raises(SubmitError, match="missing options airflow_url, dags_folder: pass --option airflow_url=... "
                                          "--option dags_folder=..."):
        af.read_settings({})
    with pytest.raises(SubmitError, match="is not a folder"):
        af.read_settings({"airflow_url": "http://x", "dags_folder": str(tmp_path / "nope")})
    settings = af.read_settings({"airflow_url": "http://h:8080/", "dags_folder": str(tmp_path)})
    assert settings.parse_timeout == 300.0  # the option's default
    settings = af.read_settings({"airflow_url": "http://h:8080/", "dags_folder": str(tmp_path),
                                 "parse_timeout": "5"})
    assert (settings.api_url, settings.ui_url, settings.parse_timeout) == ("http://h:8080", "http://h:8080", 5.0)


def test_submit_option_kinds_are_checked_before_compiling() -> None:
    """A URL that is not http(s) and a timeout that is not a number are PC302 from the driver, as for
    every target's options (they used to surface only at submit time)."""
    from pipec.compiler.driver import select_targets
    from pipec.ir.diagnostics import Diagnostics

    diags = Diagnostics()
    select_targets(["airflow"], {"airflow_url": "x:8080", "ui_url": "https://ui", "parse_timeout": "soon"}, diags)
    assert sorted((d.code, d.message) for d in diags) == [
        ("PC302", "invalid value `soon` for option `parse_timeout` of target `airflow`; expected a number of "
                  "seconds"),
        ("PC302", "invalid value `x:8080` for option `airflow_url` of target `airflow`; expected an http(s) URL")]


def test_cli_without_options_exits_2(tmp_path: Path) -> None:
    project = _copy(REPO / "examples" / "diamond", tmp_path / "p")
    done = _pipec("submit", "run.py", "--target", "airflow", "--option", "operator=local", cwd=project)
    assert done.returncode == 2, done.stdout + done.stderr
    assert "missing options airflow_url, dags_folder" in done.stderr and "Traceback" not in done.stderr
    assert not (project / "dags").exists() and done.stdout == ""


def test_deploy_replaces_atomically(tmp_path: Path) -> None:
    af.deploy(tmp_path, "d.py", "one\n")
    af.deploy(tmp_path, "d.py", "two\r\n")
    assert [p.name for p in tmp_path.iterdir()] == ["d.py"]
    assert (tmp_path / "d.py").read_bytes() == b"two\r\n"


def test_dag_file_and_run_url() -> None:
    assert af.dag_file("d", {"d.py": "x", "e.py": "y"}) == ("d.py", "x")
    with pytest.raises(SubmitError, match="no DAG file d.py"):
        af.dag_file("d", {"e.py": "y"})
    assert af.run_url("http://ui", "my.dag", "manual__2024-01-01T00:00:00+00:00") == \
        "http://ui/dags/my.dag/runs/manual__2024-01-01T00%3A00%3A00%2B00%3A00"


def test_missing_client_package_says_how_to_install(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "airflow_client", None)  # what Python does when it is not installed
    context = SubmitContext(options={"airflow_url": "http://127.0.0.1:9", "dags_folder": str(tmp_path)}, files={})
    with pytest.raises(SubmitError, match=r"pip install 'pipec\[airflow\]'"):
        af.submit_dag("d", "d.py", "", context)


def test_unreachable_server(tmp_path: Path, credentials: None) -> None:
    pytest.importorskip("airflow_client")
    context = SubmitContext(options={"airflow_url": f"http://127.0.0.1:{free_port()}",
                                     "dags_folder": str(tmp_path)}, files={})
    with pytest.raises(SubmitError, match="cannot reach Airflow at http://127.0.0.1"):
        af.submit_dag("d", "d.py", "", context)
    assert list(tmp_path.iterdir()) == []  # nothing deployed before the server answered


@pytest.mark.airflow_server
@skip_without_airflow
def test_trigger_whose_answer_is_lost_is_retried_without_a_second_run(airflow_server: AirflowServer,
                                                                      credentials: None) -> None:
    """A loaded API server may create the run and time out before it answers (seen in CI); the
    retry reuses the run id, so Airflow's 409 leads back to the one run that exists."""
    import urllib3

    context = SubmitContext(options={"airflow_url": airflow_server.url,
                                     "dags_folder": str(airflow_server.dags_folder)}, files={}, wait=False,
                            log=lambda _: None)
    af.submit_dag("lost", "lost.py", HAND_DAG.format(dag_id="lost", command="exit 0"), context)
    settings = af.read_settings(context.options)
    api = af._Api(af._connect(settings), settings)
    real, calls = api.runs.trigger_dag_run, []

    def answer_lost(*args, **kwargs):
        calls.append(real(*args, **kwargs))  # Airflow creates the run; the answer never arrives
        if len(calls) == 1:
            raise urllib3.exceptions.ReadTimeoutError(None, "/api/v2", "Read timed out.")
        return calls[-1]

    api.runs.trigger_dag_run = answer_lost
    run = api.trigger("lost", {})
    assert len(calls) == 1, "the retry must not create a second run"
    assert run.run_id == calls[0].dag_run_id
    runs = api.runs.get_dag_runs("lost").dag_runs
    assert sum(r.dag_run_id == run.run_id for r in runs) == 1
    assert len(runs) == 2  # submit_dag's run and this one
