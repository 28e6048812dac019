"""SkyPilot (vm_aws, vm_gcp, vm_azure): what the VM's container runs and hands each step.

SkyPilot exports the task's ``envs`` and runs ``run`` with bash inside the ``docker:`` image,
with ``SKYPILOT_TASK_ID`` set. The model runs the task's ``run`` with bash for real, its
interpreter word replaced by a shell function that records the argv it gets (the orchestrator's
command line, every expansion done by bash). The orchestrator (`pipec.runtime.kube_run` without
``--jobs``) then runs each step as ``pipec run`` does: the argv of `pipec.runtime.command.shim_command`
with the orchestrator's stores (it records the run; the steps get no metadata store).
"""

from __future__ import annotations

import json
import os
import shlex
import subprocess
from pathlib import Path

import yaml

from pipec.ir.codec import pipeline_from_json
from pipec.runtime.command import shim_command
from pipec.runtime.kube_run import parser

#: The task id SkyPilot would set (the run id the orchestrator records).
TASK_ID = "sky-2026-12-04-00-00-00-000000_pipec-vm_1"
#: One compile per proof: the target's defaults.
COMPILE_OPTIONS: tuple[dict[str, str], ...] = ({},)
#: Records the argv of the orchestrator's interpreter (NUL-separated) instead of running it.
RECORDER = "__pipec_argv() { printf '%s\\0' \"$@\"; }\n"


def orchestrator_argv(text: str, tmp_path: Path | None = None) -> tuple[list[str], dict]:
    """(the orchestrator's argv after the interpreter word, the plan it reads) as bash runs ``run``."""
    task = yaml.safe_load(text)
    head, command = _split(task["run"])
    script = head + "__pipec_argv " + command.removeprefix(shlex.quote(interpreter(text)) + " ")
    env = {**os.environ, **{k: str(v) for k, v in task.get("envs", {}).items()}, "SKYPILOT_TASK_ID": TASK_ID}
    proc = subprocess.run(["bash", "-c", RECORDER + script], env=env, capture_output=True, timeout=60,
                          cwd=tmp_path or None)
    assert proc.returncode == 0, proc.stderr
    argv = proc.stdout.decode("utf-8").split("\0")[:-1]
    assert argv[:3] == ["-m", "pipec.runtime", "kube-run"], argv
    args = parser().parse_args(argv[3:])
    with open(args.plan, encoding="utf-8") as handle:
        plan = json.load(handle)
    os.remove(args.plan)
    return argv[3:], plan


def _split(run: str) -> tuple[str, str]:
    """(the lines before the orchestrator's command, the command): it follows the plan's line."""
    head, mark, command = run.partition('> "$plan"\n')
    assert mark, run
    return head + mark, command


def interpreter(text: str) -> str:
    """The interpreter word of the orchestrator's command (the image's Python)."""
    return shlex.split(_split(yaml.safe_load(text)["run"])[1])[0]


def orchestrator_stores(text: str) -> tuple[str | None, str | None]:
    """(--artifact-store, --metadata-store) the orchestrator gets: it records the run; steps do not."""
    args = parser().parse_args(orchestrator_argv(text)[0])
    return args.artifact_store, args.metadata_store or None


def step_argvs(text: str, pipeline, tmp_path: Path) -> list[list[str]]:
    """The argv of every step's process, in step order."""
    argv, plan = orchestrator_argv(text, tmp_path)
    args = parser().parse_args(argv)
    planned = pipeline_from_json(plan)
    return [shim_command(planned, step, run_id=args.run_id, artifact_store=args.artifact_store, metadata_store=None,
                         python=interpreter(text), source_root=args.source_root) for step in planned.steps]
