"""Data steps: read JSON-lines records, clean them, cut them into shards."""

import json
from pathlib import Path
from urllib.request import urlopen

from pipec import Docker, step

#: Relative sources are read from the project folder, wherever the step runs.
PROJECT = Path(__file__).resolve().parent.parent


@step(docker=Docker(apt_packages=["ca-certificates"]))
def load_raw(source: str) -> list:
    """Records from a JSON-lines file (relative to the project) or an http(s) URL, one dict per line."""
    if source.startswith(("http://", "https://")):
        with urlopen(source) as handle:  # noqa: S310 - the URL is the pipeline's own parameter
            lines = handle.read().decode("utf-8").splitlines()
    else:
        lines = (PROJECT / source).read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


@step
def clean(rows: list, required: list = ["x1", "x2", "y"]) -> list:  # noqa: B006 - never mutated
    """Drop records with a missing or non-numeric required field."""
    kept = []
    for row in rows:
        try:
            kept.append({key: float(row[key]) for key in required})
        except (KeyError, TypeError, ValueError):
            continue
    return kept


@step
def shard(rows: list, index: int, count: int) -> list:
    """Every `count`-th record starting at `index`."""
    return rows[index::count]
