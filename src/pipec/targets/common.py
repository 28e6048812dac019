"""What every target that runs steps in containers shares.

The common options (`CONTAINER_OPTIONS`), each step's image, command line and
environment, and resource quantities in the forms engines want. A target declares
``options = CONTAINER_OPTIONS + (its own...)`` so a stack's image, artifact store and
metadata store reach every engine under the same option names.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping

from pipec.build.image import image_reference
from pipec.ir import Pipeline, Resources, Retry, StepInvocation
from pipec.runtime.command import PlainText, ShimCall, render, shim_call

from .base import CompileContext, OptionSpec

#: Where the steps' artifacts go when neither option nor stack says: a folder inside the
#: container; engines that run steps in separate containers need a shared store
#: (a mounted volume there, or an s3:// / gs:// URI from the stack).
DEFAULT_ARTIFACT_STORE = "/pipec/artifacts"
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


#: Said once per command when steps on separate machines would use the default folder store.
DEFAULT_STORE_NOTICE = (f"artifacts go to the default folder {DEFAULT_ARTIFACT_STORE} on each step's own machine, "
                        "so steps that do not share one cannot read each other's outputs; set a shared store "
                        "with --option artifact_store=s3://BUCKET/PATH (or gs://, az://) or a stack's artifact_store")


def report_unshared_store(context: CompileContext, code: str, message: str, span, help: str) -> None:
    """A folder artifact store the steps cannot share: a warning when the user chose it, else (the
    target's default, which no one chose) the one-line :data:`DEFAULT_STORE_NOTICE`."""
    if "artifact_store" in context.explicit:
        context.diagnostics.warning(code, message, span, help=help)
    else:
        context.diagnostics.notice(DEFAULT_STORE_NOTICE)


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


def step_resources(step: StepInvocation) -> Resources:
    """The step's resources (all None when unset)."""
    return step.settings.resources or Resources()


def step_retry(step: StepInvocation) -> Retry | None:
    """The step's retry policy, None when it never retries."""
    retry = step.settings.retry
    return retry if retry is not None and retry.max_retries > 0 else None


# --------------------------------------------------------------------------- quantities

_MEMORY = re.compile(r"^([0-9]+(?:\.[0-9]+)?)([KMGTPE]i?)?B$")
_FACTORS = {None: 1, "K": 10**3, "M": 10**6, "G": 10**9, "T": 10**12, "P": 10**15, "E": 10**18,
            "Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "Pi": 2**50, "Ei": 2**60}


def memory_bytes(memory: str) -> int:
    """Bytes in a canonical IR memory quantity ("4GiB", "512MB", "100B")."""
    match = _MEMORY.match(memory)
    if not match:
        raise ValueError(f"not a canonical memory quantity: {memory!r}")
    return int(float(match.group(1)) * _FACTORS[match.group(2)])


def k8s_memory(memory: str) -> str:
    """A Kubernetes quantity for an IR memory quantity: "4GiB" -> "4Gi", "512MB" -> "512M"."""
    match = _MEMORY.match(memory)
    if not match:
        raise ValueError(f"not a canonical memory quantity: {memory!r}")
    number, unit = match.groups()
    if "." in number:  # Kubernetes accepts decimals, but whole bytes are unambiguous
        return str(memory_bytes(memory))
    return number + (unit or "")


def k8s_cpu(cpu: float) -> str:
    """A Kubernetes CPU quantity: 2 -> "2", 0.5 -> "500m", 1.25 -> "1250m"."""
    if float(cpu).is_integer():
        return str(int(cpu))
    return f"{round(cpu * 1000)}m"
