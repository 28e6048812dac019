"""End to end in `docker` mode: the compiled DAG's DockerOperator tasks run on a real container
engine (Docker, or Podman's Docker-compatible API service; see tests/helpers/container_engine.py)
under real Airflow (`dag.test()`), and what the steps wrote, read back from the shared named
volume through the metadata store and the artifact store, equals `pipec run`'s.

The images are built by `pipec build` itself; one named volume (option `docker_volume`) holds
the artifact store and the SQLite metadata store of every step's container. Skipped where no
engine runs (CI has none).
"""

from __future__ import annotations

import shutil
import uuid
from pathlib import Path

import pytest

from pipec.runtime import Client
from pipec.runtime import metadata as md
from pipec.runtime.artifacts import ArtifactStore
from pipec.targets.airflow import naming
from tests.helpers.airflow_dags import EXAMPLES, compile_dags, parse_folder, pipec
from tests.helpers.container_engine import build_example_images, docker, engine_environment, ensure_base_image

#: Folders inside the step containers: the image makes /pipec for the step's user, so the new
#: volume mounted there takes its ownership.
ARTIFACTS, DATABASE = "/pipec/artifacts", "/pipec/metadata.db"


def _outputs(run) -> dict:
    return {sid: {name: out.load() for name, out in step.outputs.items()} for sid, step in run.steps.items()}


@pytest.mark.parametrize("case, pipeline, conf, params", [
    ("diamond", "diamond", {"n": 12}, ["n=12"]),
    ("hostile_strings", "hostile_strings", {}, []),
])
def test_docker_operator_dag_equals_pipec_run(airflow_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                              case: str, pipeline: str, conf: dict, params: list[str]) -> None:
    source = EXAMPLES / case / "run.py"
    with engine_environment() as env:
        ensure_base_image(env, tmp_path)
        build_example_images(env, source, tmp_path / "build", tmp_path)
        volume = f"pipec-airflow-{uuid.uuid4().hex[:12]}"
        assert docker(env, "volume", "create", volume).returncode == 0
        try:
            # The DAG reaches the engine the way a deployment would: its docker_url option.
            url = env.get("DOCKER_HOST") or "unix://var/run/docker.sock"
            dags = compile_dags([str(source)], tmp_path / "out", operator="docker", docker_url=url,
                                docker_volume=volume, artifact_store=ARTIFACTS,
                                metadata_store=f"sqlite:///{DATABASE}")
            folder = airflow_db / "dags"
            shutil.copy(dags[f"{pipeline}.py"], folder / f"{pipeline}.py")
            try:
                bag, _ = parse_folder(folder)
                assert bag.import_errors == {}
                monkeypatch.setenv("DOCKER_HOST", url)
                dagrun = bag.dags[pipeline].test(run_conf=conf)
            finally:
                (folder / f"{pipeline}.py").unlink()
            assert dagrun.state == "success"
            mountpoint = docker(env, "volume", "inspect", volume, "--format", "{{.Mountpoint}}")
            assert mountpoint.returncode == 0, mountpoint.stderr
            data = Path(mountpoint.stdout.strip())
            run_id = naming.shim_run_id(dagrun.run_id)
            run = Client(f"sqlite:///{data / 'metadata.db'}").get_pipeline_run(run_id)
            assert run.status == md.COMPLETED
            assert {step.status for step in run.steps.values()} == {md.COMPLETED}
            store = ArtifactStore(str(data / "artifacts"))
            got = {sid: {name: store.load(store.read_marker(pipeline, run_id, sid, name)) for name in step.outputs}
                   for sid, step in run.steps.items()}
            art, meta = tmp_path / "ref-art", tmp_path / "ref.db"
            pipec("run", str(source), "--artifact-store", str(art), "--metadata-store", f"sqlite:///{meta}",
                  "--run-id", "reference", *[a for p in params for a in ("--param", p)], cwd=tmp_path)
            assert got == _outputs(Client(f"sqlite:///{meta}").get_pipeline_run("reference"))
            assert got and all(got.values())
        finally:
            docker(env, "volume", "rm", "--force", volume)
