"""Airflow settings and options that the examples do not use, checked on the parsed DAG and pod.

`settings={"orchestrator.airflow": {...}}` (node selector, labels, annotations, namespace, pool,
queue, DAG tags), fractional CPU and binary memory, schedules with a start, an end and an
interval, and which settings each mode reports as not applying.
"""

from __future__ import annotations

import datetime
import textwrap
from pathlib import Path

import pytest

from pipec.compiler.api import load
from pipec.compiler.driver import compile_targets
from tests.helpers.airflow_dags import params_of, parse_folder, pod_spec, render

SOURCE = textwrap.dedent('''\
    from pipec import Docker, Resources, Schedule, pipeline, step


    @step(resources=Resources(cpu=0.5, memory="512MiB", gpu=2, gpu_type="nvidia-tesla-t4"),
          docker=Docker(requirements=["numpy"]),
          settings={"orchestrator.airflow": {"node_selector": {"gpu": "t4"}, "labels": {"team": "{{ ml }}"},
                                             "annotations": {"note": "{% raw %}"}, "namespace": "ml",
                                             "pool": "gpus", "queue": "big"}})
    def train(rate: float) -> float:
        return rate


    @pipeline(schedule=Schedule(interval_second=5400, start_time="2024-03-01T06:30:00+02:00",
                                end_time="2030-01-01", catchup=True),
              settings={"orchestrator.airflow": {"dag_tags": ["ml", "nightly"]}})
    def tuned(rate: float = 0.1):
        train(rate=rate)
    ''')
#: SOURCE with a second step reading train's output through the artifact store.
PASSING = SOURCE.replace("train(rate=rate)", "train(rate=train(rate=rate, id='first'))")


def _compile(tmp_path: Path, source: str = SOURCE, **options: str) -> tuple[dict[str, str], list[str]]:
    tmp_path.mkdir(parents=True, exist_ok=True)
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'tuned'\n")
    (tmp_path / "run.py").write_text(source)
    files, diags = compile_targets(load(tmp_path / "run.py"), ["airflow"], options)
    return files, [f"{d.severity} {d.code}: {d.message}" for d in diags]


def _dag(tmp_path: Path, mode: str, **options: str):
    files, messages = _compile(tmp_path / mode, operator=mode, **options)
    folder = tmp_path / f"dags-{mode}"
    folder.mkdir()
    (folder / "tuned.py").write_text(files["airflow/tuned.py"], encoding="utf-8")
    bag, _ = parse_folder(folder)
    assert bag.import_errors == {}
    return bag.dags["tuned"], messages


def test_kubernetes_settings_reach_the_pod(airflow_home: Path, kubeconfig: Path, tmp_path: Path) -> None:
    """Node selector, labels and annotations (verbatim, not templated), namespace, pool, queue and
    resources; no warning for gpu_type, as a node selector picks the nodes."""
    dag, messages = _dag(tmp_path, "kubernetes", artifact_store="s3://bucket/pipec")
    assert messages == []
    task = dag.get_task("train")
    assert (task.pool, task.queue) == ("gpus", "big")
    pod = pod_spec(render(task, "manual__1", params_of(dag)))
    assert pod["metadata"]["namespace"] == "ml"
    assert pod["metadata"]["labels"]["team"] == "{{ ml }}"
    assert pod["metadata"]["annotations"] == {"note": "{% raw %}"}
    assert pod["spec"]["nodeSelector"] == {"gpu": "t4"}
    assert pod["spec"]["containers"][0]["resources"] == {
        "requests": {"cpu": "500m", "memory": "512Mi", "nvidia.com/gpu": "2"},
        "limits": {"memory": "512Mi", "nvidia.com/gpu": "2"}}
    assert dag.tags in (["pipec", "ml", "nightly"], {"pipec", "ml", "nightly"})


def test_schedule_with_start_end_interval_and_catchup(airflow_home: Path, tmp_path: Path) -> None:
    """An interval schedule with an offset start, an end date and catchup on."""
    dag, _ = _dag(tmp_path, "local")
    assert dag.start_date == datetime.datetime(2024, 3, 1, 4, 30, tzinfo=datetime.timezone.utc)
    assert dag.end_date == datetime.datetime(2030, 1, 1, tzinfo=datetime.timezone.utc)
    assert dag.catchup is True
    assert dag.timetable.can_be_scheduled


@pytest.mark.parametrize(("mode", "expected"), [
    ("docker", ["warning PC304: step `train`: gpu_type `nvidia-tesla-t4` cannot be selected with Docker; "
                "any GPU of the host is used",
                "warning PC304: step `train`: airflow setting(s) node_selector, labels, annotations, namespace "
                "only apply in kubernetes mode, not in docker mode; ignored"]),
    ("local", ["warning PC304: step `train`: airflow setting(s) node_selector, labels, annotations, namespace "
               "only apply in kubernetes mode, not in local mode; ignored",
               "warning PC304: resources of step `train` are not enforced in local mode",
               "warning PC304: docker image settings of step `train` do not apply in local mode: steps run with "
               "the worker's Python environment"]),
])
def test_settings_a_mode_cannot_apply_are_reported(tmp_path: Path, mode: str, expected: list[str]) -> None:
    """Nothing is dropped silently: each mode warns about what it cannot honour."""
    _, messages = _compile(tmp_path, operator=mode)
    assert sorted(messages) == sorted(expected)


def test_bad_option_values_are_errors(tmp_path: Path) -> None:
    """start_date and max_active_runs are checked (PC302)."""
    _, messages = _compile(tmp_path, start_date="soon", max_active_runs="0")
    assert [m.split(":")[0] for m in messages if m.startswith("error")] == ["error PC302", "error PC302"]


def test_shared_volume_for_a_folder_artifact_store(airflow_home: Path, kubeconfig: Path, tmp_path: Path) -> None:
    """`pvc` / `docker_volume` mount a volume at a folder artifact store; without them PC307 warns about a
    chosen folder when steps pass data (the default folder gets the one-line note instead)."""
    _, messages = _compile(tmp_path / "plain", PASSING, operator="kubernetes")
    assert not any("PC307" in m for m in messages)
    _, messages = _compile(tmp_path / "chosen", PASSING, operator="kubernetes", artifact_store="/data")
    assert any(m.startswith("warning PC307: artifact store `/data`") for m in messages)
    _, messages = _compile(tmp_path / "alone", operator="kubernetes", artifact_store="/data")
    assert not any("PC307" in m for m in messages)  # one step: nothing to share
    files, messages = _compile(tmp_path / "k8s", operator="kubernetes", pvc="pipec-{{ artifacts }}")
    assert not any("PC307" in m for m in messages)
    folder = tmp_path / "dags-k8s"
    folder.mkdir()
    (folder / "tuned.py").write_text(files["airflow/tuned.py"], encoding="utf-8")
    bag, _ = parse_folder(folder)
    dag = bag.dags["tuned"]
    spec = pod_spec(render(dag.get_task("train"), "manual__1", params_of(dag)))["spec"]
    assert spec["volumes"] == [{"name": "pipec-artifacts",
                                "persistentVolumeClaim": {"claimName": "pipec-{{ artifacts }}"}}]
    assert spec["containers"][0]["volumeMounts"] == [{"mountPath": "/pipec/artifacts", "name": "pipec-artifacts"}]

    files, messages = _compile(tmp_path / "docker", operator="docker", docker_volume="pipec-artifacts",
                               artifact_store="file:///data/store")
    assert not any("PC307" in m for m in messages)
    folder = tmp_path / "dags-docker"
    folder.mkdir()
    (folder / "tuned.py").write_text(files["airflow/tuned.py"], encoding="utf-8")
    bag, _ = parse_folder(folder)
    dag = bag.dags["tuned"]
    mounts = render(dag.get_task("train"), "manual__1", params_of(dag)).mounts
    assert [(m["Target"], m["Source"], m["Type"]) for m in mounts] == [("/data/store", "pipec-artifacts", "volume")]


@pytest.mark.parametrize("mode, volume", [("docker", "docker_volume"), ("kubernetes", "pvc")])
def test_one_volume_holds_a_sqlite_metadata_store_beside_the_artifacts(airflow_home: Path, tmp_path: Path, mode: str,
                                                                       volume: str) -> None:
    """A SQLite metadata store whose folder holds the artifact store moves the volume's mount up
    to that folder (one volume, both stores); one the volume does not hold is PC307, since each
    step's container would record to its own file."""
    files, messages = _compile(tmp_path / "both", PASSING, operator=mode, **{volume: "data"},
                               artifact_store="/pipec/artifacts", metadata_store="sqlite:////pipec/metadata.db")
    assert not any("PC307" in m for m in messages)
    dag = files["airflow/tuned.py"]
    assert ('Mount(target="/pipec", source="data"' in dag) if mode == "docker" else ('mount_path="/pipec"' in dag)
    files, messages = _compile(tmp_path / "apart", PASSING, operator=mode, **{volume: "data"},
                               artifact_store="/pipec/artifacts", metadata_store="sqlite:////elsewhere/metadata.db")
    assert [m for m in messages if "PC307" in m] == [
        f"warning PC307: the SQLite metadata store `/elsewhere/metadata.db` is outside the volume mounted at "
        f"`/pipec/artifacts`: in {mode} mode each step records to its own file, and the run is not readable as one"]
    _, messages = _compile(tmp_path / "none", PASSING, operator=mode, metadata_store="sqlite:////pipec/metadata.db")
    assert [m for m in messages if "PC307" in m] == [
        f"warning PC307: the SQLite metadata store `/pipec/metadata.db` is in each step's container: in {mode} mode "
        f"each step records to its own file, and the run is not readable as one"]
    _, messages = _compile(tmp_path / "server", PASSING, operator=mode, metadata_store="postgresql://db/pipec")
    assert not any("PC307" in m for m in messages)


def test_local_source_root_relative_to_the_dag_file(airflow_home: Path, tmp_path: Path) -> None:
    """A relative `source_root` is resolved against the DAG file's folder when Airflow parses it;
    an explicit `python` replaces the worker's interpreter in the command."""
    files, _ = _compile(tmp_path / "project", operator="local", source_root="../project", python="python3.11")
    folder = tmp_path / "dags"
    folder.mkdir()
    (folder / "tuned.py").write_text(files["airflow/tuned.py"], encoding="utf-8")
    bag, _ = parse_folder(folder)
    task = render(bag.dags["tuned"].get_task("train"), "manual__1", {"rate": 0.1})
    assert Path(task.env["PIPEC_SOURCE_ROOT"]).resolve() == (tmp_path / "project").resolve()
    assert "PIPEC_PYTHON" not in task.env
    assert " && exec python3.11 -m pipec.runtime run-step" in task.bash_command
