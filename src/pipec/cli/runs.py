"""`pipec runs list [--pipeline NAME] [--limit N] [--json]` and `pipec runs show RUN [--json]`.

RUN is a run id or a pipeline name (its latest run). The metadata store read, by precedence
(the first that applies, as `pipec run` writes them): ``--metadata-store``,
``$PIPEC_METADATA_STORE``, the `metadata_store` of the active stack (or ``--stack NAME``) when
that stack is local, else the nearest ``.pipec/metadata.db`` (above the current folder, or
in ``--root``). Stacks are read from the source root: ``--root``, else the nearest folder
above the current one holding a source-root marker (as `pipec stack` finds it). The store
options may come before or after the action.

When that search finds no store (the current folder is in no project), `list` names the local
stores `pipec run` remembered (:mod:`pipec.runtime.store_index`) and `show` looks RUN up in them.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any

from .exits import EXIT_OK, EXIT_USER_ERROR

HELP = "list past runs, or show one run's steps and outputs"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of `pipec runs`."""
    sub, common = store_arguments(parser, "runs_command")
    lister = sub.add_parser("list", parents=[common], help="list runs, newest first")
    lister.add_argument("--pipeline", metavar="NAME", help="only runs of this pipeline")
    lister.add_argument("--limit", type=int, default=20, metavar="N", help="at most N runs (default 20)")
    lister.add_argument("--json", action="store_true", help="print JSON")
    show = sub.add_parser("show", parents=[common], help="show one run")
    show.add_argument("run", metavar="RUN", help="run id, or pipeline name for its latest run")
    show.add_argument("--json", action="store_true", help="print JSON")


def store_arguments(parser: argparse.ArgumentParser, dest: str) -> tuple[Any, argparse.ArgumentParser]:
    """The store options before the action, the action subparsers (into `dest`), and the parent
    parser giving each action the same options (see :func:`store_options`)."""
    from .args import add_stack_argument

    parser.add_argument("--metadata-store", metavar="URL",
                        help="SQLAlchemy URL (default: $PIPEC_METADATA_STORE, else the metadata_store of the "
                             "active stack when it is local, else the nearest .pipec/metadata.db)")
    add_stack_argument(parser)
    parser.add_argument("--root", metavar="DIR", help=ROOT_HELP)
    sub = parser.add_subparsers(dest=dest, metavar="ACTION")
    sub.required = True
    return sub, store_options()


ROOT_HELP = ("source root whose stacks and .pipec/ to use (default: the nearest folder above the current one "
             "holding pyproject.toml, pipec.toml, .pipec or .zen)")


def store_options() -> argparse.ArgumentParser:
    """`--metadata-store`, `--stack` and `--root` for use after an action (as `pipec stack list --root`);
    SUPPRESS defaults, so that one given before the action is not reset."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--metadata-store", metavar="URL", default=argparse.SUPPRESS,
                        help="SQLAlchemy URL of the metadata store to read")
    common.add_argument("--stack", metavar="NAME", default=argparse.SUPPRESS, help="read this stack's store")
    common.add_argument("--root", metavar="DIR", default=argparse.SUPPRESS, help=ROOT_HELP)
    return common


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
            "inputs": [{"name": name, "position": position, "source": a.source, "artifact": a.name,
                        "version": a.version, "artifact_version_id": a.id, "run_id": a.run_id}
                       for name, position, a in _input_rows(s)],
        } for sid, s in run.steps.items()},
    }


def _input_rows(step: Any) -> list[tuple[str, int | None, Any]]:
    """(argument, list position or None, artifact version) of every input a step run read."""
    return [(name, position, version) for name, value in step.inputs.items()
            for position, version in (enumerate(value) if isinstance(value, list) else [(None, value)])]


def choose_store(args: argparse.Namespace) -> tuple[str, str] | None:
    """``(URL to open, URL to show)`` of the metadata store to read (see the module docstring);
    None when the stack configuration is unusable (reported). The shown URL never holds a
    value expanded from the environment nor a password."""
    from pathlib import Path

    from pipec.runtime.client import ENV_METADATA_STORE, find_default_url
    from pipec.runtime.metadata import default_url
    from pipec.stacks import mask_secrets

    explicit = getattr(args, "metadata_store", None) or os.environ.get(ENV_METADATA_STORE)
    if explicit:
        return explicit, mask_secrets(explicit)
    from pipec.ir.diagnostics import Diagnostics
    from pipec.stacks import local_store, resolve

    from . import args as _common
    from .stack import find_root

    given_root = getattr(args, "root", None)
    diags = Diagnostics()
    if given_root is not None and not Path(given_root).is_dir():
        diags.error("PC002", f"source root `{given_root}` is not a folder")
        _common.report(diags, None, args)
        return None
    root = Path(given_root).resolve() if given_root is not None else find_root(Path.cwd())
    selection = resolve(root, getattr(args, "stack", None), diags)
    url = shown = None
    if selection is not None and selection.stack.is_local:
        url = local_store(selection.stack, "metadata_store", root, diags, expanded=True)
        shown = local_store(selection.stack, "metadata_store", root, Diagnostics())
    if diags.has_errors:
        _common.report(diags, root, args)
        return None
    if url is None:
        url = shown = default_url(root) if given_root is not None else find_default_url()
        stack = selection.stack if selection is not None else None
        if stack is not None and not stack.is_local and stack.metadata_store:
            sys.stderr.write(f"pipec runs: note: stack `{stack.name}` (selected by {selection.reason}) runs on "
                             f"`{stack.target}`; reading the local metadata store (pass --metadata-store URL "
                             "to read another)\n")
    return url, mask_secrets(shown or url)


def _sqlite_file(url: str) -> str | None:
    return url.split(":///", 1)[1] if url.startswith("sqlite:///") else None


def _searched(args: argparse.Namespace) -> bool:
    """Whether the store was found by searching from the current folder (nothing named it)."""
    from pipec.runtime.client import ENV_METADATA_STORE

    return not (getattr(args, "metadata_store", None) or os.environ.get(ENV_METADATA_STORE)
                or getattr(args, "root", None) is not None or getattr(args, "stack", None))


def _not_here() -> str:
    from pipec.runtime.logtail import printable

    return f"no pipec project here (no .pipec/metadata.db in {printable(os.getcwd())} or any folder above it)"


def where_to_look(prog: str, lead: str = "") -> str:
    """The lines naming the stores `pipec run` remembered, and how to read one; `lead` goes first."""
    import shlex
    import time

    from pipec.runtime.logtail import printable
    from pipec.runtime.store_index import known_stores

    known = known_stores()
    if not known:
        return (f"{lead}{_not_here()}, and `pipec run` has recorded no local run on this account; pass "
                "--root DIR (the project's folder) or --metadata-store URL\n")
    lines = [f"{lead}{_not_here()}; recent runs were recorded in:\n"]
    for store in known[:10]:
        when = time.strftime("%Y-%m-%d %H:%M", time.localtime(store.last_used))
        lines.append(f"  {printable(store.root)}  (last run {printable(store.last_run)}, {when})\n")
    lines.append(f"use `{prog} --root DIR`, e.g. `{prog} --root {printable(shlex.quote(known[0].root))}`\n")
    return "".join(lines)


def find_known_run(ref: str, *, exclude: str | None = None) -> Any | None:
    """The remembered store (:mod:`pipec.runtime.store_index`) holding run `ref` (an id, else the
    newest run of a pipeline of that name), skipping the SQLite file `exclude`; None if none does."""
    from pipec.runtime import metadata as md
    from pipec.runtime.store_index import known_stores

    best = None
    for store in known_stores():
        if exclude is not None and os.path.abspath(exclude) == store.path:
            continue
        try:
            meta = md.MetadataStore(store.url)
        except Exception:  # an unreadable file is not where the run is
            continue
        try:
            record = meta.get_run(ref) or next(iter(meta.list_runs(ref, limit=1)), None)
        except Exception:
            record = None
        finally:
            meta.close()
        if record is not None and (best is None or (record.id == ref, record.started_at) > best[0]):
            best = ((record.id == ref, record.started_at), store)
    return best[1] if best is not None else None


def _chosen_store(args: argparse.Namespace) -> tuple[str, str, str | None, bool] | None:
    """``(url, shown url, SQLite file or None, whether that file is absent)`` of the store the options
    choose; None (the error printed) when none can be chosen."""
    chosen = choose_store(args)
    if chosen is None:
        return None
    url, shown = chosen
    sqlite_file = _sqlite_file(url)
    return url, shown, sqlite_file, bool(sqlite_file) and not os.path.exists(sqlite_file)


def locate_run(args: argparse.Namespace, ref: str, prog: str) -> tuple[Any, Any, str] | int:
    """``(Client, PipelineRun, shown store)`` for run `ref` in the store the options choose (or,
    when the current folder is in no project, in a remembered store); else the exit code, the
    error printed."""
    import shlex

    from pipec.runtime.client import Client
    from pipec.runtime.logtail import printable

    store = _chosen_store(args)
    if store is None:
        return EXIT_USER_ERROR
    url, shown, sqlite_file, absent = store
    if absent:
        where = _sqlite_file(shown) or shown
        known = find_known_run(ref) if _searched(args) else None
        if known is None:
            sys.stderr.write(f"{prog}: error: no metadata store at {printable(where)}\n")
            if _searched(args):
                sys.stderr.write("".join(f"note: {line}" if i == 0 else line for i, line in
                                         enumerate(where_to_look("pipec runs list").splitlines(True))))
            return EXIT_USER_ERROR
        sys.stderr.write(f"{prog}: note: no pipec project here; reading {printable(known.path)}, which holds "
                         f"{printable(ref)!r} (next time: --root {printable(shlex.quote(known.root))})\n")
        url = shown = known.url
    client = Client(url)
    try:
        return client, client.get_pipeline_run(ref), shown
    except KeyError:
        client.close()
    sys.stderr.write(f"{prog}: error: no pipeline run or pipeline named {printable(ref)!r} in {printable(shown)}\n")
    elsewhere = find_known_run(ref, exclude=sqlite_file)
    if elsewhere is not None:
        sys.stderr.write(f"help: it is in {printable(elsewhere.path)}: add --root {printable(shlex.quote(elsewhere.root))}\n")
    return EXIT_USER_ERROR


def run(args: argparse.Namespace) -> int:
    """List or show runs."""
    if args.runs_command == "show":
        return _show(args)
    from pipec.runtime.client import Client

    store = _chosen_store(args)
    if store is None:
        return EXIT_USER_ERROR
    url, shown, _, absent = store
    if absent:
        # Do not create an empty database just to list nothing.
        if _searched(args):
            hint = where_to_look("pipec runs list", "no runs: ")
            if args.json:
                sys.stdout.write("[]\n")
                sys.stderr.write(hint)
            else:
                sys.stdout.write(hint)
            return EXIT_OK
        where = _sqlite_file(shown) or shown
        sys.stdout.write("[]\n" if args.json else f"no runs (no metadata store at {where})\n")
        return EXIT_OK
    client = Client(url)
    try:
        runs = client.list_pipeline_runs(args.pipeline, limit=args.limit)
        if args.json:
            sys.stdout.write(json.dumps([{"id": r.id, "pipeline": r.pipeline_name, "status": r.status,
                                          "start_time": _iso(r.start_time), "end_time": _iso(r.end_time)}
                                         for r in runs], indent=2) + "\n")
        elif not runs:
            sys.stdout.write(f"no runs in {shown}\n")
        else:
            rows = [("RUN", "PIPELINE", "STATUS", "STARTED", "DURATION", "STEPS")]
            rows += [(r.id, r.pipeline_name, r.status, _iso(r.start_time) or "",
                      _duration(r.start_time, r.end_time), str(len(r.steps))) for r in runs]
            sys.stdout.write(_table(rows))
        return EXIT_OK
    finally:
        client.close()


def _show(args: argparse.Namespace) -> int:
    located = locate_run(args, args.run, "pipec runs")
    if isinstance(located, int):
        return located
    client, found, _ = located
    try:
        from pipec.runtime.models import run_model_versions

        versions = run_model_versions(client.store, found.id)
        if args.json:
            data = run_to_json(found)
            if versions:
                data["model_versions"] = [{"model": v.model, "number": v.number, "name": v.name, "stage": v.stage}
                                          for v in versions]
            sys.stdout.write(json.dumps(data, indent=2, sort_keys=True) + "\n")
            return EXIT_OK
        out = [f"run {found.id}  pipeline {found.pipeline_name}  {found.status}  "
               f"started {_iso(found.start_time)}  {_duration(found.start_time, found.end_time)}\n"]
        out += [f"  model {v.model} version {v.number}" + (f" ({v.name})" if v.name != str(v.number) else "")
                + (f" [{v.stage}]" if v.stage else "") + "\n" for v in versions]
        for key, value in found.run_metadata.items():
            out.append(f"  {key}: {json.dumps(value)}\n")
        rows = [("STEP", "STATUS", "ATTEMPTS", "DURATION", "OUTPUTS")]
        for sid, s in found.steps.items():
            outputs = ", ".join(f"{n} ({a.materializer})" for n, a in s.outputs.items())
            rows.append((sid, s.status, str(s.attempts), _duration(s.start_time, s.end_time),
                         outputs or (s.error or "")))
        out.append("\n" + _table(rows))
        lineage = [(f"{sid}.{name}" + (f"[{position}]" if position is not None else ""), f"{a.name} v{a.version}",
                    a.source or "", a.run_id or "") for sid, s in found.steps.items()
                   for name, position, a in _input_rows(s)]
        if lineage:
            out.append("\n" + _table([("INPUT", "ARTIFACT", "SOURCE", "MADE BY RUN"), *lineage]))
        sys.stdout.write("".join(out))
        return EXIT_OK
    finally:
        client.close()
