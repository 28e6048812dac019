"""Materializers: how a step output becomes bytes in the artifact store and back.

The materializer of an output is chosen from its *static* type string (the one the
compiler wrote into the IR, e.g. ``"dict[str, float]"`` or ``"pandas.DataFrame"``):

==========================================  ===========  ====================
static type                                 materializer payload
==========================================  ===========  ====================
str, int, float, bool, None, list, dict      ``json``     ``.json``
  (and unions/containers of those; dict
  keys must be str)
pandas.DataFrame                            ``parquet``  ``.parquet`` (pyarrow)
numpy.ndarray                               ``numpy``    ``.npy``
bytes                                       ``bytes``    ``.bin``
anything else                               ``pickle``   ``.pkl`` + a warning
==========================================  ===========  ====================

``Any`` (or a type no materializer claims) is resolved from the value at run time
with the same table. When the value does not fit the static choice (a step
annotated ``-> dict`` returning a dict with int keys) the value decides instead,
with a warning. The name of the materializer actually used is written into the
artifact's commit marker, so readers never guess.

Users register their own with :func:`register`, from the step module (it is
imported before outputs are written and before inputs are read) or through the
``pipec.materializers`` entry-point group, whose objects are registered lazily when
a type or name is otherwise unknown.
"""

from __future__ import annotations

import io
import json
import sys
from collections.abc import Iterable
from typing import Any, BinaryIO

__all__ = [
    "Materializer",
    "MaterializerError",
    "for_type",
    "for_value",
    "get",
    "register",
    "static_name",
]


class MaterializerError(Exception):
    """A value cannot be saved, or an artifact cannot be read, by the chosen materializer."""


class Materializer:
    """Base class: subclass it, set the class attributes and implement the three methods.

    Instances must be stateless: one instance serves every artifact.
    """

    #: Stable name recorded in commit markers and metadata; readers look it up.
    name: str = ""
    #: File extension of the payload, with the dot.
    extension: str = ".bin"
    #: Normalised static type strings this materializer handles (exact match).
    types: tuple[str, ...] = ()
    #: Qualified class names ("module.Class") whose instances it handles when the type is Any.
    value_types: tuple[str, ...] = ()

    def can_save(self, value: Any) -> bool:
        """Whether `value` can be saved faithfully.

        Default: its class (or a base) is in `value_types`; True when `value_types` is empty.
        """
        return not self.value_types or bool(_mro_names(value) & set(self.value_types))

    def save(self, value: Any, out: BinaryIO) -> None:
        """Write `value` to the binary stream `out`."""
        raise NotImplementedError

    def load(self, src: BinaryIO) -> Any:
        """Read a value back from the binary stream `src` (seekable)."""
        raise NotImplementedError


def _qualname(cls: type) -> str:
    module = cls.__module__ or ""
    return cls.__qualname__ if module == "builtins" else f"{module}.{cls.__qualname__}"


def _mro_names(value: Any) -> set[str]:
    return {_qualname(cls) for cls in type(value).__mro__}


# --------------------------------------------------------------------------- built-ins

_JSON_ATOMS = frozenset({"str", "int", "float", "bool", "None"})


def _json_exact(value: Any, depth: int = 0) -> bool:
    """True when JSON round-trips `value` to an equal value of the same shape."""
    if depth > 200:
        return False
    if value is None or isinstance(value, (str, bool, int, float)):
        return True
    if isinstance(value, list):
        return all(_json_exact(item, depth + 1) for item in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and _json_exact(v, depth + 1) for k, v in value.items())
    return False


class JSONMaterializer(Materializer):
    """Plain JSON for str, int, float, bool, None, list and dict with str keys."""

    name = "json"
    extension = ".json"

    def can_save(self, value: Any) -> bool:
        return _json_exact(value)

    def save(self, value: Any, out: BinaryIO) -> None:
        out.write(json.dumps(value, ensure_ascii=False, allow_nan=True).encode("utf-8"))

    def load(self, src: BinaryIO) -> Any:
        return json.loads(src.read().decode("utf-8"))


class ParquetMaterializer(Materializer):
    """pandas DataFrames as Parquet through pyarrow (index and dtypes preserved)."""

    name = "parquet"
    extension = ".parquet"
    types = ("pandas.DataFrame",)
    value_types = ("pandas.DataFrame", "pandas.core.frame.DataFrame")

    def can_save(self, value: Any) -> bool:
        if not _mro_names(value) & set(self.value_types):
            return False
        # Parquet needs string column names; anything else would come back renamed.
        return all(isinstance(col, str) for col in value.columns)

    def save(self, value: Any, out: BinaryIO) -> None:
        value.to_parquet(out, engine="pyarrow")

    def load(self, src: BinaryIO) -> Any:
        import pandas

        return pandas.read_parquet(src, engine="pyarrow")


class NumpyMaterializer(Materializer):
    """numpy arrays as .npy (object arrays are refused: they would need pickle)."""

    name = "numpy"
    extension = ".npy"
    types = ("numpy.ndarray",)
    value_types = ("numpy.ndarray",)

    def can_save(self, value: Any) -> bool:
        return "numpy.ndarray" in _mro_names(value) and not value.dtype.hasobject

    def save(self, value: Any, out: BinaryIO) -> None:
        import numpy

        numpy.save(out, value, allow_pickle=False)

    def load(self, src: BinaryIO) -> Any:
        import numpy

        return numpy.load(io.BytesIO(src.read()), allow_pickle=False)


class BytesMaterializer(Materializer):
    """bytes written as they are."""

    name = "bytes"
    extension = ".bin"
    types = ("bytes",)

    def can_save(self, value: Any) -> bool:
        return type(value) is bytes

    def save(self, value: Any, out: BinaryIO) -> None:
        out.write(value)

    def load(self, src: BinaryIO) -> Any:
        return src.read()


class PickleMaterializer(Materializer):
    """The last resort: pickle (tied to the Python and library versions; warns on write)."""

    name = "pickle"
    extension = ".pkl"

    def can_save(self, value: Any) -> bool:
        return True

    def save(self, value: Any, out: BinaryIO) -> None:
        import pickle

        pickle.dump(value, out, protocol=pickle.HIGHEST_PROTOCOL)

    def load(self, src: BinaryIO) -> Any:
        import pickle

        return pickle.load(src)


JSON = JSONMaterializer()
PARQUET = ParquetMaterializer()
NUMPY = NumpyMaterializer()
BYTES = BytesMaterializer()
PICKLE = PickleMaterializer()

# --------------------------------------------------------------------------- registry

# name -> materializer
_BY_NAME: dict[str, Materializer] = {m.name: m for m in (JSON, PARQUET, NUMPY, BYTES, PICKLE)}
# static type string -> materializer, user registrations first
_BY_TYPE: dict[str, Materializer] = {t: m for m in (PARQUET, NUMPY, BYTES) for t in m.types}
# materializers consulted by value, user registrations first
_BY_VALUE: list[Materializer] = [PARQUET, NUMPY, BYTES]
_entry_points_loaded = False


def register(materializer: Materializer, *, types: Iterable[str] = ()) -> Materializer:
    """Register `materializer` (an instance) for its `types` and `value_types`, plus `types`.

    A later registration of the same name or type wins, so users can override a built-in.
    """
    if not materializer.name:
        raise ValueError("a materializer needs a non-empty `name`")
    _BY_NAME[materializer.name] = materializer
    for type_str in (*materializer.types, *types):
        _BY_TYPE[_normalise(type_str)] = materializer
    if materializer.value_types or type(materializer).can_save is not Materializer.can_save:
        _BY_VALUE.insert(0, materializer)
    return materializer


def _load_entry_points() -> None:
    global _entry_points_loaded
    if _entry_points_loaded:
        return
    _entry_points_loaded = True
    from importlib.metadata import entry_points

    for ep in entry_points(group="pipec.materializers"):
        try:
            obj = ep.load()
            register(obj() if isinstance(obj, type) else obj)
        except Exception as exc:  # a broken plugin must not break every step
            print(f"pipec: warning: materializer entry point {ep.name!r} failed to load: {exc}",
                  file=sys.stderr)


def get(name: str) -> Materializer:
    """The materializer registered as `name`; MaterializerError when there is none."""
    if name not in _BY_NAME:
        _load_entry_points()
    try:
        return _BY_NAME[name]
    except KeyError:
        raise MaterializerError(
            f"no materializer named {name!r} is registered in this process; register it with "
            "pipec.runtime.materializers.register() in the step module or a `pipec.materializers` "
            "entry point") from None


def _normalise(type_str: str) -> str:
    from pipec.ir.types import format_type, parse_type

    return format_type(parse_type(type_str))


def _is_json_type(expr: Any) -> bool:
    from pipec.ir.types import UnionType

    if isinstance(expr, UnionType):
        return all(_is_json_type(member) for member in expr.members)
    if expr.name in _JSON_ATOMS:
        return expr.args is None
    if expr.name == "list":
        return expr.args is None or (len(expr.args) == 1 and _is_json_type(expr.args[0]))
    if expr.name == "dict":
        if expr.args is None:
            return True
        return (len(expr.args) == 2 and str(expr.args[0]) == "str" and _is_json_type(expr.args[1]))
    return False


# Plain type strings decided without parsing (parsing costs an import in every step).
_SIMPLE = {"str": JSON, "int": JSON, "float": JSON, "bool": JSON, "None": JSON, "list": JSON, "dict": JSON}


def for_type(type_str: str) -> Materializer | None:
    """The materializer for a static type string; None when only the value can decide (Any)."""
    if type_str in _BY_TYPE:
        return _BY_TYPE[type_str]
    if type_str in _SIMPLE:
        return _SIMPLE[type_str]
    if type_str in ("Any", ""):
        return None
    from pipec.ir.types import UnionType, parse_type

    expr = parse_type(type_str)
    if str(expr) in _BY_TYPE:
        return _BY_TYPE[str(expr)]
    if _is_json_type(expr):
        return JSON
    # `X | None`: the non-None member decides (None itself is then saved as JSON).
    if isinstance(expr, UnionType):
        rest = [m for m in expr.members if m.name != "None"]
        if len(rest) == 1:
            return for_type(str(rest[0]))
        return None
    if expr.name == "Any":
        return None
    base = _BY_TYPE.get(expr.name)
    if base is not None:  # e.g. numpy.ndarray[...] or a user type with arguments
        return base
    _load_entry_points()
    return _BY_TYPE.get(str(expr)) or _BY_TYPE.get(expr.name)


def for_value(value: Any) -> Materializer:
    """The materializer for a run-time value: registered ones, JSON, then pickle."""
    for materializer in _BY_VALUE:
        if materializer.can_save(value):
            return materializer
    if JSON.can_save(value):
        return JSON
    _load_entry_points()
    for materializer in _BY_VALUE:
        if materializer.can_save(value):
            return materializer
    return PICKLE


def choose(type_str: str, value: Any) -> tuple[Materializer, str | None]:
    """The materializer for saving `value` declared as `type_str`, and a warning or None."""
    static = for_type(type_str)
    if static is not None and static.can_save(value):
        chosen, warning = static, None
    else:
        chosen = for_value(value)
        warning = None
        if static is not None:
            warning = (f"declared type {type_str!r} selects the {static.name!r} materializer, "
                       f"which cannot save this {_qualname(type(value))}; using {chosen.name!r}")
    if chosen is PICKLE:
        pickled = (f"no materializer for {_qualname(type(value))} (declared {type_str!r}); "
                   "falling back to pickle, which ties the artifact to this Python and library "
                   "versions: register a materializer with pipec.runtime.materializers.register()")
        warning = pickled if warning is None else f"{warning}; {pickled}"
    return chosen, warning


def static_name(type_str: str) -> str:
    """The name of the statically chosen materializer, or "dynamic" (part of cache keys)."""
    materializer = for_type(type_str)
    return materializer.name if materializer is not None else "dynamic"
