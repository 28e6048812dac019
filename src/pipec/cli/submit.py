"""`pipec submit FILE [--target T|--stack NAME]`: compile, deploy to the engine and start a run.

Without `--target`, the active stack's target and settings are used (as for `pipec compile`).

Only targets that implement ``submit`` (see :class:`pipec.targets.base.Submitter`)
can be submitted to. The run's UI link is printed and, when the target has a
metadata store, recorded as the run's ``orchestrator_url`` metadata.
"""

from __future__ import annotations

import argparse
import json
import sys

from . import args as _common
from . import exits


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of `pipec submit`."""
    _common.add_source_arguments(parser)
    parser.add_argument("--target", "-t", metavar="NAME",
                        help="target to compile for and submit to (one that supports submission); "
                             "without it, the active stack's target")
    _common.add_stack_argument(parser)
    parser.add_argument("--option", action="append", default=[], metavar="KEY=VALUE",
                        help="target option, as for `pipec compile` (repeatable)")
    parser.add_argument("--no-wait", dest="wait", action="store_false",
                        help="return once the run is started instead of waiting for it to end")
    parser.add_argument("--timeout", type=float, default=3600.0, metavar="SECONDS",
                        help="give up waiting after this many seconds (default: 3600)")


def record_orchestrator_url(metadata_store: str | None, run_id: str | None, pipeline: str,
                            target: str, url: str | None, num_steps: int | None = None) -> None:
    """Record `url` as the run's ``orchestrator_url`` in the metadata store, when both are known.

    With `--no-wait` this may create the run before any step's shim does: `num_steps` lets
    `Client` still tell when it completed."""
    if not (metadata_store and run_id and url):
        return
    import os

    from pipec.runtime.metadata import MetadataStore
    from pipec.runtime.store_env import expand

    # The option may carry ${VAR} references (kept unexpanded in the artifacts for the shim).
    store = MetadataStore(expand(metadata_store, os.environ).value)
    try:
        store.create_pipeline_run(run_id, pipeline, orchestrator=target, num_steps=num_steps)
        store.add_run_metadata(run_id, {"orchestrator_url": url})
    finally:
        store.close()


def run(args: argparse.Namespace) -> int:
    """Compile for the target, then hand each pipeline's files to its `submit`."""
    from pipec import targets
    from pipec.compiler.driver import compile_targets, parse_assignments, select_targets
    from pipec.ir.diagnostics import Diagnostics
    from pipec.stacks import plan_compile
    from pipec.targets.base import SubmitContext, SubmitError

    pre = Diagnostics()
    options = parse_assignments(args.option, "PC302", "--option", pre)
    result = _common.load_source(args, pre)
    plan = plan_compile(result.root, [args.target] if args.target else None, args.stack, options,
                        result.diagnostics, command="submit")
    target = plan.targets[0] if plan.targets else args.target
    files, diags = compile_targets(result, plan.targets, plan.options, registry=plan.registry)
    if not diags.has_errors:
        selected = select_targets(plan.targets, plan.options, Diagnostics())[0]
        if not callable(getattr(selected.target, "submit", None)):
            able = [n for n in targets.names() if n in targets.BUILTINS
                    and callable(getattr(targets.get(n), "submit", None))]
            diags.error("PC306", f"target `{target}` cannot submit runs",
                        help=f"targets that can: {', '.join(able) or 'none'}; "
                             f"or run `pipec compile --target {target}` and deploy the files yourself")
    _common.report(diags, result.root, args)
    if diags.has_errors:
        return exits.EXIT_USER_ERROR

    prefix = f"{target}/"
    produced = {path[len(prefix):]: text for path, text in files.items() if path.startswith(prefix)}
    status = exits.EXIT_OK
    for pipe in result.program.pipelines:
        context = SubmitContext(options=dict(selected.options), files=produced,
                                parameters={p.name: p.value for p in pipe.parameters if p.known},
                                wait=args.wait, timeout=args.timeout,
                                log=lambda line: print(f"pipec: {line}", file=sys.stderr, flush=True))
        try:
            submission = selected.target.submit(pipe, context)
        except SubmitError as exc:
            sys.stderr.write(f"pipec: error: submitting `{pipe.name}` to {target} failed: {exc}\n")
            return exits.EXIT_USER_ERROR
        try:
            record_orchestrator_url(selected.options.get("metadata_store"), submission.run_id, pipe.name,
                                    target, submission.url, num_steps=len(pipe.steps))
        except Exception as exc:  # the run exists; failing to record its link must not hide that
            sys.stderr.write(f"pipec: warning: could not record orchestrator_url: {exc}\n")
        print(json.dumps({"pipeline": pipe.name, "target": target, "engine_run_id": submission.engine_run_id,
                          "run_id": submission.run_id, "url": submission.url, "status": submission.status}))
        if submission.status not in (None, "completed", "running", "queued"):
            status = 1
    return status
