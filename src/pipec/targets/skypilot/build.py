"""The SkyPilot task of a pipeline: one VM of the flavor's cloud running the pipeline's image
(``image_id: docker:IMAGE``), whose ``run`` runs pipec's local orchestrator over the compiled
plan (``python -m pipec.runtime kube-run`` without ``--jobs``: the steps are processes of that
container, as ``pipec run`` starts them). `vm_task` builds the task of some steps on a VM of
given settings: all of them here, one group of them for each task of a chain (see `chain`).

The plan (the pipeline's IR as JSON), the stores and the run-time parameters are task ``envs``,
so ``sky launch --env PIPEC_PARAM_x=...`` changes a run without editing the file; ``run``
itself holds only fixed words, each quoted with `shlex.quote`, and references to those envs.
"""

from __future__ import annotations

import math
import shlex
from collections.abc import Sequence

from pipec.ir import Pipeline, Span, StepInvocation
from pipec.ir.codec import pipeline_text
from pipec.ir.diagnostics import Diagnostics
from pipec.runtime.kubernetes_launcher import parameter_env
from pipec.targets.base import CompileContext
from pipec.targets.common import DEFAULT_SOURCE_ROOT, step_image
from pipec.targets.kit.capabilities import engine_settings_keys
from pipec.targets.kit.resources import memory_bytes, step_resources
from pipec.targets.kit.stores import artifact_store
from pipec.targets.kit.unsupported import unsupported
from pipec.targets.kube_text import engine_parameters

from .accelerators import skypilot_accelerator
from .block import Block
from .settings import UNKNOWN_ACCELERATOR, VmSettings, read_settings

#: The task env that holds the compiled plan, and those of the stores.
PLAN_ENV, ARTIFACT_STORE_ENV, METADATA_STORE_ENV = "PIPEC_PLAN", "PIPEC_ARTIFACT_STORE", "PIPEC_METADATA_STORE"
#: Env var SkyPilot sets in ``run`` to the task's id (the run id of the run it records).
TASK_ID_ENV = "SKYPILOT_TASK_ID"


def merged(extra: dict, settings_key: str) -> dict:
    """The settings dict of `settings_key` (``orchestrator.<key>`` then ``target.<key>``, later winning)."""
    found: dict = {}
    for key in engine_settings_keys(settings_key):
        if isinstance(extra.get(key), dict):
            found.update(extra[key])
    return found


def vm_settings(pipeline: Pipeline, settings_key: str, diags: Diagnostics) -> VmSettings:
    """The pipeline's SkyPilot settings (steps whose own settings differ get VMs of their own: `chain`)."""
    return read_settings(merged(pipeline.settings.extra_dict(), settings_key), f"pipeline `{pipeline.name}`",
                         diags, pipeline.span)


def step_demands(steps: Sequence[StepInvocation], span: Span, diags: Diagnostics) -> dict:
    """``cpus``, ``memory`` (GiB) and ``accelerators`` from the `steps`' ResourceSettings: the most
    any step needs, each as "at least" (``4+``), since the steps share the VM one after another."""
    found: dict = {}
    cpus = [r.cpu for r in map(step_resources, steps) if r.cpu]
    if cpus:
        found["cpus"] = _at_least(max(cpus))
    memory = [memory_bytes(r.memory) for r in map(step_resources, steps) if r.memory]
    if memory:
        found["memory"] = _at_least(math.ceil(max(memory) / 2**30 * 10) / 10)
    gpus: dict[str, int] = {}
    for step in steps:
        res = step_resources(step)
        if not res.gpu:
            continue
        if not res.gpu_type:
            unsupported(diags, f"step `{step.id}` asks for {res.gpu} GPU(s) of no type; SkyPilot needs a type, so "
                               "none is requested", step.span,
                        help="set ResourceSettings(gpu_type=...) or the `accelerators` setting, e.g. 'T4:1'")
            continue
        name = skypilot_accelerator(res.gpu_type)
        if name is None:
            diags.error(UNKNOWN_ACCELERATOR, f"step `{step.id}`: SkyPilot knows no accelerator `{res.gpu_type}`",
                        step.span, help="run `sky show-gpus --all` for the names, e.g. T4, L4, A100, H100")
            continue
        gpus[name] = max(gpus.get(name, 0), res.gpu)
    if len(gpus) > 1:
        unsupported(diags, "the steps ask for different GPU types (" + ", ".join(sorted(gpus)) + "); the VM gets "
                           f"the first, {min(gpus)}", span, help="set `accelerators` on the pipeline")
    if gpus:
        first = min(gpus)
        found["accelerators"] = {first: gpus[first]}
    return found


def _at_least(number: float) -> str:
    return f"{int(number) if float(number).is_integer() else number}+"


def vm_image(pipeline: Pipeline, context: CompileContext, diags: Diagnostics) -> str:
    """The VM's image: the `image` option, else the image of the first step that names none of its
    own; a step naming another image is reported (it runs in the VM's)."""
    if context.options.get("image"):
        image = context.options["image"]
    else:
        own = [s for s in pipeline.steps if s.settings.docker is None or not s.settings.docker.image]
        image = step_image(pipeline, (own or list(pipeline.steps))[0], context) if pipeline.steps else "python"
    for step in pipeline.steps:
        if step_image(pipeline, step, context) != image:
            unsupported(diags, f"step `{step.id}` names image `{step_image(pipeline, step, context)}`; every step "
                               f"runs in the VM's image `{image}`", step.span)
    return image


def run_time_envs(pipeline: Pipeline, diags: Diagnostics) -> dict[str, str]:
    """``{PIPEC_PARAM_<name>: compile-time text}`` of the parameters some step binds (text for
    ``str``, JSON otherwise); one without a value is reported (PC331) and left to ``--env``."""
    passed, _ = engine_parameters(pipeline, escape="", unsafe=lambda text: None)
    env = parameter_env(passed)
    found = {}
    for name, param in passed.items():
        if param.value is None:
            diags.warning("PC331", f"pipeline parameter `{name}` has no value, so the task does not set "
                                   f"`{env[name]}`", param.parameter.span,
                          help=f"compile with --param {name}=... or launch with `sky launch --env {env[name]}=...`")
        else:
            found[env[name]] = param.value
    return found


def run_command(context: CompileContext, target: str, metadata: bool, run_id: str = f'"${{{TASK_ID_ENV}:-}}"',
                before: Sequence[str] = (), after: Sequence[str] = ()) -> Block:
    """The task's ``run``: write the plan from its env to a file and run it with pipec's local
    orchestrator; the fixed words quoted with `shlex.quote`, env references double-quoted. A
    chain's task sets the run id in `before` lines and passes its steps as `after` words."""
    options = context.options
    argv = [shlex.quote(options.get("python") or "python"), "-m", "pipec.runtime", "kube-run",
            "--plan", '"$plan"', "--run-id", run_id, "--orchestrator", shlex.quote(target),
            "--source-root", shlex.quote(options.get("source_root") or DEFAULT_SOURCE_ROOT),
            "--artifact-store", f'"${ARTIFACT_STORE_ENV}"']
    if metadata:
        argv += ["--metadata-store", f'"${METADATA_STORE_ENV}"']
    return Block("\n".join(["set -e", 'plan="$(mktemp)"', f'printf %s "${PLAN_ENV}" > "$plan"', *before,
                            " ".join([*argv, *after]), ""]))


def task_envs(pipeline: Pipeline, context: CompileContext, settings: VmSettings, params: dict[str, str]) -> dict:
    """The task's ``envs``: the settings' own, the plan, the stores and the run-time parameters
    (`params`, from `run_time_envs`)."""
    meta = context.options.get("metadata_store")
    return {**settings.task.get("envs", {}), PLAN_ENV: Block(pipeline_text(pipeline)),
            ARTIFACT_STORE_ENV: artifact_store(context.options), **({METADATA_STORE_ENV: meta} if meta else {}),
            **params}


def vm_task(name: str, settings: VmSettings, demands: dict, image: str, envs: dict, run: Block, cloud: str) -> dict:
    """One SkyPilot task (``sky.Task.from_yaml`` reads it): a VM on `cloud` with the `settings`'
    resources over the steps' `demands`, running `image`, its `envs` and `run`."""
    place = {k: v for k, v in settings.resources.items() if k in ("region", "zone")}
    infra = "/".join([cloud, place.get("region", "*"), place["zone"]] if "zone" in place
                     else [cloud, place["region"]] if place else [cloud])
    resources: dict = {"infra": infra, **demands, **{k: v for k, v in settings.resources.items() if k not in place}}
    resources["image_id"] = f"docker:{image}"
    task: dict = {"name": name}
    task.update({k: v for k, v in settings.task.items() if k not in ("name", "envs")})
    task["resources"] = resources
    task["envs"] = envs
    if settings.docker_run_args:
        config = dict(task.get("config") or {})
        config["docker"] = {**config.get("docker", {}), "run_options": list(settings.docker_run_args)}
        task["config"] = config
    task["run"] = run
    return task


def build_task(pipeline: Pipeline, context: CompileContext, cloud: str, target: str) -> dict:
    """The SkyPilot task of `pipeline` on `cloud`: every step on one VM."""
    diags = context.diagnostics
    settings = vm_settings(pipeline, target, diags)
    demands = step_demands(pipeline.steps, pipeline.span, diags)
    image = vm_image(pipeline, context, diags)
    return vm_task(settings.task.get("name") or pipeline.name, settings, demands, image,
                   task_envs(pipeline, context, settings, run_time_envs(pipeline, diags)),
                   run_command(context, target, bool(context.options.get("metadata_store"))), cloud)
