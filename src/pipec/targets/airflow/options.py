"""The options of the `airflow` target and the values each operator mode falls back to.

The shared container options keep their names, but `artifact_store`, `source_root` and
`python` have no single default here: what is right inside a container (`/app`, `python`)
is wrong on the Airflow machine that `local` mode runs steps on.
"""

from __future__ import annotations

from dataclasses import dataclass

from pipec.targets.base import POSITIVE_INT, OptionSpec
from pipec.targets.common import CONTAINER_OPTIONS, DEFAULT_ARTIFACT_STORE, DEFAULT_SOURCE_ROOT

from .schedule import START_DATE
from .submit import SUBMIT_OPTIONS

#: Operator modes: KubernetesPodOperator, DockerOperator, BashOperator on the worker.
MODES = ("kubernetes", "docker", "local")

#: Where `local` mode keeps artifacts and records runs when no option says: the project's own
#: `.pipec/` folder (relative to the source root, the task's working directory), as `pipec run`.
LOCAL_ARTIFACT_STORE = ".pipec/artifacts"
LOCAL_METADATA_STORE = "sqlite:///.pipec/metadata.db"

#: Environment variable naming the source root on the Airflow machine in `local` mode when
#: the `source_root` option does not.
SOURCE_ROOT_ENV = "PIPEC_SOURCE_ROOT"

_MODE_DEPENDENT = {
    "artifact_store": OptionSpec(
        "artifact_store", f"artifact store URI shared by the steps (default: {DEFAULT_ARTIFACT_STORE} in a "
                          f"container, {LOCAL_ARTIFACT_STORE} under the source root in local mode)"),
    "metadata_store": OptionSpec(
        "metadata_store", "SQLAlchemy URL the steps record runs to (default: none in a container, "
                          "the project's .pipec/metadata.db in local mode)"),
    "source_root": OptionSpec(
        "source_root", f"folder of the source tree: inside the image (default {DEFAULT_SOURCE_ROOT}); in local "
                       "mode on the Airflow machine, absolute or relative to the DAG file's folder "
                       f"(default: ${SOURCE_ROOT_ENV} on the worker)"),
    "python": OptionSpec(
        "python", "Python executable running the shim (default: python in a container, the worker's "
                  "own interpreter in local mode)"),
}

#: Every option `--target airflow` accepts.
OPTIONS: tuple[OptionSpec, ...] = tuple(_MODE_DEPENDENT.get(spec.name, spec) for spec in CONTAINER_OPTIONS) + (
    OptionSpec("operator", "how tasks run: kubernetes (KubernetesPodOperator), docker (DockerOperator) or "
                           "local (BashOperator with the worker's Python)", default="kubernetes", choices=MODES),
    OptionSpec("namespace", "Kubernetes namespace of the step pods", default="default"),
    OptionSpec("start_date", "DAG start_date (YYYY-MM-DD, UTC) when the schedule gives none",
               default="2024-01-01", kind=START_DATE),
    OptionSpec("tags", "comma-separated DAG tags", default="pipec"),
    OptionSpec("max_active_runs", "runs of the DAG at once", default="1", kind=POSITIVE_INT),
    OptionSpec("docker_url", "Docker daemon URL for the docker mode", default="unix://var/run/docker.sock"),
    OptionSpec("pvc", "kubernetes mode: PersistentVolumeClaim mounted in every pod at a folder artifact store "
                      "(or at the folder holding it and a SQLite metadata store)"),
    OptionSpec("docker_volume", "docker mode: Docker volume mounted in every container at a folder artifact "
                                "store (or at the folder holding it and a SQLite metadata store)"),
) + SUBMIT_OPTIONS
#: `OPTIONS` by name.
SPECS: dict[str, OptionSpec] = {spec.name: spec for spec in OPTIONS}


@dataclass(frozen=True)
class Resolved:
    """The options after mode-dependent fallbacks."""

    # kubernetes, docker or local.
    mode: str
    # Artifact store URI (relative paths are relative to the source root in local mode).
    artifact_store: str
    # SQLAlchemy URL, None to record nothing.
    metadata_store: str | None
    # Source root: a path inside the image, or the option as given in local mode (None: from
    # $PIPEC_SOURCE_ROOT at run time).
    source_root: str | None
    # Python executable, None in local mode for the worker's own.
    python: str | None


def resolve(options: dict[str, str]) -> Resolved:
    """Fill the mode-dependent options of `options` (validated by the driver)."""
    mode = options.get("operator") or "kubernetes"
    local = mode == "local"
    return Resolved(
        mode=mode,
        artifact_store=options.get("artifact_store") or (LOCAL_ARTIFACT_STORE if local else DEFAULT_ARTIFACT_STORE),
        metadata_store=options.get("metadata_store") or (LOCAL_METADATA_STORE if local else None),
        source_root=options.get("source_root") or (None if local else DEFAULT_SOURCE_ROOT),
        python=options.get("python") or (None if local else "python"),
    )
