"""Pointer files: a committed output named in a small JSON file an engine can carry around.

`--output-ref NAME=PATH` makes the shim write, after output NAME is committed, a pointer to
it at PATH (a local path the engine gives, e.g. KFP's `{{$.outputs.artifacts['x'].path}}`,
which KFP then uploads as the task's output artifact). `--input-ref NAME=PATH` reads such a
file (KFP downloads the producer's artifact there) and loads the output it names. Because the
pointer carries the producer's run id, a consumer reads the right payload even when the
producer did not run in this run (a KFP cache hit reuses an earlier run's artifact).

A pointer, JSON with sorted keys::

    {"pipec_pointer": 1, "pipeline": ..., "run_id": ..., "step_id": ..., "output": ...,
     "payload": "<store-relative payload path>", "materializer": ..., "content_hash": ...,
     "type": ..., "size": N}

Everything is relative to the artifact store (no store URL: it may hold `${NAME}` secrets,
and the store may move). Reading verifies the commit marker exactly as `--input` does, then
loads the payload the pointer names (payloads are never rewritten, so this is the exact value
the producer committed even if a later attempt of it re-committed the output).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, replace
from typing import Any

from .artifacts import ArtifactInfo, ArtifactNotFound, ArtifactStore

#: Format version written in every pointer under the key ``pipec_pointer``.
VERSION = 1
_TEXT_FIELDS = ("pipeline", "run_id", "step_id", "output", "payload", "materializer", "content_hash", "type")


class PointerError(Exception):
    """A pointer file is missing, unreadable or not a pipec pointer."""


@dataclass(frozen=True)
class Pointer:
    """Where a committed output lives in the artifact store."""

    # Pipeline name (first component of the output's folder).
    pipeline: str
    # Run id of the run that committed the output (the producer's run).
    run_id: str
    # Step id of the producer.
    step_id: str
    # Output name.
    output: str
    # The committed payload's path relative to the store root.
    payload: str
    # Materializer that wrote the payload.
    materializer: str
    # "sha256:<hex>" of the payload.
    content_hash: str
    # Static type string of the output.
    type: str
    # Payload size in bytes.
    size: int

    def to_json(self) -> dict[str, Any]:
        """The file's content as a dict."""
        return {"pipec_pointer": VERSION, **{k: getattr(self, k) for k in self.__dataclass_fields__}}


def pointer_for(pipeline: str, run_id: str, step_id: str, info: ArtifactInfo) -> Pointer:
    """The pointer to output `info` committed by step `step_id` of run `run_id`."""
    return Pointer(pipeline, run_id, step_id, info.name, info.payload, info.materializer, info.content_hash,
                   info.type, info.size)


def write_pointer(path: str, pointer: Pointer) -> None:
    """Write `pointer` to the local file `path` atomically (parent folders created)."""
    folder = os.path.dirname(os.path.abspath(path))
    tmp = os.path.join(folder, f".{os.path.basename(path)}.tmp-{os.getpid()}")
    try:
        os.makedirs(folder, exist_ok=True)
        with open(tmp, "w", encoding="utf-8") as out:
            json.dump(pointer.to_json(), out, sort_keys=True, ensure_ascii=False)
        os.replace(tmp, path)
    except OSError as exc:
        try:
            os.remove(tmp)
        except OSError:
            pass
        raise PointerError(f"cannot write the pointer file {path}: {exc.strerror or exc}") from None


def read_pointer(path: str) -> Pointer:
    """The pointer in the local file `path`; PointerError when missing or malformed."""
    try:
        with open(path, encoding="utf-8") as src:
            data = json.load(src)
    except FileNotFoundError:
        raise PointerError(f"pointer file {path} does not exist (did the producing step commit its "
                           "output?)") from None
    except OSError as exc:
        raise PointerError(f"cannot read the pointer file {path}: {exc.strerror or exc}") from None
    except (ValueError, UnicodeDecodeError):
        raise PointerError(f"pointer file {path} is not JSON: it was not written by pipec's shim") from None
    if not isinstance(data, dict) or data.get("pipec_pointer") != VERSION:
        raise PointerError(f"pointer file {path} is not a pipec pointer (version {VERSION})")
    bad = [k for k in _TEXT_FIELDS if not isinstance(data.get(k), str)]
    if not isinstance(data.get("size"), int) or isinstance(data.get("size"), bool):
        bad.append("size")
    if bad:
        raise PointerError(f"pointer file {path} lacks or mistypes {', '.join(bad)}")
    if any(part in ("", ".", "..") for part in data["payload"].split("/")):
        raise PointerError(f"pointer file {path} names payload {data['payload']!r}, which is not a path "
                           "inside the artifact store")
    return Pointer(**{k: data[k] for k in Pointer.__dataclass_fields__})


def resolve(store: ArtifactStore, pointer: Pointer, name: str) -> ArtifactInfo:
    """The artifact `pointer` names, read as argument `name`: its commit marker must exist
    (ArtifactNotFound otherwise) and so must the payload it names."""
    marker = store.read_marker(pointer.pipeline, pointer.run_id, pointer.step_id, pointer.output)
    if marker.payload == pointer.payload:
        return marker
    # Another attempt of the producer re-committed the output after this pointer was written:
    # the pointer's payload (never deleted) is what the engine's lineage records.
    info = replace(marker, type=pointer.type, materializer=pointer.materializer,
                   content_hash=pointer.content_hash, size=pointer.size, payload=pointer.payload,
                   uri=store.payload_uri(pointer.payload))
    if not store.exists(info):
        raise ArtifactNotFound(f"argument `{name}`: the payload {info.uri} the pointer names no longer exists")
    return info
