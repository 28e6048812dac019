"""`pipec run FILE [--pipeline NAME] [--param k=v] [--config YAML] [--max-parallel N]`.

Loads the pipeline through :func:`pipec.compiler.api.load` (the same checks and
diagnostics as `pipec compile`; exit 2 on errors), then runs it on this machine with
:func:`pipec.runtime.orchestrator.run_pipeline`: live progress on stderr, the summary
table on stdout, exit 0 when every step completed (or came from the cache), 1 otherwise.
"""

from __future__ import annotations

import argparse
import sys

HELP = "run a pipeline on this machine, steps in parallel subprocesses"

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USER_ERROR = 2
EXIT_INTERRUPTED = 130


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of `pipec run`."""
    from pipec.compiler.commands._common import add_source_arguments

    add_source_arguments(parser)
    parser.add_argument("--max-parallel", type=int, default=None, metavar="N",
                        help="run at most N steps at once (default: the number of CPUs)")
    parser.add_argument("--artifact-store", metavar="URI",
                        help="artifact store: a folder or an fsspec URL (default: ROOT/.pipec/artifacts)")
    parser.add_argument("--metadata-store", metavar="URL",
                        help="SQLAlchemy URL of the metadata store (default: SQLite at ROOT/.pipec/metadata.db)")
    parser.add_argument("--no-cache", action="store_true", help="run every step, reusing no earlier result")
    parser.add_argument("--run-id", metavar="ID", help="id of the new run (default: PIPELINE-DATE-TIME-RANDOM)")


def run(args: argparse.Namespace) -> int:
    """Load, check and run the pipeline."""
    from pipec.compiler.commands._common import load_source, report
    from pipec.compiler.diagnostics import Diagnostics

    if args.max_parallel is not None and args.max_parallel < 1:
        sys.stderr.write("pipec run: error: --max-parallel must be at least 1\n")
        return EXIT_USER_ERROR
    loaded = load_source(args, Diagnostics())
    report(loaded.diagnostics, loaded.root, args)
    if loaded.diagnostics.has_errors:
        return EXIT_USER_ERROR
    pipelines = loaded.program.pipelines
    if not pipelines:
        sys.stderr.write(f"pipec run: error: no pipeline to run in {args.file}\n")
        return EXIT_USER_ERROR
    if len(pipelines) > 1:
        names = ", ".join(p.name for p in pipelines)
        sys.stderr.write(f"pipec run: error: {args.file} defines several pipelines ({names}); "
                         "choose one with --pipeline NAME\n")
        return EXIT_USER_ERROR
    try:
        from pipec.runtime.orchestrator import run_pipeline

        result = run_pipeline(pipelines[0], loaded.root, max_parallel=args.max_parallel,
                              artifact_store=args.artifact_store, metadata_store=args.metadata_store,
                              run_id=args.run_id, enable_cache=not args.no_cache, progress=sys.stderr)
    except (RuntimeError, ValueError) as exc:
        sys.stderr.write(f"pipec run: error: {exc}\n")
        return EXIT_USER_ERROR
    except KeyboardInterrupt:
        # run_pipeline has killed the running steps and recorded the run as failed.
        sys.stderr.write("pipec run: interrupted; running steps were stopped\n")
        return EXIT_INTERRUPTED
    sys.stdout.write(result.summary())
    sys.stdout.flush()
    return result.exit_code
