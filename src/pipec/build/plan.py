"""What `pipec build` writes and builds for a loaded module: one Dockerfile per distinct image.

:func:`plan_build` never runs Docker and never writes; it reads the source root (the
build context, requirements and dockerignore files) and reports every value that cannot
go into a Dockerfile as a diagnostic. Files are laid out as
``docker/<pipeline>/<first step using the image>/Dockerfile`` with a
``Dockerfile.dockerignore`` beside it, which Docker (BuildKit) reads for that Dockerfile
in place of the source root's ``.dockerignore``.
"""

from __future__ import annotations

import stat
from dataclasses import dataclass
from pathlib import Path

from pipec.compiler.writer import safe_name
from pipec.ir import NO_SPAN, Pipeline, Span
from pipec.ir.diagnostics import Diagnostics

from .context import generated_dockerignore, ignore_lines, matcher_for
from .dockerfile import SETTINGS_KEY, ImageSpec, problems, settings_problems
from .image import BuildContexts, plan_images

#: Folder below the output folder that `pipec build` owns.
OUTPUT_FOLDER = "docker"


@dataclass(frozen=True)
class BuildImage:
    """One image to build."""

    # Name of the pipeline it belongs to.
    pipeline: str
    # REGISTRY/REPOSITORY:TAG.
    reference: str
    # Ids of the steps that run in it.
    steps: tuple[str, ...]
    # Path of its Dockerfile relative to the output folder.
    dockerfile: str
    # Path of the dockerignore file beside it, relative to the output folder.
    dockerignore: str


@dataclass(frozen=True)
class BuildPlan:
    """Everything one `pipec build` produces."""

    # Images in pipeline order, then order of first use.
    images: tuple[BuildImage, ...]
    # ``{path relative to the output folder: text}`` of every file to write.
    files: dict[str, str]
    # Pipelines whose steps all run prebuilt images (nothing to build for them).
    prebuilt_only: tuple[str, ...]


def _settings_span(pipeline: Pipeline, step_id: str, build: bool = False) -> Span:
    """Where a step's docker (or, with `build`, "build") settings most likely come from:
    the pipeline's when they equal the pipeline's own, else the step's definition."""
    step = pipeline.step(step_id)
    if step is None:
        return pipeline.span
    if build:
        mine, pipes = step.settings.extra_dict().get(SETTINGS_KEY), pipeline.settings.extra_dict().get(SETTINGS_KEY)
    else:
        mine, pipes = step.settings.docker, pipeline.settings.docker
    if pipes is not None and pipes == mine:
        return pipeline.span
    return step.definition_span if step.definition_span != NO_SPAN else step.span


def _check_files(spec: ImageSpec, root: Path, span: Span, diags: Diagnostics) -> None:
    user_lines = ignore_lines(root, spec.dockerignore)
    if user_lines is None:
        diags.error("PC375", f"cannot read the dockerignore file `{spec.dockerignore}` in the source root", span,
                    help="give a path relative to the source root, or drop the setting to use ROOT/.dockerignore")
        user_lines = ()
    if spec.requirements_file is None:
        return
    path = root / spec.requirements_file
    try:
        is_file = stat.S_ISREG(path.stat().st_mode)
    except OSError:
        is_file = False
    if not is_file:
        diags.error("PC370", f"requirements file `{spec.requirements_file}` does not exist in the source root "
                             f"({root.name}/)", span, help="the path is relative to the source root")
    elif matcher_for(user_lines).excluded(spec.requirements_file):
        diags.error("PC370", f"requirements file `{spec.requirements_file}` is excluded from the build context "
                             "by the dockerignore rules, so the image could not copy it", span,
                    help="re-include it with a `!` line in the dockerignore file")


def plan_build(pipelines: tuple[Pipeline, ...], root: Path, diags: Diagnostics, *,
               registry: str | None = None, contexts: BuildContexts | None = None) -> BuildPlan:
    """Plan the images of `pipelines` (source root `root`); problems go to `diags` as PC37x errors.

    `contexts` hashes the build contexts (and knows the output folder they leave out); the
    same object gives `pipec compile` its references, so both always agree.
    """
    contexts = contexts if contexts is not None else BuildContexts()
    images: list[BuildImage] = []
    files: dict[str, str] = {}
    prebuilt: list[str] = []
    for pipeline in pipelines:
        for step in pipeline.steps:
            for code, message in settings_problems(step):
                span = _settings_span(pipeline, step.id, build=True)
                diags.error(code, message if span == pipeline.span else f"step `{step.id}`: {message}", span)
        planned = plan_images(pipeline, registry=registry, root=root, contexts=contexts)
        if not planned:
            prebuilt.append(pipeline.name)
        for image in planned:
            span = _settings_span(pipeline, image.steps[0])
            for code, message in problems(image.spec):
                diags.error(code, message, span, help=f"used by step(s) {', '.join(image.steps)}")
            _check_files(image.spec, root, span, diags)
            folder = f"{OUTPUT_FOLDER}/{safe_name(pipeline.name)}/{safe_name(image.steps[0])}"
            user_lines = ignore_lines(root, image.spec.dockerignore) or ()
            files[f"{folder}/Dockerfile"] = image.dockerfile
            outputs = contexts.scan(root, image.spec.dockerignore).outputs
            files[f"{folder}/Dockerfile.dockerignore"] = generated_dockerignore(user_lines, outputs)
            images.append(BuildImage(pipeline.name, image.reference, image.steps, f"{folder}/Dockerfile",
                                     f"{folder}/Dockerfile.dockerignore"))
    return BuildPlan(tuple(images), dict(sorted(files.items())), tuple(prebuilt))
