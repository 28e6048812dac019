"""Per-step VMs: a SkyPilot chain when some step's SkyPilot settings differ from the pipeline's.

ZenML's SkyPilot orchestrators run a step whose settings differ from the pipeline's on a VM of
its own. pipec writes a chain (``sky jobs launch``: a managed job whose tasks run one after
another, each on its own VM): a first document naming the chain, then one task per group of
steps, where a group is a maximal run of consecutive steps of the pipeline's topological order
with equal settings, so every step's upstream steps run in its own task or an earlier one. Each
task is the pipeline's task (`build.vm_task`) with its group's settings and resources, the same
plan, stores and run-time parameters, and a ``run`` that runs only its steps
(``kube-run --step ID ...``) under the run id every task shares: ``$PIPEC_RUN_ID`` when set
(``pipec submit`` sets a fresh one), else the first line of ``$SKYPILOT_TASK_IDS`` (the managed
job's first task id, the same in every task and across recoveries). A task reads the outputs of
earlier tasks from the stores, so those must be shared by every VM (PC307 otherwise).
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass

from pipec.ir import Pipeline, StepInvocation
from pipec.targets.base import CompileContext
from pipec.targets.kit.stores import (
    UNSHARED_STORE,
    artifact_store,
    is_folder_store,
    report_unshared_store,
    sqlite_path,
)
from pipec.targets.kit.unsupported import unsupported

from .build import merged, run_command, run_time_envs, step_demands, task_envs, vm_image, vm_settings, vm_task
from .settings import LAUNCH_KEYS, read_settings

#: The env var that holds the run id every task of a chain records into ("" leaves it to SkyPilot).
RUN_ID_ENV = "PIPEC_RUN_ID"
#: The env var SkyPilot sets in every task of a managed job: the tasks' ids, one a line.
TASK_IDS_ENV = "SKYPILOT_TASK_IDS"
#: The ``run`` line that sets ``$run_id``.
RUN_ID_LINE = f'run_id="${{{RUN_ID_ENV}:-$(printf \'%s\\n\' "${{{TASK_IDS_ENV}:-}}" | head -n 1)}}"'
#: Launch settings a managed job takes none of (``stream_logs`` is pipec submit's own).
UNUSED_LAUNCH = tuple(key for key in LAUNCH_KEYS if key != "stream_logs") + ("launch_settings",)


@dataclass(frozen=True)
class VmGroup:
    """Steps that run on one VM of a chain."""

    #: Their SkyPilot settings (each step's merged dict; equal for all of them).
    settings: dict
    #: The steps, in the pipeline's topological order.
    steps: tuple[StepInvocation, ...]


def vm_groups(pipeline: Pipeline, settings_key: str) -> list[VmGroup] | None:
    """The chain's groups of steps, None when every step's settings are the pipeline's (one VM)."""
    shared = merged(pipeline.settings.extra_dict(), settings_key)
    own = {step.id: merged(step.settings.extra_dict(), settings_key) for step in pipeline.steps}
    if all(settings == shared for settings in own.values()):
        return None
    steps = {step.id: step for step in pipeline.steps}
    groups: list[VmGroup] = []
    for sid in pipeline.topological_order():
        if groups and groups[-1].settings == own[sid]:
            groups[-1] = VmGroup(own[sid], (*groups[-1].steps, steps[sid]))
        else:
            groups.append(VmGroup(own[sid], (steps[sid],)))
    return groups


def build_chain(pipeline: Pipeline, context: CompileContext, cloud: str, target: str,
                groups: list[VmGroup]) -> list[dict]:
    """The chain's documents: ``{"name": ...}``, then one task per group, in order."""
    diags = context.diagnostics
    shared = vm_settings(pipeline, target, diags)
    image = vm_image(pipeline, context, diags)
    params = run_time_envs(pipeline, diags)
    _check_stores(pipeline, groups, context)
    unused = sorted(set(shared.launch) & set(UNUSED_LAUNCH))
    if unused:
        unsupported(diags, f"pipeline `{pipeline.name}`: " + ", ".join(f"`{key}`" for key in unused)
                    + " are `sky launch` settings; steps with settings of their own make the task a chain, which "
                      "runs as a managed job (`sky jobs launch`) that takes none of them", pipeline.span)
    name = shared.task.get("name") or pipeline.name
    metadata = bool(context.options.get("metadata_store"))
    pipeline_settings = merged(pipeline.settings.extra_dict(), target)
    documents: list[dict] = [{"name": name}]
    for index, group in enumerate(groups):
        first = group.steps[0]
        settings = shared if group.settings == pipeline_settings else \
            read_settings(group.settings, f"step `{first.id}`", diags, first.span)
        envs = {**task_envs(pipeline, context, settings, params), RUN_ID_ENV: ""}
        words = [word for step in group.steps for word in ("--step", shlex.quote(step.id))]
        run = run_command(context, target, metadata, run_id='"$run_id"', before=[RUN_ID_LINE], after=words)
        documents.append(vm_task(f"{name}-{index}", settings, step_demands(group.steps, first.span, diags), image,
                                 envs, run, cloud))
    return documents


def crosses_groups(groups: list[VmGroup]) -> bool:
    """True when a step reads an output of a step in another group (it passes through the store)."""
    where = {step.id: index for index, group in enumerate(groups) for step in group.steps}
    return any(where.get(ref.step) != where[step.id] for group in groups for step in group.steps
               for binding in step.inputs for ref in binding.upstream_outputs)


def _check_stores(pipeline: Pipeline, groups: list[VmGroup], context: CompileContext) -> None:
    """PC307 for a store the chain's VMs cannot share: a folder artifact store that outputs pass
    through from one task to another (the kit's rule), and a metadata store that is the VM's own
    SQLite file, through which a later task finds the run (a warning either way: a file mount
    may share the folder)."""
    store = artifact_store(context.options)
    if is_folder_store(store) and crosses_groups(groups):
        report_unshared_store(context, f"artifact store `{store}` is a folder: each task of the chain runs on its "
                                       "own VM, so a step cannot read the outputs of an earlier task's steps",
                              pipeline.span, help="use a shared store, e.g. --option artifact_store=s3://BUCKET/PATH "
                                                  "(or gs://, az://), or mount one shared folder on every VM")
    meta = context.options.get("metadata_store") or ""
    if len(groups) > 1 and (not meta or sqlite_path(meta) is not None):
        what = f"metadata store `{meta}` is a SQLite file" if meta else "the default metadata store is a SQLite file"
        context.diagnostics.warning(
            UNSHARED_STORE, f"{what}: each task of the chain runs on its own VM, and a later task finds the run "
                            "(and the outputs of earlier tasks) only through the metadata store", pipeline.span,
            help="use a database every VM reaches, e.g. --option metadata_store=postgresql://USER@HOST/DB")
