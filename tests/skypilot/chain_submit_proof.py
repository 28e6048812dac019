"""Run in the side environment .venvs/skypilot: the managed job `pipec submit` launches for a
chain file (`pipec.targets.skypilot.submit.chain_dag`), built offline (HOME in a temporary
folder, no credentials), printed as one JSON object.

Usage: ``python chain_submit_proof.py FILE NAME=VALUE...`` (the envs every task gets).
"""

from __future__ import annotations

import json
import logging
import sys
import warnings


def main(path: str, pairs: list[str]) -> None:
    """Print the chain's name, whether SkyPilot sees a chain, its edges (task before task), and each
    task's name, envs, accelerators and recovery strategy."""
    logging.disable(logging.CRITICAL)
    warnings.simplefilter("ignore")
    from pipec.targets.skypilot.submit import chain_dag

    dag = chain_dag(path, dict(pair.split("=", 1) for pair in pairs))
    edges = [[first.name, then.name] for first, then in dag.get_graph().edges]
    print(json.dumps({"name": dag.name, "chain": dag.is_chain(), "edges": edges,
                      "tasks": [{"name": task.name, "envs": dict(task.envs),
                                 "accelerators": [r.accelerators for r in task.resources],
                                 "job_recovery": [r.job_recovery for r in task.resources]} for task in dag.tasks]},
                     default=str), flush=True)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2:])
