"""Step-to-step edges whose types differ but that one ZenML materializer carries.

ZenML never compares a producer's output type with the consumer's input annotation: the
consumer loads the stored artifact with the producer's materializer, which accepts the load
when the requested type is a subclass of one of its ``ASSOCIATED_TYPES``
(``BaseMaterializer.validate_load_type_compatibility``) and then builds the requested type in
``load(data_type)``. So an edge between two associated types of one materializer runs.

The table is read from ZenML 0.98's sources, not guessed:

=====================  =====================  ==============================================
producer type          consumer type          ZenML (materializer, what ``load`` returns)
=====================  =====================  ==============================================
pandas.Series          pandas.DataFrame       ``integrations/pandas/materializers/
                                              pandas_materializer.py``: ``save`` stores a
                                              Series as ``to_frame(name="series")``;
                                              ``load(DataFrame)`` returns that one-column frame
pandas.DataFrame       pandas.Series          same file: ``load(Series)`` asserts one column
                                              and returns it
=====================  =====================  ==============================================

Only pairs ``pipec run`` honours the same way are listed (``pipec.runtime.edge_conversions``
converts them). ``PolarsMaterializer`` (``pl.DataFrame``, ``pl.Series``) also has two associated
types, but its ``load`` ignores the requested type and returns what was stored; it is not
listed, so such an edge stays a PC206 error.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Bridge", "bridge"]


@dataclass(frozen=True)
class Bridge:
    """How ZenML loads an artifact of one type for an input annotated with another."""

    #: The ZenML materializer that stores the producer's type and loads the consumer's.
    materializer: str
    #: What the consumer receives, for a diagnostic's hint.
    loads: str
    #: When the load fails at run time; "" when it never does.
    fails_when: str = ""


_BRIDGES: dict[tuple[str, str], Bridge] = {
    ("pandas.Series", "pandas.DataFrame"): Bridge(
        "PandasMaterializer", "a stored Series as a DataFrame (one column named `series`)"),
    ("pandas.DataFrame", "pandas.Series"): Bridge(
        "PandasMaterializer", "a stored DataFrame as a Series (its one column)",
        fails_when="the DataFrame has more than one column"),
}


def bridge(produced: str, expected: str) -> Bridge | None:
    """The materializer bridge from static type `produced` to `expected`, None when there is none."""
    return _BRIDGES.get((produced, expected))
