"""`pipec run FILE [--pipeline NAME] [--param k=v] [--config YAML] [--max-parallel N] [--stack NAME]`.

Loads the pipeline through :func:`pipec.compiler.api.load` (the same checks and
diagnostics as `pipec compile`; exit 2 on errors), then runs it on this machine with
:func:`pipec.runtime.orchestrator.run_pipeline`: live progress on stderr, the summary
table on stdout, exit 0 when every step completed (or came from the cache), 1 otherwise.

The active stack (see `pipec.compiler.stacks`) decides where: a `local` stack runs here with
its artifact and metadata stores (the flags win); an engine stack hands the pipeline to
`pipec submit` for its target, so switching orchestrators is switching stacks.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pipec.runtime.orchestrator import RunResult

HELP = "run a pipeline on this machine, steps in parallel subprocesses"

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USER_ERROR = 2
EXIT_INTERRUPTED = 130


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of `pipec run`."""
    from pipec.compiler.commands._common import add_source_arguments, add_stack_argument

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
    from pipec.compiler.commands._common import load_source, report
    from pipec.compiler.diagnostics import Diagnostics

    if args.max_parallel is not None and args.max_parallel < 1:
        sys.stderr.write("pipec run: error: --max-parallel must be at least 1\n")
        return Outcome(EXIT_USER_ERROR)
    from pathlib import Path

    from pipec.compiler.api import find_source_root
    from pipec.compiler.stacks import local_stores, resolve

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
    try:
        from pipec.runtime.orchestrator import run_pipeline

        result = run_pipeline(pipelines[0], loaded.root, max_parallel=args.max_parallel,
                              artifact_store=args.artifact_store or artifact_store,
                              metadata_store=args.metadata_store or metadata_store,
                              run_id=args.run_id, enable_cache=not args.no_cache, progress=sys.stderr)
    except (RuntimeError, ValueError) as exc:
        sys.stderr.write(f"pipec run: error: {exc}\n")
        return Outcome(EXIT_USER_ERROR)
    except KeyboardInterrupt:
        # run_pipeline has killed the running steps and recorded the run as failed.
        sys.stderr.write("pipec run: interrupted; running steps were stopped\n")
        return Outcome(EXIT_INTERRUPTED)
    sys.stdout.write(result.summary())
    sys.stdout.flush()
    return Outcome(result.exit_code, result)


def _submit(args: argparse.Namespace, selection, root) -> int:
    """Run on the stack's engine through `pipec submit` (waiting for the run to end)."""
    from pipec.compiler.commands import submit
    from pipec.compiler.commands._common import report
    from pipec.compiler.diagnostics import Diagnostics
    from pipec.compiler.stacks import load_target

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
