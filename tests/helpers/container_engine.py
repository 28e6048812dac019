"""A container engine for the tests that run compose files for real, when this machine has one.

`engine_environment` returns the environment under which ``docker`` (the CLI) and compose
reach an engine: the one already answering ``docker info``, else a Podman API service this
module starts on a socket in a temporary folder (``podman system service``), else it skips.
No public registry is reachable here, so `ensure_base_image` makes the parent image pipec's
Dockerfiles name (``python:3.11-slim-bookworm``) locally when it is missing: Debian bookworm
from ``mmdebstrap`` with a venv holding pipec[runtime] from wheels built on this machine (the
stand-in is only ever used by these tests).

To get an engine on a Debian machine without Docker's daemon: ``apt-get install podman runc
iptables mmdebstrap``; where crun refuses the cgroup set-up or the kernel withholds
CAP_SYS_RESOURCE (small VMs), also write ``/etc/containers/containers.conf`` with
``[containers] default_ulimits = ["nofile=1024:1024", "nproc=4096:4096"]`` and
``[engine] runtime = "runc"``. CI has no container engine: these tests skip there.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
#: How to get what these tests need (see the module docstring for small VMs).
INSTALL_HINT = "Debian: apt-get install podman runc iptables mmdebstrap; see tests/helpers/container_engine.py"
#: The parent image of pipec's Dockerfiles (pipec.build.dockerfile.DEFAULT_PARENT_IMAGE).
BASE_IMAGE = "python:3.11-slim-bookworm"
#: Packages of the stand-in's venv, besides pipec itself.
RUNTIME_WHEELS = ("sqlalchemy>=2.0", "fsspec>=2023.1", "pyyaml>=6.0", "networkx>=3.1", "jinja2>=3.1")
STANDIN = """\
FROM localhost/pipec-test-debian:bookworm
COPY wheels /wheels
RUN python3 -m venv /opt/py && /opt/py/bin/pip install --no-index --find-links /wheels 'pipec[runtime]' \\
 && rm -rf /wheels
ENV PATH=/opt/py/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
"""


def docker(env: dict[str, str], *args: str, timeout: float = 600, **kwargs) -> subprocess.CompletedProcess[str]:
    """``docker ARGS`` under `env`."""
    return subprocess.run(["docker", *args], env=env, capture_output=True, text=True, timeout=timeout,
                          stdin=subprocess.DEVNULL, **kwargs)


def _answers(env: dict[str, str]) -> bool:
    try:
        return docker(env, "info", "--format", "{{.ServerVersion}}", timeout=30).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


@contextmanager
def engine_environment() -> Iterator[dict[str, str]]:
    """The environment reaching a container engine (see the module's docstring); skips without one."""
    env = dict(os.environ)
    if shutil.which("docker") is None:
        pytest.skip(f"no docker CLI ({INSTALL_HINT})")
    if _answers(env):
        yield env
        return
    if shutil.which("podman") is None:
        pytest.skip(f"no container engine: `docker info` fails and podman is not installed ({INSTALL_HINT})")
    with tempfile.TemporaryDirectory(prefix="pipec-podman-") as folder:
        socket = Path(folder) / "podman.sock"
        service = subprocess.Popen(["podman", "system", "service", "--time=0", f"unix://{socket}"],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            env["DOCKER_HOST"] = f"unix://{socket}"
            deadline = time.monotonic() + 30
            while not _answers(env):
                if time.monotonic() > deadline or service.poll() is not None:
                    pytest.skip("podman is installed but its API service does not answer `docker info`")
                time.sleep(0.5)
            yield env
        finally:
            service.terminate()
            service.wait(timeout=30)


def ensure_base_image(env: dict[str, str], work: Path) -> None:
    """Make `BASE_IMAGE` exist in the engine (built as described above when missing); skips when
    it cannot be made."""
    if docker(env, "image", "inspect", BASE_IMAGE).returncode == 0:
        return
    if shutil.which("mmdebstrap") is None:
        pytest.skip(f"{BASE_IMAGE} is not in the engine and mmdebstrap is not installed to make a stand-in "
                    f"({INSTALL_HINT})")
    rootfs = work / "rootfs.tar"
    done = subprocess.run(["mmdebstrap", "--variant=apt", "--include=python3,python3-venv,ca-certificates",
                           "bookworm", str(rootfs)], capture_output=True, text=True, timeout=1200)
    if done.returncode != 0:
        pytest.skip(f"mmdebstrap failed: {done.stderr.strip().splitlines()[-1:]}")
    assert docker(env, "import", str(rootfs), "localhost/pipec-test-debian:bookworm").returncode == 0
    context = work / "standin"
    wheels = context / "wheels"
    wheels.mkdir(parents=True)
    uv, pip = shutil.which("uv"), shutil.which("pip3") or shutil.which("pip")
    if uv is None or pip is None:
        pytest.skip("making the stand-in base image needs uv and pip on PATH")
    subprocess.run([uv, "build", "-q", "--wheel", "--out-dir", str(wheels), str(REPO)], check=True, timeout=600)
    subprocess.run([pip, "download", "-q", "-d", str(wheels), "--only-binary", ":all:",
                    "--python-version", "3.11", "--platform", "manylinux_2_17_x86_64", "--platform",
                    "manylinux2014_x86_64", *RUNTIME_WHEELS], check=True, timeout=600)
    (context / "Dockerfile").write_text(STANDIN, encoding="utf-8")
    built = docker({**env, "DOCKER_BUILDKIT": "0"}, "build", "--tag", BASE_IMAGE, str(context), timeout=1200)
    assert built.returncode == 0, built.stderr


def build_example_images(env: dict[str, str], source: Path, out: Path, cwd: Path) -> list[str]:
    """Build every image `pipec build` names for `source` with `pipec build` itself (BuildKit,
    else podman build), after removing any older copy; the image references."""
    import sys

    def pipec(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "pipec", *args], env=env, cwd=cwd, capture_output=True,
                              text=True, timeout=900, stdin=subprocess.DEVNULL)

    plan = pipec("build", str(source), "--dry-run", "--out", str(out))
    assert plan.returncode == 0, plan.stderr
    images = [line.split()[1] for line in plan.stdout.splitlines() if line.startswith("image ")]
    for image in images:
        docker(env, "rmi", "--force", image)
    written = pipec("build", str(source), "--out", str(out))
    assert written.returncode == 0, written.stderr
    assert {f"built {image}" for image in images} <= set(written.stdout.splitlines()), written.stdout
    return images
