"""Which of an entry script's run-time-chosen pipelines a run configuration is written for.

A script that imports one of several pipelines inside `main()` picks it from its command line
(`--training-pipeline`, `--deploy`, ...), which pipec cannot see. The run configuration given
with `--config` usually can: its `parameters:` and `steps:` belong to one pipeline only. When
exactly one candidate declares every parameter and invokes every step the configuration names,
that candidate is compiled (with a warning saying so); otherwise `--pipeline` must choose.
"""

from __future__ import annotations

from pathlib import Path

from pipec.ir.diagnostics import Diagnostics

from .modules import ModuleIndex
from .run_config import load_run_config
from .stepdefs import PipelineDef


def fitting(definitions: list[PipelineDef], config: Path, options, index: ModuleIndex) -> list[PipelineDef]:
    """The definitions whose parameters and step ids cover what `config` configures (all of them
    when the configuration names neither parameters nor steps)."""
    from .pipelines import build_pipeline

    parsed = load_run_config(config, str(config), Diagnostics())
    if parsed is None:
        return definitions
    parameters = parsed.data.get("parameters")
    steps = parsed.data.get("steps")
    named_parameters = set(parameters) if isinstance(parameters, dict) else set()
    named_steps = set(steps) if isinstance(steps, dict) else set()
    if not named_parameters and not named_steps:
        return definitions
    fits = []
    for pdef in definitions:
        if not named_parameters <= {p.name for p in pdef.params}:
            continue
        quiet = Diagnostics()  # only the ids matter here; the chosen pipeline is built again, loudly
        built = build_pipeline(pdef, None, options, index, quiet)
        if named_steps <= {step.id for step in built.steps}:
            fits.append(pdef)
    return fits
