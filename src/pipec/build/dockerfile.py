"""Dockerfile text for a step's image, from its merged docker settings.

:func:`image_spec` reduces a step's settings to an :class:`ImageSpec` (None for a step
that runs a prebuilt image); :func:`render` turns a spec into Dockerfile text and
:func:`problems` lists the values that cannot be written safely (`pipec build`
refuses to write those; :func:`render` still returns text, so image references stay
defined while a compile reports nothing about images).

The image: the parent image (default :data:`DEFAULT_PARENT_IMAGE`), the docker
settings' environment, apt packages installed without recommends and with the apt
lists removed, pipec (the requirement :data:`DEFAULT_PIPEC_REQUIREMENT`, changed with
the settings key ``"build"``: ``settings={"build": {"pipec_requirement": "pipec==0.1.0"}}``,
``""`` to install nothing when the parent image has pipec) together with the
requirements list and file in one pip call, a non-root user (uid :data:`IMAGE_UID`)
owning the artifact folder, and the source root copied to ``/app``, the working folder.

Every value is escaped for where it lands: ENV values in double quotes with ``\\``,
``"`` and ``$`` escaped (Docker would otherwise expand ``$HOME`` at build time), shell
words quoted for ``/bin/sh``, COPY paths in the JSON form.
"""

from __future__ import annotations

import json
import re
import shlex
from dataclasses import dataclass

from pipec.ir import StepInvocation

#: Parent image when the settings name none: Python 3.11 (pipec's CI version) on Debian 12, slim.
DEFAULT_PARENT_IMAGE = "python:3.11-slim-bookworm"
#: How pipec gets into the image when the settings do not say: from the package index, with the
#: runtime extra (fsspec, SQLAlchemy) the shim needs for metadata and remote artifact stores.
DEFAULT_PIPEC_REQUIREMENT = "pipec[runtime]"
#: Settings key (`Settings.extra`) holding `pipec build` options such as "pipec_requirement".
SETTINGS_KEY = "build"
#: Numeric user and group the steps run as (numeric so Kubernetes' runAsNonRoot can verify it).
IMAGE_UID = 10001
#: Where the source root is copied; equals `pipec.targets.common.DEFAULT_SOURCE_ROOT`.
SOURCE_ROOT = "/app"
#: The local artifact folder steps write to; equals `pipec.targets.common.DEFAULT_ARTIFACT_STORE`.
ARTIFACT_FOLDER = "/pipec/artifacts"
#: Where a requirements file is copied before pip reads it.
REQUIREMENTS_PATH = "/opt/pipec/requirements.txt"


@dataclass(frozen=True)
class ImageSpec:
    """Everything an image is built from; steps with equal specs share one image."""

    # Base image reference.
    parent_image: str = DEFAULT_PARENT_IMAGE
    # pip requirement specifiers, in the order written.
    requirements: tuple[str, ...] = ()
    # A requirements file relative to the source root, or None.
    requirements_file: str | None = None
    # Debian packages, in the order written.
    apt_packages: tuple[str, ...] = ()
    # Environment variables, sorted by name.
    environment: tuple[tuple[str, str], ...] = ()
    # The requirement that installs pipec; "" installs nothing (the parent image has pipec).
    pipec_requirement: str = DEFAULT_PIPEC_REQUIREMENT
    # A dockerignore file relative to the source root, or None for the root's .dockerignore.
    dockerignore: str | None = None


def image_spec(step: StepInvocation) -> ImageSpec | None:
    """What `step`'s image is built from; None when its settings name a prebuilt image."""
    docker = step.settings.docker
    if docker is not None and docker.image:
        return None
    options = step.settings.extra_dict().get(SETTINGS_KEY)
    pipec = options.get("pipec_requirement") if isinstance(options, dict) else None
    if not isinstance(pipec, str):  # a wrong type is reported by `settings_problems`
        pipec = DEFAULT_PIPEC_REQUIREMENT
    if docker is None:
        return ImageSpec(pipec_requirement=pipec)
    return ImageSpec(
        parent_image=docker.parent_image or DEFAULT_PARENT_IMAGE,
        requirements=tuple(docker.requirements),
        requirements_file=docker.requirements_file,
        apt_packages=tuple(docker.apt_packages),
        environment=tuple(sorted(docker.environment)),
        pipec_requirement=pipec,
        dockerignore=docker.dockerignore,
    )


def settings_problems(step: StepInvocation) -> list[tuple[str, str]]:
    """``(code, message)`` for a malformed ``"build"`` settings entry of `step`."""
    options = step.settings.extra_dict().get(SETTINGS_KEY)
    if options is None:
        return []
    if not isinstance(options, dict):
        return [("PC374", f'settings "{SETTINGS_KEY}" must be a dict such as {{"pipec_requirement": "pipec"}}')]
    found = [("PC374", f'unknown key `{key}` in settings "{SETTINGS_KEY}"; the only key is `pipec_requirement`')
             for key in sorted(options) if key != "pipec_requirement"]
    value = options.get("pipec_requirement")
    if value is not None and not isinstance(value, str):
        found.append(("PC374", f'settings "{SETTINGS_KEY}" `pipec_requirement` must be a string '
                               '(a pip requirement, or "" to install nothing)'))
    return found


# --------------------------------------------------------------------------- validation

_COMPONENT = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
_REFERENCE = re.compile(
    rf"(?:[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?(?::[0-9]+)?/)?{_COMPONENT}(?:/{_COMPONENT})*"
    r"(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(?:@[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-fA-F0-9]{32,})?"
)
_APT_PACKAGE = re.compile(r"[a-z0-9][a-z0-9+.-]+(?::[a-z0-9-]+)?(?:=[A-Za-z0-9.+~:_-]+)?")
_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
#: One component of a requirements file path: no quotes, `$`, wildcards or spaces, which COPY would interpret.
_PATH_PART = re.compile(r"[A-Za-z0-9._@+=,-]+")
#: Characters a Dockerfile line cannot carry inside a value (it is read line by line).
_LINE_BREAKS = re.compile(r"[\n\r\x00\x0b\x0c\x85\u2028\u2029]")


def _plain_relpath(path: str) -> bool:
    return all(_PATH_PART.fullmatch(part) and part not in (".", "..") for part in path.split("/"))


def problems(spec: ImageSpec) -> list[tuple[str, str]]:
    """``(code, message)`` for every value of `spec` that cannot be written into a Dockerfile."""
    found: list[tuple[str, str]] = []
    if not _REFERENCE.fullmatch(spec.parent_image):
        found.append(("PC371", f"parent image `{spec.parent_image}` is not a valid image reference"))
    for req in (spec.pipec_requirement, *spec.requirements):
        if _LINE_BREAKS.search(req) or (not req.strip() and req != spec.pipec_requirement):
            found.append(("PC371", f"requirement {req!r} is empty or contains a line break"))
    plain = "a plain relative path inside the source root: letters, digits and `._@+=,-`, `/` between folders"
    if spec.requirements_file is not None and not _plain_relpath(spec.requirements_file):
        found.append(("PC370", f"requirements file `{spec.requirements_file}` must be {plain}"))
    if spec.dockerignore is not None and not _plain_relpath(spec.dockerignore):
        found.append(("PC375", f"dockerignore file `{spec.dockerignore}` must be {plain}"))
    for package in spec.apt_packages:
        if not _APT_PACKAGE.fullmatch(package):
            found.append(("PC372", f"`{package}` is not a Debian package name (name, name:arch or "
                                   "name=version)"))
    for name, value in spec.environment:
        if not _ENV_NAME.fullmatch(name):
            found.append(("PC373", f"environment variable name `{name}` is not a valid name "
                                   "(letters, digits and `_`, not starting with a digit)"))
        if _LINE_BREAKS.search(value):
            found.append(("PC373", f"the value of environment variable `{name}` contains a line break, "
                                   "which a Dockerfile ENV cannot hold"))
    return found


# --------------------------------------------------------------------------- rendering


def env_quote(value: str) -> str:
    r"""`value` as a Dockerfile ENV word that Docker reads back unchanged.

    Runs without backslashes go in double quotes with ``"`` and ``$`` escaped (Docker
    would otherwise expand ``$HOME`` at build time); each backslash goes between them,
    unquoted and escaped as ``\\``, and the word always ends with a quote. Docker also
    reads ``"a\\"`` right, but hadolint's parser does not, so a backslash never stands
    inside quotes. Line breaks cannot be written at all (:func:`problems` reports them).
    """
    out: list[str] = []
    for part in re.split(r"(\\)", _LINE_BREAKS.sub(" ", value)):
        if part == "\\":
            out.append("\\\\")
        elif part:
            out.append('"' + part.replace('"', '\\"').replace("$", "\\$") + '"')
    word = "".join(out)
    return word if word.endswith('"') else word + '""'


def _sh(word: str) -> str:
    return shlex.quote(_LINE_BREAKS.sub(" ", word))


def _continued(lines: list[str], indent: str) -> str:
    return (" \\\n" + indent).join(lines)


def render(spec: ImageSpec) -> str:
    """The Dockerfile text for `spec` (deterministic; see the module docstring for its layers)."""
    out = [
        "# Written by `pipec build` from the docker settings; the image tag is a digest of this file",
        "# and the build context, so change the settings rather than this file.",
        f"FROM {_LINE_BREAKS.sub('', spec.parent_image)}",
        "",
        "ENV PYTHONUNBUFFERED=1 \\\n    PIP_DISABLE_PIP_VERSION_CHECK=1",
    ]
    if spec.environment:
        pairs = [f"{_LINE_BREAKS.sub('', name)}={env_quote(value)}" for name, value in spec.environment]
        out.append("ENV " + _continued(pairs, "    "))
    out.append("")
    if spec.requirements_file is not None:
        out.append("COPY " + json.dumps([spec.requirements_file, REQUIREMENTS_PATH], ensure_ascii=False))
    steps: list[str] = []
    if spec.apt_packages:
        steps += ["apt-get update",
                  "apt-get install -y --no-install-recommends " + " ".join(_sh(p) for p in spec.apt_packages),
                  "rm -rf /var/lib/apt/lists/*"]
    pip = [_sh(r) for r in (spec.pipec_requirement, *spec.requirements) if r]
    if spec.requirements_file is not None:
        pip = ["-r", REQUIREMENTS_PATH, *pip]
    if pip:
        steps.append("python -m pip install --no-cache-dir " + " ".join(pip))
    steps += [f"groupadd --gid {IMAGE_UID} pipec",
              f"useradd --no-log-init --create-home --uid {IMAGE_UID} --gid {IMAGE_UID} pipec",
              f"mkdir -p {ARTIFACT_FOLDER}",
              f"chown -R {IMAGE_UID}:{IMAGE_UID} {ARTIFACT_FOLDER.rsplit('/', 1)[0]}"]
    out.append("RUN " + _continued(steps, " && "))
    out += ["", f"WORKDIR {SOURCE_ROOT}", f"COPY . {SOURCE_ROOT}", f"USER {IMAGE_UID}:{IMAGE_UID}"]
    return "\n".join(out) + "\n"
