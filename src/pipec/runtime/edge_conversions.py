"""Loading a step input as the type its annotation asks for, as ZenML's materializers do.

ZenML loads an artifact with the producer's materializer and passes it the consumer's
annotation (``load(data_type)``); for the pairs listed in :mod:`pipec.ir.materializer_bridges`
that materializer builds the requested type from the stored one. pipec's materializers are
chosen by the producer's type alone, so the shim converts those pairs after loading.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

from pipec.ir.materializer_bridges import bridge

__all__ = ["EdgeConversionError", "as_annotated", "CONVERSIONS"]


class EdgeConversionError(Exception):
    """A loaded input cannot become the type its annotation asks for (ZenML's load fails too)."""


def _series_to_frame(value: Any) -> Any:
    return value.to_frame(name="series")  # the column name ZenML's PandasMaterializer.save gives


def _frame_to_series(value: Any) -> Any:
    if len(value.columns) != 1:
        raise EdgeConversionError(f"a DataFrame with {len(value.columns)} columns cannot be loaded as a "
                                  "Series (ZenML's PandasMaterializer asserts one column)")
    return value[value.columns[0]]


#: (stored static type, requested static type) -> conversion; one per bridge (a test keeps them equal).
CONVERSIONS: dict[tuple[str, str], Callable[[Any], Any]] = {
    ("pandas.Series", "pandas.DataFrame"): _series_to_frame,
    ("pandas.DataFrame", "pandas.Series"): _frame_to_series,
}


def _static_name(cls: type) -> str:
    """The static type string of a class as the compiler writes it (`pandas.Series`)."""
    return f"{cls.__module__.partition('.')[0]}.{cls.__qualname__}"


def as_annotated(value: Any, annotation: Any) -> Any:
    """`value` as the class `annotation` when a materializer bridge converts it; else unchanged."""
    if not inspect.isclass(annotation) or isinstance(value, annotation):
        return value
    pair = (_static_name(type(value)), _static_name(annotation))
    convert = CONVERSIONS.get(pair)
    if convert is None or bridge(*pair) is None:
        return value
    return convert(value)
