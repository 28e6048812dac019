"""Helpers for the Airflow target's tests: compiling, the IR, DagBag parsing, pod specs.

Airflow reads its configuration when first imported, so nothing here imports it at module
level: the session fixtures in tests/airflow/conftest.py point AIRFLOW_HOME at a temporary folder first.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
import warnings
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples"
GOLDEN = REPO / "golden"
#: Operator modes and where their goldens live.
MODES = {"kubernetes": "airflow", "docker": "airflow@docker", "local": "airflow@local"}
#: A run id and a parameter value an API user could send.
HOSTILE_RUN_ID = "api {{ ds }} $(id) 'q' \"d\" ~/../ ünï %41.sh"
HOSTILE_NOTE = "{{ ds }} {% raw %} $(id) `id` 'single' \"double\" \\ \r\n end.sh"
#: Warning categories a DAG file must not raise while Airflow parses it.
DEPRECATIONS = (DeprecationWarning, PendingDeprecationWarning, FutureWarning)


def airflow_installed() -> bool:
    """Whether apache-airflow can be imported here."""
    return importlib.util.find_spec("airflow") is not None


def example_cases() -> list[str]:
    """Example folders with a run.py, sorted."""
    return sorted(p.parent.name for p in EXAMPLES.glob("*/run.py"))


def example_args(case: str, root: Path = EXAMPLES) -> list[str]:
    """`run.py` of `case` plus `--config` when the example has one."""
    folder = root / case
    config = folder / "config.yaml"
    return [str(folder / "run.py")] + (["--config", str(config)] if config.is_file() else [])


def load_pipelines(case: str, root: Path = EXAMPLES) -> list:
    """The IR pipelines of example `case` (with its run configuration)."""
    from pipec.compiler.api import load

    config = root / case / "config.yaml"
    result = load(root / case / "run.py", config=config if config.is_file() else None)
    assert not result.diagnostics.has_errors, [str(d) for d in result.diagnostics]
    return list(result.program.pipelines)


def pipec(*args: str, cwd: Path = REPO, env: Mapping[str, str] | None = None, timeout: float = 300,
          check: bool = True) -> subprocess.CompletedProcess[str]:
    """`python -m pipec ARGS` in a fresh process; with `check`, fails the test on a non-zero exit."""
    proc = subprocess.run([sys.executable, "-m", "pipec", *args], cwd=cwd, capture_output=True, text=True,
                          env={**os.environ, "NO_COLOR": "1", **(env or {})}, timeout=timeout)
    if check:
        assert proc.returncode == 0, f"pipec {' '.join(args)} exited {proc.returncode}:\n{proc.stderr}{proc.stdout}"
    return proc


def compile_dags(entry: Iterable[str], out: Path, **options: str) -> dict[str, Path]:
    """Compile for airflow with `options`; ``{dag file name: path}``."""
    pipec("compile", *entry, "--target", "airflow", *[a for k, v in options.items() for a in ("--option", f"{k}={v}")],
          "--out", str(out))
    return {p.name: p for p in sorted((out / "airflow").glob("*.py"))}


def golden_dags(mode: str) -> dict[str, Path]:
    """``{DAG file name: path}`` of every example's golden in `mode` (one DAG per pipeline; the
    names are unique across the examples, as they share one dags folder)."""
    found: dict[str, Path] = {}
    for case in example_cases():
        files = sorted((GOLDEN / case / MODES[mode]).glob("*.py"))
        assert files, f"expected a DAG file in golden/{case}/{MODES[mode]}"
        for path in files:
            assert path.name not in found, f"two examples have a DAG named {path.stem}: rename a pipeline"
            found[path.name] = path
    return found


def dagbag_class():
    """Airflow 3's DagBag, else Airflow 2's."""
    try:
        from airflow.dag_processing.dagbag import DagBag
    except ImportError:  # Airflow 2
        from airflow.models.dagbag import DagBag
    return DagBag


def parse_folder(folder: Path) -> tuple[Any, list[warnings.WarningMessage]]:
    """A DagBag of `folder` and every warning raised while it parsed."""
    import inspect

    DagBag = dagbag_class()
    kwargs: dict[str, Any] = {"dag_folder": str(folder)}
    if "include_examples" in inspect.signature(DagBag.__init__).parameters:  # Airflow 2
        kwargs["include_examples"] = False
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        bag = DagBag(**kwargs)
    return bag, list(caught)


def copy_into(files: Iterable[Path], folder: Path) -> Path:
    """`folder` (created) holding copies of `files`."""
    folder.mkdir(parents=True, exist_ok=True)
    for path in files:
        shutil.copy(path, folder / path.name)
    return folder


def params_of(dag: Any, **overrides: Any) -> dict[str, Any]:
    """The DAG's resolved params, as a triggered run with `overrides` in its conf sees them."""
    import copy

    params = copy.deepcopy(dag.params)  # Param.resolve(value=...) keeps the value: the DAG is shared
    resolved = params.validate()
    for key, value in overrides.items():
        resolved[key] = params.get_param(key).resolve(value=value)  # validated as a trigger's conf is
    return resolved


def render(task: Any, run_id: str, params: Mapping[str, Any]) -> Any:
    """`task` with its template fields rendered by Airflow for a run `run_id` with `params`."""
    import copy

    rendered = copy.deepcopy(task)
    context = {"run_id": run_id, "params": dict(params), "ds": "2024-01-01", "var": {"value": {}}}
    rendered.render_template_fields(context)
    return rendered


def pod_spec(task: Any) -> dict[str, Any]:
    """The pod a rendered KubernetesPodOperator task would create, as JSON data; the random part
    of the pod name and the Airflow version label are left out (they change between runs/versions)."""
    from kubernetes.client import ApiClient

    pod = ApiClient().sanitize_for_serialization(task.build_pod_request_obj(None))
    pod["metadata"]["name"] = task.task_id
    pod["metadata"]["labels"].pop("airflow_version", None)
    return pod


def dumps(data: Any) -> str:
    """Stable JSON text for a golden file."""
    return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


# --------------------------------------------------------------------------- hostile_strings

def _shim_values(argv: list[str]) -> tuple[dict, str | None]:
    """(`--param` values decoded, `--run-id`) from a shim argv."""
    params, run_id = {}, None
    for flag, value in zip(argv, argv[1:], strict=False):
        if flag == "--param":
            name, _, text = value.partition("=")
            params[name] = json.loads(text)
        elif flag == "--run-id":
            run_id = value
    return params, run_id


def check_hostile_call(task_id: str, argv: list[str], env: Mapping[str, str]) -> None:
    """`argv` and `env`, what a hostile_strings task hands the shim for run HOSTILE_RUN_ID with
    note=HOSTILE_NOTE, carry every literal of run.py and every environment value unchanged."""
    from pipec.ir import LiteralValue
    from pipec.targets.airflow import naming

    (pipeline,) = load_pipelines("hostile_strings")
    step = next(s for s in pipeline.steps if naming.task_id(s) == task_id)
    params, run_id = _shim_values(argv)
    assert run_id == naming.shim_run_id(HOSTILE_RUN_ID)
    expected = {b.name: b.source.value for b in step.inputs if isinstance(b.source, LiteralValue)}
    if step.id == "check":
        expected["label"] = HOSTILE_NOTE
    assert params == expected
    for name, value in (step.settings.docker.environment if step.settings.docker else ()):
        assert env[name] == value
