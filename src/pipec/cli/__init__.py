"""Subcommands of `pipec`, one module each.

A command module exposes ``add_arguments(parser)`` and ``run(args) -> int`` and keeps
its module-level imports light (no networkx or jinja2): heavy work is
imported inside ``run``. The CLI imports a command's module only when that command
is used, so `pipec --help` never loads any of them.

To add a command (e.g. the runtime's `run`, `runs`, `stack`), add one entry to
:data:`COMMANDS`; the order here is the order `pipec --help` lists them in.
"""

from __future__ import annotations

#: Command name -> (module path, one-line summary shown by `pipec --help`).
COMMANDS: dict[str, tuple[str, str]] = {
    "compile": ("pipec.cli.compile", "compile pipelines into artifacts for one or more targets"),
    "inspect": ("pipec.cli.inspect", "print the checked IR of a pipeline module"),
    "graph": ("pipec.cli.graph", "draw the step graph as Mermaid or Graphviz DOT"),
    "targets": ("pipec.cli.targets", "list the registered targets (origin, options) and ZenML's orchestrator flavors"),
    "submit": ("pipec.cli.submit", "compile for an engine, deploy and start a run there"),
    "run": ("pipec.cli.run", "run a pipeline on this machine, steps in parallel subprocesses"),
    "runs": ("pipec.cli.runs", "list past runs, or show one run's steps and outputs"),
    "models": ("pipec.cli.models", "list models, or show a model's versions, artifacts and runs"),
    "logs": ("pipec.cli.logs", "print a step's log of a local run; --follow keeps printing"),
    "stack": ("pipec.cli.stack", "list, describe and choose stacks (target, image, stores, options)"),
    "build": ("pipec.cli.build", "write each pipeline image's Dockerfile; build and push it with Docker"),
}
