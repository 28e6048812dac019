"""The artifact store seen from an engine: is it a folder, and can the steps share it?

Steps on engines that run each one on its own machine or container only see each other's
outputs through a shared store (an object store URL, or a folder the target mounts in every
step). One test and one code (PC307) for every target: a folder store that steps passing
data cannot share is a warning when the user chose it, and the one-line
:data:`DEFAULT_STORE_NOTICE` when it is pipec's default.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Mapping

from pipec.ir import ArtifactLookup, Pipeline, Span

#: Where the steps' artifacts go when neither option nor stack says: a folder inside the
#: container; engines that run steps in separate containers need a shared store
#: (a mounted volume there, or an s3:// / gs:// URI from the stack).
DEFAULT_ARTIFACT_STORE = "/pipec/artifacts"
#: The code of "a folder artifact store the steps cannot share" (formerly PC314, PC324, PC333,
#: PC341 and PC357, one per target).
UNSHARED_STORE = "PC307"

#: Said once per command when steps on separate machines would use the default folder store.
DEFAULT_STORE_NOTICE = (f"artifacts go to the default folder {DEFAULT_ARTIFACT_STORE} on each step's own machine, "
                        "so steps that do not share one cannot read each other's outputs; set a shared store "
                        "with --option artifact_store=s3://BUCKET/PATH (or gs://, az://) or a stack's artifact_store")


#: A SQLAlchemy SQLite URL; `path` is the database file ('' or ':memory:' for an in-memory one).
_SQLITE = re.compile(r"sqlite(\+\w+)?:///(?P<path>[^?]*)")


def sqlite_path(metadata_store: str | None) -> str | None:
    """The database file of a SQLite metadata store URL (``''`` or ``':memory:'`` when it has
    none), None for another database or no store."""
    match = _SQLITE.fullmatch(metadata_store or "")
    return match.group("path") if match else None


def volume_folder(artifact_folder: str, metadata_store: str | None) -> str:
    """Where a volume shared by every step's container goes: at the artifact store's folder,
    or at the SQLite metadata store's folder when that one holds the artifact folder, so
    one volume holds both stores."""
    database = sqlite_path(metadata_store)
    if not database or not database.startswith("/"):
        return artifact_folder
    folder = posixpath.dirname(database) or "/"
    outer, inner = sorted((artifact_folder.rstrip("/") or "/", folder), key=len)
    return outer if holds(outer, inner) else artifact_folder


def holds(folder: str, path: str) -> bool:
    """True when the absolute POSIX `path` is `folder` or below it."""
    return path == folder or path.startswith(folder.rstrip("/") + "/")


def artifact_store(options: Mapping[str, str]) -> str:
    """The artifact store URI of a compile: the option, else :data:`DEFAULT_ARTIFACT_STORE`."""
    return options.get("artifact_store") or DEFAULT_ARTIFACT_STORE


def is_folder_store(store: str) -> bool:
    """True for an artifact store that is a folder of the step's own file system (a path or file://)."""
    return "://" not in store or store.startswith("file://")


def passes_artifacts(pipeline: Pipeline) -> bool:
    """True when some step reads another step's output, or an artifact of another run (only then
    must the store be shared)."""
    return any(binding.upstream_outputs or isinstance(binding.source, ArtifactLookup)
               for step in pipeline.steps for binding in step.inputs)


def unshared_folder(pipeline: Pipeline, store: str) -> bool:
    """True when `store` is a folder and steps of `pipeline` pass artifacts through it."""
    return is_folder_store(store) and passes_artifacts(pipeline)


def report_unshared_store(context, message: str, span: Span, help: str) -> None:
    """A folder artifact store the steps cannot share (PC307): a warning when the user chose it,
    else (the target's default, which no one chose) the one-line :data:`DEFAULT_STORE_NOTICE`."""
    if "artifact_store" in context.explicit:
        context.diagnostics.warning(UNSHARED_STORE, message, span, help=help)
    else:
        context.diagnostics.notice(DEFAULT_STORE_NOTICE)
