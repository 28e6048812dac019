"""Container image references for steps, content-addressed from what the image would hold.

`pipec build` writes and builds the images; targets only need their references. A step
whose docker settings name a prebuilt ``image`` runs that image as is; every other step
runs the image built from its merged docker settings (see `pipec.build.dockerfile`),
and steps whose settings give the same image share it.

The reference is ``REGISTRY/REPOSITORY:TAG``:

- ``REGISTRY`` is the stack's container registry, else :data:`DEFAULT_REGISTRY`;
- ``REPOSITORY`` is the pipeline name made a valid repository name (:func:`repository`);
- ``TAG`` is the first 16 hex digits of
  ``sha256("pipec-image-v1\\n" + len + Dockerfile text + "\\n" + context digest + "\\n")``
  (:func:`image_tag`), where the context digest hashes the build context: the source
  root's files under the dockerignore setting, less generated output
  (`pipec.build.context`).

So the tag is stable for goldens and changes exactly when the image would: when the
Dockerfile changes (settings, pipec requirement) or a file that is copied in changes
(content, executable bit, added, removed), and not when an ignored file changes.
Without a source root (e.g. `targets.common.image_reference` as a fallback) the context
digest is empty and the tag covers the Dockerfile alone.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from pipec.ir import Pipeline, StepInvocation
from pipec.ir.diagnostics import Diagnostics

from .context import ContextScan
from .dockerfile import ImageSpec, image_spec, render

#: Registry used when the stack names none (not a real registry: `pipec build --push` refuses it).
DEFAULT_REGISTRY = "pipec.local"
#: Hex digits of the digest kept in a tag (64 bits).
TAG_LENGTH = 16

_SEPARATOR_RUN = re.compile(r"[^a-z0-9]+")


def repository(pipeline: Pipeline) -> str:
    """A valid image repository name for `pipeline`: lowercase, [a-z0-9] runs joined by `.`, `_`, `__`
    or dashes (any other run of characters becomes one `-`), never empty, at most 100 characters."""
    def separator(match: re.Match[str]) -> str:
        run = match.group()
        return run if run in (".", "_", "__") or set(run) == {"-"} else "-"

    name = _SEPARATOR_RUN.sub(separator, pipeline.name.lower())
    name = name[:100].strip("._-")
    return name or "pipeline"


def image_tag(dockerfile: str, context_digest: str) -> str:
    """The content-addressed tag for a Dockerfile text and a build-context digest."""
    data = dockerfile.encode("utf-8", "surrogateescape")
    digest = hashlib.sha256(b"pipec-image-v1\n")
    digest.update(f"{len(data)}\n".encode() + data + f"\n{context_digest}\n".encode())
    return digest.hexdigest()[:TAG_LENGTH]


@dataclass(frozen=True)
class PlannedImage:
    """One distinct image a pipeline needs built."""

    # Full reference, REGISTRY/REPOSITORY:TAG.
    reference: str
    # What it is built from.
    spec: ImageSpec
    # The Dockerfile text.
    dockerfile: str
    # Ids of the steps that run in it, in pipeline order.
    steps: tuple[str, ...]


#: A context this big (bytes) without a dockerignore file gets a warning (PC379).
LARGE_CONTEXT = 100 * 1024 * 1024


class BuildContexts:
    """The build contexts one command hashes: each (root, dockerignore setting) scanned at most once.

    `out_dir` and `folders` are the command's output folder and the folders it writes
    there (target names); they are left out of every context (see
    `pipec.build.context.output_exclusions`). With `diagnostics`, a big context
    without a dockerignore file gets one warning per root. File digests go through the
    root's stat cache (`pipec.build.digest_cache`) unless `digest_cache` is False.
    """

    def __init__(self, out_dir: Path | None = None, folders: tuple[str, ...] = (),
                 diagnostics: Diagnostics | None = None, *, digest_cache: bool = True) -> None:
        self.out_dir, self.folders, self.diagnostics = out_dir, tuple(folders), diagnostics
        self.digest_cache = digest_cache
        self._scans: dict[tuple[Path, str | None], ContextScan] = {}
        self._warned: set[Path] = set()

    def scan(self, root: Path, dockerignore: str | None) -> ContextScan:
        """The context of `root` under the `dockerignore` setting (hashed on first request)."""
        key = (root, dockerignore)
        if key not in self._scans:
            from .context import output_exclusions, scan_context
            from .digest_cache import DigestCache

            outputs = output_exclusions(root, self.out_dir, self.folders) if self.out_dir is not None else ()
            cache = DigestCache(root) if self.digest_cache else None
            found = scan_context(root, dockerignore, outputs, cache)
            if cache is not None:
                cache.save()
            from pipec.compiler import deps

            deps.context(root, dockerignore, outputs, found.digest)
            self._scans[key] = found
            self._warn_if_large(root, found)
        return self._scans[key]

    def _warn_if_large(self, root: Path, found: ContextScan) -> None:
        if self.diagnostics is None or found.has_dockerignore or found.size <= LARGE_CONTEXT or root in self._warned:
            return
        self._warned.add(root)
        biggest = sorted(found.sizes.items(), key=lambda item: (-item[1], item[0]))[:3]
        named = ", ".join(f"{name} ({_size(size)})" for name, size in biggest)
        self.diagnostics.warning(
            "PC379", f"the build context of the step images is {_size(found.size)} and the source root "
                     f"`{root.name}/` has no .dockerignore file: every image copies all of it (biggest: {named})",
            help=f"add a .dockerignore file to the source root listing what the steps do not need, e.g. "
                 f"`{biggest[0][0]}`; pipec then never opens those files")


def _size(n: int) -> str:
    for unit, scale in (("GB", 1 << 30), ("MB", 1 << 20), ("KB", 1 << 10)):
        if n >= scale:
            return f"{n / scale:.1f} {unit}"
    return f"{n} B"


class _ContextDigests:
    """Context digests for one call: a fixed digest, none without a root, else from `contexts`."""

    def __init__(self, root: Path | None, fixed: str, contexts: BuildContexts | None) -> None:
        self.root, self.fixed = root, fixed
        self.contexts = contexts if contexts is not None else BuildContexts(digest_cache=False)

    def get(self, dockerignore: str | None) -> str:
        if self.fixed or self.root is None:
            return self.fixed
        return self.contexts.scan(self.root, dockerignore).digest


def plan_images(pipeline: Pipeline, *, registry: str | None = None, context_digest: str = "",
                root: Path | None = None, contexts: BuildContexts | None = None) -> list[PlannedImage]:
    """The distinct images `pipeline`'s steps need built, in order of first use.

    `root` is the source root whose files form the build context; `context_digest`, when
    given, is used instead of hashing it; `contexts` shares scans (and the output folders
    left out of them) across calls. Steps with prebuilt images are left out.
    """
    contexts = _ContextDigests(root, context_digest, contexts)
    base = f"{(registry or DEFAULT_REGISTRY).rstrip('/')}/{repository(pipeline)}"
    by_spec: dict[ImageSpec, tuple[str, str]] = {}
    by_ref: dict[str, tuple[ImageSpec, str, list[str]]] = {}
    for step in pipeline.steps:
        spec = image_spec(step)
        if spec is None:
            continue
        if spec not in by_spec:
            text = render(spec)
            by_spec[spec] = (f"{base}:{image_tag(text, contexts.get(spec.dockerignore))}", text)
        ref, text = by_spec[spec]
        by_ref.setdefault(ref, (spec, text, []))[2].append(step.id)
    return [PlannedImage(ref, spec, text, tuple(steps)) for ref, (spec, text, steps) in by_ref.items()]


def image_reference(pipeline: Pipeline, step: StepInvocation, *, registry: str | None = None,
                    context_digest: str = "", root: Path | None = None,
                    contexts: BuildContexts | None = None) -> str:
    """The reference of the image `step` runs in (its prebuilt image when it names one)."""
    docker = step.settings.docker
    if docker is not None and docker.image:
        return docker.image
    spec = image_spec(step)
    assert spec is not None
    digest = _ContextDigests(root, context_digest, contexts).get(spec.dockerignore)
    base = f"{(registry or DEFAULT_REGISTRY).rstrip('/')}/{repository(pipeline)}"
    return f"{base}:{image_tag(render(spec), digest)}"


class _LazyImages(Mapping[str, str]):
    """``{step id: reference}``, computed on first use: a target that never asks hashes nothing."""

    def __init__(self, pipeline: Pipeline, registry: str | None, context_digest: str, root: Path | None,
                 contexts: BuildContexts | None) -> None:
        self._args = (pipeline, registry, context_digest, root, contexts)
        self._refs: dict[str, str] | None = None

    def _resolve(self) -> dict[str, str]:
        if self._refs is None:
            pipeline, registry, context_digest, root, contexts = self._args
            refs = {step: image.reference
                    for image in plan_images(pipeline, registry=registry, context_digest=context_digest, root=root,
                                             contexts=contexts)
                    for step in image.steps}
            self._refs = {s.id: refs.get(s.id) or image_reference(pipeline, s) for s in pipeline.steps}
        return self._refs

    def __getitem__(self, key: str) -> str:
        return self._resolve()[key]

    def __iter__(self):
        return iter(self._resolve())

    def __len__(self) -> int:
        return len(self._resolve())


def step_images(pipeline: Pipeline, *, registry: str | None = None, context_digest: str = "",
                root: Path | None = None, contexts: BuildContexts | None = None) -> Mapping[str, str]:
    """``{step id: image reference}`` for every step of `pipeline` (see :func:`plan_images`).

    The mapping is computed when first read, so the build context is hashed (once per
    call) only when a target asks for a reference of a step that needs a built image.
    """
    return _LazyImages(pipeline, registry, context_digest, root, contexts)
