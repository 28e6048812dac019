#!/usr/bin/env python3
"""Extract one commit of a bare git repository into a folder, skipping absent blobs.

Usage: checkout.py GIT_DIR COMMIT DEST

Snapshots brought by a partial clone may lack their largest blobs (data files, model weights);
`git archive` stops at the first one, so the tree is written file by file instead and the paths
of absent blobs are listed on stderr.
"""

from __future__ import annotations

import os
import subprocess
import sys


def extract(git_dir: str, commit: str, dest: str) -> list[str]:
    """Write every blob of COMMIT under DEST; return the paths whose blob is absent."""
    listing = subprocess.run(
        ["git", "--git-dir", git_dir, "ls-tree", "-r", "-z", "--full-tree", commit],
        capture_output=True, check=True,
    ).stdout
    missing = []
    for record in listing.split(b"\0"):
        if not record:
            continue
        meta, path = record.split(b"\t", 1)
        mode, kind, sha = meta.split()
        if kind != b"blob" or mode == b"120000":
            continue
        blob = subprocess.run(["git", "--git-dir", git_dir, "cat-file", "blob", sha], capture_output=True)
        rel = path.decode("utf-8", "surrogateescape")
        if blob.returncode != 0:
            missing.append(rel)
            continue
        target = os.path.join(dest, rel)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with open(target, "wb") as fh:
            fh.write(blob.stdout)
    return missing


def main() -> int:
    if len(sys.argv) != 4:
        print(__doc__, file=sys.stderr)
        return 2
    git_dir, commit, dest = sys.argv[1:]
    for rel in extract(git_dir, commit, dest):
        print(f"absent: {rel}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
