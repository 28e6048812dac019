"""The compiler facade: source file in, checked IR and diagnostics out.

Every command that reads a pipeline (`compile`, `inspect`, `graph`, `run`) goes
through :func:`load`, so they all report problems the same way.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from pipec.compiler.roots import ROOT_MARKERS, find_source_root  # noqa: F401  (re-exported)
from pipec.ir import Program
from pipec.ir.diagnostics import Diagnostics

if TYPE_CHECKING:
    from pipec.frontend.pipelines import PipelineCall


#: Check errors that only restate a frontend error when one was reported (the failed step
#: calls made no invocation).
ECHOES = frozenset({"PC210"})


@dataclass
class LoadResult:
    """What :func:`load` produced."""

    # The checked program; pipelines are present even when diagnostics hold errors,
    # but targets must only run when `diagnostics.has_errors` is False.
    program: Program
    # Every diagnostic from every stage.
    diagnostics: Diagnostics
    # The source root that spans are relative to.
    root: Path


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector for a burst of allocation.

    Parsing and compiling build hundreds of thousands of long-lived objects (syntax
    nodes, IR); each collection scans them all again, and none of them is garbage. The previous state is restored afterwards.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def load(
    path: str | Path,
    *,
    root: str | Path | None = None,
    params: Mapping[str, str] | None = None,
    config: str | Path | None = None,
    pipeline: str | None = None,
    checks: bool = True,
    call: PipelineCall | None = None,
) -> LoadResult:
    """Parse `path` statically, build the IR of its pipelines and run every check.

    `params` are raw `--param k=v` strings, coerced to each parameter's declared type.
    `config` is a ZenML-style YAML run configuration. `pipeline` builds only the
    pipeline of that name (its diagnostics alone; see `pipec.frontend.selection`). `call` holds the Python values a running script passed to
    the pipeline (`python run.py`); they take the place of the call read from the source.
    """
    with gc_paused():
        return _load(path, root=root, params=params, config=config, pipeline=pipeline, checks=checks, call=call)


def _load(
    path: str | Path,
    *,
    root: str | Path | None,
    params: Mapping[str, str] | None,
    config: str | Path | None,
    pipeline: str | None,
    checks: bool,
    call: PipelineCall | None = None,
) -> LoadResult:
    from pipec.frontend import build_program

    entry = Path(path)
    diags = Diagnostics()
    src_root = Path(root).resolve() if root is not None else find_source_root(entry)
    program = build_program(entry, src_root, dict(params or {}), Path(config) if config else None, diags,
                            call, only=pipeline)
    if checks:
        from pipec.checks import run_checks

        check_diags = Diagnostics()
        run_checks(program, check_diags)
        # After a frontend error the IR is partial (failed calls made no invocation), so a
        # check's warnings (unused output) and "no steps" would only echo that error.
        frontend_failed = diags.has_errors
        diags.extend(d for d in check_diags if not frontend_failed or (
            d.is_error and d.code not in ECHOES and not (d.code == "PC203" and d.span in diags.unbound_calls)))
    return LoadResult(program, diags, src_root)
