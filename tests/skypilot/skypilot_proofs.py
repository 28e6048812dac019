"""Run in the side environment .venvs/skypilot (SkyPilot): load task files with SkyPilot's own loaders.

Usage: ``python skypilot_proofs.py FILE...``; prints one JSON object per file:
``{"file", "checks": {loader: error text or null}, "tasks": [what the loader read]}``. Each file
goes through ``sky.Task.from_yaml`` (what ``sky launch FILE`` reads; for one task) and
``sky.utils.dag_utils.load_chain_dag_from_yaml`` (what ``sky jobs launch FILE`` reads, also for
multi-task files). Offline: the caller points HOME at a temporary folder; no credentials.
"""

from __future__ import annotations

import json
import logging
import sys
import warnings


def _read(task) -> dict:
    """What a loaded task holds, in plain data, for the caller to compare with the file."""
    resources = list(task.resources)
    first = resources[0]
    return {"name": task.name, "run": task.run, "envs": dict(task.envs), "num_nodes": task.num_nodes,
            "cloud": str(first.cloud) if first.cloud is not None else None,
            "region": first.region, "zone": first.zone,
            "image_id": first.image_id, "cpus": first.cpus, "memory": first.memory,
            "accelerators": first.accelerators, "use_spot": first.use_spot, "disk_size": first.disk_size,
            "resources": len(resources)}


def _checks(path: str) -> tuple[dict[str, str | None], list[dict]]:
    import sky
    from sky.utils import dag_utils

    checks: dict[str, str | None] = {}
    tasks: list[dict] = []
    try:
        tasks = [_read(sky.Task.from_yaml(path))]
        checks["from_yaml"] = None
    except Exception as error:  # the loader's verdict is what we report
        checks["from_yaml"] = f"{type(error).__name__}: {error}"
    try:
        dag = dag_utils.load_chain_dag_from_yaml(path)
        chained = [_read(task) for task in dag.tasks]
        checks["load_chain_dag"] = None
        if not tasks or len(chained) > 1:
            tasks = chained
    except Exception as error:  # the loader's verdict is what we report
        checks["load_chain_dag"] = f"{type(error).__name__}: {error}"
    return checks, tasks


def main(paths: list[str]) -> None:
    """Print the checks of every file in `paths`."""
    logging.disable(logging.CRITICAL)
    warnings.simplefilter("ignore")
    for path in paths:
        checks, tasks = _checks(path)
        print(json.dumps({"file": path, "checks": checks, "tasks": tasks}, default=str), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
