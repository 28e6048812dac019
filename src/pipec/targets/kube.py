"""Pieces every Kubernetes-based target shares: object names, container resources, the
volume that holds a folder artifact store, warnings for settings a container cannot honour,
and the YAML dump. How user text gets past an engine's templating is in `kube_text`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, replace

from pipec.ir import StepInvocation
from pipec.ir.diagnostics import Diagnostics

from .base import QUANTITY, CompileContext, OptionSpec
from .kit.names import DNS_LABELS, Namer, short_digest  # noqa: F401 (short_digest re-exported)
from .kit.resources import REQUESTS_ONLY, kube_resources
from .kit.serialize import PYYAML, YamlStyle, dump_yaml
from .kit.stores import UNSHARED_STORE, artifact_store, is_folder_store

#: Options every Kubernetes-based target adds to `CONTAINER_OPTIONS`.
KUBE_OPTIONS: tuple[OptionSpec, ...] = (
    OptionSpec("service_account", "service account the step pods run as"),
    OptionSpec("volume_size", "size of the volume the steps share when the artifact store is a folder",
               default="1Gi", kind=QUANTITY),
)

#: Longest object name that still leaves room for the suffixes Kubernetes and the engines
#: add (generateName's 5 characters, Argo's CronWorkflow timestamp: 52 is Argo's limit).
MAX_OBJECT_NAME = 52


def dns_label(text: str, max_length: int = 63) -> str:
    """`text` as an RFC 1123 label (``[a-z0-9-]``, alphanumeric at both ends), at most
    `max_length` long; a hash of `text` is appended when it had to be cut or was empty."""
    return _dns(max_length).name(text)


def unique_labels(names: Iterable[str], max_length: int = 63) -> dict[str, str]:
    """``{name: label}`` with pairwise distinct DNS labels; names whose labels would clash
    get a hash of the original name appended (deterministic for a given set of names)."""
    return _dns(max_length).unique(names)


def _dns(max_length: int) -> Namer:
    return DNS_LABELS if max_length == DNS_LABELS.max_len else replace(DNS_LABELS, max_len=max_length)


def resources(step: StepInvocation) -> dict[str, dict[str, str]]:
    """Container resources of `step` as Kubernetes quantity strings: cpu and memory as
    requests, GPUs as a limit (extended resources are requested through limits)."""
    return kube_resources(step, REQUESTS_ONLY)


@dataclass(frozen=True)
class ArtifactVolume:
    """A volume every step mounts so that a folder artifact store is shared between pods."""

    # Absolute folder in the container where the store lives (the mount path).
    path: str
    # Size of the claim, a Kubernetes quantity ("1Gi").
    size: str


def artifact_volume(context: CompileContext, diags: Diagnostics) -> ArtifactVolume | None:
    """The volume to mount when the artifact store is a folder (a path or a ``file://`` URL),
    None for object stores. A relative folder cannot be mounted (warning PC307); the driver
    checked that `volume_size` is a quantity."""
    store = artifact_store(context.options)
    if not is_folder_store(store):
        return None
    path = store.removeprefix("file://")
    if not path.startswith("/"):
        diags.warning(UNSHARED_STORE, f"artifact store `{store}` is a relative folder: each step's pod has its own, "
                               "so steps cannot read their inputs",
                      help="use an absolute folder (mounted as a shared volume) or a URL such as s3://bucket/prefix")
        return None
    return ArtifactVolume(path.rstrip("/") or "/", context.options.get("volume_size") or "1Gi")


def volume_claim_spec(volume: ArtifactVolume) -> dict:
    """The PersistentVolumeClaim spec of the shared volume (ReadWriteOnce: steps that run at
    the same time need one node, or a ReadWriteMany storage class, or an object store)."""
    return {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": volume.size}}}


#: Plain scalars some YAML reader takes for a bool or null (YAML 1.1 as in go-yaml v2,
#: which Kubernetes clients use, knows ``y``/``n``/``on``/``off``).
_NOT_STRING_WORDS = frozenset({"", "~", "null", "y", "yes", "n", "no", "true", "false", "on", "off"})
_NUMBER_LIKE = re.compile(r"[-+]?\.?[0-9]")


def _may_be_retyped(text: str) -> bool:
    """True when a YAML reader (1.1 or 1.2, Python or Go) might not read plain `text` as a
    string: bool/null words, anything starting like a number (``1e3``, ``0o17``, ``12:30``,
    ``2001-12-14``) and what Python's float() accepts (``inf``, ``NaN``)."""
    lowered = text.strip().lower()
    if lowered in _NOT_STRING_WORDS or _NUMBER_LIKE.match(lowered):
        return True
    try:
        float(lowered)
    except ValueError:
        return False
    return True


#: Kubernetes objects as PyYAML's SafeDumper wrote them (the goldens' bytes), with strings any
#: YAML reader might retype single-quoted, keys in the order built, ``---`` before each document.
KUBE_YAML = YamlStyle(scalars=PYYAML, sort_keys=False, explicit_start=True, force_quotes=_may_be_retyped)


def dump_documents(documents: Iterable[object]) -> str:
    """Multi-document YAML (``---`` before each): keys in the order built (the builders insert
    them in a fixed order), strings that any YAML reader might retype quoted, unicode kept,
    lines never wrapped."""
    return dump_yaml(documents, KUBE_YAML)
