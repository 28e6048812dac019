"""`pipec models list [--json]` and `pipec models show NAME [--version V] [--json]`.

ZenML's Model Control Plane as pipec's metadata store holds it: the models, their numbered
versions (with a name and a stage), the artifacts linked to each version and the runs that
used it. V is a version name, a number, ``latest`` or a stage (``staging``, ``production``,
``archived``). The store is chosen as `pipec runs` chooses it (``--metadata-store``, the
stack's, else the nearest ``.pipec/metadata.db``). An unknown model or version exits 2 with
a message naming what there is.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from .exits import EXIT_OK, EXIT_USER_ERROR

HELP = "list models, or show a model's versions, or one version's artifacts and runs"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of `pipec models`."""
    from .runs import store_arguments

    sub, common = store_arguments(parser, "models_command")
    lister = sub.add_parser("list", parents=[common], help="list models")
    lister.add_argument("--json", action="store_true", help="print JSON")
    show = sub.add_parser("show", parents=[common], help="show a model's versions, or one version")
    show.add_argument("model", metavar="NAME", help="model name")
    show.add_argument("--version", metavar="V", help="a version name, number, latest or a stage")
    show.add_argument("--json", action="store_true", help="print JSON")


def run(args: argparse.Namespace) -> int:
    """List or show models."""
    import os

    from pipec.runtime.client import Client
    from pipec.runtime.logtail import printable

    from .runs import choose_store

    chosen = choose_store(args)
    if chosen is None:
        return EXIT_USER_ERROR
    url, shown = chosen
    if url.startswith("sqlite:///") and not os.path.exists(url.split(":///", 1)[1]):
        if args.models_command == "list":  # do not create an empty database just to list nothing
            sys.stdout.write("[]\n" if args.json else f"no models (no metadata store at {printable(shown)})\n")
            return EXIT_OK
        sys.stderr.write(f"pipec models: error: no metadata store at {printable(shown)}\n")
        return EXIT_USER_ERROR
    client = Client(url)
    try:
        if args.models_command == "list":
            return _list(client, args.json)
        try:
            model = client.get_model(args.model)
            if args.version is None:
                return _show_model(model, args.json)
            return _show_version(model.get_model_version(args.version), args.json)
        except KeyError as exc:
            sys.stderr.write(f"pipec models: error: {printable(exc.args[0])}\n")
            return EXIT_USER_ERROR
    finally:
        client.close()


def _list(client: Any, as_json: bool) -> int:
    models = client.list_models()
    rows = []
    for model in models:
        versions = model.versions
        stages = {v.stage: v.name for v in versions if v.stage}
        rows.append({"name": model.name, "versions": len(versions),
                     "latest": versions[-1].name if versions else None,
                     "production": stages.get("production"), "staging": stages.get("staging"),
                     "license": model.license, "tags": list(model.tags)})
    if as_json:
        sys.stdout.write(json.dumps(rows, indent=2) + "\n")
    elif not rows:
        sys.stdout.write("no models\n")
    else:
        _table([("MODEL", "VERSIONS", "LATEST", "PRODUCTION", "STAGING", "LICENSE", "TAGS")]
               + [(r["name"], str(r["versions"]), r["latest"] or "", r["production"] or "", r["staging"] or "",
                   r["license"] or "", ", ".join(r["tags"])) for r in rows])
    return EXIT_OK


def _version_json(version: Any) -> dict[str, Any]:
    return {"number": version.number, "name": version.name, "stage": version.stage,
            "description": version.description, "tags": list(version.tags),
            "created": version.created.isoformat(timespec="seconds")}


def _show_model(model: Any, as_json: bool) -> int:
    versions = model.versions
    if as_json:
        data = {"name": model.name, "license": model.license, "description": model.description, **model.fields,
                "tags": list(model.tags), "versions": [_version_json(v) for v in versions]}
        sys.stdout.write(json.dumps(data, indent=2) + "\n")
        return EXIT_OK
    out = [f"model {model.name}\n"]
    for key, value in (("license", model.license), ("description", model.description), *model.fields.items()):
        if value:
            out.append(f"  {key}: {value}\n")
    if model.tags:
        out.append(f"  tags: {', '.join(model.tags)}\n")
    sys.stdout.write("".join(out) + "\n")
    if not versions:
        sys.stdout.write("no versions\n")
        return EXIT_OK
    _table([("VERSION", "NAME", "STAGE", "CREATED", "ARTIFACTS", "RUNS")]
           + [(str(v.number), v.name, v.stage or "", v.created.isoformat(timespec="seconds"),
               str(len(v.artifacts)), str(len(v.runs))) for v in versions])
    return EXIT_OK


def _show_version(version: Any, as_json: bool) -> int:
    artifacts, runs = version.artifacts, version.runs
    if as_json:
        data = {"model": version.model_name, **_version_json(version), "runs": runs,
                "artifacts": {name: {"version": a.version, "kind": a.kind, "run": a.run_id, "type": a.type,
                                     "uri": a.uri} for name, a in artifacts.items()}}
        sys.stdout.write(json.dumps(data, indent=2) + "\n")
        return EXIT_OK
    sys.stdout.write(f"model {version.model_name}  version {version.number} ({version.name})"
                     + (f"  stage {version.stage}" if version.stage else "") + "\n\n")
    if artifacts:
        _table([("ARTIFACT", "VERSION", "KIND", "TYPE", "RUN")]
               + [(name, str(a.version), a.kind, a.type, a.run_id or "") for name, a in artifacts.items()])
    else:
        sys.stdout.write("no linked artifacts\n")
    sys.stdout.write("\nruns: " + (", ".join(runs) or "none") + "\n")
    return EXIT_OK


def _table(rows: list[tuple[str, ...]]) -> None:
    from .runs import _table as table_text

    sys.stdout.write(table_text(rows))
