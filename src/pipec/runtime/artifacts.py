"""The artifact store: step outputs as files, local or behind any fsspec URL.

Layout, one folder per output::

    {store}/{pipeline}/{run_id}/{step_id}/{output}/
        data-<token>.<ext>    the payload, written by a materializer
        _pipec.json           the commit marker, written last

Commit protocol. A payload is written under a fresh temporary name and then
renamed to a fresh unique name; the marker (which names the payload, its
materializer, type, size and sha256) is then written to a temporary name and
renamed onto ``_pipec.json``. Readers only ever open a payload through its marker,
so a step killed at any point (even SIGKILL) leaves either no marker, or the
previous complete one: never a half-written artifact that a downstream step or the
cache could read. On object stores a single PUT is already atomic and the "rename"
of the small marker is a server-side copy.

A cached step writes only a marker whose payload lives in the earlier run's folder
(payload paths are relative to the store root).

Plain paths use ``os`` directly (fsspec costs ~80 ms to import in every step);
anything with a protocol (``s3://``, ``gs://``, ``az://``, ``file://``, ...) goes
through fsspec and the protocol's fsspec extra.
"""

from __future__ import annotations

import hashlib
import json
import os
import posixpath
from dataclasses import asdict, dataclass
from typing import Any, BinaryIO

from . import materializers

MARKER = "_pipec.json"
_MARKER_VERSION = 1


class ArtifactNotFound(Exception):
    """No committed artifact exists where one was expected."""


class ArtifactCorrupted(ArtifactNotFound):
    """A payload whose bytes no longer match the sha256 recorded when it was written: it was
    edited, truncated or replaced since, and is never fed to a step or returned."""


def payload_hash(fs: LocalFS | FsspecFS, path: str) -> str:
    """``sha256:<hex>`` of the file at `path`, read in 1 MiB pieces."""
    sha = hashlib.sha256()
    with fs.open(path, "rb") as src:
        for piece in iter(lambda: src.read(1 << 20), b""):
            sha.update(piece)
    return f"sha256:{sha.hexdigest()}"


def verify_payload(fs: LocalFS | FsspecFS, path: str, uri: str, content_hash: str | None) -> None:
    """Raise ArtifactCorrupted when the payload at `path` does not hash to `content_hash` (the
    value recorded when it was written; None or another algorithm: nothing to compare)."""
    if not content_hash or not content_hash.startswith("sha256:"):
        return
    found = payload_hash(fs, path)
    if found != content_hash:
        raise ArtifactCorrupted(
            f"artifact payload {uri} was changed after it was written (its sha256 is {found[7:19]}..., the "
            f"record says {content_hash[7:19]}...): it is not used; run the step that made it again")


@dataclass(frozen=True)
class ArtifactInfo:
    """What the commit marker of one output says."""

    # Output name.
    name: str
    # Static type string the step declared ("Any" when unknown).
    type: str
    # Name of the materializer that wrote the payload.
    materializer: str
    # "sha256:<hex>" of the payload bytes.
    content_hash: str
    # Payload size in bytes.
    size: int
    # Payload path relative to the store root, "/"-separated.
    payload: str
    # Full URI (or absolute local path) of the payload.
    uri: str

    def to_json(self) -> dict[str, Any]:
        """The marker/result-file form."""
        return asdict(self)

    @staticmethod
    def from_json(data: dict[str, Any]) -> ArtifactInfo:
        """Inverse of :meth:`to_json`."""
        return ArtifactInfo(**{k: data[k] for k in ArtifactInfo.__dataclass_fields__})


_SAFE = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-~")


def component(name: str) -> str:
    """`name` as a single safe path component (percent-encoded; never "", "." or "..").

    Same result as ``urllib.parse.quote(name, safe="")``, without its import cost.
    """
    if all(ch in _SAFE for ch in name):
        text = name
    else:
        text = "".join(chr(b) if chr(b) in _SAFE else f"%{b:02X}" for b in name.encode("utf-8"))
    if text in ("", ".", ".."):
        text = text.replace(".", "%2E") or "%00"
    return text


def _token() -> str:
    return os.urandom(6).hex()


# --------------------------------------------------------------------------- file systems


class LocalFS:
    """The few file operations the store needs, on local paths, without fsspec."""

    def open(self, path: str, mode: str) -> BinaryIO:
        return open(path, mode)  # noqa: SIM115 - the caller closes it

    def makedirs(self, path: str) -> None:
        os.makedirs(path, exist_ok=True)

    def exists(self, path: str) -> bool:
        return os.path.exists(path)

    def replace(self, src: str, dst: str) -> None:
        os.replace(src, dst)

    def rm(self, path: str) -> None:
        try:
            os.remove(path)
        except FileNotFoundError:
            pass

    def listdir(self, path: str) -> list[str]:
        try:
            return os.listdir(path)
        except FileNotFoundError:
            return []

    def join(self, *parts: str) -> str:
        return os.path.join(*parts)

    def uri(self, path: str) -> str:
        return path


class FsspecFS:
    """The same operations through an fsspec filesystem."""

    def __init__(self, fs: Any) -> None:
        self.fs = fs

    def open(self, path: str, mode: str) -> BinaryIO:
        return self.fs.open(path, mode)

    def makedirs(self, path: str) -> None:
        self.fs.makedirs(path, exist_ok=True)

    def exists(self, path: str) -> bool:
        return self.fs.exists(path)

    def replace(self, src: str, dst: str) -> None:
        self.fs.mv(src, dst)

    def rm(self, path: str) -> None:
        try:
            self.fs.rm(path)
        except FileNotFoundError:
            pass

    def listdir(self, path: str) -> list[str]:
        try:
            return [posixpath.basename(p.rstrip("/")) for p in self.fs.ls(path, detail=False)]
        except FileNotFoundError:
            return []

    def join(self, *parts: str) -> str:
        return posixpath.join(*parts)

    def uri(self, path: str) -> str:
        return self.fs.unstrip_protocol(path)


def filesystem(uri: str) -> tuple[LocalFS | FsspecFS, str]:
    """The filesystem for `uri` and the path within it."""
    if "://" not in uri:
        return LocalFS(), os.path.abspath(uri)
    from .store_errors import StoreUnavailable, masked

    try:
        import fsspec
    except ImportError:
        raise StoreUnavailable(
            f"artifact store {masked(uri)} needs fsspec: pip install 'pipec[runtime]' "
            "(plus the protocol's extra, e.g. s3fs, gcsfs or adlfs)") from None
    try:
        fs, path = fsspec.core.url_to_fs(uri)
    except ImportError as exc:  # fsspec names the package: "Install s3fs to access S3"
        raise StoreUnavailable(f"artifact store {masked(uri)}: {exc} (pip install it where the steps run)") from None
    except ValueError as exc:  # an unknown protocol
        raise StoreUnavailable(f"artifact store {masked(uri)}: {exc}") from None
    return FsspecFS(fs), path


class _HashingWriter:
    """A write-only binary stream that hashes and counts what passes through."""

    def __init__(self, raw: BinaryIO) -> None:
        self.raw = raw
        self.sha = hashlib.sha256()
        self.size = 0
        self.closed = False

    def write(self, data: Any) -> int:
        view = memoryview(data).cast("B")
        self.sha.update(view)
        self.size += len(view)
        self.raw.write(view)
        return len(view)

    def tell(self) -> int:
        return self.size

    def flush(self) -> None:
        self.raw.flush()

    def writable(self) -> bool:
        return True

    def readable(self) -> bool:
        return False

    def seekable(self) -> bool:
        return False

    def close(self) -> None:
        self.closed = True  # the store closes the underlying file itself


# --------------------------------------------------------------------------- the store


class ArtifactStore:
    """Reads and writes committed step outputs under one root URI."""

    def __init__(self, uri: str) -> None:
        # The root as given (a plain path is made absolute).
        self.fs, self.root = filesystem(uri)
        self.uri = self.fs.uri(self.root)

    def output_dir(self, pipeline: str, run_id: str, step_id: str, output: str) -> str:
        """Relative folder of one output ("/"-separated)."""
        return "/".join(component(p) for p in (pipeline, run_id, step_id, output))

    def _abs(self, rel: str) -> str:
        return self.fs.join(self.root, *rel.split("/"))

    def save(self, value: Any, *, pipeline: str, run_id: str, step_id: str, output: str,
             type_str: str = "Any", materializer: materializers.Materializer | None = None,
             payload_name: str | None = None) -> tuple[ArtifactInfo, str | None]:
        """Materialize and commit `value`; returns its info and a warning (or None). The payload
        file is `data-<payload_name>` when given (writers of the same bytes may race), else fresh."""
        warning = None
        if materializer is None:
            materializer, warning = materializers.choose(type_str, value)
        rel_dir = self.output_dir(pipeline, run_id, step_id, output)
        folder = self._abs(rel_dir)
        self.fs.makedirs(folder)
        name = f"data-{payload_name or _token()}{materializer.extension}"
        tmp = self.fs.join(folder, f".tmp-{_token()}-{name}" if payload_name else f".tmp-{name}")
        try:
            with self.fs.open(tmp, "wb") as raw:
                sink = _HashingWriter(raw)
                materializer.save(value, sink)
            self.fs.replace(tmp, self.fs.join(folder, name))
        except BaseException:
            self.fs.rm(tmp)
            raise
        info = ArtifactInfo(
            name=output, type=type_str, materializer=materializer.name,
            content_hash=f"sha256:{sink.sha.hexdigest()}", size=sink.size,
            payload=f"{rel_dir}/{name}", uri=self.fs.uri(self.fs.join(folder, name)))
        self._commit(rel_dir, info)
        return info, warning

    def link(self, info: ArtifactInfo, *, pipeline: str, run_id: str, step_id: str,
             output: str) -> ArtifactInfo:
        """Commit a marker for `output` that points at an existing payload (a cache hit)."""
        rel_dir = self.output_dir(pipeline, run_id, step_id, output)
        self.fs.makedirs(self._abs(rel_dir))
        linked = ArtifactInfo(output, info.type, info.materializer, info.content_hash, info.size,
                              info.payload, self.fs.uri(self._abs(info.payload)))
        self._commit(rel_dir, linked)
        return linked

    def _commit(self, rel_dir: str, info: ArtifactInfo) -> None:
        folder = self._abs(rel_dir)
        marker = {"version": _MARKER_VERSION, **info.to_json()}
        del marker["uri"]  # derived from the store root, which may move
        tmp = self.fs.join(folder, f".tmp-{_token()}-{MARKER}")
        try:
            with self.fs.open(tmp, "wb") as out:
                out.write(json.dumps(marker, sort_keys=True).encode("utf-8"))
            self.fs.replace(tmp, self.fs.join(folder, MARKER))
        except BaseException:
            self.fs.rm(tmp)
            raise
        # Payloads of earlier attempts stay: a duplicate attempt of the same step (an engine
        # retrying while a lost attempt still runs) may be committing one of them right now, and
        # deleting it could leave the marker naming nothing. Unreferenced payloads are garbage, never
        # a wrong read.

    def read_marker(self, pipeline: str, run_id: str, step_id: str, output: str) -> ArtifactInfo:
        """The committed info of an output; ArtifactNotFound when it was never committed."""
        rel_dir = self.output_dir(pipeline, run_id, step_id, output)
        path = self.fs.join(self._abs(rel_dir), MARKER)
        try:
            with self.fs.open(path, "rb") as src:
                data = json.loads(src.read().decode("utf-8"))
        except (FileNotFoundError, json.JSONDecodeError, UnicodeDecodeError):
            raise ArtifactNotFound(
                f"output `{output}` of step `{step_id}` in run `{run_id}` of pipeline `{pipeline}` "
                f"was never committed (no {MARKER} in {self.fs.uri(self._abs(rel_dir))})") from None
        data["uri"] = self.fs.uri(self._abs(data["payload"]))
        data["name"] = output
        return ArtifactInfo.from_json(data)

    def payload_uri(self, payload: str) -> str:
        """The full URI of a payload path relative to the store root."""
        return self.fs.uri(self._abs(payload))

    def exists(self, info: ArtifactInfo) -> bool:
        """Whether the payload `info` names is still present."""
        return self.fs.exists(self._abs(info.payload))

    def intact(self, info: ArtifactInfo) -> bool:
        """Whether the payload `info` names is present with the bytes it was written with (what a
        cache hit may reuse)."""
        try:
            verify_payload(self.fs, self._abs(info.payload), info.uri, info.content_hash)
        except (ArtifactCorrupted, FileNotFoundError):
            return False
        return True

    def load(self, info: ArtifactInfo) -> Any:
        """Read the value of a committed artifact, after checking its bytes against the record."""
        return load_uri(info.uri, info.materializer, fs=self.fs, path=self._abs(info.payload),
                        content_hash=info.content_hash)


def load_uri(uri: str, materializer: str, *, fs: LocalFS | FsspecFS | None = None,
             path: str | None = None, content_hash: str | None = None) -> Any:
    """Read the payload at `uri` with the materializer named `materializer`; with `content_hash`
    (the recorded ``sha256:...``), ArtifactCorrupted unless the bytes still match it."""
    reader = materializers.get(materializer)
    if fs is None or path is None:
        fs, path = filesystem(uri)
    try:
        verify_payload(fs, path, uri, content_hash)
        with fs.open(path, "rb") as src:
            return reader.load(src)
    except FileNotFoundError:
        raise ArtifactNotFound(f"artifact payload {uri} no longer exists") from None
