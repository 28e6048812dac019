"""Helpers for the Kubernetes targets' proofs: the shared JSON schemas, closed, and a DAG check.

The schemas live in ``../shared/schemas`` relative to the repository root (CI has that
folder beside the clone; see its README and each PROVENANCE.md). They are test data,
never copied into the package. Kubernetes CRD schemas are structural: objects carry no
``additionalProperties: false``, so an unknown key would pass. `closed` adds it to every
object schema that lists ``properties`` and is not ``x-kubernetes-preserve-unknown-fields``,
which is how the API server prunes/rejects unknown fields.

Under CI (the ``CI`` environment variable set) a missing schema fails the test instead of
skipping it, so a broken checkout cannot make the proofs pass vacuously.
"""

from __future__ import annotations

import copy
import json
import os
import re
from collections.abc import Iterable, Mapping
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SCHEMAS = REPO.parent / "shared" / "schemas"
PRESERVE = "x-kubernetes-preserve-unknown-fields"


def schema_path(*parts: str) -> Path:
    """The schema file ``../shared/schemas/<parts>``; fails under CI and skips locally when missing."""
    path = SCHEMAS.joinpath(*parts)
    if not path.is_file():
        message = f"schema {path} is missing (expected ../shared/schemas beside the repository)"
        if os.environ.get("CI"):
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    return path


def load_schema(*parts: str) -> dict:
    """The JSON schema file ``../shared/schemas/<parts>`` (see `schema_path`)."""
    return json.loads(schema_path(*parts).read_text(encoding="utf-8"))


def closed(schema: object) -> object:
    """A deep copy of `schema` in which every object schema with ``properties`` and without
    ``x-kubernetes-preserve-unknown-fields`` rejects unknown keys (``additionalProperties: false``).
    Schemas that already say what extra keys may hold keep their ``additionalProperties``."""
    schema = copy.deepcopy(schema)

    def visit(node: object) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("properties"), dict) and not node.get(PRESERVE) \
                    and "additionalProperties" not in node:
                node["additionalProperties"] = False
            for key, value in node.items():
                if key != "enum" and key != "const":
                    visit(value)
        elif isinstance(node, list):
            for item in node:
                visit(item)

    visit(schema)
    return schema


def validator(schema: dict):
    """A Draft 2020-12 validator for `schema` (the Argo schema declares 2020-12; the Tekton
    CRD schemas are OpenAPI v3 subsets that read the same; unknown formats are ignored)."""
    from jsonschema import Draft202012Validator

    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def errors(validator_, document: object) -> list[str]:
    """Every validation error of `document` as "path: message", sorted; [] when valid."""
    found = []
    for error in validator_.iter_errors(document):
        path = "/".join(str(p) for p in error.absolute_path) or "(root)"
        found.append(f"{path}: {error.message[:300]}")
    return sorted(found)


def dag_problems(edges: Mapping[str, Iterable[str]]) -> list[str]:
    """Problems of a task graph given as ``{task: [tasks it waits for]}``: a dependency on a
    task that does not exist, a task that waits for itself, a cycle. [] for a valid DAG."""
    edges = {name: list(deps) for name, deps in edges.items()}
    problems = [f"`{name}` depends on unknown task `{dep}`"
                for name, deps in edges.items() for dep in deps if dep not in edges]
    problems += [f"`{name}` is listed twice in the dependencies of a task"
                 for name, deps in edges.items() if len(set(deps)) != len(deps)]
    state: dict[str, int] = {}  # 1 = on the current path, 2 = done

    def visit(name: str, path: list[str]) -> None:
        state[name] = 1
        for dep in edges[name]:
            if dep not in edges:
                continue
            if state.get(dep) == 1:
                cycle = path[path.index(dep):] + [dep]
                problems.append("cycle: " + " -> ".join(cycle))
            elif dep not in state:
                visit(dep, path + [dep])
        state[name] = 2

    for name in sorted(edges):
        if name not in state:
            visit(name, [name])
    return problems


# --------------------------------------------------------------------------- Kubernetes


def k8s_expand(text: str, env: Mapping[str, str]) -> str:
    """What the kubelet makes of `text` in a container's command, args or env value:
    ``$$`` becomes ``$``, ``$(NAME)`` the value of NAME when it is defined (else it stays),
    an unclosed ``$(`` and any other ``$`` stay as they are (Kubernetes' expansion rules,
    written from its API documentation)."""
    out: list[str] = []
    i = 0
    while i < len(text):
        char = text[i]
        if char != "$" or i + 1 == len(text):
            out.append(char)
            i += 1
            continue
        nxt = text[i + 1]
        if nxt == "$":
            out.append("$")
            i += 2
        elif nxt == "(":
            end = text.find(")", i + 2)
            if end == -1:
                out.append("$(")
                i += 2
            else:
                name = text[i + 2:end]
                out.append(env[name] if name in env else f"$({name})")
                i = end + 1
        else:
            out.append("$" + nxt)
            i += 2
    return "".join(out)


def k8s_container_env(container: Mapping, annotations: Mapping[str, str]) -> dict[str, str]:
    """The environment Kubernetes gives `container` (values expanded in order, ``fieldRef``
    to ``metadata.annotations['KEY']`` read from the pod's `annotations`)."""
    env: dict[str, str] = {}
    for entry in container.get("env", []):
        if "valueFrom" in entry:
            path = entry["valueFrom"]["fieldRef"]["fieldPath"]
            match = re.fullmatch(r"metadata\.annotations\['([^']+)'\]", path)
            assert match, f"unexpected fieldPath {path!r}"
            env[entry["name"]] = annotations[match.group(1)]
        else:
            env[entry["name"]] = k8s_expand(entry.get("value", ""), env)
    return env


# --------------------------------------------------------------------------- compiling


def compile_source(source: Path, target_name: str, *, config: Path | None = None,
                   options: Mapping[str, str] | None = None, params: Mapping[str, str] | None = None):
    """Compile every pipeline of `source` for `target_name` in this process, as `pipec compile`
    does: ``([(pipeline IR, {relative path: text})], diagnostics)``; fails on frontend errors."""
    from pipec import targets
    from pipec.compiler.api import load
    from pipec.compiler.driver import compile_pipeline
    from pipec.targets.base import CompileContext

    result = load(source, config=config, params=params)
    assert not result.diagnostics.has_errors, [str(d) for d in result.diagnostics.sorted()]
    target = targets.get(target_name)
    merged = {spec.name: spec.default for spec in target.options if spec.default is not None}
    merged.update(options or {})
    diagnostics = result.diagnostics
    outputs = []
    for pipeline in result.program.pipelines:
        context = CompileContext(options=dict(merged), diagnostics=diagnostics)
        outputs.append((pipeline, compile_pipeline(target_name, target, pipeline, context)))
    return outputs, diagnostics


def example_source(case: str) -> tuple[Path, Path | None]:
    """`run.py` of examples/<case> and its config.yaml (None when it has none)."""
    folder = REPO / "examples" / case
    config = folder / "config.yaml"
    return folder / "run.py", config if config.is_file() else None


#: Strings aimed at Kubernetes' `$(VAR)`/`$$`, Tekton's `$(...)` and Argo's `{{...}}`.
K8S_TRICKS = ["$(params.note)", "$(context.pipelineRun.uid)", "$(context.taskRun.name)", "$(credentials.path)",
              "$(tasks.first.results.x)", "$(workspaces.pipec-artifacts.path)", "$$HOME", "$$(params.note)",
              "$(HOME)", "$(PIPEC_ARG_20)", "a$", "$", "$(", "{{workflow.name}}", "{{ inputs.parameters.note }}",
              "{{=1+1}}", "{{ ds }}", "{{", "}}", "{{{x}}}", "${{ x }}", "{{pod.name}}", "{{tasks.first.ip}}",
              "yes", "on", "1e3", "0o17", "~", "null", "line\nbreak", "naïve ☃ \u200b"]

#: A pipeline full of those strings in every place a user controls: literals of each JSON
#: type, environment values, parameter values (safe ones pass as parameters, unsafe ones are
#: baked), a hostile step id. {name} is the pipeline name (Argo cannot take every name).
HOSTILE_SOURCE = '''
from pipec import Docker, Retry, pipeline, step

TRICKS = {tricks!r}


@step(docker=Docker(environment={{"A": "$(params.note)", "B": "{{{{ x }}}}", "C": "$$x", "D": "plain",
                                 "PIPEC_ARG_20": "$(HOME)", "E": "{{{{ ds }}}} $HOME ${{{{ y }}}}"}}),
      retry=Retry(max_retries=2, delay=1.5, backoff=2))
def first(values: list, mapping: dict, text: str, note: str, safe: str, number: float, flag: bool) -> list:
    return [values, mapping, text, note, safe, number, flag]


@step
def second(items: list, label: str = "x", safe: str = "") -> int:
    return len(items)


@pipeline(name={name!r})
def tricky(note: str = "$(context.pipelineRun.name) {{{{workflow.uid}}}}", safe: str = "it's $HOME {{{{ ds }}}} ${{{{ x }}}}",
           number: float = 1.5, flag: bool = True):
    out = first(values=TRICKS, mapping={{"$(params.note)": "{{{{=1}}}}", "{{{{": "$$", "k": TRICKS}},
                text="$(params.safe)", note=note, safe=safe, number=number, flag=flag, id="first.$(step)")
    second(out, label="{{{{workflow.name}}}}", safe=safe, after=["first.$(step)"])
'''


def hostile_project(folder: Path, name: str) -> Path:
    """Write `HOSTILE_SOURCE` as a project in `folder` (pipeline called `name`); its run.py."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "pyproject.toml").write_text("[project]\nname = 'hostile-k8s'\n", encoding="utf-8")
    path = folder / "run.py"
    path.write_text(HOSTILE_SOURCE.format(tricks=K8S_TRICKS, name=name), encoding="utf-8")
    return path


# --------------------------------------------------------------------------- the shim's view


def shim_view(argv: list[str]) -> dict:
    """What the runtime shim makes of `argv`: its parsed flags, parameters as decoded values."""
    from pipec.runtime.shim import parse_args

    assert argv[1:4] == ["-m", "pipec.runtime", "run-step"], argv[:4]
    spec = parse_args(argv[4:])
    view = {field: getattr(spec, field) for field in spec.__dataclass_fields__ if field != "params"}
    view["python"] = argv[0]
    view["params"] = {name: json.loads(text) for name, text in spec.params}
    return view


def expected_view(pipeline, step, options: Mapping[str, str], run_id: str) -> dict:
    """The shim's view of `step` run with the compile-time values (what must arrive)."""
    from pipec.targets.base import CompileContext
    from pipec.targets.common import step_argv

    return shim_view(step_argv(pipeline, step, CompileContext(options=dict(options)), run_id=run_id))


def all_strings(node: object) -> Iterable[str]:
    """Every string (keys included) inside a parsed YAML document."""
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for key, value in node.items():
            yield from all_strings(key)
            yield from all_strings(value)
    elif isinstance(node, list):
        for item in node:
            yield from all_strings(item)


def plain_scalars(text: str) -> list[str]:
    """Every string that the YAML `text` writes as an unquoted (plain) scalar."""
    import yaml

    found: list[str] = []

    def visit(node: yaml.Node) -> None:
        if isinstance(node, yaml.ScalarNode):
            if node.style is None and node.tag == "tag:yaml.org,2002:str":
                found.append(node.value)
        elif isinstance(node, yaml.SequenceNode):
            for item in node.value:
                visit(item)
        elif isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                visit(key)
                visit(value)

    for document in yaml.compose_all(text, Loader=yaml.SafeLoader):
        visit(document)
    return found


def retyped_by_some_reader(value: str) -> bool:
    """True when a plain scalar `value` is not a string for YAML 1.1 (PyYAML, go-yaml v2 as used
    by kubectl) or YAML 1.2 core: bools/nulls of either, ints in any base, floats, dates."""
    words11 = {"y", "yes", "n", "no", "true", "false", "on", "off", "null", "~", ""}
    if value.lower() in words11:
        return True
    patterns = [r"[-+]?(0|[1-9][0-9_]*)", r"[-+]?0[0-7_]+", r"0o[0-7]+", r"[-+]?0x[0-9a-fA-F_]+", r"[-+]?0b[01_]+",
                r"[-+]?(\.[0-9]+|[0-9][0-9_]*(\.[0-9_]*)?)([eE][-+]?[0-9]+)?", r"[-+]?\.(inf|Inf|INF)", r"\.(nan|NaN|NAN)",
                r"[-+]?[0-9][0-9_]*(:[0-5]?[0-9])+(\.[0-9_]*)?", r"[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}([Tt ].*)?"]
    return any(re.fullmatch(p, value) for p in patterns)
