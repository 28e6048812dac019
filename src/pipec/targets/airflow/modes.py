"""One operator per step, for each operator mode.

- ``kubernetes``: KubernetesPodOperator; `cmds` = ``python -m pipec.runtime run-step``,
  `arguments` = the rest of the shim argv; resources as `container_resources`.
- ``docker``: DockerOperator with the whole argv as `command`; `cpus`, `mem_limit`, GPUs as
  `device_requests`.

The argv part every step shares is a module-level constant (:func:`shim_constants`, see
`shared.py`); each task spreads it and adds its own options.

A folder artifact store is inside each container: option `pvc` (kubernetes) or `docker_volume`
(docker) mounts a shared volume there, else PC307 warns.
- ``local``: BashOperator. Its command holds no run-time value as text: the run id and the
  parameters reach the shim as ``"$PIPEC_..."`` variables set in the task's `env`, so bash
  never parses them. The command changes into the source root first.

In the container modes the run id and parameters are Jinja expressions inside the argv.
"""

from __future__ import annotations

from dataclasses import dataclass

from pipec.ir import Pipeline, Resources, Span, StepInvocation
from pipec.ir.diagnostics import Diagnostics
from pipec.targets.base import CompileContext
from pipec.targets.common import memory_bytes, step_resources
from pipec.targets.kit.resources import MEMORY_LIMITED, kube_requirements
from pipec.targets.kit.stores import (
    UNSHARED_STORE,
    holds,
    is_folder_store,
    report_unshared_store,
    sqlite_path,
    unshared_folder,
    volume_folder,
)
from pipec.targets.kit.unsupported import unsupported

from . import naming
from .escape import Code, Expr, Spread, call, jinja_concat, jinja_string, jinja_text, py, py_str, sh_word
from .options import SOURCE_ROOT_ENV, Resolved
from .settings import AirflowSettings
from .shared import Env
from .shim_argv import Argv, Marker, Parts

#: Operators' `template_ext`: a templated string ending with one is read as a template file.
#: KubernetesPodOperator's is empty in recent providers, (".yaml", ".yml", ".json") in older ones.
KPO_TEMPLATE_EXT = (".yaml", ".yml", ".json")
DOCKER_TEMPLATE_EXT = (".sh", ".bash", ".env")
BASH_TEMPLATE_EXT = (".sh", ".bash")


@dataclass(frozen=True)
class OperatorSpec:
    """An operator call without its task id and retry arguments."""

    # Operator class name.
    operator: str
    # Keyword arguments, values as Python source.
    kwargs: dict[str, Code]
    # Needs `from kubernetes.client import models as k8s`.
    k8s_models: bool = False
    # Names to import from `docker.types` (DeviceRequest, Mount).
    docker_types: tuple[str, ...] = ()
    # The environment, filled in by `shared.share_env` where `kwargs` holds a placeholder.
    env: Env | None = None


@dataclass(frozen=True)
class StepInput:
    """What a mode needs to know about one step."""

    # The pipeline.
    pipeline: Pipeline
    # The step.
    step: StepInvocation
    # The shim argv with run-time markers, split into shared and own options (see `shim_argv`).
    argv: Argv
    # The step's image reference.
    image: str
    # Environment variables from the step's docker settings, sorted.
    environment: list[tuple[str, str]]
    # The step's Airflow settings.
    settings: AirflowSettings


def _expr(marker: str) -> Expr:
    if marker == "run-id":
        return Expr(naming.RUN_ID_EXPRESSION)
    if marker.startswith("param:"):
        return Expr(f"params[{jinja_string(marker[len('param:'):])}] | tojson")
    raise ValueError(f"no Jinja expression for marker {marker!r}")


def argv_item(parts: Parts, template_ext: tuple[str, ...]) -> Code:
    """One argv item for a templated list: `RUN_ID` itself, or a string that renders to the
    item with its run-time markers evaluated by Airflow."""
    if parts == (Marker("run-id"),):
        return Code("RUN_ID")
    return py_str(jinja_concat([_expr(p.name) if isinstance(p, Marker) else p for p in parts], template_ext))


def option_lines(options: list[list[Parts]], template_ext: tuple[str, ...]) -> list[list[Code]]:
    """One ``"--flag", value`` line per option."""
    return [[argv_item(item, template_ext) for item in option] for option in options]


def argv_code(lines: list[list[Code]], indent: int) -> Code:
    """An argv list, one line of items per entry of `lines`."""
    pad = " " * (indent + 4)
    return Code("[\n" + "".join(f"{pad}{', '.join(line)},\n" for line in lines) + " " * indent + "]")


def templated_values(values: dict[str, str], what: str, inp: StepInput, ext: tuple[str, ...],
                     diags: Diagnostics) -> dict[str, Code]:
    """The values of a dict for a templated field as source: Airflow renders the values (escaped
    here), not the keys, so a key holding a Jinja delimiter would read differently across provider
    versions (PC315)."""
    for key in values:
        if any(d in key for d in ("{{", "{%", "{#")):
            diags.error("PC315", f"step `{inp.step.id}`: {what} name `{key}` holds a Jinja delimiter, which "
                                 "Airflow may template", inp.step.span, help=f"rename the {what}")
    return {key: py_str(jinja_text(value, ext)) for key, value in values.items()}


def templated_map(values: dict[str, str], what: str, inp: StepInput, ext: tuple[str, ...],
                  diags: Diagnostics) -> Code:
    """:func:`templated_values` as a dict literal."""
    return py(templated_values(values, what, inp, ext, diags), 8)


def _spread_args(parts: Argv) -> list[Code]:
    return [Spread("*SHIM_ARGS")] if parts.common else []


def shim_constants(mode: str, parts: Argv) -> list[tuple[Code, Code, Code]]:
    """The module-level constants with the argv part every step shares, for one step's argv."""
    if mode == "local":
        variables = _local_variables([])
        lines = bash_lines(parts.head, parts.common, variables, first=True)
        pieces = [jinja_concat([line], BASH_TEMPLATE_EXT, final=False) for line in lines]
        command = Code("(\n" + "".join(f"    {py_str(p)}\n" for p in pieces) + ")")
        return [(Code("SHIM_COMMAND"), command,
                 Code("Starts the shim from the source root, with the options every step shares."))]
    ext = KPO_TEMPLATE_EXT if mode == "kubernetes" else DOCKER_TEMPLATE_EXT
    out = [(Code("SHIM"), py([argv_item(a, ext) for a in parts.head]),
            Code("The pipec runtime shim: each task runs one step with it."))]
    if parts.common:
        out.append((Code("SHIM_ARGS"), argv_code(option_lines(parts.common, ext), 0),
                    Code("The shim's options every step shares; each task adds its own.")))
    return out


# --------------------------------------------------------------------------- kubernetes

def kubernetes_operator(inp: StepInput, resolved: Resolved, options: dict[str, str],
                        diags: Diagnostics) -> OperatorSpec:
    """KubernetesPodOperator arguments for one step."""
    ext = KPO_TEMPLATE_EXT
    parts = inp.argv
    kwargs: dict[str, Code] = {
        "image": py_str(jinja_text(inp.image, ext)),
        "cmds": Code("SHIM"),
        "arguments": argv_code([[spread] for spread in _spread_args(parts)] + option_lines(parts.own, ext), 8),
    }
    env = None
    if inp.environment:
        env = Env("env_vars", templated_values(dict(inp.environment), "environment variable", inp, ext, diags), {})
        kwargs["env_vars"] = Code("")
    requests, limits = kubernetes_resources(inp, diags)
    if requests:
        kwargs["container_resources"] = call("k8s.V1ResourceRequirements", indent_=8, requests=requests,
                                                  limits=limits)
    kwargs["namespace"] = py_str(jinja_text(inp.settings.namespace or options.get("namespace") or "default", ext))
    labels = {"pipec-pipeline": naming.label_value(inp.pipeline.name), "pipec-step": naming.label_value(inp.step.id),
              **inp.settings.labels}
    kwargs["labels"] = templated_map(labels, "label", inp, ext, diags)
    if inp.settings.node_selector:
        kwargs["node_selector"] = templated_map(inp.settings.node_selector, "node selector", inp, ext, diags)
    if inp.settings.annotations:
        kwargs["annotations"] = templated_map(inp.settings.annotations, "annotation", inp, ext, diags)
    pvc = options.get("pvc")
    if pvc and is_folder_store(resolved.artifact_store):
        claim = call("k8s.V1PersistentVolumeClaimVolumeSource", claim_name=jinja_text(pvc, ext))
        kwargs["volumes"] = py([call("k8s.V1Volume", indent_=12, name="pipec-artifacts",
                                          persistent_volume_claim=claim)], 8)
        kwargs["volume_mounts"] = py([call("k8s.V1VolumeMount", indent_=12, name="pipec-artifacts",
                                           mount_path=shared_folder(resolved))], 8)
    return OperatorSpec("KubernetesPodOperator", kwargs, k8s_models=bool(requests) or "volumes" in kwargs, env=env)


def local_path(store: str) -> str:
    """The folder of a local artifact store URI."""
    return store[len("file://"):] if store.startswith("file://") else store


def shared_folder(resolved: Resolved) -> str:
    """Where option `pvc` / `docker_volume` is mounted: the artifact store's folder, or the folder
    holding it and a SQLite metadata store's file."""
    return volume_folder(local_path(resolved.artifact_store), resolved.metadata_store)


def kubernetes_resources(inp: StepInput, diags: Diagnostics) -> tuple[dict[str, str], dict[str, str]]:
    """Requests and limits: CPU and memory requested, memory and GPUs also limited."""
    res = step_resources(inp.step)
    requests, limits = kube_requirements(res, MEMORY_LIMITED)
    if res.gpu_type and not inp.settings.node_selector:
        unsupported(diags, f"step `{inp.step.id}`: gpu_type `{res.gpu_type}` has no Kubernetes equivalent "
                               "here; the pod may land on any GPU node", inp.step.span,
                      help="select nodes with settings={'orchestrator.airflow': {'node_selector': {...}}}")
    return requests, limits


# --------------------------------------------------------------------------- docker

def docker_operator(inp: StepInput, resolved: Resolved, options: dict[str, str],
                    diags: Diagnostics) -> OperatorSpec:
    """DockerOperator arguments for one step."""
    ext = DOCKER_TEMPLATE_EXT
    parts = inp.argv
    kwargs: dict[str, Code] = {
        "image": py_str(jinja_text(inp.image, ext)),
        "command": argv_code([[Spread("*SHIM"), *_spread_args(parts)]] + option_lines(parts.own, ext), 8),
    }
    env = None
    if inp.environment:
        env = Env("environment", templated_values(dict(inp.environment), "environment variable", inp, ext, diags),
                  {})
        kwargs["environment"] = Code("")
    res = step_resources(inp.step)
    if res.cpu is not None:
        kwargs["cpus"] = py(float(res.cpu))
    if res.memory is not None:
        kwargs["mem_limit"] = py(memory_bytes(res.memory))
    types = ("DeviceRequest",) if res.gpu else ()
    if res.gpu:
        kwargs["device_requests"] = py([call("DeviceRequest", count=res.gpu, capabilities=[["gpu"]])])
    if res.gpu_type:
        unsupported(diags, f"step `{inp.step.id}`: gpu_type `{res.gpu_type}` cannot be selected with Docker; "
                               "any GPU of the host is used", inp.step.span)
    _unsupported_pod_settings(inp, "docker", diags)
    volume = options.get("docker_volume")
    if volume and is_folder_store(resolved.artifact_store):
        kwargs["mounts"] = py([call("Mount", indent_=12, target=jinja_text(shared_folder(resolved), ext),
                                    source=jinja_text(volume, ext), type="volume")], 8)
        types += ("Mount",)
    kwargs["docker_url"] = py(options.get("docker_url") or "unix://var/run/docker.sock")
    kwargs["mount_tmp_dir"] = py(False)
    kwargs["auto_remove"] = py("success")
    return OperatorSpec("DockerOperator", kwargs, docker_types=types, env=env)


def _unsupported_pod_settings(inp: StepInput, mode: str, diags: Diagnostics) -> None:
    s = inp.settings
    used = [name for name, value in (("node_selector", s.node_selector), ("labels", s.labels),
                                     ("annotations", s.annotations), ("namespace", s.namespace)) if value]
    if used:
        unsupported(diags, f"step `{inp.step.id}`: airflow setting(s) {', '.join(used)} only apply in "
                               f"kubernetes mode, not in {mode} mode; ignored", inp.step.span)


# --------------------------------------------------------------------------- local

def param_variable(name: str, index: int) -> str:
    """The environment variable carrying pipeline parameter `name` (the `index`-th) in local mode."""
    return f"PIPEC_PARAM_{name}" if name.isascii() and name.isidentifier() else f"PIPEC_PARAM_{index}"


def _shell_word(item: Parts, variables: dict[str, str], ext: tuple[str, ...]) -> str:
    return "".join(f'"${variables[part.name]}"' if isinstance(part, Marker) else sh_word(part, ext) for part in item)


def bash_lines(head: list[Parts], options: list[list[Parts]], variables: dict[str, str], first: bool) -> list[str]:
    """Shell command lines: with `first`, ``cd`` to the source root and ``exec`` of the shim
    (`head`); then one ``--flag value`` option per line."""
    ext = BASH_TEMPLATE_EXT
    lines = []
    if first:
        shim = " ".join(_shell_word(a, variables, ext) for a in head)
        lines.append(f'cd -- "${{{SOURCE_ROOT_ENV}:?the pipeline source root: set it on the worker or compile with '
                     f'--option source_root=DIR}}" && exec {shim}')
    lines += ["".join(" " + _shell_word(item, variables, ext) for item in option) for option in options]
    return lines


def _local_variables(params: list[str]) -> dict[str, str]:
    variables = {"run-id": "PIPEC_RUN_ID", "python": "PIPEC_PYTHON"}
    variables.update({f"param:{n}": param_variable(n, i) for i, n in enumerate(params)})
    return variables


def local_operator(inp: StepInput, resolved: Resolved, params: list[str], diags: Diagnostics) -> OperatorSpec:
    """BashOperator arguments for one step: ``SHIM_COMMAND`` (see :func:`shim_constants`) plus
    the step's own options."""
    ext = BASH_TEMPLATE_EXT
    used = inp.argv.markers()
    variables = _local_variables(params)
    parts = inp.argv
    lines = bash_lines(parts.head, parts.own, variables, first=not parts.common)
    pieces = [jinja_concat([line], ext, final=i == len(lines) - 1) for i, line in enumerate(lines)]
    command = Code(("SHIM_COMMAND + (\n" if parts.common else "(\n")
                   + "".join(f"            {py_str(p)}\n" for p in pieces) + "        )")

    env: dict[str, Code] = {k: py_str(jinja_text(v, ext)) for k, v in inp.environment}
    templated_map(dict(inp.environment), "environment variable", inp, ext, diags)  # checks the names
    if "python" in used:
        env["PIPEC_PYTHON"] = Code("literal(PYTHON)")
    if resolved.source_root is not None:
        env[SOURCE_ROOT_ENV] = Code("literal(SOURCE_ROOT)")
    env["PIPEC_RUN_ID"] = Code("RUN_ID")
    extra = {variables[m]: py_str(jinja_concat([_expr(m)])) for m in sorted(m for m in used if m.startswith("param:"))}
    _unsupported_pod_settings(inp, "local", diags)
    return OperatorSpec("BashOperator", {"bash_command": command, "env": Code(""), "append_env": py(True)},
                        env=Env("env", env, extra))


def report_local_limits(steps: list[StepInvocation], diags: Diagnostics, span: Span) -> None:
    """Local mode runs every step in the worker's environment: resources and image settings
    do not apply (PC304), one warning per kind of setting."""
    resources = [s.id for s in steps if s.settings.resources not in (None, Resources())]
    image = [s.id for s in steps if s.settings.docker is not None and (
        s.settings.docker.image or s.settings.docker.parent_image or s.settings.docker.requirements
        or s.settings.docker.requirements_file or s.settings.docker.apt_packages)]
    if resources:
        unsupported(diags, f"resources of {_list(resources)} are not enforced in local mode", span,
                      help="use --option operator=kubernetes or operator=docker to run steps with resources")
    if image:
        unsupported(diags, f"docker image settings of {_list(image)} do not apply in local mode: steps run "
                               "with the worker's Python environment", span,
                      help="install the steps' requirements where Airflow runs, or use a container mode")


def report_store_not_shared(pipeline: Pipeline, resolved: Resolved, context: CompileContext, span: Span) -> None:
    """A folder artifact store in a container mode without a volume to hold it: each step's
    container has its own empty folder, so downstream steps cannot find their inputs (PC307)."""
    volume = {"kubernetes": "pvc", "docker": "docker_volume"}.get(resolved.mode)
    if volume and unshared_folder(pipeline, resolved.artifact_store) and not context.options.get(volume):
        report_unshared_store(
            context, f"artifact store `{resolved.artifact_store}` is a folder inside each step's "
            f"container: in {resolved.mode} mode the steps cannot read each other's outputs", span,
            help=f"use an s3://, gs:// or az:// store (option artifact_store or the stack), or mount a "
                 f"shared volume there with --option {volume}=NAME")
    database = sqlite_path(resolved.metadata_store)
    if volume and database not in (None, "", ":memory:") and len(pipeline.steps) > 1:
        shared = context.options.get(volume) and is_folder_store(resolved.artifact_store)
        mounted = shared_folder(resolved) if shared else None
        if mounted is None or not holds(mounted, database):
            where = f"outside the volume mounted at `{mounted}`" if mounted else "in each step's container"
            context.diagnostics.warning(
                UNSHARED_STORE, f"the SQLite metadata store `{database}` is {where}: in {resolved.mode} mode each "
                f"step records to its own file, and the run is not readable as one", span,
                help=f"put the database next to a folder artifact store shared with --option {volume}=NAME "
                     f"(e.g. artifact_store=/pipec/artifacts, metadata_store=sqlite:////pipec/metadata.db), or "
                     f"use a database server")


def build_operator(inp: StepInput, resolved: Resolved, params: list[str], options: dict[str, str],
                   diags: Diagnostics) -> OperatorSpec:
    """The operator for one step in the resolved mode."""
    if resolved.mode == "kubernetes":
        return kubernetes_operator(inp, resolved, options, diags)
    if resolved.mode == "docker":
        return docker_operator(inp, resolved, options, diags)
    return local_operator(inp, resolved, params, diags)


def _list(ids: list[str]) -> str:
    shown = ", ".join(f"`{i}`" for i in ids[:5])
    return f"step{'s' if len(ids) > 1 else ''} {shown}" + (f" and {len(ids) - 5} more" if len(ids) > 5 else "")
