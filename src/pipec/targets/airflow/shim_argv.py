"""The shim call in a DAG: items as text and run-time markers, split into shared and own options.

Each argv item becomes :data:`Parts`: literal text and :class:`Marker` s for the values only
known at run time (the run id, a parameter, local mode's Python). Each operator mode then
writes a marker as what its engine evaluates: a Jinja expression in a container mode, a
``"$VARIABLE"`` in local mode.

Airflow compiles a DAG file on its first parse, so the options every step passes with the
same value (flags whose scope is the pipeline's or the module's, see
`pipec.runtime.shim_flags`) are written once as module-level constants (``SHIM_ARGS``, local
mode's ``SHIM_COMMAND``) and each task adds its own options.
"""

from __future__ import annotations

from dataclasses import dataclass

from pipec.runtime.command import EngineText, Rendered, ShimCall, render
from pipec.runtime.shim_flags import BY_NAME, MODULE, PIPELINE


@dataclass(frozen=True)
class Marker:
    """A value only known at run time: ``run-id``, ``python`` or ``param:NAME``."""

    #: Which value.
    name: str


#: One argv item: literal text and markers, in order.
Parts = tuple[str | Marker, ...]


class AirflowParts(EngineText[Parts]):
    """Renders a shim call as :data:`Parts` items."""

    def literal(self, text: str) -> Parts:
        """The text (nothing for an empty one)."""
        return (text,) if text else ()

    def run_id(self) -> Parts:
        """The run id's marker."""
        return (Marker("run-id"),)

    def param(self, name: str, encoding: str) -> Parts:
        """The parameter's marker (always JSON: the DAG passes ``params[...] | tojson``)."""
        return (Marker(f"param:{name}"),)

    def worker_python(self) -> Parts:
        """Local mode's worker Python."""
        return (Marker("python"),)

    def concat(self, parts: list[Parts]) -> Parts:
        """The parts in order."""
        return tuple(part for item in parts for part in item)


@dataclass(frozen=True)
class Argv:
    """One step's shim argv in three parts."""

    #: ``python -m pipec.runtime run-step`` (the same in every step).
    head: list[Parts]
    #: The options of the shared flags, one list of items per option (the same in every step).
    common: list[list[Parts]]
    #: The step's own options, one list of items per option.
    own: list[list[Parts]]

    def markers(self) -> set[str]:
        """Names of the markers anywhere in the argv."""
        items = self.head + [item for option in self.common + self.own for item in option]
        return {part.name for item in items for part in item if isinstance(part, Marker)}


def shared_flags(calls: list[ShimCall]) -> tuple[str, ...]:
    """The flags of pipeline or module scope that every call passes once, with the same value."""
    values = [{option.flag: option.value for option in call.options
               if option.scope in (PIPELINE, MODULE) and not BY_NAME[option.flag].repeatable} for call in calls]
    if not values:
        return ()
    return tuple(flag for flag, value in values[0].items() if all(v.get(flag) == value for v in values[1:]))


def split_argv(call: ShimCall, shared: tuple[str, ...]) -> Argv:
    """`call` as :data:`Parts`: its head, the options of the `shared` flags and the rest."""
    rendered: Rendered[Parts] = render(call, AirflowParts())
    common = [items for option, items in rendered.options if option.flag in shared]
    own = [items for option, items in rendered.options if option.flag not in shared]
    return Argv(rendered.entrypoint, common, own)
