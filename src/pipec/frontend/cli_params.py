"""`--param NAME=VALUE` names that match no pipeline parameter (PC109), with the best advice.

A mistyped name gets a did-you-mean. A name that is a step's parameter rather than the
pipeline's (always so with ZenML's original API, whose pipelines take steps, not values) is
pointed to the run configuration's ``steps.<id>.parameters``. Otherwise the error lists
what each pipeline declares.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping, Sequence

from pipec.ir.diagnostics import Diagnostics, did_you_mean

from ..ir import LiteralValue, Pipeline, Span

#: Where a command-line problem is reported.
COMMAND_LINE = Span("<command line>", 0, 0)


def check_cli_params(params: Iterable[str], pipelines: Sequence[tuple[Pipeline, bool]], diags: Diagnostics) -> None:
    """PC109 for each name in `params` that no pipeline of `pipelines` (``(pipeline, old_api)``) declares."""
    declared = {p.name for pipe, old_api in pipelines if not old_api for p in pipe.parameters}
    for name in params:
        if name not in declared:
            diags.error("PC109", f"--param `{name}` matches no pipeline parameter", COMMAND_LINE,
                        help=did_you_mean(name, declared) or _step_hint(name, pipelines)
                        or _declared(pipelines))


def _step_parameters(pipe: Pipeline) -> dict[str, str]:
    """Parameter name -> the first step that takes it as a value a run configuration can set:
    fields of old-API parameter classes, and inputs bound to a literal or left to their default."""
    found: dict[str, str] = {}
    for step in pipe.steps:
        bound = {b.name: b.source for b in step.inputs}
        for param in step.signature:
            source = bound.get(param.name)
            if param.kind == "parameters":
                names: Iterable[str] = source.value if isinstance(source, LiteralValue) and isinstance(
                    source.value, Mapping) else ()
            else:
                names = (param.name,) if source is None or isinstance(source, LiteralValue) else ()
            for name in names:
                found.setdefault(name, step.id)
    return found


def _step_hint(name: str, pipelines: Sequence[tuple[Pipeline, bool]]) -> str | None:
    """Advice when `name` is (or is close to) a step's parameter rather than a pipeline's."""
    steps: dict[str, str] = {}
    for pipe, _ in pipelines:
        for param, step_id in _step_parameters(pipe).items():
            steps.setdefault(param, step_id)
    close = [name] if name in steps else difflib.get_close_matches(name, sorted(steps), n=1, cutoff=0.6)
    if not close:
        return None
    found = close[0]
    what = f"`{found}` is a parameter of step `{steps[found]}`" if found == name else \
        f"did you mean `{found}`? It is a parameter of step `{steps[found]}`"
    return (f"{what}, and --param sets pipeline parameters only: set it in a run configuration "
            f"(--config run.yaml) under `steps.{steps[found]}.parameters.{found}`")


def _declared(pipelines: Sequence[tuple[Pipeline, bool]]) -> str:
    """What each pipeline declares, e.g. "`diamond` declares `n`, `factor`"."""
    parts = []
    for pipe, old_api in pipelines:
        if old_api:
            parts.append(f"`{pipe.name}` (ZenML's original API) takes steps, not parameters: set step "
                         "parameters in a run configuration (--config run.yaml) under `steps.<id>.parameters`")
        elif pipe.parameters:
            parts.append(f"`{pipe.name}` declares {', '.join(f'`{p.name}`' for p in pipe.parameters)}")
        else:
            parts.append(f"`{pipe.name}` declares no parameters")
    return "; ".join(parts) or "no pipeline was found"
