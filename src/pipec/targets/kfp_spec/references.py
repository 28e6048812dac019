"""Cross-reference checks on a PipelineSpec that its protobuf schema cannot make.

The schema says a `componentRef` is a string; only this module says the component
exists. Checked: componentRef, executorLabel, dependentTasks (no cycles), every task input
(declared by its component, its source declared by the enclosing DAG or, for
`taskOutputParameter`/`taskOutputArtifact`, a task of the DAG listed in dependentTasks whose
component declares that output, of a compatible artifact type), required inputs given,
`{{$...}}` placeholders naming declared inputs/outputs, every declared output artifact handed
to the executor, unused components/executors, platform-spec executors. Used by the tests on every compiled spec (and usable on any KFP spec)::

    problems = check_references(spec, platform_executors)   # [] when consistent
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from .names import PIPELINE_NAME

#: `{{$...}}` placeholders, with what they name.
_PLACEHOLDER = re.compile(r"\{\{\$(?P<body>[^}]*)\}\}")
_IO = re.compile(r"^\.(?P<side>inputs|outputs)\.(?P<kind>parameters|artifacts)\['(?P<name>[^']+)'\]"
                 r"(?:\.(?:output_file|uri|path|metadata|value))?$")
#: Run-level placeholders KFP and Vertex AI expand (`kfp.dsl`'s *_PLACEHOLDER constants).
RUN_PLACEHOLDERS = frozenset({
    "", ".pipeline_job_name", ".pipeline_job_resource_name", ".pipeline_job_uuid", ".pipeline_task_name",
    ".pipeline_task_uuid", ".outputs.output_file", ".pipeline_root", ".pipeline_job_create_time_utc",
    ".pipeline_job_schedule_time_utc", ".workspace_path",
})


def check_references(spec: Mapping, platform_executors: Iterable[str] = ()) -> list[str]:
    """Every broken reference in `spec` (a PipelineSpec as dicts), as sentences; [] when none.

    `platform_executors` are the executor labels a Kubernetes platform spec configures.
    """
    problems: list[str] = []
    name = spec.get("pipelineInfo", {}).get("name", "")
    if not PIPELINE_NAME.match(name):
        problems.append(f"pipelineInfo.name {name!r} does not match {PIPELINE_NAME.pattern}")
    components = spec.get("components", {})
    executors = spec.get("deploymentSpec", {}).get("executors", {})
    used_components: set[str] = set()
    dags = [("root", spec.get("root", {}))] + [(key, comp) for key, comp in components.items() if "dag" in comp]
    for where, component in dags:
        problems += _check_dag(where, component, components, used_components)
    used_executors: set[str] = set()
    for key, component in components.items():
        label = component.get("executorLabel")
        if label is not None:
            used_executors.add(label)
            if label not in executors:
                problems.append(f"component {key!r}: executorLabel {label!r} is not in deploymentSpec.executors")
            else:
                problems += _check_placeholders(key, component, executors[label])
        elif "dag" not in component:
            problems.append(f"component {key!r} has neither an executorLabel nor a dag")
    problems += [f"component {key!r} is used by no task" for key in sorted(set(components) - used_components)]
    problems += [f"executor {key!r} is used by no component" for key in sorted(set(executors) - used_executors)]
    problems += [f"platform spec configures executor {key!r}, which does not exist"
                 for key in sorted(set(platform_executors) - set(executors))]
    return problems


def _check_dag(where: str, component: Mapping, components: Mapping, used: set[str]) -> list[str]:
    problems: list[str] = []
    tasks = component.get("dag", {}).get("tasks", {})
    own_params = component.get("inputDefinitions", {}).get("parameters", {})
    own_artifacts = component.get("inputDefinitions", {}).get("artifacts", {})
    for task_name, task in tasks.items():
        at = f"{where}: task {task_name!r}"
        ref = task.get("componentRef", {}).get("name")
        target = components.get(ref)
        if target is None:
            problems.append(f"{at}: componentRef {ref!r} is not a component")
            target = {}
        else:
            used.add(ref)
        deps = task.get("dependentTasks", [])
        for dep in deps:
            if dep not in tasks:
                problems.append(f"{at}: dependentTasks names {dep!r}, which is not a task of this DAG")
            elif dep == task_name:
                problems.append(f"{at}: depends on itself")
        declared = target.get("inputDefinitions", {})
        for kind, own in (("parameters", own_params), ("artifacts", own_artifacts)):
            given = task.get("inputs", {}).get(kind, {})
            for input_name, source in given.items():
                if input_name not in declared.get(kind, {}):
                    problems.append(f"{at}: input {kind[:-1]} {input_name!r} is not declared by {ref!r}")
                definition = declared.get(kind, {}).get(input_name) if kind == "artifacts" else None
                problems += _check_source(at, input_name, source, own, tasks, deps, components, definition)
            for input_name, definition in declared.get(kind, {}).items():
                if input_name not in given and not definition.get("isOptional") and "defaultValue" not in definition:
                    problems.append(f"{at}: required input {kind[:-1]} {input_name!r} of {ref!r} is not given")
    problems += [f"{where}: dependency cycle through {cycle}" for cycle in _cycles(tasks)]
    return problems


def _schema_title(definition: Mapping) -> str | None:
    return definition.get("artifactType", {}).get("schemaTitle")


def _check_source(at: str, input_name: str, source: Mapping, own: Mapping, tasks: Mapping,
                  deps: list[str], components: Mapping, declared: Mapping | None = None) -> list[str]:
    if "componentInputParameter" in source or "componentInputArtifact" in source:
        parent_input = source.get("componentInputParameter", source.get("componentInputArtifact"))
        if parent_input not in own:
            return [f"{at}: input {input_name!r} reads {parent_input!r}, which the enclosing DAG does not declare"]
        return []
    for key, output_kind, output_key in (("taskOutputParameter", "parameters", "outputParameterKey"),
                                         ("taskOutputArtifact", "artifacts", "outputArtifactKey")):
        if key in source:
            producer = source[key].get("producerTask")
            if producer not in tasks:
                return [f"{at}: input {input_name!r} has producerTask {producer!r}, which is not a task"]
            problems = []
            if producer not in deps:
                problems.append(f"{at}: producerTask {producer!r} is missing from dependentTasks")
            produced = components.get(tasks[producer].get("componentRef", {}).get("name"), {})
            output = produced.get("outputDefinitions", {}).get(output_kind, {}).get(source[key].get(output_key))
            if output is None:
                problems.append(f"{at}: {producer!r} declares no output {source[key].get(output_key)!r}")
            elif output_kind == "artifacts" and declared is not None:
                # system.Artifact is KFP's generic type: it accepts every other.
                given, wanted = _schema_title(output), _schema_title(declared)
                if given != wanted and wanted != "system.Artifact":
                    problems.append(f"{at}: input artifact {input_name!r} is a {wanted} but "
                                    f"{producer!r} writes a {given}")
            return problems
    return []


def _check_placeholders(key: str, component: Mapping, executor: Mapping) -> list[str]:
    problems: list[str] = []
    container = executor.get("container")
    if container is None:
        return problems
    written: set[str] = set()
    whole_input = False  # `{{$}}`: the executor gets every input and output path (kfp's Python components)
    for item in [*container.get("command", []), *container.get("args", [])]:
        for match in _PLACEHOLDER.finditer(item):
            body = match.group("body")
            if body in RUN_PLACEHOLDERS:
                whole_input |= body == ""
                continue
            io = _IO.match(body)
            if io is None:
                problems.append(f"component {key!r}: unknown placeholder {match.group()!r}")
                continue
            section = "inputDefinitions" if io.group("side") == "inputs" else "outputDefinitions"
            if io.group("name") not in component.get(section, {}).get(io.group("kind"), {}):
                problems.append(f"component {key!r}: placeholder {match.group()!r} names an undeclared "
                                f"{io.group('side')[:-1]} {io.group('kind')[:-1]}")
            elif io.group("side") == "outputs" and io.group("kind") == "artifacts":
                written.add(io.group("name"))
    if not whole_input:
        # KFP's launcher uploads each declared output artifact from its path: one no placeholder
        # hands to the executor is never written, and the task fails after the step succeeded.
        for name in component.get("outputDefinitions", {}).get("artifacts", {}):
            if name not in written:
                problems.append(f"component {key!r} declares output artifact {name!r}, "
                                "which its executor is never given a path to write")
    return problems


def _cycles(tasks: Mapping) -> list[str]:
    """One description per strongly connected group of tasks (Tarjan's algorithm, iterative)."""
    edges = {name: [d for d in task.get("dependentTasks", []) if d in tasks] for name, task in tasks.items()}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[str] = []
    for start in sorted(edges):
        if start in index:
            continue
        work = [(start, iter(edges[start]))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is None:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    group = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        group.append(member)
                        if member == node:
                            break
                    if len(group) > 1:
                        found.append(" -> ".join(sorted(group)))
            elif child not in index:
                index[child] = low[child] = len(index)
                stack.append(child)
                on_stack.add(child)
                work.append((child, iter(edges[child])))
            elif child in on_stack:
                low[node] = min(low[node], index[child])
    return found
