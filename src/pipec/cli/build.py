"""`pipec build FILE [--pipeline NAME] [--out DIR] [--push] [--dry-run]`: Dockerfiles and images.

Writes one Dockerfile per distinct image the pipeline's steps need (steps whose docker
settings name a prebuilt ``image`` need none) to ``OUT/docker/<pipeline>/<step>/``, with
a ``Dockerfile.dockerignore`` beside it, and prints each image reference: the same
content-addressed reference `pipec compile` puts in the artifacts (see
`pipec.build.image`). pipec owns ``OUT/docker/``: without ``--pipeline``, files there
that no source produces any more are removed. The output folder's artifact manifest
(`pipec.compiler.manifest`) records what was written, so the folder never joins a build
context, wherever it is.

When a Docker engine answers (``docker info`` succeeds), each image is built with
``docker build`` (BuildKit, the source root as context) unless an image with that
reference already exists (same reference, same content), and pushed with ``--push``.
Without an engine the files are still written and the command says how to build them;
that exits 0, or 2 when ``--push`` was asked. ``--dry-run`` writes and runs nothing.
BuildKit is required (``DOCKER_BUILDKIT=1``, the buildx plugin): the legacy builder ignores
``Dockerfile.dockerignore`` and would send a different context than the reference covers.
Where an engine answers but the docker client has no buildx plugin and ``podman`` is installed (a Podman engine,
whose docker-compatible API has no BuildKit), ``podman build`` builds the same Dockerfile
with ``--ignorefile`` naming ``Dockerfile.dockerignore``: the same context, the same reference.
"""

from __future__ import annotations

import argparse
import os
import shlex
import shutil
import sys
from pathlib import Path

from . import args as _common
from . import exits

DEFAULT_OUT = "out"
#: Seconds `docker info` may take before the engine counts as absent.
ENGINE_TIMEOUT = 20


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of `pipec build`."""
    _common.add_source_arguments(parser)
    _common.add_stack_argument(parser)
    parser.add_argument("--out", "-o", default=DEFAULT_OUT, metavar="DIR",
                        help="output folder; Dockerfiles go to DIR/docker/<pipeline>/<step>/, which pipec owns "
                             f"(default: ./{DEFAULT_OUT})")
    parser.add_argument("--push", action="store_true",
                        help="push the images to the registry after building (needs a Docker engine and a "
                             "stack with a container registry)")
    parser.add_argument("--dry-run", action="store_true",
                        help="print the image references and the docker commands; write and run nothing")


def _shown(path: str) -> str:
    """`path` relative to the current folder when that is shorter, with "/" separators."""
    try:
        rel = os.path.relpath(path)
    except ValueError:  # another drive on Windows
        return path
    return (rel if len(rel) <= len(path) else path).replace(os.sep, "/")


def build_command(dockerfile: str, reference: str, root: str) -> list[str]:
    """The `docker build` argv for one image (BuildKit reads `Dockerfile.dockerignore` beside the Dockerfile)."""
    return ["docker", "build", "--file", dockerfile, "--tag", reference, root]


def podman_command(command: list[str]) -> list[str]:
    """`command` (a `build_command`) as a `podman build` argv that reads the same dockerignore file."""
    dockerfile = command[command.index("--file") + 1]
    return ["podman", *command[1:-1], "--ignorefile", dockerfile + ".dockerignore", command[-1]]


def buildkit_available() -> bool:
    """True when the docker client has the buildx plugin (BuildKit)."""
    import subprocess

    try:
        proc = subprocess.run(["docker", "buildx", "version"], capture_output=True, timeout=ENGINE_TIMEOUT,
                              stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return proc.returncode == 0


def engine_available(client: str = "docker") -> bool:
    """True when an engine answers `CLIENT info` (False without the client, too)."""
    import subprocess

    try:
        field = "{{.ServerVersion}}" if client == "docker" else "{{.Host.Arch}}"
        proc = subprocess.run([client, "info", "--format", field], capture_output=True, timeout=ENGINE_TIMEOUT,
                              stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return proc.returncode == 0 and bool(proc.stdout.strip())


def builder_client() -> str | None:
    """The client that builds: ``docker`` when an engine answers it, None without one.

    ``podman`` instead when the docker client has no buildx plugin (BuildKit) and podman is
    installed: the engine behind ``docker`` is then Podman's docker-compatible API, whose
    images ``podman build`` writes to directly.
    """
    if not engine_available("docker"):
        return None
    if not buildkit_available() and shutil.which("podman") and engine_available("podman"):
        return "podman"
    return "docker"


def _docker(argv: list[str], *, quiet: bool = False) -> int:
    """Run a docker command with BuildKit on, its output on stderr; return its exit code."""
    import subprocess

    env = dict(os.environ, DOCKER_BUILDKIT="1")
    try:  # docker's progress goes to stderr, so stdout keeps only pipec's own lines
        stdout = subprocess.DEVNULL if quiet else sys.stderr.fileno()
    except (AttributeError, OSError, ValueError):  # stderr replaced by an object without a file
        stdout = None
    try:
        return subprocess.run(argv, env=env, stdin=subprocess.DEVNULL, stdout=stdout,
                              stderr=subprocess.DEVNULL if quiet else None).returncode
    except OSError as exc:
        sys.stderr.write(f"pipec: error: cannot run docker: {exc}\n")
        return 127


def _stack_values(root, flag: str | None, diags) -> tuple[str | None, str | None]:
    """``(registry, image)`` of the selected stack (``--stack``, else the active one), ``${VAR}`` expanded."""
    from pipec.stacks import expand, resolve

    selection = resolve(root, flag, diags)
    if selection is None:
        return None, None
    stack = selection.stack
    registry = expand(stack.registry, stack, ("registry",), diags) if stack.registry else None
    image = expand(stack.image, stack, ("image",), diags) if stack.image else None
    return registry, image


def _write(files: dict[str, str], out: str, source: Path, root: Path, *,
           partial: bool) -> tuple[list[Path], list[Path]]:
    """Write the Dockerfiles and the output folder's artifact manifest; remove stale ones. (written, removed)"""
    from pipec.build.plan import OUTPUT_FOLDER
    from pipec.compiler import manifest
    from pipec.compiler.writer import remove_outputs, stale_files, write_outputs

    out_root = Path(out).resolve()
    old = manifest.read(out_root, f"{out}/{manifest.MANIFEST}")
    update = manifest.Update(manifest.source_key(out_root, source, root), frozenset({OUTPUT_FOLDER}), frozenset(files),
                             partial)
    new, dropped = manifest.apply(old, [update], out_root)
    owned = [] if partial else [OUTPUT_FOLDER]
    stale = (dropped | manifest.unlisted(new, stale_files(files, out, owned), owned)) - files.keys()
    written = write_outputs({**files, manifest.MANIFEST: new.render()}, out)
    return written, remove_outputs(stale, out)


def run(args: argparse.Namespace) -> int:
    """Plan the images, write their Dockerfiles, then build (and push) them when an engine answers."""
    from pipec.build.image import DEFAULT_REGISTRY, BuildContexts
    from pipec.build.plan import OUTPUT_FOLDER, plan_build
    from pipec.compiler.manifest import ManifestError
    from pipec.compiler.writer import OutputError
    from pipec.ir.diagnostics import Diagnostics

    result = _common.load_source(args, Diagnostics())
    diags = result.diagnostics
    registry, stack_image = _stack_values(result.root, args.stack, diags)
    plan = None
    if stack_image is not None and not diags.has_errors:
        _common.report(diags, result.root, args)
        _common.write_stdout(f"the stack names image {stack_image} for every step without its own image; "
                             "nothing to build\n")
        return exits.EXIT_OK
    if not diags.has_errors:
        contexts = BuildContexts(Path(args.out), (OUTPUT_FOLDER,), diags)
        plan = plan_build(result.program.pipelines, result.root, diags, registry=registry, contexts=contexts)
        if args.push and (registry or DEFAULT_REGISTRY) == DEFAULT_REGISTRY:
            diags.error("PC378", f"--push needs a container registry, but the images are named for "
                                 f"`{DEFAULT_REGISTRY}`, which is not a real registry",
                        help="use a stack that names a container registry")
    _common.report(diags, result.root, args)
    if diags.has_errors or plan is None:
        return exits.EXIT_USER_ERROR

    out = args.out
    root = _shown(str(result.root))
    lines: list[str] = []
    for name in plan.prebuilt_only:
        lines.append(f"pipeline `{name}`: every step runs a prebuilt image; nothing to build")
    commands = [build_command(f"{out}/{img.dockerfile}", img.reference, root) for img in plan.images]
    if args.dry_run:
        lines += [f"would write {out}/{rel}" for rel in plan.files]
        lines += [f"image {img.reference} (steps: {', '.join(img.steps)})" for img in plan.images]
        lines += ["would run: DOCKER_BUILDKIT=1 " + shlex.join(cmd) for cmd in commands]
        if args.push:
            lines += [f"would run: docker push {img.reference}" for img in plan.images]
        _common.write_stdout("\n".join(lines) + "\n")
        return exits.EXIT_OK

    try:
        written, removed = _write(plan.files, out, Path(args.file), result.root, partial=bool(args.pipeline))
    except (OutputError, ManifestError) as exc:
        sys.stderr.write(f"pipec: error: {exc}\n")
        return exits.EXIT_USER_ERROR
    lines += [f"wrote {path.as_posix()}" for path in written]
    lines += [f"removed {path.as_posix()}" for path in removed]
    if len(written) < len(plan.files):
        lines.append(f"{len(plan.files) - len(written)} file(s) unchanged in {out}/{OUTPUT_FOLDER}/")
    lines += [f"image {img.reference} (steps: {', '.join(img.steps)})" for img in plan.images]
    _common.write_stdout("\n".join(lines) + "\n")
    if not plan.images:
        return exits.EXIT_OK

    client = builder_client()
    if client is None:
        how = "\n".join("  DOCKER_BUILDKIT=1 " + shlex.join(cmd) for cmd in commands)
        written_df = ", ".join(f"{out}/{img.dockerfile}" for img in plan.images)
        if args.push:
            sys.stderr.write(f"pipec: error[PC378]: no Docker engine answered `docker info`, so nothing was built "
                             f"or pushed; wrote {written_df}; build and push them with:\n{how}\n"
                             + "".join(f"  docker push {img.reference}\n" for img in plan.images))
            return exits.EXIT_USER_ERROR
        them = "it" if len(commands) == 1 else "them"
        _common.write_stdout(f"no Docker engine: wrote {written_df}; build {them} with:\n{how}\n")
        return exits.EXIT_OK
    if client == "podman":
        commands = [podman_command(cmd) for cmd in commands]
    return _build_and_push(plan.images, commands, push=args.push)


def _build_and_push(images, commands: list[list[str]], *, push: bool) -> int:
    for image, command in zip(images, commands, strict=True):
        client = command[0]
        if _docker([client, "image", "inspect", image.reference], quiet=True) == 0:
            _common.write_stdout(f"up to date {image.reference}\n")
        else:
            code = _docker(command)
            if code != 0:
                sys.stderr.write(f"pipec: error[PC377]: `{command[0]} build` failed for {image.reference} "
                                 f"(exit {code}); its output is above\n")
                return exits.EXIT_USER_ERROR
            _common.write_stdout(f"built {image.reference}\n")
        if push:
            code = _docker([client, "push", image.reference])
            if code != 0:
                sys.stderr.write(f"pipec: error[PC377]: `{client} push {image.reference}` failed (exit {code})\n")
                return exits.EXIT_USER_ERROR
            _common.write_stdout(f"pushed {image.reference}\n")
    return exits.EXIT_OK
