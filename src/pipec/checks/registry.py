"""The ordered registry of IR checks and the function that runs them.

A check is a small function ``check_x(pipeline, diags) -> None`` that appends
diagnostics for one pipeline. Registration order is run order; the output order
does not depend on it, because :meth:`Diagnostics.sorted` orders what is reported.
"""

from __future__ import annotations

from collections.abc import Callable

from pipec.ir.diagnostics import Diagnostics

from ..ir import Pipeline, Program

#: The signature of a check.
Check = Callable[[Pipeline, Diagnostics], None]

#: Registered checks by name (the function name without its `check_` prefix), in run order.
CHECKS: dict[str, Check] = {}


def register(func: Check) -> Check:
    """Decorator: add `func` to :data:`CHECKS` under its name without the ``check_`` prefix."""
    name = func.__name__.removeprefix("check_")
    if name in CHECKS:
        raise ValueError(f"check {name!r} is registered twice")
    CHECKS[name] = func
    return func


def run_checks(program: Program, diags: Diagnostics) -> None:
    """Run every registered check on every pipeline of `program`, collecting into `diags`."""
    check_pipeline_names(program, diags)
    for pipeline in program.pipelines:
        for check in CHECKS.values():
            check(pipeline, diags)


def check_pipeline_names(program: Program, diags: Diagnostics) -> None:
    """PC211: two pipelines of one compile share a name, which names their artifacts and runs."""
    first: dict[str, Pipeline] = {}
    for pipeline in program.pipelines:
        earlier = first.setdefault(pipeline.name, pipeline)
        if earlier is not pipeline:
            where = f"{earlier.span.path}:{earlier.span.line}:{earlier.span.column}"
            diags.error("PC211", f"pipeline name `{pipeline.name}` is already used by the pipeline at {where}",
                        pipeline.span, help="give each pipeline its own name (`@pipeline(name=...)`); the name "
                                            "names its compiled files and its runs")
