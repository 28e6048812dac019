"""Inputs the shim resolves when the step starts: artifact lookups and values stored per run.

``--input-lookup NAME={"scope", "name", "version", "id"}`` (ZenML's
``Client().get_artifact_version(...)`` and ``ExternalArtifact(name=/id=)`` in a pipeline body)
is the artifact version the metadata store holds under that name and version (latest: the
highest number) or id. ``--input-value NAME={"value", "name"}`` (``ExternalArtifact(value=)``
and ``save_artifact(value, name)``) is stored in the artifact store once per run, by the first
step that reads it: its folder is ``{pipeline}/{run_id}/@external/{value hash}``, written
atomically, and its artifact version is added idempotently, so parallel readers share one copy
and one row. Each resolved input is an :class:`ArtifactInfo` like a data input's, so the cache
key covers its content hash; :func:`lineage` says where every input of the step came from.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .artifacts import ArtifactInfo, ArtifactNotFound, ArtifactStore, load_uri

#: The folder, in place of a step id, that holds the values a run stored itself.
EXTERNAL_FOLDER = "@external"


class InputNotFound(Exception):
    """A looked-up artifact (version) does not exist; the message names what does."""


@dataclass
class Resolved:
    """What :func:`resolve` found."""

    #: The payload of each resolved input, by argument.
    infos: dict[str, ArtifactInfo] = field(default_factory=dict)
    #: (argument, artifact version id or None, source, detail) per resolved input.
    sources: list[tuple[str, int | None, str, dict[str, Any] | None]] = field(default_factory=list)


def resolve(lookups: Iterable[tuple[str, str]], values: Iterable[tuple[str, str]], *, pipeline: str,
            run_id: str, store: ArtifactStore, meta: Any, parameters: Mapping[str, str] | None = None,
            versions: Mapping[str, str] | None = None, step_model: Mapping[str, Any] | None = None) -> Resolved:
    """Resolve --input-lookup and --input-value inputs, each (argument, JSON text), for run
    `run_id` of `pipeline` (`meta`: the metadata store, or None when there is none);
    `parameters` holds the JSON text of each lookup's naming parameter (--lookup-param), `versions`
    that of each lookup's version parameter (--lookup-version); "model"
    lookups find the artifacts linked to the run's version of `step_model` (--model)."""
    out = Resolved()
    stored: list[tuple[str, int | None, str, None]] = []
    # Values first: a lookup may name what this run saves (ZenML saves before any step runs).
    for name, text in values:
        data = json.loads(text)
        info = store_value(store, pipeline, run_id, data["value"])
        saved = data.get("name")
        version_id = None
        if meta is not None:
            record = meta.add_artifact_version(saved or external_name(pipeline, info.content_hash),
                                               "saved" if saved else "external", run_id, info)
            info, version_id = _info(name, record), record.id
        out.infos[name] = info
        stored.append((name, version_id, "saved" if saved else "external", None))
    for name, text in lookups:
        lookup = json.loads(text)
        if meta is None:
            raise InputNotFound(f"input `{name}` looks up artifact {_label(lookup)}, which needs a metadata store "
                                "(--metadata-store)")
        lookup = _versioned(name, _named(meta, name, lookup, (parameters or {}).get(name)), (versions or {}).get(name))
        model = lookup.get("scope", "store") == "model"
        record = _model_artifact(meta, run_id, lookup, step_model, name) if model else _find(meta, lookup, name)
        out.infos[name] = _info(name, record)
        out.sources.append((name, record.id, "model" if model else "lookup", lookup))
    out.sources += stored  # lineage in the order of the command line
    return out


def _named(meta: Any, argument: str, lookup: dict[str, Any], value: str | None) -> dict[str, Any]:
    """`lookup` with the name or id its pipeline parameter gives: a name, else an id when it is
    one (pipec's artifact version ids are numbers; a ZenML id is a UUID)."""
    param = lookup.get("parameter")
    if param is None:
        return lookup
    key = json.loads(value) if value is not None else None
    if not isinstance(key, str) or not key:
        got = "no value" if value is None else f"the value {value}"
        raise InputNotFound(f"input `{argument}` looks up the artifact pipeline parameter `{param}` names, which has "
                            f"{got}: give it an artifact name or id")
    if key.isdigit() and not meta.list_artifact_versions(key) or _is_uuid(key):
        return {**lookup, "id": key}
    return {**lookup, "name": key}


def _versioned(argument: str, lookup: dict[str, Any], value: str | None) -> dict[str, Any]:
    """`lookup` with the version its pipeline parameter gives (null or "" keep the latest, as
    ZenML's `version=None` does; a number is the version number)."""
    param = lookup.get("version_parameter")
    if param is None:
        return lookup
    version = json.loads(value) if value is not None else None
    if version is None or version == "":
        return {key: item for key, item in lookup.items() if key != "version"}
    if isinstance(version, bool) or not isinstance(version, (str, int)):
        raise InputNotFound(f"input `{argument}` looks up the version pipeline parameter `{param}` gives, which is "
                            f"{value}: give it a version name or number")
    return {**lookup, "version": str(version)}


def _is_uuid(text: str) -> bool:
    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return True


def _model_artifact(meta: Any, run_id: str, lookup: dict[str, Any], model: Mapping[str, Any] | None,
                    argument: str) -> Any:
    """The artifact version `lookup` names among the artifacts linked to the run's version of
    `model` (ZenML's ``get_pipeline_context().model.get_artifact(name)``)."""
    from .models import ModelError, resolve_model_artifact

    if model is None:
        raise InputNotFound(f"input `{argument}` is artifact {_label(lookup)} of the pipeline's model, but the step "
                            "has no model (give the pipeline `model=Model(...)` or a run configuration `model:`)")
    try:
        return resolve_model_artifact(meta, model, run_id, lookup["name"], lookup.get("version"))
    except ModelError as exc:
        raise InputNotFound(f"input `{argument}`: {exc}") from None


def _find(meta: Any, lookup: dict[str, Any], argument: str) -> Any:
    record = meta.find_artifact_version(lookup.get("name"), lookup.get("version"), lookup.get("id"))
    if record is not None:
        return record
    if lookup.get("id") is not None:
        raise InputNotFound(f"input `{argument}`: no artifact version has id {lookup['id']!r}")
    existing = [str(v.version) for v in meta.list_artifact_versions(lookup["name"])]
    found = f"versions that exist: {', '.join(existing)}" if existing else "no versions"
    raise InputNotFound(f"input `{argument}`: artifact {_label(lookup)} does not exist ({found})")


def _label(lookup: dict[str, Any]) -> str:
    if lookup.get("id") is not None:
        return f"with id {lookup['id']!r}"
    if lookup.get("name") is None and lookup.get("parameter") is not None:
        return f"named by pipeline parameter `{lookup['parameter']}`"
    version = lookup.get("version")
    return f"`{lookup.get('name')}`" + (f" version {version}" if version not in (None, "latest") else "")


def external_name(pipeline: str, content_hash: str) -> str:
    """The artifact name of an unnamed stored value: stable for the same value."""
    return f"{pipeline}::external::{content_hash.split(':')[-1][:12]}"


def store_value(store: ArtifactStore, pipeline: str, run_id: str, value: Any) -> ArtifactInfo:
    """`value` stored once for run `run_id`: the committed copy when one exists, else a new one
    (written atomically; a reader racing another commits the same bytes)."""
    digest = hashlib.sha256(json.dumps(value, sort_keys=True, separators=(",", ":"),
                                       ensure_ascii=False).encode("utf-8")).hexdigest()[:32]
    try:
        return store.read_marker(pipeline, run_id, EXTERNAL_FOLDER, digest)
    except ArtifactNotFound:
        info, _ = store.save(value, pipeline=pipeline, run_id=run_id, step_id=EXTERNAL_FOLDER, output=digest,
                             payload_name=digest)
        return info


def _info(argument: str, record: Any) -> ArtifactInfo:
    return ArtifactInfo(argument, record.type, record.materializer, record.content_hash, record.size,
                        record.payload, record.uri)


def load(store: ArtifactStore, info: ArtifactInfo) -> Any:
    """The value of an input: from this artifact store, or from the URI it was written at (an
    artifact looked up from another store)."""
    if store.exists(info):
        return store.load(info)
    return load_uri(info.uri, info.materializer, content_hash=info.content_hash)


def lineage(resolved: Resolved | None) -> list[tuple[str, int | None, int, str, Any]]:
    """(argument, position, artifact version id, source, detail) of each resolved input whose
    artifact version is known (data inputs are recorded by `lineage.record_inputs`)."""
    return [(name, None, version_id, source, detail) for name, version_id, source, detail in
            (resolved.sources if resolved is not None else []) if version_id is not None]


def for_step(step: Any, pipeline: Any, run_id: str, store: ArtifactStore, meta: Any) -> Resolved | None:
    """What `pipec run` resolves in-process for `step` before it looks at the cache (the shim
    resolves the same again from --lookup-store); None when a lookup fails (no cache then: the
    shim fails the step with the reason)."""
    from .command import encode_json, lookup_parameters, resolved_input_options
    from .models import step_model

    pairs: dict[str, list[tuple[str, str]]] = {"--input-lookup": [], "--input-value": []}
    for option in resolved_input_options(step):
        pairs[option.flag].append((option.value.name, option.value.text.split("=", 1)[1]))
    if not any(pairs.values()):
        return Resolved()
    try:
        named = {name: encode_json(value) for name, value in lookup_parameters(pipeline, step).items()}
        versions = {name: encode_json(value)
                    for name, value in lookup_parameters(pipeline, step, field="version_parameter").items()}
        return resolve(pairs["--input-lookup"], pairs["--input-value"], pipeline=pipeline.name, run_id=run_id,
                       store=store, meta=meta, parameters=named, versions=versions, step_model=step_model(step))
    except (InputNotFound, ValueError):
        return None
