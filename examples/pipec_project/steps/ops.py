"""Data steps: read JSON-lines records, clean them, cut them into shards."""

import json
from urllib.request import urlopen

from pipec import Docker, step


@step(docker=Docker(apt_packages=["ca-certificates"]))
def load_raw(source: str) -> list:
    """Records from a JSON-lines file or URL, one dict per line."""
    with urlopen(source) as handle:  # noqa: S310 - the URL is the pipeline's own parameter
        return [json.loads(line) for line in handle if line.strip()]


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
