"""`pipec runs list [--pipeline NAME] [--limit N] [--json]` and `pipec runs show RUN [--json]`.

RUN is a run id or a pipeline name (its latest run). Reads the metadata store given
by --metadata-store, $PIPEC_METADATA_STORE, or the nearest `.pipec/metadata.db`.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any

HELP = "list past runs, or show one run's steps and outputs"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of `pipec runs`."""
    parser.add_argument("--metadata-store", metavar="URL",
                        help="SQLAlchemy URL (default: $PIPEC_METADATA_STORE or the nearest .pipec/metadata.db)")
    sub = parser.add_subparsers(dest="runs_command", metavar="ACTION")
    sub.required = True
    lister = sub.add_parser("list", help="list runs, newest first")
    lister.add_argument("--pipeline", metavar="NAME", help="only runs of this pipeline")
    lister.add_argument("--limit", type=int, default=20, metavar="N", help="at most N runs (default 20)")
    lister.add_argument("--json", action="store_true", help="print JSON")
    show = sub.add_parser("show", help="show one run")
    show.add_argument("run", metavar="RUN", help="run id, or pipeline name for its latest run")
    show.add_argument("--json", action="store_true", help="print JSON")


def _iso(value: Any) -> str | None:
    return value.isoformat(timespec="seconds") if value is not None else None


def _duration(start: Any, end: Any) -> str:
    return f"{(end - start).total_seconds():.2f}s" if start is not None and end is not None else ""


def _table(rows: list[tuple[str, ...]]) -> str:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(c.ljust(widths[i]) for i, c in enumerate(r)).rstrip() for r in rows) + "\n"


def run_to_json(run: Any) -> dict[str, Any]:
    """A JSON-ready view of a PipelineRun."""
    return {
        "id": run.id, "pipeline": run.pipeline_name, "status": run.status,
        "orchestrator": run.orchestrator, "start_time": _iso(run.start_time), "end_time": _iso(run.end_time),
        "parameters": run.parameters, "run_metadata": run.run_metadata,
        "steps": {sid: {
            "status": s.status, "attempts": s.attempts, "start_time": _iso(s.start_time),
            "end_time": _iso(s.end_time), "cache_key": s.cache_key, "logs": s.logs_uri, "error": s.error,
            "run_metadata": s.run_metadata,
            "outputs": {name: {"uri": a.uri, "type": a.type, "materializer": a.materializer,
                               "content_hash": a.content_hash, "size": a.size}
                        for name, a in s.outputs.items()},
        } for sid, s in run.steps.items()},
    }


def run(args: argparse.Namespace) -> int:
    """List or show runs."""
    from pipec.runtime.client import Client

    client = Client(args.metadata_store)
    sqlite_file = client.url.split(":///", 1)[1] if client.url.startswith("sqlite:///") else None
    if sqlite_file and not os.path.exists(sqlite_file):
        # Do not create an empty database just to list nothing.
        if args.runs_command == "list":
            sys.stdout.write("[]\n" if args.json else f"no runs (no metadata store at {sqlite_file})\n")
            return 0
        sys.stderr.write(f"pipec runs: error: no metadata store at {sqlite_file}\n")
        return 2
    try:
        if args.runs_command == "list":
            runs = client.list_pipeline_runs(args.pipeline, limit=args.limit)
            if args.json:
                sys.stdout.write(json.dumps([{"id": r.id, "pipeline": r.pipeline_name, "status": r.status,
                                              "start_time": _iso(r.start_time), "end_time": _iso(r.end_time)}
                                             for r in runs], indent=2) + "\n")
            elif not runs:
                sys.stdout.write(f"no runs in {client.url}\n")
            else:
                rows = [("RUN", "PIPELINE", "STATUS", "STARTED", "DURATION", "STEPS")]
                rows += [(r.id, r.pipeline_name, r.status, _iso(r.start_time) or "",
                          _duration(r.start_time, r.end_time), str(len(r.steps))) for r in runs]
                sys.stdout.write(_table(rows))
            return 0
        try:
            found = client.get_pipeline_run(args.run)
        except KeyError as exc:
            sys.stderr.write(f"pipec runs: error: {exc.args[0]}\n")
            return 2
        if args.json:
            sys.stdout.write(json.dumps(run_to_json(found), indent=2, sort_keys=True) + "\n")
            return 0
        out = [f"run {found.id}  pipeline {found.pipeline_name}  {found.status}  "
               f"started {_iso(found.start_time)}  {_duration(found.start_time, found.end_time)}\n"]
        for key, value in found.run_metadata.items():
            out.append(f"  {key}: {json.dumps(value)}\n")
        rows = [("STEP", "STATUS", "ATTEMPTS", "DURATION", "OUTPUTS")]
        for sid, s in found.steps.items():
            outputs = ", ".join(f"{n} ({a.materializer})" for n, a in s.outputs.items())
            rows.append((sid, s.status, str(s.attempts), _duration(s.start_time, s.end_time),
                         outputs or (s.error or "")))
        out.append("\n" + _table(rows))
        sys.stdout.write("".join(out))
        return 0
    finally:
        client.close()
