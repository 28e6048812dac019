"""The artifact store behind a real ``s3://`` URI, against moto's S3 server on 127.0.0.1.

s3fs cannot live in the main test environment (its aiobotocore pins botocore 1.43.x; the main
environment pins 1.44.5 for the sagemaker tests), so pipec runs here with the side environment
``.venvs/s3`` (built by ``.ci/after-install.d/s3.sh``: pipec editable + s3fs) as a subprocess,
through the real chain: ``pipec run`` -> the local orchestrator -> the run-step shim -> s3fs.
The server runs in this process (moto from the main environment); boto3 creates the bucket
and inspects the objects. The endpoint reaches s3fs through botocore's standard
``AWS_ENDPOINT_URL_S3`` variable; pipec needs no option of its own.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers import requires
from tests.helpers.servers import moto_endpoint

REPO = Path(__file__).resolve().parents[2]
SIDE_PYTHON = requires.side_python("s3")
BUCKET = "pipec-test"
STEPS = ("load", "stats", "scale", "join")

boto3 = requires.module("boto3")

# Run in the side environment: every output of each run named on the command line, as JSON.
READ_BACK = """
import json, sys
from pipec import Client
client = Client(sys.argv[1])
out = {}
for run_id in sys.argv[2:]:
    run = client.get_pipeline_run(run_id)
    out[run_id] = {"status": run.status,
                   "steps": {sid: s.status for sid, s in run.steps.items()},
                   "outputs": {sid: {name: art.load() for name, art in s.outputs.items()}
                               for sid, s in run.steps.items()},
                   "uris": sorted(a.uri for s in run.steps.values() for a in s.outputs.values())}
print(json.dumps(out))
"""


@pytest.fixture(scope="module")
def endpoint() -> Iterator[str]:
    """A moto S3 server on a free port of 127.0.0.1, with an empty bucket; its URL."""
    requires.module("moto.server")
    with moto_endpoint() as url:
        _s3(url).create_bucket(Bucket=BUCKET)
        yield url


def _s3(url: str):  # noqa: ANN202 - a boto3 client
    return boto3.client("s3", endpoint_url=url, region_name="us-east-1",
                        aws_access_key_id="testing", aws_secret_access_key="testing")


def _env(url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "FSSPEC_"))}
    env.update(AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing",
               AWS_DEFAULT_REGION="us-east-1", AWS_ENDPOINT_URL_S3=url)
    return env


def _side(args: list[str], url: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run([str(SIDE_PYTHON), *args], cwd=cwd, env=_env(url), capture_output=True,
                          text=True, timeout=120)
    return proc


def _run(project: Path, url: str, run_id: str, db: Path, store: str | None) -> None:
    args = ["-m", "pipec", "run", "run.py", "--run-id", run_id, "--metadata-store", f"sqlite:///{db}"]
    if store is not None:
        args += ["--artifact-store", store]
    proc = _side(args, url, project)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def _read_back(project: Path, url: str, db: Path, *run_ids: str) -> dict:
    proc = _side(["-c", READ_BACK, f"sqlite:///{db}", *run_ids], url, project)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def test_diamond_on_s3(endpoint: str, tmp_path: Path) -> None:
    project = tmp_path / "diamond"
    shutil.copytree(REPO / "examples" / "diamond", project)
    store = f"s3://{BUCKET}/pipec"

    # The reference: the same pipeline on the default local-folder store.
    _run(project, endpoint, "local-1", tmp_path / "local.db", None)
    local = _read_back(project, endpoint, tmp_path / "local.db", "local-1")["local-1"]

    _run(project, endpoint, "s3-1", tmp_path / "m.db", store)
    _run(project, endpoint, "s3-2", tmp_path / "m.db", store)
    runs = _read_back(project, endpoint, tmp_path / "m.db", "s3-1", "s3-2")
    first, second = runs["s3-1"], runs["s3-2"]
    assert first["status"] == "completed" and set(first["steps"].values()) == {"completed"}
    assert first["outputs"] == local["outputs"]
    assert set(first["outputs"]) == set(STEPS)
    assert all(uri.startswith(f"s3://{BUCKET}/pipec/diamond/s3-1/") for uri in first["uris"])
    # The second run is served by the cache: markers only, pointing at the first run's payloads.
    assert second["status"] == "completed" and set(second["steps"].values()) == {"cached"}
    assert second["outputs"] == local["outputs"]
    assert second["uris"] == first["uris"]

    s3 = _s3(endpoint)
    keys = {o["Key"] for page in s3.get_paginator("list_objects_v2").paginate(Bucket=BUCKET, Prefix="pipec/")
            for o in page.get("Contents", [])}
    for step in STEPS:
        for run_id in ("s3-1", "s3-2"):
            folder = f"pipec/diamond/{run_id}/{step}/output/"
            names = sorted(k[len(folder):] for k in keys if k.startswith(folder))
            if run_id == "s3-1":
                assert len(names) == 2 and names[0] == "_pipec.json" and names[1].startswith("data-"), names
            else:
                assert names == ["_pipec.json"], names
    assert not [k for k in keys if "/.tmp-" in k], "temporary objects left behind"

    # Atomicity: without its commit marker a payload is unreadable, even though its object is there.
    folder = "pipec/diamond/s3-1/load/output/"
    s3.delete_object(Bucket=BUCKET, Key=folder + "_pipec.json")
    assert any(k.startswith(folder + "data-") for k in keys)
    proc = _side(["-m", "pipec.runtime", "run-step", "--source-root", ".", "--module", "run",
                  "--function", "stats", "--pipeline", "diamond", "--step-id", "stats", "--run-id", "s3-1",
                  "--artifact-store", store, "--input", "values=load/output", "--output", "output=dict"],
                 endpoint, project)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "never committed" in proc.stderr and "_pipec.json" in proc.stderr, proc.stderr
