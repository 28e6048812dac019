"""From one IR pipeline to the data `dag.py.j2` renders.

Every value leaves here as :class:`~pipec.targets.airflow.escape.Code`: Python source that
is already escaped (user strings for Jinja first where Airflow templates them, then as
Python literals). Problems the DAG cannot express become diagnostics.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pipec.ir import Pipeline, Retry, Span, StepInvocation
from pipec.ir.diagnostics import Diagnostics
from pipec.runtime.command import ShimCall, shim_call
from pipec.targets.base import CompileContext
from pipec.targets.common import step_environment, step_image
from pipec.targets.kit.params import bound_parameters, compile_time_value, has_value
from pipec.targets.kit.retry import effective_retry, lower_retry, step_retry
from pipec.targets.kit.timeout import seconds_unit, step_timeout
from pipec.targets.kit.unsupported import unsupported

from . import naming
from .escape import Code, call, identifier, py, py_str
from .modes import StepInput, build_operator, report_local_limits, report_store_not_shared, shim_constants
from .options import SPECS, Resolved, resolve
from .retry import RETRY
from .schedule import build_schedule, interval_code
from .settings import read_settings
from .shared import share, share_env
from .shim_argv import shared_flags, split_argv


@dataclass(frozen=True)
class TaskSpec:
    """One operator in the DAG file."""

    # Python variable holding the operator.
    var: Code
    # Operator class name (imported at the top of the file).
    operator: Code
    # Keyword arguments in the order written, values as Python source.
    kwargs: tuple[tuple[Code, Code], ...]
    # Variables of the tasks that must finish first.
    upstream: tuple[Code, ...]


@dataclass(frozen=True)
class DagSpec:
    """Everything the DAG template needs."""

    # The DAG id (also the file's stem).
    dag_id: str
    # The module docstring, as Python source.
    docstring: Code
    # Operator mode: kubernetes, docker or local.
    mode: str
    # Import `kubernetes.client.models as k8s` (resources in kubernetes mode).
    k8s_models: bool
    # Names imported from `docker.types` (docker mode: DeviceRequest, Mount).
    docker_types: Code
    # Standard-library modules to import, in order.
    stdlib: tuple[Code, ...]
    # Uses `Param` (the DAG has params).
    uses_param: bool
    # What to import from `airflow.sdk` on Airflow 3 ("Param", "literal"), as source.
    sdk_imports: Code
    # Module-level constants: (name, value, one-line comment).
    constants: tuple[tuple[Code, Code, Code], ...]
    # Keyword arguments of `DAG(...)`.
    dag_kwargs: tuple[tuple[Code, Code], ...]
    # The operators, in a topological order of the pipeline.
    tasks: tuple[TaskSpec, ...]
    # Dependencies: (upstream task or list of tasks, downstream task), as source.
    edges: tuple[tuple[Code, Code], ...]



#: Longest DAG tag Airflow accepts.
MAX_TAG_LENGTH = 100


#: A step's timeout: its task's execution_timeout (each try gets its own).
TIMEOUT = seconds_unit("Airflow's execution_timeout")

def runtime_parameters(pipeline: Pipeline) -> list[str]:
    """Pipeline parameters some step binds directly: the DAG params a run can override, in
    declaration order."""
    return [param.name for param in bound_parameters(pipeline)]


def step_shim_call(pipeline: Pipeline, step: StepInvocation, resolved: Resolved, params: list[str]) -> ShimCall:
    """The shim call of `step`: the run-time `params` as JSON, local mode from the source root with
    the worker's Python unless option `python` names one."""
    return shim_call(pipeline, step, artifact_store=resolved.artifact_store,
                     metadata_store=resolved.metadata_store or None, python=resolved.python,
                     source_root="." if resolved.mode == "local" else resolved.source_root,
                     runtime_params=params)


# --------------------------------------------------------------------------- the DAG

_JSON_SCHEMA_TYPES = {"int": "integer", "float": "number", "str": "string", "bool": "boolean",
                      "list": "array", "tuple": "array", "dict": "object", "None": "null"}


def _top_level_members(type_: str) -> list[str]:
    """The members of a union type string, split only outside brackets."""
    members, depth, start = [], 0, 0
    for i, ch in enumerate(type_):
        depth += ch == "["
        depth -= ch == "]"
        if depth == 0 and type_.startswith(" | ", i):
            members.append(type_[start:i])
            start = i + 3
    return members + [type_[start:]]


def param_schema_type(type_: str) -> str | list[str] | None:
    """The JSON-schema type Airflow validates a parameter of IR type `type_` with, None when
    any value may do."""
    names: list[str] = []
    for member in _top_level_members(type_):
        base = member.split("[", 1)[0].strip()
        if base not in _JSON_SCHEMA_TYPES:
            return None
        names.append(_JSON_SCHEMA_TYPES[base])
    unique = list(dict.fromkeys(names))
    return unique[0] if len(unique) == 1 else unique


def build_params(pipeline: Pipeline, params: list[str], scheduled: bool, diags: Diagnostics) -> Code | None:
    """``{name: Param(value, type=...)}`` for the run-time parameters, None when there are none."""
    if not params:
        return None
    entries: dict[str, Code] = {}
    for name in params:
        param = pipeline.parameter(name)
        kwargs: dict[str, object] = {}
        schema = param_schema_type(param.type)
        if schema is not None:
            kwargs["type"] = schema
        if has_value(param):
            entries[name] = call("Param", compile_time_value(param), **kwargs)
            continue
        entries[name] = call("Param", **kwargs)
        if scheduled:
            diags.error("PC312", f"pipeline parameter `{name}` has no value, but the pipeline is scheduled",
                        param.span, help="give the parameter a default or a value with --param / --config "
                                         "(Airflow refuses scheduled DAGs with required params)")
    return py(entries, 4)


def build_default_args(pipeline: Pipeline, diags: Diagnostics) -> Code:
    """`default_args`: the pipeline's retry policy (steps that differ set their own).

    ``retries=0`` stays when nothing retries: Airflow's default is the deployment's
    ``[core] default_task_retries``, not 0, and a pipeline without a retry policy must not retry
    where an administrator raised it. It costs nothing measurable per task (bench/airflow_parse.py)."""
    return py(retry_kwargs(pipeline.settings.retry, diags, pipeline.span), 4)


def retry_kwargs(retry: Retry | None, diags: Diagnostics, span: Span) -> dict[str, Code]:
    """Airflow's retry arguments for an IR retry policy (None: no retries). Airflow 2 knows only
    a doubling backoff (a flag); Airflow 3 reads the same flag as factor 2."""
    retry = lower_retry(retry, RETRY, diags, span)
    if retry is None:
        return {"retries": py(0)}
    out = {"retries": py(retry.max_retries), "retry_delay": interval_code(retry.delay)}
    if retry.backoff > 1:
        out["retry_exponential_backoff"] = py(True)
    return out


def build_task_retry(pipeline: Pipeline, step: StepInvocation, diags: Diagnostics) -> dict[str, Code]:
    """Per-task retry arguments when the step's policy differs from the pipeline's."""
    mine, default = step_retry(step), effective_retry(pipeline.settings.retry)
    if mine == default:
        return {}
    return retry_kwargs(mine, diags, step.span)


def build_task_timeout(step: StepInvocation, diags: Diagnostics) -> dict[str, Code]:
    """``execution_timeout`` (per try, as the step's timeout) when the step has a timeout."""
    seconds = step_timeout(step, TIMEOUT, diags)
    return {} if seconds is None else {"execution_timeout": interval_code(seconds)}


def build_docstring(pipeline: Pipeline, dag_id: str, mode: str) -> Code:
    """The module docstring (only sanitized names in it)."""
    runner = {"kubernetes": "a KubernetesPodOperator pod", "docker": "a DockerOperator container",
              "local": "a BashOperator, with the worker's Python"}[mode]
    module = ".".join(re.sub(r"[^A-Za-z0-9_]", "_", part) for part in pipeline.module.split("."))
    return Code(f'"""Airflow DAG `{dag_id}`, compiled by pipec from module `{module}`: do not edit, recompile.\n\n'
                f"Each task runs one step through the pipec runtime shim in {runner}.\n"
                'Pipeline parameters are DAG params: a triggered run can override them.\n"""')


def build_dag(pipeline: Pipeline, context: CompileContext) -> DagSpec:
    """The DAG for `pipeline` under `context.options`; problems go to `context.diagnostics`."""
    diags = context.diagnostics
    resolved = resolve(context.options)
    dag_id = naming.dag_id(pipeline)
    schedule = build_schedule(pipeline.schedule, context.options, diags)
    params = runtime_parameters(pipeline)
    order = pipeline.topological_order()
    names = {sid: Code(name) for sid, name in naming.python_names(list(order)).items()}

    k8s_models, docker_types = False, set()
    seen: set[str] = set()
    settings = read_settings(pipeline.settings, diags, pipeline.span, seen)
    calls = [step_shim_call(pipeline, pipeline.step(sid), resolved, params) for sid in order]
    shared = shared_flags(calls)
    argvs = [split_argv(call, shared) for call in calls]
    all_kwargs, envs, operators = [], [], []
    for sid, argv in zip(order, argvs, strict=True):
        step = pipeline.step(sid)
        inp = StepInput(pipeline, step, argv, step_image(pipeline, step, context), step_environment(step),
                        read_settings(step.settings, diags, step.span, seen))
        op = build_operator(inp, resolved, params, context.options, diags)
        k8s_models |= op.k8s_models
        docker_types.update(op.docker_types)
        all_kwargs.append({"task_id": py(naming.task_id(step)), **op.kwargs, **build_task_retry(pipeline, step, diags),
                           **build_task_timeout(step, diags), **inp.settings.task_kwargs()})
        envs.append(op.env)
        operators.append(identifier(op.operator))
    constants = shim_constants(resolved.mode, argvs[0]) if argvs else []
    constants += share(all_kwargs, "image", "IMAGE", "An image several steps run in.")
    constants += share_env(all_kwargs, envs)
    constants += share(all_kwargs, "container_resources", "RESOURCES", "Resources several steps request.")
    tasks = [TaskSpec(names[sid], operator, tuple((identifier(k), v) for k, v in kwargs.items()),
                      tuple(names[u] for u in pipeline.step(sid).upstream if u in names))
             for sid, kwargs, operator in zip(order, all_kwargs, operators, strict=True)]
    report_store_not_shared(pipeline, resolved, context, pipeline.span)
    if resolved.mode == "local":
        report_local_limits(list(pipeline.steps), diags, pipeline.span)
        if context.options.get("image"):
            unsupported(diags, "option `image` does not apply in local mode: steps run on the worker",
                          help="drop --option image=... or use operator=kubernetes / operator=docker")

    tags = [t.strip() for t in (context.options.get("tags") or "").split(",") if t.strip()]
    tags += [t for t in settings.dag_tags if t not in tags]
    for tag in tags:
        if len(tag) > MAX_TAG_LENGTH:  # Airflow refuses to load the DAG (a ValueError when it parses it)
            diags.error("PC310", f"DAG tag `{tag[:40]}...` is {len(tag)} characters long; Airflow takes at most "
                        f"{MAX_TAG_LENGTH}", pipeline.span, help="shorten it (--option tags=..., or dag_tags)")
    dag_kwargs: dict[str, Code] = {
        "dag_id": py(dag_id),
        "schedule": schedule.schedule,
        "start_date": schedule.start_date,
    }
    if schedule.end_date is not None:
        dag_kwargs["end_date"] = schedule.end_date
    dag_kwargs["catchup"] = py(schedule.catchup)
    dag_kwargs["max_active_runs"] = py(SPECS["max_active_runs"].value(context.options))
    dag_kwargs["tags"] = py(tags, 4)
    param_code = build_params(pipeline, params, schedule.scheduled, diags)
    if param_code is not None:
        dag_kwargs["params"] = param_code
    dag_kwargs["default_args"] = build_default_args(pipeline, diags)

    constants = [(Code("RUN_ID"), py_str(naming.RUN_ID_TEMPLATE),
                  Code("The Airflow run id made safe for paths, URIs and labels: the run id the shim records.")),
                 *(local_constants(resolved) if resolved.mode == "local" else []), *constants]
    imports = (["Param"] if param_code is not None else []) + (["literal"] if resolved.mode == "local" else [])
    return DagSpec(dag_id=dag_id, docstring=build_docstring(pipeline, dag_id, resolved.mode), mode=resolved.mode,
                   stdlib=stdlib_imports(resolved),
                   k8s_models=k8s_models, docker_types=Code(", ".join(sorted(docker_types))), uses_param=param_code is not None,
                   sdk_imports=Code(", ".join(imports)), constants=tuple(constants),
                   dag_kwargs=tuple((identifier(k), v) for k, v in dag_kwargs.items()), tasks=tuple(tasks),
                   edges=build_edges(tasks))


def build_edges(tasks: list[TaskSpec]) -> tuple[tuple[Code, Code], ...]:
    """``upstream >> task`` per task with upstreams (a list when several)."""
    edges = []
    for task in tasks:
        if task.upstream:
            up = task.upstream[0] if len(task.upstream) == 1 else Code("[" + ", ".join(task.upstream) + "]")
            edges.append((up, task.var))
    return tuple(edges)


def stdlib_imports(resolved: Resolved) -> tuple[Code, ...]:
    """`datetime`, plus `os` and `sys` where local mode's constants need them."""
    local = resolved.mode == "local"
    return tuple(Code(name) for name, used in (("datetime", True), ("os", local and resolved.source_root is not None),
                                               ("sys", local and resolved.python is None)) if used)


def local_constants(resolved: Resolved) -> list[tuple[Code, Code, Code]]:
    """`PYTHON` and `SOURCE_ROOT` of local mode, computed when Airflow parses the file."""
    out = []
    if resolved.python is None:
        out.append((Code("PYTHON"), Code("sys.executable"),
                    Code("Local mode: steps run with the Python that parses this file (pipec must be installed).")))
    if resolved.source_root is not None:
        out.append((Code("SOURCE_ROOT"),
                    call("os.path.join", Code("os.path.dirname(os.path.abspath(__file__))"), resolved.source_root),
                    Code("The pipeline's source tree on this machine (relative to this file's folder).")))
    return out
