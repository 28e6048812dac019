"""The local orchestrator behind `pipec run`: every step a subprocess running the shim.

Steps start as soon as their upstream steps are done, up to `max_parallel` at a
time, each through exactly the argv a target would embed (:func:`shim_command`)
plus ``--result-file``/``--attempt``. The shim gets no metadata store: this process
is the only writer of the run's records (no lock contention, and a step killed
with SIGKILL is recorded as failed here). The cache is consulted here, before a
process is started, with the same key the shim would compute.

A failed step is retried per its `Retry` settings (delay × backoff^(n-1)); when it
finally fails, its descendants are skipped while independent branches run on,
and the run fails.

A step with a timeout (``settings={"timeout": N}``) stops itself at the deadline (the shim's
``--timeout``); as a backstop its process group gets SIGTERM `TIMEOUT_GRACE` seconds later, then
SIGKILL, and the attempt fails "timed out after Ns" (retries apply). Whatever a finished step
left running in its process group is killed.

An interrupt (KeyboardInterrupt, which `pipec run` also raises for SIGTERM) cancels the run:
running steps get SIGTERM, then SIGKILL after `stop_grace` seconds; the run, the stopped
step runs and the steps not started yet (or waiting for a retry) are recorded ``cancelled``;
then the interrupt propagates.
"""

from __future__ import annotations

import heapq
import json
import os
import queue
import signal
import sys
import tempfile
import time
from collections.abc import Callable, Collection, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from pipec.ir import Pipeline, StepInvocation
from pipec.targets.kit.retry import retry_delay

from . import metadata as md
from . import resolved_inputs
from .artifacts import ArtifactInfo, ArtifactStore, component
from .cache import cache_key, step_source
from .command import data_inputs, resolved_input_options, shim_command, step_params
from .launcher import ForkLauncher, SpawnLauncher, make_launcher
from .lineage import record_inputs
from .logtail import LogTail
from .models import LocalModels, ModelError
from .progress import PENDING, RETRYING, RUNNING, Progress, summary_table
from .run_part import RunPart, finish_part, open_part, record_unrun
from .runner_liveness import cancel_orphaned_runs, record_runner
from .step_deadline import timed_out_message
from .step_groups import kill_group, signals_ignored, stop_groups
from .store_env import REDACTED_STORE_ENV, Expanded, Redactor, UnsetVariable, expand


@dataclass(frozen=True)
class StepOutcome:
    """How one step of a local run ended."""

    # Step invocation id.
    step_id: str
    # completed / cached / failed / skipped.
    status: str
    # Attempts made (0 for cached and skipped steps).
    attempts: int
    # Wall-clock seconds of the last attempt, None when it never ran.
    duration: float | None
    # First line of the last error, or why the step was skipped.
    error: str | None = None
    # The step's log file (all attempts), None when it never ran.
    logs: str | None = None


@dataclass(frozen=True)
class RunResult:
    """The outcome of :func:`run_pipeline`."""

    # Run id (look it up with Client().get_pipeline_run(run_id)).
    run_id: str
    # Pipeline name.
    pipeline: str
    # "completed" or "failed" (a cancelled run raises instead); "running": a part left it to a later part.
    status: str
    # Outcome per step id, in topological order.
    steps: dict[str, StepOutcome]
    # Artifact store URI used (``${NAME}`` references unexpanded).
    artifact_store: str
    # Metadata store URL used (``${NAME}`` references unexpanded).
    metadata_store: str
    # Wall-clock seconds of the whole run.
    duration: float = 0.0

    @property
    def exit_code(self) -> int:
        """0 when every step (of the run, or of the part that left it ``running``) completed or was cached."""
        return 0 if self.status in (md.COMPLETED, md.RUNNING) else 1

    def summary(self) -> str:
        """The final summary table plus a closing line."""
        rows = []
        for outcome in self.steps.values():
            note = outcome.error or ""
            if outcome.status == md.FAILED and outcome.logs:
                note = f"{note} (log: {outcome.logs})"
            rows.append((outcome.step_id, outcome.status, outcome.attempts, outcome.duration, note))
        counts: dict[str, int] = {}
        for outcome in self.steps.values():
            counts[outcome.status] = counts.get(outcome.status, 0) + 1
        tally = ", ".join(f"{n} {s}" for s, n in sorted(counts.items()))
        return (summary_table(rows)
                + f"\nrun {self.run_id}: {self.status} in {self.duration:.2f}s ({tally})\n")


def store_locations(root: str | os.PathLike[str], artifact_store: str | None = None,
                    metadata_store: str | None = None) -> tuple[str, str]:
    """The artifact store and metadata store a run under `root` uses: the given ones, else
    ``{root}/.pipec/artifacts`` and SQLite at ``{root}/.pipec/metadata.db``."""
    root = Path(root).resolve()
    return artifact_store or str(root / ".pipec" / "artifacts"), metadata_store or md.default_url(root)


def new_run_id(pipeline: str) -> str:
    """A fresh, sortable, path-safe run id: ``{pipeline}-{YYYYmmdd-HHMMSS}-{random}``."""
    return f"{pipeline}-{time.strftime('%Y%m%d-%H%M%S')}-{os.urandom(3).hex()}"


@dataclass
class _Running:
    step_run_id: int
    attempt: int
    result_file: str
    started: float
    key: str | None
    log: str
    #: When the attempt's time is up (monotonic; None without a timeout), and once it was
    #: stopped for that, when it gets SIGKILL.
    deadline: float | None = None
    timed_out: bool = False


@dataclass
class _State:
    produced: dict[str, dict[str, ArtifactInfo]] = field(default_factory=dict)
    outcomes: dict[str, StepOutcome] = field(default_factory=dict)
    attempts: dict[str, int] = field(default_factory=dict)


def _descendants(pipeline: Pipeline, step_id: str) -> list[str]:
    children: dict[str, list[str]] = {s.id: [] for s in pipeline.steps}
    for s in pipeline.steps:
        for dep in s.upstream:
            children.setdefault(dep, []).append(s.id)
    seen: dict[str, None] = {}
    stack = list(children.get(step_id, ()))
    while stack:
        node = stack.pop()
        if node not in seen:
            seen[node] = None
            stack.extend(children.get(node, ()))
    return list(seen)


def _expanded(text: str, what: str, env: Mapping[str, str]) -> Expanded:
    """`text` with its ``${NAME}`` references expanded from `env`; ValueError naming an unset one."""
    try:
        return expand(text, env)
    except UnsetVariable as exc:
        raise ValueError(f"the {what} refers to ${{{exc.name}}}, but the environment variable {exc.name} "
                         "is not set") from None


class _PidsBySid(Mapping[str, int]):
    """The launcher's pids (keyed by step rank) seen by step id."""

    def __init__(self, pids: Mapping[str, int], rank: Mapping[str, int]) -> None:
        self._pids, self._rank = pids, rank

    def __getitem__(self, sid: str) -> int:
        return self._pids[str(self._rank[sid])]

    def __iter__(self) -> Iterator[str]:
        by_key = {str(r): sid for sid, r in self._rank.items()}
        return (by_key[k] for k in list(self._pids) if k in by_key)

    def __len__(self) -> int:
        return len(self._pids)


def run_pipeline(pipeline: Pipeline, root: str | os.PathLike[str], *, max_parallel: int | None = None,
                 artifact_store: str | None = None, metadata_store: str | None = None,
                 run_id: str | None = None, enable_cache: bool = True, python: str | None = None,
                 progress: TextIO | None = None, live: bool | None = None,
                 env: Mapping[str, str] | None = None, launcher: str | LauncherFactory = "fork",
                 logs: TextIO | None = None, stop_grace: float = 5.0, orchestrator: str = "local",
                 part: Collection[str] | None = None) -> RunResult:
    """Run `pipeline` (whose modules live under `root`) on this machine.

    Defaults: artifacts in ``{root}/.pipec/artifacts``, metadata in
    ``{root}/.pipec/metadata.db``, `max_parallel` = CPU count, `python` = this
    interpreter. `progress` receives the live display (plain lines unless it is a
    TTY or `live` says otherwise); `enable_cache=False` ignores the cache for every step.
    `launcher` is "fork" (steps forked from a warm helper process) or "spawn" (a fresh
    interpreter per step); see :mod:`pipec.runtime.launcher`; or a factory called with
    ``{launcher key: step id}`` and the exit callback (the Kubernetes launcher of
    ``python -m pipec.runtime kube-run``); `orchestrator` is what the run's record names.
    ``${NAME}`` references in the stores are expanded from `env` (default: this process's environment) as the shim does
    (see :mod:`pipec.runtime.store_env`; ValueError for an unset one); the steps get the
    text as given and expand it themselves, so no expanded value appears in their argv.
    `logs` receives each step's output as it is written, every line prefixed with the step id
    (the log files are written all the same). On an interrupt, running steps get SIGTERM and,
    after `stop_grace` seconds, SIGKILL (see the module docstring). With `part` (step ids), only
    those steps run, under `run_id` (required), reading their other inputs from the run's stores
    (:mod:`pipec.runtime.run_part`; PartError when one is missing); the result's status is
    ``running`` when a later part carries the run on.
    """
    if part is not None and not run_id:
        raise ValueError("a part of a run needs the run's id")
    t0 = time.monotonic()
    root = Path(root).resolve()
    child_env = dict(os.environ if env is None else env)
    store_uri, meta_url = store_locations(root, artifact_store, metadata_store)
    stores = _expanded(store_uri, "artifact store", child_env), _expanded(meta_url, "metadata store", child_env)
    store, meta = ArtifactStore(stores[0].value), md.MetadataStore(stores[1].value)
    if "${" in meta_url:  # the steps never see this URL; they hide its values all the same
        child_env[REDACTED_STORE_ENV] = meta_url
    run_id = run_id or new_run_id(pipeline.name)
    python = python or sys.executable
    max_parallel = max(1, max_parallel or os.cpu_count() or 1)
    steps = {s.id: s for s in pipeline.steps}
    order = list(pipeline.topological_order())
    if len(order) != len(steps):
        raise ValueError(f"pipeline `{pipeline.name}` has a dependency cycle")
    for s in pipeline.steps:
        missing = [dep for dep in s.upstream if dep not in steps]
        if missing:
            raise ValueError(f"step `{s.id}` depends on unknown step(s) {', '.join(missing)}")
    this_part = open_part(pipeline, part, run_id, meta, store) if part is not None else None
    if this_part is not None:
        order = [sid for sid in order if sid in this_part.steps]
    rank = {sid: i for i, sid in enumerate(order)}
    params = {sid: step_params(pipeline, s) for sid, s in steps.items()}
    argv = {sid: shim_command(pipeline, s, run_id=run_id, artifact_store=store_uri, metadata_store=None,
                              python=python, source_root=str(root))
            + (["--lookup-store", meta_url] if resolved_input_options(s) else []) for sid, s in steps.items()}
    child_env["PYTHONUNBUFFERED"] = "1"
    logs_dir = root / ".pipec" / "logs" / component(run_id)
    logs_dir.mkdir(parents=True, exist_ok=True)
    scratch = tempfile.mkdtemp(prefix="pipec-run-")

    cancel_orphaned_runs(meta)
    meta.create_pipeline_run(run_id, pipeline.name, orchestrator=orchestrator, num_steps=len(steps),
                             parameters={p.name: (p.value if p.known else p.default) for p in pipeline.parameters})
    record_runner(meta, run_id)
    shown = Progress(progress, order, live=live)
    tail = LogTail(logs, order) if logs is not None else None
    events: queue.Queue[tuple[str, int]] = queue.Queue()
    # The launcher's protocol is space-separated lines: it gets a key without spaces, not the step id.
    key_to_sid = {str(rank[sid]): sid for sid in order}

    def on_exit(key: str, status: int) -> None:
        events.put((key_to_sid[key], status))

    starter = (launcher(key_to_sid, on_exit) if callable(launcher)
               else make_launcher(launcher, python, child_env, on_exit))
    scheduler = LocalScheduler(pipeline, root, run_id, order, params=params, argv=argv, store=store, meta=meta,
                               starter=starter, events=events, logs_dir=logs_dir, scratch=scratch,
                               progress=shown, tail=tail, max_parallel=max_parallel, enable_cache=enable_cache,
                               redact=Redactor(*stores), part=this_part)
    try:
        scheduler.run()
    except KeyboardInterrupt:
        scheduler.cancel(stop_grace)
        raise
    except BaseException:
        scheduler.abort()
        raise
    finally:
        starter.close()
        for name in os.listdir(scratch):
            os.remove(os.path.join(scratch, name))
        os.rmdir(scratch)

    status, outcomes = scheduler.close()
    shown_store = store_uri if "${" in store_uri else store.uri  # never an expanded value
    return RunResult(run_id, pipeline.name, status, outcomes, shown_store, meta_url, time.monotonic() - t0)


#: Makes a launcher for one run from ``{launcher key: step id}`` and the callback that reports
#: ``(key, exit status)``; it has `launch(key, argv, cwd, log_path)`, `pids` and `close()`.
LauncherFactory = Callable[[Mapping[str, str], Callable[[str, int], None]], object]


#: Seconds a step past its timeout gets between SIGTERM and SIGKILL.
TIMEOUT_GRACE = 5.0


class LocalScheduler:
    """Runs the steps of one local run: launches ready steps, reaps finished ones, records outcomes.

    Steps start when their upstream steps are done (in topological rank order, up to
    `max_parallel` at a time); a failed step is retried per its `Retry` settings, else its
    descendants are skipped. The metadata rows are written here, never by the steps.
    """

    def __init__(self, pipeline: Pipeline, root: Path, run_id: str, order: list[str], *,
                 params: Mapping[str, object], argv: Mapping[str, list[str]], store: ArtifactStore,
                 meta: md.MetadataStore, starter: SpawnLauncher | ForkLauncher, events: queue.Queue[tuple[str, int]],
                 logs_dir: Path, scratch: str, progress: Progress, tail: LogTail | None,
                 max_parallel: int, enable_cache: bool, redact: Callable[[str], str] = str,
                 part: RunPart | None = None) -> None:
        self.pipeline, self.root, self.run_id, self.order = pipeline, root, run_id, order
        # Hides the values the stores' ${NAME} references brought in, in errors shown and recorded.
        self.redact = redact
        self.params, self.argv, self.store, self.meta = params, argv, store, meta
        self.starter, self.events, self.logs_dir, self.scratch = starter, events, logs_dir, scratch
        self.shown, self.tail = progress, tail
        self.max_parallel, self.enable_cache = max_parallel, enable_cache
        self.models = LocalModels(meta, run_id)
        self.steps = {s.id: s for s in pipeline.steps}
        self.rank = {sid: i for i, sid in enumerate(order)}
        #: The steps this run runs of a run other processes share, None for all of them.
        self.part = part
        done = part.done if part is not None else {}
        self.state = _State(produced={sid: dict(outputs) for sid, outputs in done.items()})
        # What each step's run-time-resolved inputs resolved to, when it was launched.
        self.resolved: dict[str, resolved_inputs.Resolved | None] = {}
        #: Upstream steps each step still waits for, and the steps waiting for each.
        self.waiting = {sid: set(self.steps[sid].upstream) - set(done) for sid in order}
        self.dependents: dict[str, list[str]] = {sid: [] for sid in order}
        for sid in order:
            for dep in self.waiting[sid]:
                self.dependents[dep].append(sid)
        #: Steps ready to launch, as (rank, id), and failed steps waiting to retry, as (when, rank, id).
        self.ready: list[tuple[int, str]] = [(self.rank[sid], sid) for sid in order if not self.waiting[sid]]
        heapq.heapify(self.ready)
        self.retries: list[tuple[float, int, str]] = []
        self.running: dict[str, _Running] = {}
        self.pids = _PidsBySid(starter.pids, self.rank)

    # ------------------------------------------------------------------ the loop

    def run(self) -> None:
        """Launch and reap steps until none is ready, running or waiting to retry."""
        shown, tail, events = self.shown, self.tail, self.events
        for sid in self.order:
            shown.set(sid, PENDING)
        while self.ready or self.running or self.retries:
            now = time.monotonic()
            while self.retries and self.retries[0][0] <= now:
                _, r, sid = heapq.heappop(self.retries)
                heapq.heappush(self.ready, (r, sid))
            while self.ready and len(self.running) < self.max_parallel:
                _, sid = heapq.heappop(self.ready)
                self.launch(sid)
            if not self.running and not self.ready and not self.retries:
                break
            self._stop_overdue()
            timeout = None
            wakeups = [self.retries[0][0]] if self.retries else []
            wakeups += [job.deadline for job in self.running.values() if job.deadline is not None]
            if wakeups:
                timeout = max(0.0, min(wakeups) - time.monotonic())
            if shown.live or tail is not None:
                timeout = 0.1 if timeout is None else min(timeout, 0.1)
            if not self.running:
                time.sleep(timeout or 0)
                continue
            try:
                sid, rc = events.get(timeout=timeout)
            except queue.Empty:
                shown.redraw()
                if tail is not None:
                    tail.poll()
                continue
            self.reap(sid, rc)
            # Drain whatever else finished meanwhile before launching more.
            while True:
                try:
                    sid, rc = events.get_nowait()
                except queue.Empty:
                    break
                self.reap(sid, rc)

    def launch(self, sid: str) -> None:
        """Start the next attempt of step `sid` (or record a cache hit instead)."""
        step = self.steps[sid]
        state = self.state
        attempt = state.attempts.get(sid, 0) + 1
        state.attempts[sid] = attempt
        try:
            self.models.before(step)
        except ModelError as exc:
            self._record_unrun(sid, md.FAILED, str(exc))
            self.finish(StepOutcome(sid, md.FAILED, attempt, None, str(exc)))
            return
        self.resolved[sid] = resolved_inputs.for_step(step, self.pipeline, self.run_id, self.store, self.meta)
        key = self._cache_key(step) if self._caching(step) and self.resolved[sid] is not None else None
        if attempt == 1 and key is not None and self._try_cache(step, key):
            return
        log_path = str(self.logs_dir / f"{component(sid)}.log")
        result_file = os.path.join(self.scratch, f"{component(sid)}-{attempt}.json")
        if attempt > 1:
            with open(log_path, "a", encoding="utf-8") as log:
                log.write(f"\n--- pipec: attempt {attempt} ---\n")
        row = self.meta.start_step_run(self.run_id, sid, attempt=attempt, module=step.module,
                                       function=step.function, cache_key=key, logs_uri=log_path)
        self._record_inputs(step, row)
        cmd = [*self.argv[sid], "--attempt", str(attempt), "--result-file", result_file]
        now = time.monotonic()
        limit = step.settings.timeout
        # The shim stops the step itself at the limit (--timeout); this is the backstop.
        self.running[sid] = _Running(row, attempt, result_file, now, key, log_path,
                                     deadline=None if limit is None else now + limit + TIMEOUT_GRACE)
        self.shown.set(sid, RUNNING, attempt=attempt)
        if self.tail is not None:
            self.tail.watch(sid, log_path)
        self.starter.launch(str(self.rank[sid]), cmd, str(self.root), log_path)

    def reap(self, sid: str, rc: int) -> None:
        """Record how step `sid`'s process ended (exit status `rc`): done, retry later, or failed."""
        meta, tail = self.meta, self.tail
        job = self.running.pop(sid)
        took = time.monotonic() - job.started
        if sid in self.pids:  # what the step left running in its group (e.g. after its timeout) ends with it
            kill_group(self.pids[sid], signal.SIGKILL)
        step = self.steps[sid]
        if tail is not None:
            tail.poll(sid)  # its last lines before its status line
        result = _read_result(job.result_file)
        if rc == 0 and result is not None and result.get("status") == md.COMPLETED:
            infos = [ArtifactInfo.from_json(v) for v in result.get("outputs", {}).values()]
            if result.get("metadata"):
                meta.add_run_metadata(self.run_id, result["metadata"], step_id=sid)
            meta.finish_step_run(job.step_run_id, md.COMPLETED, artifacts=infos)
            self.models.after(step, job.step_run_id)
            self.state.produced[sid] = {a.name: a for a in infos}
            if tail is not None:
                tail.close(sid)
            self.finish(StepOutcome(sid, md.COMPLETED, job.attempt, took, None, job.log))
            return
        error = (timed_out_message(step.settings.timeout) if job.timed_out and not (result or {}).get("error")
                 else self.redact(_failure(result, rc)))
        meta.finish_step_run(job.step_run_id, md.FAILED, error=error)
        retry = step.settings.retry
        if retry is not None and job.attempt <= retry.max_retries:
            delay = retry_delay(retry, job.attempt - 1)
            heapq.heappush(self.retries, (time.monotonic() + delay, self.rank[sid], sid))
            self.shown.set(sid, RETRYING, note=f"{error}; retry in {delay:g}s")
            return
        if tail is not None:
            tail.close(sid)
        self.finish(StepOutcome(sid, md.FAILED, job.attempt, took, error, job.log))

    def finish(self, outcome: StepOutcome) -> None:
        """Record a step's final outcome: release its dependents, or skip its descendants when it failed."""
        state = self.state
        state.outcomes[outcome.step_id] = outcome
        note = outcome.error if outcome.status in (md.FAILED, md.SKIPPED) else ""
        self.shown.set(outcome.step_id, outcome.status, note=note or "")
        if outcome.status in md.DONE:
            self._release(outcome.step_id)
        elif outcome.status == md.FAILED:
            for child in _descendants(self.pipeline, outcome.step_id):
                if child not in state.outcomes:
                    reason = f"upstream step `{outcome.step_id}` failed"
                    self._record_unrun(child, md.SKIPPED, reason)
                    state.outcomes[child] = StepOutcome(child, md.SKIPPED, 0, None, reason)
                    if child in self.rank:  # a later part's step is recorded, not shown
                        self.shown.set(child, md.SKIPPED, note=reason)

    # ------------------------------------------------------------------ ending the run

    def close(self) -> tuple[str, dict[str, StepOutcome]]:
        """Record the run's status; return it with every step's outcome in topological order."""
        outcomes = self.state.outcomes
        if self.part is not None:
            status = finish_part(self.meta, self.run_id, self.pipeline, self.part, outcomes)
        else:
            status = md.COMPLETED if all(o.status in md.DONE for o in outcomes.values()) \
                and len(outcomes) == len(self.steps) else md.FAILED
            self.meta.finish_pipeline_run(self.run_id, status)
        self.meta.close()
        self.shown.redraw()
        return status, {sid: outcomes.get(sid, StepOutcome(sid, md.SKIPPED, 0, None, "never started"))
                        for sid in self.order}

    def cancel(self, stop_grace: float) -> None:
        """An interrupt: stop the running steps and record the run and every unfinished step cancelled."""
        stop_groups(self.running, self.pids, self.events, stop_grace)
        with signals_ignored():
            if self.tail is not None:
                self.tail.close_all()
            for sid in self.running:
                self.shown.set(sid, md.CANCELLED)
            for sid in self.order:
                if sid not in self.state.outcomes and sid not in self.running:
                    why = "retry not started" if sid in self.state.attempts else "not started"
                    self._record_unrun(sid, md.CANCELLED, f"{why}: the run was cancelled")
                    self.shown.set(sid, md.CANCELLED)
            # Also closes a step row whose process the interrupt kept from being tracked.
            self.meta.cancel_run(self.run_id, "stopped: the run was cancelled")
            self.meta.close()

    def abort(self) -> None:
        """The scheduler itself failed: kill the running steps and record them and the run failed."""
        for sid in self.running:
            pid = self.pids.get(sid)
            if pid is not None:
                kill_group(pid, signal.SIGKILL)
        for job in self.running.values():
            self.meta.finish_step_run(job.step_run_id, md.FAILED,
                                      error="the local orchestrator stopped unexpectedly")
        self.meta.finish_pipeline_run(self.run_id, md.FAILED)
        self.meta.close()

    # ------------------------------------------------------------------ helpers

    def _stop_overdue(self) -> None:
        """Stop each attempt past its timeout: SIGTERM to its process group, SIGKILL after the
        grace (:data:`TIMEOUT_GRACE`); `reap` records it failed, "timed out"."""
        now = time.monotonic()
        for sid, job in self.running.items():
            if job.deadline is None or now < job.deadline or sid not in self.pids:
                continue
            kill_group(self.pids[sid], signal.SIGKILL if job.timed_out else signal.SIGTERM)
            job.deadline = None if job.timed_out else now + TIMEOUT_GRACE
            job.timed_out = True

    def _record_unrun(self, sid: str, status: str, reason: str) -> None:
        record_unrun(self.meta, self.run_id, self.steps[sid], status, reason)

    def _release(self, sid: str) -> None:
        for other in self.dependents[sid]:
            self.waiting[other].discard(sid)
            if not self.waiting[other] and other not in self.state.outcomes:
                heapq.heappush(self.ready, (self.rank[other], other))

    def _caching(self, step: StepInvocation) -> bool:
        return self.enable_cache and step.settings.enable_cache is not False

    def _record_inputs(self, step: StepInvocation, row: int) -> None:
        """Lineage of step run `row`: the upstream outputs it reads, each list element its own,
        then the inputs resolved when it starts."""
        record_inputs(self.meta, row, {key: self.state.produced[ref.step][ref.output]
                                       for key, ref in data_inputs(step)})
        self.meta.record_step_inputs(row, resolved_inputs.lineage(self.resolved[step.id]))

    def _cache_key(self, step: StepInvocation) -> str:
        inputs = {}
        for key, ref in data_inputs(step):  # the keys the shim's own cache key uses
            info = self.state.produced[ref.step][ref.output]
            inputs[key] = (info.content_hash, info.materializer)
        inputs.update({name: (info.content_hash, info.materializer)
                       for name, info in self.resolved[step.id].infos.items()})  # launch() resolved them
        return cache_key(source=step_source(str(self.root), step.module, step.function), module=step.module,
                         function=step.function, params=self.params[step.id], inputs=inputs,
                         outputs=[(o.name, o.type) for o in step.outputs], artifact_store=self.store.uri)

    def _try_cache(self, step: StepInvocation, key: str) -> bool:
        hit = self.meta.find_cached(key)
        if hit is None or not all(self.store.intact(a) for a in hit[1]):
            return False
        record, cached = hit
        linked = [self.store.link(a, pipeline=self.pipeline.name, run_id=self.run_id, step_id=step.id,
                                  output=a.name) for a in cached]
        row = self.meta.start_step_run(self.run_id, step.id, attempt=0, status=md.RUNNING, module=step.module,
                                       function=step.function, cache_key=key)
        self._record_inputs(step, row)
        self.meta.finish_step_run(row, md.CACHED, artifacts=linked, cached_from=record.id)
        self.models.after(step, row)
        self.state.produced[step.id] = {a.name: a for a in linked}
        self.finish(StepOutcome(step.id, md.CACHED, 0, None, None))
        return True


def _read_result(path: str) -> dict | None:
    """The shim's result file, or None when it is missing or unreadable."""
    if not os.path.exists(path):
        return None
    try:
        with open(path, encoding="utf-8") as handle:
            return json.load(handle)
    except (OSError, ValueError):
        return None


def _failure(result: dict | None, rc: int) -> str:
    """Why a step failed: the shim's error, else the signal or exit status."""
    if result is not None and result.get("error"):
        return result["error"]
    if rc < 0:
        return f"killed by signal {signal.Signals(-rc).name}" if -rc in signal.valid_signals() \
            else f"killed by signal {-rc}"
    return f"exited with status {rc}"
