"""Part of a run: some steps of a plan run by this process under a given run id, the others by
earlier or later processes that share the run's id and stores (the tasks of a SkyPilot chain,
each on its own VM; ``python -m pipec.runtime kube-run --step ...``).

`read_part` reads what the part needs from the run's records before anything starts: every
step outside the part that the run has done, with its outputs (from the metadata store, as the
cache reads a reused step's). A step of the part whose upstream step outside it is not done, or
an output it reads that is not recorded or not in the artifact store (where the step itself
reads it), is a `PartError` naming the step and the output. The local scheduler then runs the
part's steps exactly as ``pipec run`` runs all of them, seeded with those outputs (lineage and
cache keys as usual). `finish_part` decides the run's record at the end: failed once a step
failed (the steps no part has started are recorded skipped: a chain stops at a failed task),
completed once every step of the plan is done, else still running for a later part.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pipec.ir import Pipeline, StepInvocation

from . import metadata as md
from .artifacts import ArtifactInfo, ArtifactNotFound, ArtifactStore
from .command import data_inputs
from .runner_liveness import release_runner

if TYPE_CHECKING:
    from .orchestrator import StepOutcome


class PartError(Exception):
    """A part of a run cannot start: an upstream step or output it needs is not in the run's stores."""


@dataclass(frozen=True)
class RunPart:
    """The steps one process runs of a run that other processes share."""

    #: Ids of the steps this process runs.
    steps: frozenset[str]
    #: The steps outside the part the run has done: ``{step id: {output name: artifact}}``.
    done: Mapping[str, Mapping[str, ArtifactInfo]]


def done_steps(meta: md.MetadataStore, run_id: str) -> dict[str, dict[str, ArtifactInfo]]:
    """``{step id: {output name: artifact}}`` of the steps whose latest attempt in `run_id` is
    done (completed, or served from the cache)."""
    latest: dict[str, md.StepRecord] = {}
    for record in meta.step_runs(run_id):
        latest[record.step_id] = record
    done = [record for record in latest.values() if record.status in md.DONE]
    outputs = meta.artifacts(record.id for record in done)
    return {record.step_id: {info.name: info for info in outputs[record.id]} for record in done}


def read_part(pipeline: Pipeline, step_ids: Iterable[str], run_id: str, meta: md.MetadataStore,
              store: ArtifactStore) -> RunPart:
    """The part of run `run_id` made of `step_ids`; PartError when a step is unknown, or when
    an upstream step or output a step of the part needs is not done in the run's stores."""
    steps = {s.id: s for s in pipeline.steps}
    part = frozenset(step_ids)
    unknown = sorted(part - set(steps))
    if unknown or not part:
        raise PartError("no step " + ", ".join(f"`{sid}`" for sid in unknown) + f" in pipeline `{pipeline.name}`"
                        if unknown else "the part names no step")
    done = {sid: outputs for sid, outputs in done_steps(meta, run_id).items() if sid not in part}
    where = "" if meta.get_run(run_id) is not None else f" (the metadata store holds no run `{run_id}`)"
    for sid in pipeline.topological_order():
        if sid not in part:
            continue
        for dep in steps[sid].upstream:
            if dep not in part and dep not in done:
                raise PartError(f"step `{sid}` runs after step `{dep}`, which run `{run_id}` has not "
                                f"completed{where}: run the tasks in order, with the same metadata store")
        for _, ref in data_inputs(steps[sid]):
            if ref.step in part:
                continue
            if ref.output not in done[ref.step]:
                raise PartError(f"step `{sid}` reads output `{ref.output}` of step `{ref.step}`, which run "
                                f"`{run_id}` did not record")
            try:
                store.read_marker(pipeline.name, run_id, ref.step, ref.output)
            except ArtifactNotFound as exc:
                raise PartError(f"step `{sid}` reads output `{ref.output}` of step `{ref.step}`, which is not "
                                f"in the artifact store {store.uri}: {exc}; every task needs the same "
                                "(shared) artifact store") from None
    return RunPart(part, done)


def open_part(pipeline: Pipeline, step_ids: Iterable[str], run_id: str, meta: md.MetadataStore,
              store: ArtifactStore) -> RunPart:
    """`read_part`; when it raises and the run exists, the run is recorded failed first (the part's
    steps failed with the reason, the steps no part started skipped), so it does not stay running."""
    chosen = set(step_ids)
    try:
        return read_part(pipeline, chosen, run_id, meta, store)
    except PartError as exc:
        if meta.get_run(run_id) is not None:
            for step in pipeline.steps:
                if step.id in chosen:
                    record_unrun(meta, run_id, step, md.FAILED, f"not started: {exc}")
            _fail(meta, run_id, pipeline)
        raise


def record_unrun(meta: md.MetadataStore, run_id: str, step: StepInvocation, status: str, reason: str) -> None:
    """Record `step` as never run in `run_id`: skipped, cancelled or failed, and why."""
    row = meta.start_step_run(run_id, step.id, attempt=0, status=status, module=step.module, function=step.function)
    meta.finish_step_run(row, status, error=reason)


def finish_part(meta: md.MetadataStore, run_id: str, pipeline: Pipeline, part: RunPart,
                outcomes: Mapping[str, StepOutcome]) -> str:
    """Record the run's status once `part` ended with `outcomes` (by step id: the
    part's steps and the descendants it skipped): failed, with the steps no part started recorded
    skipped; completed when every step of the plan is done; else still running (this process no
    longer runs it, so it is not an orphan either). Returns that status."""
    if any(outcome.status not in md.DONE for outcome in outcomes.values()) or set(part.steps) - set(outcomes):
        _fail(meta, run_id, pipeline)
        return md.FAILED
    if {s.id for s in pipeline.steps} <= set(part.done) | set(outcomes):
        meta.finish_pipeline_run(run_id, md.COMPLETED)
        return md.COMPLETED
    release_runner(meta, run_id)
    return md.RUNNING


def _fail(meta: md.MetadataStore, run_id: str, pipeline: Pipeline) -> None:
    """Record run `run_id` failed, each step of `pipeline` it has no record of skipped."""
    started = {record.step_id for record in meta.step_runs(run_id)}
    for step in pipeline.steps:
        if step.id not in started:
            record_unrun(meta, run_id, step, md.SKIPPED, "not started: the run failed before its part started")
    meta.finish_pipeline_run(run_id, md.FAILED)
