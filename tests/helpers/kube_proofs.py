"""Helpers for the Kubernetes targets' proofs (argo, tekton): a DAG check, compiling in process,
a hostile project, the runtime shim's view of an argv, and YAML scalars that other readers retype.

The schemas are `tests.helpers.schemas`; Kubernetes' own expansion is `tests.helpers.engines.kubernetes`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


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
