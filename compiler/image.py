"""Container image references for steps, content-addressed from what the image would hold.

`pipec build` writes and builds the image; targets only need its reference. A step
whose docker settings name a prebuilt ``image`` runs that image as is; every other
step runs the image built from its (merged) docker settings, so steps with the same
settings share one image. The reference is ``REGISTRY/PIPELINE:DIGEST`` with a digest
over the Dockerfile and the build context, so it is stable for goldens and changes
exactly when the image would.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import asdict

from .ir import Docker, Pipeline, StepInvocation

#: Registry used when the stack names none.
DEFAULT_REGISTRY = "pipec.local"


def _name(pipeline: Pipeline) -> str:
    """A valid image repository name for `pipeline` (lowercase, [a-z0-9._-], never empty)."""
    cleaned = "".join(c if c.isascii() and (c.isalnum() or c in "._-") else "-" for c in pipeline.name.lower())
    cleaned = cleaned.strip("._-") or "pipeline"
    return cleaned[:100]


def settings_digest(docker: Docker | None) -> str:
    """A digest of the docker settings an image is built from."""
    data = asdict(docker) if docker is not None else {}
    text = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def image_reference(pipeline: Pipeline, step: StepInvocation, *, registry: str | None = None,
                    context_digest: str = "") -> str:
    """The reference of the image `step` runs in (its prebuilt image when it names one)."""
    docker = step.settings.docker
    if docker is not None and docker.image:
        return docker.image
    digest = hashlib.sha256(f"{settings_digest(docker)}\n{context_digest}".encode()).hexdigest()[:16]
    return f"{(registry or DEFAULT_REGISTRY).rstrip('/')}/{_name(pipeline)}:{digest}"


def step_images(pipeline: Pipeline, *, registry: str | None = None,
                context_digest: str = "") -> Mapping[str, str]:
    """``{step id: image reference}`` for every step of `pipeline`."""
    return {s.id: image_reference(pipeline, s, registry=registry, context_digest=context_digest)
            for s in pipeline.steps}
