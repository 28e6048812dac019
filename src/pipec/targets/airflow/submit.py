"""`pipec submit --target airflow`: deploy the DAG file, wait until Airflow parsed it, run it.

Steps: write the pipeline's DAG file into the dags folder atomically; poll the REST API until
the dag-processor stored exactly that source (an import error for the file ends the wait with its
message); unpause the DAG; trigger a run with the pipeline parameters as its ``conf``; with
``wait``, follow the run until it ends. Talks to Airflow 3's ``/api/v2`` through
``apache-airflow-client`` (imported only here: ``pip install 'pipec[airflow]'``); the bearer
token is the environment's, or one ``POST /auth/token`` (the simple auth manager's endpoint) returns.
Credentials are read from the environment only, never from options, so they never reach an artifact.
"""

from __future__ import annotations

import json
import os
import time
import urllib.parse
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipec.ir import Pipeline
from pipec.targets.base import HTTP_URL, SECONDS, OptionSpec, Submission, SubmitContext, SubmitError

#: Options the Airflow target accepts for `pipec submit` (they change nothing in compiled files).
SUBMIT_OPTIONS: tuple[OptionSpec, ...] = (
    OptionSpec("airflow_url", "pipec submit: base URL of the Airflow API server (e.g. http://127.0.0.1:8080)",
               kind=HTTP_URL),
    OptionSpec("dags_folder", "pipec submit: folder to deploy the DAG file to (one Airflow's dag-processor reads)"),
    OptionSpec("ui_url", "pipec submit: base URL of the Airflow UI in printed links (default: airflow_url)",
               kind=HTTP_URL),
    OptionSpec("parse_timeout", "pipec submit: seconds to wait for Airflow to parse the deployed DAG file",
               default="300", kind=SECONDS),
)
_SPECS = {spec.name: spec for spec in SUBMIT_OPTIONS}

#: Environment variables holding the credentials: a bearer token, or a user and password
#: exchanged for one at ``POST {airflow_url}/auth/token``.
TOKEN_ENV = "PIPEC_AIRFLOW_TOKEN"
USERNAME_ENV = "PIPEC_AIRFLOW_USERNAME"
PASSWORD_ENV = "PIPEC_AIRFLOW_PASSWORD"

#: Airflow's dag-run states -> pipec's.
STATUS = {"queued": "queued", "running": "running", "success": "completed", "failed": "failed"}
#: Seconds between polls: the first, then growing by half up to the last.
POLL_FIRST, POLL_MAX = 0.5, 5.0
#: Seconds one HTTP request may take.
REQUEST_TIMEOUT = 30.0
#: Attempts at triggering a run when Airflow does not answer in time (a loaded API server may
#: create the run and still time out; the retry reuses the run id, so it never starts a second one).
TRIGGER_ATTEMPTS = 3

INSTALL_HINT = "pip install 'pipec[airflow]' (or: pip install apache-airflow-client==3.3.2)"


@dataclass(frozen=True)
class Settings:
    """The submit options, checked."""

    # API base URL without a trailing slash.
    api_url: str
    # Folder the DAG file is written to.
    dags_folder: Path
    # UI base URL without a trailing slash.
    ui_url: str
    # Seconds to wait for the dag-processor.
    parse_timeout: float


@dataclass(frozen=True)
class ImportProblem:
    """An import error Airflow recorded for a DAG file."""

    # (id, timestamp): changes whenever the dag-processor records the error anew.
    key: tuple[int, str]
    # Python's traceback as Airflow stored it.
    trace: str


@dataclass(frozen=True)
class DagRun:
    """Where a triggered run got to."""

    # Airflow's dag_run_id.
    run_id: str
    # Airflow's state name (queued, running, success, failed).
    state: str
    # Link to the run in the Airflow UI.
    url: str


def submit(pipeline: Pipeline, context: SubmitContext) -> Submission:
    """Deploy `pipeline`'s DAG file from `context.files`, trigger a run and (with `wait`) follow it."""
    from .naming import dag_id, shim_run_id

    dag = dag_id(pipeline)
    filename, text = dag_file(dag, context.files)
    run = submit_dag(dag, filename, text, context)
    return Submission(engine_run_id=run.run_id, run_id=shim_run_id(run.run_id), url=run.url,
                      status=STATUS.get(run.state, run.state))


def dag_file(dag_id: str, files: Mapping[str, str]) -> tuple[str, str]:
    """The file defining `dag_id` among the compiled `files` (the target writes ``<dag id>.py``)."""
    name = f"{dag_id}.py"
    if name not in files:
        raise SubmitError(f"the compiled files hold no DAG file {name} (got: {', '.join(sorted(files)) or 'none'})")
    return name, files[name]


def submit_dag(dag_id: str, filename: str, text: str, context: SubmitContext) -> DagRun:
    """Deploy `text` as `filename`, wait until Airflow parsed it as `dag_id`, unpause and trigger it."""
    settings = read_settings(context.options)
    conf = _json_conf(context.parameters)
    client = _connect(settings)
    api = _Api(client, settings)
    known_error = api.import_error(filename)
    path = deploy(settings.dags_folder, filename, text)
    context.log(f"deployed {path}; waiting for Airflow to parse dag `{dag_id}`")
    api.wait_parsed(dag_id, filename, text, known_error, time.monotonic() + settings.parse_timeout)
    api.unpause(dag_id)
    run = api.trigger(dag_id, conf)
    context.log(f"triggered run {run.run_id} of dag `{dag_id}`: {run.url}")
    if context.wait:
        run = api.follow(dag_id, run, time.monotonic() + context.timeout, context.log)
    return run


def read_settings(options: Mapping[str, str]) -> Settings:
    """The submit options (the driver checked their kinds); a missing one, or a dags_folder that is no
    folder, is a SubmitError naming the fix."""
    missing = [name for name in ("airflow_url", "dags_folder") if not options.get(name)]
    if missing:
        given = " ".join(f"--option {name}=..." for name in missing)
        raise SubmitError(f"missing option{'s' if len(missing) > 1 else ''} {', '.join(missing)}: pass {given}")
    api_url = options["airflow_url"].rstrip("/")
    folder = Path(options["dags_folder"]).expanduser()
    if not folder.is_dir():
        raise SubmitError(f"dags_folder {str(folder)!r} is not a folder")
    parse_timeout = float(_SPECS["parse_timeout"].value(options))  # its kind was checked by the driver
    return Settings(api_url, folder, (options.get("ui_url") or api_url).rstrip("/"), parse_timeout)


def deploy(folder: Path, filename: str, text: str) -> Path:
    """Write `text` to `folder/filename` atomically (the dag-processor never sees half a file)."""
    import tempfile

    target = folder / filename
    # A hidden name that does not end in .py: Airflow does not parse the file while it is written.
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{filename}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise SubmitError(f"cannot write {target}: {exc.strerror or exc}") from None
    return target


def run_url(ui_url: str, dag_id: str, run_id: str) -> str:
    """The Airflow 3 UI page of one dag run."""
    quote = urllib.parse.quote
    return f"{ui_url}/dags/{quote(dag_id, safe='')}/runs/{quote(run_id, safe='')}"


def fetch_token(api_url: str, username: str, password: str) -> str:
    """Exchange a user and password for a bearer token at ``POST /auth/token``."""
    import urllib.error
    import urllib.request

    request = urllib.request.Request(
        f"{api_url}/auth/token", method="POST",
        data=json.dumps({"username": username, "password": password}).encode(),
        headers={"Content-Type": "application/json", "Accept": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=REQUEST_TIMEOUT) as response:
            return json.load(response)["access_token"]
    except urllib.error.HTTPError as exc:
        detail = _detail(exc.read().decode("utf-8", "replace"))
        raise SubmitError(f"Airflow refused the credentials from ${USERNAME_ENV}/${PASSWORD_ENV} "
                          f"(HTTP {exc.code} from {api_url}/auth/token: {detail})") from None
    except (urllib.error.URLError, OSError) as exc:
        raise SubmitError(f"cannot reach Airflow at {api_url}: {getattr(exc, 'reason', exc)}") from None
    except (ValueError, KeyError):
        raise SubmitError(f"{api_url}/auth/token answered without an access_token") from None


# --------------------------------------------------------------------------- internals


def _json_conf(parameters: Mapping[str, object]) -> dict[str, Any]:
    try:
        return json.loads(json.dumps(dict(parameters)))
    except (TypeError, ValueError) as exc:
        raise SubmitError(f"pipeline parameters cannot be sent to Airflow as JSON: {exc}") from None


def _connect(settings: Settings):
    """An `ApiClient` for the server, authenticated from the environment."""
    try:
        from airflow_client import client
    except ImportError:
        raise SubmitError(f"submitting to Airflow needs apache-airflow-client: {INSTALL_HINT}") from None
    token = os.environ.get(TOKEN_ENV)
    if not token and os.environ.get(USERNAME_ENV):
        token = fetch_token(settings.api_url, os.environ[USERNAME_ENV], os.environ.get(PASSWORD_ENV, ""))
    return client.ApiClient(client.Configuration(host=settings.api_url, access_token=token or None))


def _detail(body: str | None) -> str:
    """The human part of an error response (FastAPI's ``detail``), else the body itself."""
    try:
        detail = json.loads(body or "")["detail"]
    except (ValueError, KeyError, TypeError):
        return (body or "").strip()[:500] or "no details"
    return detail if isinstance(detail, str) else json.dumps(detail)[:500]


def _state(value: object) -> str:
    return str(getattr(value, "value", value) or "")


def _raise(exc: BaseException, **_: Any) -> None:
    """Raise `exc` again, so :meth:`_Api.call` words an error caught elsewhere the same way."""
    raise exc


class _Api:
    """The few Airflow REST calls submit makes, with errors turned into SubmitErrors."""

    def __init__(self, api_client, settings: Settings) -> None:
        from airflow_client import client

        self.client = client
        self.settings = settings
        self.dags = client.DAGApi(api_client)
        self.runs = client.DagRunApi(api_client)
        self.sources = client.DagSourceApi(api_client)
        self.errors = client.ImportErrorApi(api_client)
        self.tasks = client.TaskInstanceApi(api_client)

    def call(self, what: str, method: Callable[..., Any], *args: Any, missing_ok: bool = False,
             **kwargs: Any) -> Any:
        """`method(*args, **kwargs)`; API and connection failures become SubmitErrors about `what`
        (with `missing_ok`, HTTP 404 returns None)."""
        import urllib3

        try:
            return method(*args, **kwargs, _request_timeout=REQUEST_TIMEOUT)
        except self.client.ApiException as exc:
            if missing_ok and exc.status == 404:
                return None
            hint = ""
            if exc.status in (401, 403):
                hint = f" (set ${TOKEN_ENV}, or ${USERNAME_ENV} and ${PASSWORD_ENV})"
            raise SubmitError(f"{what}: Airflow answered HTTP {exc.status}: {_detail(exc.body)}{hint}") from None
        except (urllib3.exceptions.HTTPError, OSError) as exc:
            raise SubmitError(f"{what}: cannot reach Airflow at {self.settings.api_url}: {exc}") from None

    def import_error(self, filename: str) -> ImportProblem | None:
        """The import error Airflow holds for a file called `filename`, None when it has none."""
        found = self.call("reading import errors", self.errors.get_import_errors, filename_pattern=filename,
                          limit=100)
        for error in found.import_errors or []:
            name = error.filename or ""
            if name == filename or name.endswith("/" + filename):
                return ImportProblem((error.import_error_id, str(error.timestamp)), error.stack_trace or "")
        return None

    def wait_parsed(self, dag_id: str, filename: str, text: str, known_error: ImportProblem | None,
                    deadline: float) -> None:
        """Poll until Airflow stores `text` as the source of `dag_id`; raise on a new import error."""
        pause = POLL_FIRST
        while True:
            source = self.call(f"reading the source of dag `{dag_id}`", self.sources.get_dag_source, dag_id,
                               missing_ok=True)
            if source is not None and source.content == text:
                return
            error = self.import_error(filename)
            if error is not None and (known_error is None or error.key != known_error.key):
                raise SubmitError(f"Airflow could not import {filename}:\n{error.trace.strip()}")
            if time.monotonic() >= deadline:
                raise SubmitError(f"Airflow did not parse dag `{dag_id}` from {filename} within "
                                  f"{self.settings.parse_timeout:g} s; is a dag-processor reading "
                                  f"{self.settings.dags_folder}? (option parse_timeout)")
            time.sleep(pause)
            pause = min(POLL_MAX, pause * 1.5)

    def unpause(self, dag_id: str) -> None:
        """Unpause the DAG (new DAGs start paused)."""
        self.call(f"unpausing dag `{dag_id}`", self.dags.patch_dag, dag_id,
                  self.client.DAGPatchBody(is_paused=False), update_mask=["is_paused"])

    def trigger(self, dag_id: str, conf: dict[str, Any]) -> DagRun:
        """Start a manual run with `conf` overriding the DAG's params.

        The run id is chosen here, so a request that timed out is retried safely: Airflow answers
        409 when the first attempt did create the run, and that run is read back."""
        import urllib3

        run_id = f"manual__pipec_{uuid.uuid4().hex}"
        body = self.client.TriggerDAGRunPostBody(dag_run_id=run_id, logical_date=None, conf=conf)
        what = f"triggering dag `{dag_id}`"
        for attempt in range(1, TRIGGER_ATTEMPTS + 1):
            try:
                run = self.runs.trigger_dag_run(dag_id, body, _request_timeout=REQUEST_TIMEOUT)
                break
            except self.client.ApiException as exc:
                if exc.status == 409 and attempt > 1:
                    run = self.call(f"reading run {run_id}", self.runs.get_dag_run, dag_id, run_id)
                    break
                self.call(what, _raise, exc)
            except (urllib3.exceptions.TimeoutError, urllib3.exceptions.ProtocolError) as exc:
                if attempt == TRIGGER_ATTEMPTS:
                    self.call(what, _raise, exc)
        return DagRun(run.dag_run_id, _state(run.state), run_url(self.settings.ui_url, dag_id, run.dag_run_id))

    def follow(self, dag_id: str, run: DagRun, deadline: float, log: Callable[[str], None]) -> DagRun:
        """Poll `run` until it succeeds or fails, logging run and task state changes."""
        tasks: dict[str, tuple[str, int]] = {}
        state, pause = run.state, POLL_FIRST
        while True:
            current = self.call(f"reading run {run.run_id}", self.runs.get_dag_run, dag_id, run.run_id)
            for task_id, task_state, attempt in self._task_states(dag_id, run.run_id):
                if task_state and tasks.get(task_id) != (task_state, attempt):
                    tasks[task_id] = (task_state, attempt)
                    log(f"task {task_id}: {task_state}" + (f" (try {attempt})" if attempt > 1 else ""))
            new_state = _state(current.state)
            if new_state != state:
                state = new_state
                log(f"run {run.run_id}: {state}")
            if state in ("success", "failed"):
                return DagRun(run.run_id, state, run.url)
            if time.monotonic() >= deadline:
                raise SubmitError(f"run {run.run_id} did not end in time (still {state}; it goes on in "
                                  f"Airflow): {run.url}")
            time.sleep(pause)
            pause = min(POLL_MAX, pause * 1.5)

    def _task_states(self, dag_id: str, run_id: str) -> list[tuple[str, str, int]]:
        """(task id, state, try number) of every task instance of the run."""
        found: list[tuple[str, str, int]] = []
        while True:
            page = self.call(f"reading the tasks of run {run_id}", self.tasks.get_task_instances, dag_id, run_id,
                             limit=100, offset=len(found), order_by=["id"])
            batch = page.task_instances or []
            found += [(ti.task_id, _state(ti.state), ti.try_number or 0) for ti in batch]
            if not batch or len(found) >= (page.total_entries or 0):
                return found
