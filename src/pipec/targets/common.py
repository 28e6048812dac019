"""What every target that runs steps in containers shares.

The common options (`CONTAINER_OPTIONS`), each step's image, command line and
and environment (resources, retry, stores and names are in `pipec.targets.kit`). A target declares
``options = CONTAINER_OPTIONS + (its own...)`` so a stack's image, artifact store and
metadata store reach every engine under the same option names.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping

from pipec.build.image import image_reference
from pipec.ir import Pipeline, StepInvocation
from pipec.runtime.command import PlainText, ShimCall, render, shim_call

from .base import CompileContext, OptionSpec
from .kit.resources import k8s_cpu, k8s_memory, memory_bytes, step_resources  # noqa: F401 (re-exported)
from .kit.stores import DEFAULT_ARTIFACT_STORE

#: Where `pipec build` copies the source tree in the image.
DEFAULT_SOURCE_ROOT = "/app"

#: Options every container target accepts (stacks fill them).
CONTAINER_OPTIONS: tuple[OptionSpec, ...] = (
    OptionSpec("image", "image for steps whose docker settings name none "
                        "(default: the content-addressed image `pipec build` makes)"),
    OptionSpec("artifact_store", "artifact store URI shared by the steps (e.g. s3://bucket/pipec)",
               default=DEFAULT_ARTIFACT_STORE),
    OptionSpec("metadata_store", "SQLAlchemy URL the steps record runs to (default: record nothing)"),
    OptionSpec("source_root", "folder of the source tree inside the image", default=DEFAULT_SOURCE_ROOT),
    OptionSpec("python", "Python executable inside the image", default="python"),
)


def step_image(pipeline: Pipeline, step: StepInvocation, context: CompileContext) -> str:
    """The image `step` runs in: its own prebuilt image, else the `image` option, else the
    content-addressed reference the driver computed."""
    docker = step.settings.docker
    if docker is not None and docker.image:
        return docker.image
    if context.options.get("image"):
        return context.options["image"]
    return context.images.get(step.id) or image_reference(pipeline, step)


def step_call(pipeline: Pipeline, step: StepInvocation, context: CompileContext, *,
              runtime_params: Collection[str] = (), placeholder_encoding: str = "json",
              input_refs: Collection[str] = (), output_refs: Collection[str] = ()) -> ShimCall:
    """The runtime shim's call for `step` with the common options applied (the keywords: see
    :func:`pipec.runtime.command.shim_call`); each target renders it with its own EngineText."""
    options = context.options
    return shim_call(pipeline, step, artifact_store=options.get("artifact_store") or DEFAULT_ARTIFACT_STORE,
                     metadata_store=options.get("metadata_store") or None,
                     python=options.get("python") or "python",
                     source_root=options.get("source_root") or DEFAULT_SOURCE_ROOT,
                     runtime_params=runtime_params, placeholder_encoding=placeholder_encoding,
                     input_refs=input_refs, output_refs=output_refs)


def step_argv(pipeline: Pipeline, step: StepInvocation, context: CompileContext, *, run_id: str,
              parameter_placeholders: Mapping[str, str] | None = None,
              placeholder_encoding: str = "json") -> list[str]:
    """:func:`step_call` as plain strings, `run_id` and `parameter_placeholders` copied verbatim
    (what the container receives once the engine has expanded its placeholders)."""
    params = parameter_placeholders or {}
    call = step_call(pipeline, step, context, runtime_params=params, placeholder_encoding=placeholder_encoding)
    return render(call, PlainText(run_id, params)).argv


def step_environment(step: StepInvocation) -> list[tuple[str, str]]:
    """Environment variables from the step's docker settings, sorted by name."""
    docker = step.settings.docker
    return sorted(docker.environment) if docker is not None else []
