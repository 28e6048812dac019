"""Apache Airflow: what a DAG file's tasks hand the step's process, in every operator mode.

Airflow renders a task's templated fields with Jinja (``{{ params.x }}``, ``{{ run_id }}``);
a KubernetesPodOperator's ``arguments`` and a DockerOperator's ``command`` then reach the
container as they are, a BashOperator's ``bash_command`` is run by bash with its ``env``.
`step_argvs` reads the DAG file with `ast` (no Airflow needed); the tests in tests/airflow
render the same tasks with Airflow itself.
"""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

#: The operator modes a proof compiles: one DAG file per mode.
COMPILE_OPTIONS: tuple[dict[str, str], ...] = tuple({"operator": mode} for mode in ("kubernetes", "docker", "local"))

#: A stand-in for Python (a script run as `python`): writes its argv, cwd and environment as JSON
#: to $PIPEC_TEST_RECORD.
RECORDER = """\
import json, os, sys
with open(os.environ["PIPEC_TEST_RECORD"], "w", encoding="utf-8") as out:
    json.dump({"argv": sys.argv[1:], "cwd": os.getcwd(), "env": dict(os.environ)}, out)
"""


def run_bash_recorded(command: str, env: Mapping[str, str], folder: Path) -> tuple[list[str], dict[str, str]]:
    """Run a rendered local-mode `command` with bash and its rendered `env`, a recorder standing
    in for Python; the shim's argv (from ``-m pipec.runtime``) and environment. Asserts that the
    command does not end like a script file and ran in the source root."""
    import stat

    assert not command.endswith((".sh", ".bash"))
    folder.mkdir(parents=True)
    recorder = folder / "python"
    recorder.write_text(f"#!{sys.executable}\n{RECORDER}")
    recorder.chmod(recorder.stat().st_mode | stat.S_IEXEC)
    root = folder / "source root with spaces"
    root.mkdir()
    record = folder / "record.json"
    full_env = {**os.environ, **env, "PIPEC_PYTHON": str(recorder), "PIPEC_SOURCE_ROOT": str(root),
                "PIPEC_TEST_RECORD": str(record)}
    proc = subprocess.run(["bash", "-c", command], env=full_env, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    seen = json.loads(record.read_text(encoding="utf-8"))
    assert Path(seen["cwd"]) == root
    assert seen["argv"][:3] == ["-m", "pipec.runtime", "run-step"]
    return seen["argv"], seen["env"]


def step_argvs(text: str, pipeline, tmp_path: Path) -> list[list[str]]:
    """The shim argv of every task of an Airflow DAG file, read with `ast` and rendered by Jinja
    as Airflow renders templated fields; a BashOperator's command is run by bash, a recorder
    standing in for Python."""
    import jinja2

    context = {"params": {p.name: p.value if p.known else p.default for p in pipeline.parameters}, "run_id": "r"}

    def render(template: str) -> str:
        return jinja2.Environment().from_string(template).render(context)

    tree = ast.parse(text)
    # Module-level constants the tasks share (SHIM, SHIM_ARGS, SHIM_COMMAND, ENV...), by name.
    consts = {node.targets[0].id: node.value for node in tree.body
              if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name)}

    def items(node: ast.expr) -> list[str]:  # a list literal, `*NAME` spread from its constant
        out = []
        for e in node.elts:
            if isinstance(e, ast.Starred):
                out += items(consts[e.value.id])
            else:
                out.append(render(e.value) if isinstance(e, ast.Constant) else "RUN_ID")
        return out

    def text_of(node: ast.expr) -> str:  # a string literal, a constant's name, or `a + b`
        if isinstance(node, ast.BinOp):
            return text_of(node.left) + text_of(node.right)
        return ast.literal_eval(consts[node.id] if isinstance(node, ast.Name) else node)

    def keys(node: ast.expr) -> list[str]:  # a dict literal's keys, `**NAME` from its constant
        if isinstance(node, ast.Name):
            return keys(consts[node.id])
        return [k for key, value in zip(node.keys, node.values, strict=True)
                for k in ([ast.literal_eval(key)] if key is not None else keys(value))]

    argvs = []
    for call in ast.walk(tree):
        if not isinstance(call, ast.Call):
            continue
        kwargs = {k.arg: k.value for k in call.keywords}
        if "arguments" in kwargs or "command" in kwargs:  # Kubernetes / Docker
            argv = items(kwargs.get("arguments") or kwargs["command"])
            argvs.append(["python", "-m", "pipec.runtime", "run-step", *argv] if "arguments" in kwargs else argv)
        elif "bash_command" in kwargs:
            command = render(text_of(kwargs["bash_command"]))
            env = dict.fromkeys(keys(kwargs["env"]), "1")
            argv, _ = run_bash_recorded(command, env, tmp_path / f"task{len(argvs)}")
            argvs.append(["python", *argv])
    return argvs
