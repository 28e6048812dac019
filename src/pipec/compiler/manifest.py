"""The artifact manifest: ``OUT/.pipec-artifacts``, which files of an output folder pipec wrote, and from what.

Every `pipec compile` and `pipec build` that writes to (or ``--check``s) an output folder
keeps this small JSON file there::

    {
      "generated-by": "pipec: ...",
      "sources": {
        "../pipelines/training.py": ["airflow/training.py", "kubeflow/training.yaml"]
      }
    }

Keys of ``sources`` are the source files, relative to the output folder with ``/``
separators (or ``@ROOTNAME/path`` when the output folder is outside the source root); values are the files each produced, relative to the output folder, whose
first component is the target (or ``docker`` for `pipec build`). The file is committed
with the artifacts, so it is byte-stable: sorted, no times, no versions.

It serves two purposes:

- **Build contexts.** A folder that holds the manifest is generated output, so it is
  never part of a step image's build context (`pipec.build.context`): committing
  artifacts inside the project cannot change the image tags they contain.
- **Stale files.** A compile of one source replaces that source's entries for the
  targets it compiled, and removes (or, with ``--check``, reports) the files it no
  longer produces, without touching what other sources wrote into the same folder.
  Files of sources that no longer exist are stale too, and so are files in a compiled
  target's folder that no source lists (e.g. left by an older pipec).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

#: File name of the manifest inside an output folder.
MANIFEST = ".pipec-artifacts"
#: The first key of the file, saying what it is.
_HEADER = ("pipec: the generated files in this folder and the source each came from. This folder is left out "
           "of container build contexts. Do not edit: `pipec compile` rewrites it.")


class ManifestError(Exception):
    """The manifest exists but cannot be read; the message is meant for the user."""


@dataclass
class Manifest:
    """The parsed manifest of one output folder."""

    #: ``{source path relative to the output folder: sorted output paths}``.
    sources: dict[str, list[str]] = field(default_factory=dict)

    def targets(self) -> set[str]:
        """Every target folder some source has files in."""
        return {rel.split("/", 1)[0] for files in self.sources.values() for rel in files}

    def render(self) -> str:
        """The file's text: sorted, two-space indented JSON, one output per line."""
        data = {"generated-by": _HEADER,
                "sources": {src: sorted(set(files)) for src, files in sorted(self.sources.items()) if files}}
        return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def parse(text: str, shown: str) -> Manifest:
    """The manifest in `text`; ManifestError (naming `shown`) when it is not one."""
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise ManifestError(f"{shown} is not valid JSON ({exc.msg} at line {exc.lineno}); it may hold a merge "
                            "conflict: delete it and compile the whole project again") from None
    sources = data.get("sources") if isinstance(data, dict) else None
    if not isinstance(sources, dict) or not all(
            isinstance(src, str) and isinstance(files, list) and all(isinstance(f, str) for f in files)
            for src, files in sources.items()):
        raise ManifestError(f"{shown} is not a pipec artifact manifest (expected an object with `sources`: "
                            "{source: [files]}); delete it and compile the whole project again")
    return Manifest({src: list(files) for src, files in sources.items()})


def read(out_root: Path, shown: str | None = None) -> Manifest | None:
    """The manifest of the output folder `out_root`, None when there is none."""
    path = out_root / MANIFEST
    try:
        text = path.read_text(encoding="utf-8")
    except (FileNotFoundError, NotADirectoryError):  # no manifest yet (or OUT is not a folder: the writer says so)
        return None
    except (OSError, UnicodeDecodeError) as exc:
        raise ManifestError(f"cannot read {shown or path}: {getattr(exc, 'strerror', None) or exc}") from None
    return parse(text, shown or str(path))


def source_key(out_root: Path, source: Path, root: Path) -> str:
    """How the manifest names `source` (whose source root is `root`).

    When the output folder is inside the source root (artifacts committed with the code),
    the source's path relative to the output folder, "/"-separated. Otherwise a path
    relative to the output folder would spell out where the two happen to live on this
    machine, so the source is named ``@ROOTNAME/path/in/root`` instead.
    """
    source, root = source.resolve(), root.resolve()
    if out_root == root or root in out_root.parents:
        return Path(os.path.relpath(source, out_root)).as_posix()
    try:
        inside = source.relative_to(root).as_posix()
    except ValueError:
        inside = source.name
    return f"@{root.name}/{inside}"


@dataclass(frozen=True)
class Update:
    """What one compile (or build) produced for one source."""

    #: The source's key (see :func:`source_key`).
    source: str
    #: The target folders it compiled (entries of other targets are kept).
    targets: frozenset[str]
    #: Output paths it produced, relative to the output folder.
    files: frozenset[str]
    #: True when only part of the source was compiled (``--pipeline``): old entries are kept too.
    partial: bool = False


def apply(old: Manifest | None, updates: Iterable[Update], out_root: Path) -> tuple[Manifest, set[str]]:
    """The new manifest after `updates`, and the output paths no source accounts for any more.

    The second value holds the files of the old manifest that dropped out (a source that
    no longer produces them, or a source file that no longer exists); the caller adds the
    unlisted files it finds in the compiled target folders (see :func:`unlisted`).
    """
    sources = {src: set(files) for src, files in (old.sources if old else {}).items()}
    before = {rel for files in sources.values() for rel in files}
    for update in updates:
        kept = {rel for rel in sources.get(update.source, ())
                if update.partial or rel.split("/", 1)[0] not in update.targets}
        sources[update.source] = kept | set(update.files)
    touched = {u.source for u in updates}
    for src in list(sources):
        if src not in touched and not _source_exists(out_root, src):
            del sources[src]
    new = Manifest({src: sorted(files) for src, files in sources.items() if files})
    listed = {rel for files in new.sources.values() for rel in files}
    return new, before - listed


def _source_exists(out_root: Path, key: str) -> bool:
    if key.startswith("@"):  # named by its source root, which lies elsewhere: only its own compile updates it
        return True
    return (out_root / key).is_file()


def unlisted(manifest: Manifest, present: Iterable[str], folders: Iterable[str]) -> set[str]:
    """Paths among `present` (files found on disk) inside `folders` that `manifest` does not list."""
    listed = {rel for files in manifest.sources.values() for rel in files}
    chosen = set(folders)
    return {rel for rel in present if rel.split("/", 1)[0] in chosen and rel not in listed and rel != MANIFEST}


def owners(manifest: Manifest | None) -> Mapping[str, str]:
    """``{output path: source}`` for every listed file."""
    out: dict[str, str] = {}
    for src, files in (manifest.sources if manifest else {}).items():
        for rel in files:
            out.setdefault(rel, src)
    return out
