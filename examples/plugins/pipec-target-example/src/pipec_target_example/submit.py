"""`pipec submit --target example`: run the compiled script with ``sh`` on this machine, in the
folder pipec was started from, under a new run id.

The steps' output goes to stderr (pipec's result line keeps stdout); with ``--no-wait`` the
script is started in the background and the submission says "running".
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import uuid

from pipec.targets.kit import Pipeline, Submission, SubmitContext, SubmitError

from .script import RUN_ID_VARIABLE


def submit_script(pipeline: Pipeline, context: SubmitContext, name: str) -> Submission:
    """Run `name`, the compiled script of `pipeline` among `context.files`, and report how it ended."""
    text = context.files.get(name)
    if text is None:
        raise SubmitError(f"the compile wrote no {name}")
    run_id = str(uuid.uuid4())
    folder = tempfile.mkdtemp(prefix="pipec-example-")
    path = os.path.join(folder, name)
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(text)
    env = {**os.environ, RUN_ID_VARIABLE: run_id}
    context.log(f"running {name} in {os.getcwd()} (run {run_id})")
    try:
        process = subprocess.Popen(["sh", path], env=env, stdout=sys.stderr, stdin=subprocess.DEVNULL)
    except OSError as exc:
        raise SubmitError(f"cannot start sh: {exc}") from exc
    if not context.wait:
        return Submission(engine_run_id=str(process.pid), run_id=run_id, status="running")
    try:
        code = process.wait(timeout=context.timeout)
    except subprocess.TimeoutExpired:
        return Submission(engine_run_id=str(process.pid), run_id=run_id, status="running")
    return Submission(engine_run_id=str(process.pid), run_id=run_id, status="completed" if code == 0 else "failed")
