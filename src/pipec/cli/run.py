"""`pipec run FILE [--pipeline NAME] [--param k=v] [--config YAML] [--max-parallel N] [--stack NAME] [--logs]`.

Loads the pipeline through :func:`pipec.compiler.api.load` (the same checks and
diagnostics as `pipec compile`; exit 2 on errors), then runs it on this machine with
:func:`pipec.runtime.orchestrator.run_pipeline`: live progress on stderr, the summary
table on stdout, exit 0 when every step completed (or came from the cache), 1 otherwise.
Then two lines on stderr say where the run was recorded and the command that shows it.
With ``--logs`` the steps' output goes to stdout as it is written, each line prefixed with
its step id (progress is then printed line by line, not as a live table).

SIGINT (Ctrl-C) or SIGTERM cancels the run: running steps are stopped and the run is
recorded ``cancelled``; exit status 130, or 143 for SIGTERM. Killed outright (SIGKILL), `pipec run`
leaves no step running either, and the next `pipec run` or `pipec runs` here records that run
``cancelled`` (see :mod:`pipec.runtime.runner_liveness`). A local SQLite metadata store
is remembered in the per-user list of :mod:`pipec.runtime.store_index`.

The active stack (see `pipec.stacks`) decides where: a `local` stack runs here with
its artifact and metadata stores (the flags win); an engine stack hands the pipeline to
`pipec submit` for its target, so switching orchestrators is switching stacks.
"""

from __future__ import annotations

import argparse
import signal
import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .exits import EXIT_USER_ERROR, stopped_by

if TYPE_CHECKING:
    from pipec.runtime.orchestrator import RunResult

HELP = "run a pipeline on this machine, steps in parallel subprocesses"



def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of `pipec run`."""
    from .args import add_source_arguments, add_stack_argument

    add_source_arguments(parser)
    add_stack_argument(parser)
    parser.add_argument("--max-parallel", type=int, default=None, metavar="N",
                        help="run at most N steps at once (default: the number of CPUs)")
    parser.add_argument("--artifact-store", metavar="URI",
                        help="artifact store: a folder or an fsspec URL (default: ROOT/.pipec/artifacts)")
    parser.add_argument("--metadata-store", metavar="URL",
                        help="SQLAlchemy URL of the metadata store (default: SQLite at ROOT/.pipec/metadata.db)")
    parser.add_argument("--no-cache", action="store_true", help="run every step, reusing no earlier result")
    parser.add_argument("--run-id", metavar="ID", help="id of the new run (default: PIPELINE-DATE-TIME-RANDOM)")
    parser.add_argument("--logs", action="store_true",
                        help="print the steps' output as they run, each line prefixed with its step id")


@dataclass
class Outcome:
    """What `pipec run` did: its exit status and, when it ran locally, the run."""

    # The command's exit status (EXIT_*).
    exit_code: int
    # The local run, once one started (None for errors and engine stacks).
    result: RunResult | None = None


def run(args: argparse.Namespace) -> int:
    """Load, check and run the pipeline."""
    return execute(args).exit_code


def execute(args: argparse.Namespace) -> Outcome:
    """`pipec run` returning the local run too (a script's pipeline call reads it back)."""
    from pipec.ir.diagnostics import Diagnostics

    from .args import load_source, report

    if args.max_parallel is not None and args.max_parallel < 1:
        sys.stderr.write("pipec run: error: --max-parallel must be at least 1\n")
        return Outcome(EXIT_USER_ERROR)
    from pathlib import Path

    from pipec.compiler.api import find_source_root
    from pipec.stacks import local_stores, resolve

    diags = Diagnostics()
    root = Path(args.root).resolve() if args.root is not None else find_source_root(Path(args.file))
    selection = resolve(root, args.stack, diags)
    if selection is not None and not selection.stack.is_local and not diags.has_errors:
        return Outcome(_submit(args, selection, root))
    artifact_store, metadata_store = local_stores(selection.stack, root, diags) if selection else (None, None)
    loaded = load_source(args, diags)
    report(loaded.diagnostics, loaded.root, args)
    if loaded.diagnostics.has_errors:
        return Outcome(EXIT_USER_ERROR)
    pipelines = loaded.program.pipelines
    if not pipelines:
        sys.stderr.write(f"pipec run: error: no pipeline to run in {args.file}\n")
        return Outcome(EXIT_USER_ERROR)
    if len(pipelines) > 1:
        names = ", ".join(p.name for p in pipelines)
        sys.stderr.write(f"pipec run: error: {args.file} defines several pipelines ({names}); "
                         "choose one with --pipeline NAME\n")
        return Outcome(EXIT_USER_ERROR)
    from pipec.runtime.orchestrator import new_run_id, run_pipeline, store_locations

    pipeline = pipelines[0]
    run_id = args.run_id or new_run_id(pipeline.name)
    stores = store_locations(loaded.root, args.artifact_store or artifact_store,
                             args.metadata_store or metadata_store)
    try:
        with _signals_cancel():
            _remember(stores[1], loaded.root, run_id)
            result = run_pipeline(pipeline, loaded.root, max_parallel=args.max_parallel,
                                  artifact_store=stores[0], metadata_store=stores[1], run_id=run_id,
                                  enable_cache=not args.no_cache, progress=sys.stderr,
                                  live=False if args.logs else None, logs=sys.stdout if args.logs else None)
    except (RuntimeError, ValueError) as exc:
        sys.stderr.write(f"pipec run: error: {exc}\n")
        return Outcome(EXIT_USER_ERROR)
    except KeyboardInterrupt as exc:
        signum = getattr(exc, "signum", signal.SIGINT)
        sys.stdout.flush()
        why = "interrupted" if signum == signal.SIGINT else f"stopped by {signal.Signals(signum).name}"
        sys.stderr.write(f"pipec run: {why}; running steps were stopped and the run was recorded as cancelled\n")
        sys.stderr.write(recorded_lines(run_id, stores, args, loaded.root))
        return Outcome(stopped_by(signum))
    sys.stdout.write(result.summary())
    sys.stdout.flush()
    sys.stderr.write(recorded_lines(run_id, stores, args, loaded.root))
    return Outcome(result.exit_code, result)


class Terminated(KeyboardInterrupt):
    """SIGTERM (or another stop signal) received: cancels the run as Ctrl-C does."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


class _signals_cancel:  # noqa: N801 - a context manager, used like a function
    """SIGTERM and SIGHUP raise :class:`Terminated` while the run goes on (main thread only), so the
    run is recorded cancelled instead of the process dying with it unrecorded."""

    _SIGNALS = ("SIGTERM", "SIGHUP")

    def __enter__(self) -> None:
        import threading

        self._saved: dict[int, object] = {}
        if threading.current_thread() is not threading.main_thread():
            return
        for name in self._SIGNALS:
            sig = getattr(signal, name, None)
            if sig is not None:
                self._saved[sig] = signal.signal(sig, _raise_terminated)

    def __exit__(self, *exc: object) -> None:
        for sig, handler in self._saved.items():
            signal.signal(sig, handler)  # type: ignore[arg-type]


def _raise_terminated(signum: int, _frame: object) -> None:
    raise Terminated(signum)


def _remember(metadata_store: str, root, run_id: str) -> None:
    from pipec.runtime.store_index import remember

    remember(metadata_store, root, run_id)


def recorded_lines(run_id: str, stores: tuple[str, str], args: argparse.Namespace, root) -> str:
    """Where run `run_id` was recorded (URL passwords masked) and the command that shows it: with
    ``--root`` or ``--metadata-store`` only when `pipec runs show` run here would not find it."""
    import shlex

    from pipec.runtime.logtail import printable
    from pipec.runtime.store_index import sqlite_path
    from pipec.stacks import mask_secrets

    artifact_store, metadata_store = (mask_secrets(s) for s in stores)
    where = sqlite_path(metadata_store) or metadata_store
    command = ["pipec", "runs", "show", run_id, *_store_flags(metadata_store, args, root)]
    return (f"recorded: metadata {printable(where)}, artifacts {printable(artifact_store)}\n"
            f"inspect:  {printable(shlex.join(command))}\n")


def _store_flags(metadata_store: str, args: argparse.Namespace, root) -> list[str]:
    """The fewest `pipec runs` options that make it read `metadata_store` from the current folder."""
    import contextlib
    import io

    from .runs import choose_store

    stack = ["--stack", args.stack] if args.stack else []
    for extra in ([], ["--root", str(root)]):
        probe = argparse.Namespace(metadata_store=None, stack=args.stack, root=extra[1] if extra else None,
                                   color="never")
        with contextlib.redirect_stderr(io.StringIO()):  # its notes concern a store we do not use
            chosen = choose_store(probe)
        if chosen is not None and chosen[1] == metadata_store:
            return [*extra, *stack]
    return ["--metadata-store", metadata_store]


def _submit(args: argparse.Namespace, selection, root) -> int:
    """Run on the stack's engine through `pipec submit` (waiting for the run to end)."""
    from pipec.ir.diagnostics import Diagnostics
    from pipec.stacks import load_target

    from . import submit
    from .args import report

    stack = selection.stack
    local_only = [flag for flag, given in (("--max-parallel", args.max_parallel is not None),
                                           ("--no-cache", args.no_cache), ("--run-id", args.run_id is not None))
                  if given]
    if local_only:
        one = len(local_only) == 1
        sys.stderr.write(f"pipec run: error: {', '.join(local_only)} {'applies' if one else 'apply'} only to "
                         f"local runs; stack `{stack.name}` runs on `{stack.target}`\n"
                         f"help: drop {'it' if one else 'them'}, or choose a local stack with --stack NAME\n")
        return EXIT_USER_ERROR
    diags = Diagnostics()
    target = load_target(stack, diags)
    if target is not None and not callable(getattr(target, "submit", None)):
        diags.error("PC306", f"stack `{stack.name}` runs on `{stack.target}`, which cannot start runs, so "
                    "`pipec run` cannot run the pipeline there", stack.span("target"),
                    help=f"`pipec compile --stack {stack.name}` writes the files for you to deploy; "
                         "or choose a stack that can run it (`pipec stack list`)")
    if diags.has_errors:
        report(diags, root, args)
        return EXIT_USER_ERROR
    options = [f"{key}={value}" for key, value in (("artifact_store", args.artifact_store),
                                                   ("metadata_store", args.metadata_store)) if value]
    sys.stderr.write(f"pipec run: stack `{stack.name}` (selected by {selection.reason}) runs on "
                     f"`{stack.target}`: submitting there, as `pipec submit` does\n")
    sys.stderr.flush()
    forwarded = argparse.Namespace(**vars(args))
    forwarded.target, forwarded.stack, forwarded.option = None, stack.name, options
    forwarded.wait, forwarded.timeout = True, 3600.0
    return submit.run(forwarded)
