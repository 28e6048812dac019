"""pipec.targets.common: quantities, image choice and the shim argv with options."""

from __future__ import annotations

import pytest

from pipec.ir import Docker, Pipeline, Settings, StepInvocation
from pipec.targets.base import CompileContext
from pipec.targets.common import k8s_cpu, k8s_memory, memory_bytes, step_argv, step_image


@pytest.mark.parametrize(("cpu", "text"), [(2, "2"), (2.0, "2"), (0.5, "500m"), (1.25, "1250m")])
def test_cpu(cpu: float, text: str) -> None:
    assert k8s_cpu(cpu) == text


@pytest.mark.parametrize(("memory", "text", "size"), [("4GiB", "4Gi", 4 * 2**30), ("512MB", "512M", 512 * 10**6),
                                                      ("100B", "100", 100), ("1.5GiB", str(3 * 2**29), 3 * 2**29)])
def test_memory(memory: str, text: str, size: int) -> None:
    assert k8s_memory(memory) == text
    assert memory_bytes(memory) == size


def test_memory_rejects_non_canonical() -> None:
    with pytest.raises(ValueError):
        k8s_memory("4Gi")


def _pipeline(docker: Docker | None) -> Pipeline:
    step = StepInvocation(id="s", function="f", module="m", signature=(), inputs=(), outputs=(),
                          settings=Settings(docker=docker))
    return Pipeline(name="My Pipe!", function="p", module="run", parameters=(), steps=(step,))


def test_image_precedence() -> None:
    pipe = _pipeline(Docker(requirements=("pandas",)))
    step = pipe.steps[0]
    computed = step_image(pipe, step, CompileContext())
    assert computed.startswith("pipec.local/my-pipe:") and len(computed.rsplit(":", 1)[1]) == 16
    assert step_image(pipe, step, CompileContext(images={"s": "reg/x:1"})) == "reg/x:1"
    assert step_image(pipe, step, CompileContext(options={"image": "reg/y:2"}, images={"s": "reg/x:1"})) == "reg/y:2"
    prebuilt = _pipeline(Docker(image="python:3.11"))
    assert step_image(prebuilt, prebuilt.steps[0], CompileContext(options={"image": "reg/y:2"})) == "python:3.11"


def test_argv_uses_the_common_options() -> None:
    pipe = _pipeline(None)
    argv = step_argv(pipe, pipe.steps[0], CompileContext(options={"artifact_store": "s3://b/p"}), run_id="R")
    assert argv[:2] == ["python", "-m"]
    assert argv[argv.index("--source-root") + 1] == "/app"
    assert argv[argv.index("--artifact-store") + 1] == "s3://b/p"
    assert "--metadata-store" not in argv
