"""Run a proof script in a side environment (.venvs/NAME) and read what it prints.

The engines whose pins clash with the main test environment (azure-ai-ml, SkyPilot...) load
pipec's files in their own interpreter; each proof script prints one JSON object per line.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Mapping

from . import requires


def run_side(env: str, script: str, *args: str, stdin: str | None = None,
             environ: Mapping[str, str] | None = None) -> str:
    """The stdout of `script` (a path below the repository) run by .venvs/`env`'s interpreter
    with `args`; the test fails, with the script's stderr, when it exits non-zero."""
    proc = subprocess.run([str(requires.side_python(env)), str(requires.REPO / script), *args], input=stdin,
                          capture_output=True, text=True, timeout=600, cwd=requires.REPO,
                          env={**os.environ, **environ} if environ else None)
    assert proc.returncode == 0, proc.stderr[-4000:]
    return proc.stdout


def side_json(env: str, script: str, *args: str, **kwargs) -> list[dict]:
    """The JSON objects `script` prints, one a line (other lines are the engine's chatter)."""
    return [json.loads(line) for line in run_side(env, script, *args, **kwargs).splitlines()
            if line.startswith("{")]
