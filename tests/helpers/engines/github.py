"""GitHub Actions: what a workflow job's last step hands the ``python`` it starts.

GitHub's template reader finds and evaluates every ``${{ }}`` in the workflow's strings
(`github_template`: string literals and known context paths only; anything else is an
expression the compiler did not mean to write). The job's ``run:`` script then runs with
``sh -e`` (``shell: sh``) and a fake ``python`` on PATH that records its argv.
"""

from __future__ import annotations

import json
import re
import shlex
import subprocess
import sys
from pathlib import Path

import yaml

from pipec.ir import Pipeline

#: The run id of the model's runs (``github.run_id``).
RUN_ID = "4242"


class UnexpectedExpression(AssertionError):
    """An expression the compiler did not mean to write."""


def _evaluate(expr: str, context: dict[str, str]) -> str:
    if re.fullmatch(r"'(?:[^']|'')*'", expr, re.S):  # a string literal, '' escapes a quote
        return expr[1:-1].replace("''", "'")
    if expr in context:
        return context[expr]
    raise UnexpectedExpression(f"workflow evaluates `{expr}`")


def github_template(text: str, context: dict[str, str]) -> str:
    """`text` as GitHub's template reader evaluates it.

    Mirrors TemplateReader.ParseScalar: an expression starts at ``${{`` and ends at the
    first ``}}`` outside a single-quoted string. Expressions evaluated: string literals
    and the context paths in `context`; anything else raises UnexpectedExpression.
    """
    out: list[str] = []
    index = 0
    while True:
        start = text.find("${{", index)
        if start < 0:
            out.append(text[index:])
            return "".join(out)
        out.append(text[index:start])
        end, in_string = -1, False
        for i in range(start + 3, len(text)):
            if text[i] == "'":
                in_string = not in_string
            elif not in_string and text[i] == "}" and text[i - 1] == "}":
                end = i
                break
        if end < 0:
            raise UnexpectedExpression(f"unclosed expression in {text!r}")
        out.append(_evaluate(text[start + 3:end - 1].strip(), context))
        index = end + 1


def evaluate_tree(node, context: dict[str, str]):
    """Every string of a parsed workflow evaluated; keys must hold no expression."""
    if isinstance(node, str):
        return github_template(node, context)
    if isinstance(node, dict):
        assert not any("${{" in str(k) for k in node), f"expression in a key: {list(node)}"
        return {k: evaluate_tree(v, context) for k, v in node.items()}
    if isinstance(node, list):
        return [evaluate_tree(v, context) for v in node]
    return node


def workflow_context(pipeline: Pipeline, inputs: dict[str, str] | None) -> dict[str, str]:
    """The expression context of a run: its id, the dispatch `inputs` of `pipeline` (empty when not
    given, as a scheduled run has them), and stand-in secrets."""
    context = {"github.run_id": RUN_ID}
    for param in pipeline.parameters:
        context[f"inputs.{param.name}"] = (inputs or {}).get(param.name, "")
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        context[f"secrets.{name}"] = f"secret-{name}"
    return context


def parse_workflow(text: str):
    """The workflow read by PyYAML (YAML 1.1) and ruamel (YAML 1.2), which must agree."""
    from ruamel.yaml import YAML

    data = yaml.safe_load(text)
    assert YAML(typ="safe", pure=True).load(text) == data, "YAML 1.1 and 1.2 readers disagree"
    assert "on" in data and True not in data, "`on` must be read back as the string key"
    return data


# --------------------------------------------------------------------------- running scripts

FAKE = r'''
import json, os, sys
name = os.path.basename(sys.argv[1])
with open(os.environ["PIPEC_TEST_LOG"], "a", encoding="utf-8") as log:
    log.write(json.dumps([name] + sys.argv[2:]) + "\n")
codes = os.environ.get("PIPEC_TEST_CODES", "").split()
count = sum(1 for line in open(os.environ["PIPEC_TEST_LOG"], encoding="utf-8") if line.startswith('["' + name))
sys.exit(int(codes[count - 1]) if name == "python" and count <= len(codes) else 0)
'''


def make_fakebin(folder: Path) -> Path:
    """folder/fakebin: a PATH with only fake `python`, `sleep` and `sudo` that log their argv (no rm, no id)."""
    bin_dir = folder / "fakebin"
    bin_dir.mkdir()
    helper = folder / "fake.py"
    helper.write_text(FAKE)
    for name in ("python", "sleep", "sudo"):
        path = bin_dir / name
        path.write_text(f'#!/bin/sh\nexec {shlex.quote(sys.executable)} {shlex.quote(str(helper))} "$0" "$@"\n')
        path.chmod(0o755)
    return bin_dir


def run_step_script(step: dict, job_env: dict, fakebin: Path, event: str, codes: str = "") -> tuple[int, list]:
    """Run one evaluated workflow step's script like GitHub's `shell: sh`; (status, logged argvs)."""
    assert step["shell"] == "sh"
    script = fakebin.parent / "script.sh"
    script.write_text(step["run"])
    log = fakebin.parent / "log.jsonl"
    log.write_text("")
    env = {**job_env, **step.get("env", {}), "PATH": str(fakebin), "GITHUB_EVENT_NAME": event,
           "PIPEC_TEST_LOG": str(log), "PIPEC_TEST_CODES": codes}
    proc = subprocess.run(["/bin/sh", "-e", str(script)], env=env, capture_output=True, text=True, timeout=60)
    return proc.returncode, [json.loads(line) for line in log.read_text().splitlines()]


#: One compile per proof: the target's defaults.
COMPILE_OPTIONS: tuple[dict[str, str], ...] = ({},)


def step_argvs(text: str, pipeline: Pipeline, tmp_path: Path) -> list[list[str]]:
    """The argv every job hands ``python`` when dispatched with 1 for each input, in job order."""
    fakebin = make_fakebin(tmp_path)
    workflow = evaluate_tree(parse_workflow(text), workflow_context(pipeline, {p.name: "1" for p in pipeline.parameters}))
    argvs = []
    for job in workflow["jobs"].values():
        status, calls = run_step_script(job["steps"][-1], job.get("env", {}), fakebin, "workflow_dispatch")
        assert status == 0
        argvs += [call for call in calls if call[0] == "python"]
    return argvs
