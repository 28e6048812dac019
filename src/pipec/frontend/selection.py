"""`--pipeline NAME`: which of an entry file's pipelines the command builds.

Only the chosen pipeline is built, so the run configuration applies to it alone (as
ZenML's ``with_options(config_path=...)`` does) and the other pipelines' diagnostics
cannot fail the build. NAME is a pipeline's name, its function's name, or, when two
pipelines share a name (an entry script picking one of two modules at run time), the
qualified ``module.function`` or ``module:function``.
"""

from __future__ import annotations

from collections.abc import Sequence

from pipec.ir.diagnostics import Diagnostics, did_you_mean

from ..ir import NO_SPAN
from .stepdefs import PipelineDef


def qualified(pdef: PipelineDef) -> str:
    """`module.function`, the spelling that tells apart pipelines of the same name."""
    return f"{pdef.module}.{pdef.function}"


def select(definitions: Sequence[PipelineDef], only: str, entry: str,
           diags: Diagnostics) -> list[PipelineDef] | None:
    """The definitions `only` names; None (with PC004/PC005 in `diags`) when it names none or several."""
    for matches in ([d for d in definitions if d.name == only],
                    [d for d in definitions if d.function == only],
                    [d for d in definitions if only in (qualified(d), f"{d.module}:{d.function}")],
                    # A running script names its pipeline by the module it imported it as, which
                    # differs from pipec's when the source root does (`src.pipelines.train`).
                    [d for d in definitions if only.endswith(f".{qualified(d)}")
                     or qualified(d).endswith(f".{only}")]):
        if len(matches) == 1:
            return matches
        if matches:
            diags.error("PC005", f"several pipelines in {entry} are called `{only}`: "
                        + ", ".join(f"`{qualified(d)}`" for d in matches), NO_SPAN,
                        help=f"choose one by module: --pipeline {qualified(matches[0])}")
            return None
    names = list(dict.fromkeys(d.name for d in definitions))
    diags.error("PC004", f"no pipeline named `{only}` in {entry}"
                + (f" (found: {', '.join(names)})" if names else ""), NO_SPAN,
                help=did_you_mean(only, names))
    return None

