"""Pure standard-library calls the evaluator runs while compiling.

Only functions whose result depends on their arguments alone: building and joining paths
(`pathlib.Path("out") / "f.json"`, `.name`, `.stem`, `.suffix`, `.parent`, `str()`;
`os.path.join`, `basename`, `dirname`, `splitext`, `split`) and `itertools.product`, `chain`,
`combinations`. A path is a :class:`StaticPath` (a POSIX path, as in the container the step
runs in) and its JSON form is its string. Anything that reads the file system (`exists()`,
`resolve()`, `expanduser()`, `Path.cwd()`, ...) stays an error.
"""

from __future__ import annotations

import ast
import itertools
import math
import posixpath
from pathlib import PurePath, PurePosixPath
from typing import TYPE_CHECKING, Any

from .interp import EvalError
from .interp.safe_calls import MAX_SEQUENCE
from .values import BoundMethod, ExternalName, PoisonSignal

if TYPE_CHECKING:
    from .interp import Interpreter

#: Classes of `pathlib` whose construction is pure (a concrete `Path` only touches the disk in methods).
PATH_CLASSES = frozenset({"pathlib.Path", "pathlib.PurePath", "pathlib.PurePosixPath", "pathlib.PosixPath"})
#: `os.path` functions that only compute on strings.
OS_PATH = {"os.path.join": posixpath.join, "os.path.basename": posixpath.basename,
           "os.path.dirname": posixpath.dirname, "os.path.splitext": posixpath.splitext,
           "os.path.split": posixpath.split}
#: `itertools` functions (their size is checked before they are built).
ITERTOOLS = {"itertools.product", "itertools.chain", "itertools.chain.from_iterable", "itertools.combinations"}
#: Every pure call by qualified name.
PURE_CALLS = PATH_CLASSES | set(OS_PATH) | ITERTOOLS
#: Path attributes that are values.
PATH_PROPERTIES = frozenset({"name", "stem", "suffix", "suffixes", "parent", "parts", "anchor", "root"})
#: Path methods that compute a new value from the path alone.
PATH_METHODS = frozenset({"with_name", "with_suffix", "with_stem", "joinpath", "as_posix", "is_absolute",
                          "relative_to", "is_relative_to", "match"})


class StaticPath(PurePosixPath):
    """A `pathlib` path known while compiling: the pure part of `Path` (no file-system access)."""

    def static_attribute(self, ev: Any, attr: str, node: ast.AST) -> Any:
        """`path.name`, `path.parent`, `path.with_suffix`, ...; file-system methods are errors."""
        if attr in PATH_PROPERTIES:
            return getattr(self, attr)
        if attr in PATH_METHODS:
            return BoundMethod(self, attr)
        raise EvalError("PC102", f"`Path.{attr}` cannot be evaluated while compiling: only the pure parts of "
                        "a path (`/`, `.name`, `.stem`, `.suffix`, `.parent`, `str()`, `.with_suffix()`, ...) "
                        "are, never what reads the file system", node,
                        help="do this inside a step, or pass the path as a string")


def pure_call(ev: Interpreter, qual: str, args: list, kwargs: dict, node: ast.Call) -> Any:
    """The value of the pure standard-library call `qual(*args, **kwargs)`."""
    if qual in ITERTOOLS:
        return _itertools(ev, qual, args, kwargs, node)
    args = [ev.concrete(a, node) for a in args]
    kwargs = {k: ev.concrete(v, node) for k, v in kwargs.items()}
    try:
        if qual in PATH_CLASSES:
            return StaticPath(*args, **kwargs)
        result = OS_PATH[qual](*args, **kwargs)
    except (TypeError, ValueError) as exc:
        raise EvalError("PC102", f"`{qual}()` fails at compile time: {type(exc).__name__}: {exc}", node) from None
    return list(result) if isinstance(result, tuple) else result


def _itertools(ev: Interpreter, qual: str, args: list, kwargs: dict, node: ast.Call) -> list:
    """`itertools.product/chain/combinations` as a list (the items may be step outputs)."""
    if qual == "itertools.chain.from_iterable":
        if len(args) != 1 or kwargs:
            raise EvalError("PC102", "`itertools.chain.from_iterable()` takes one iterable", node)
        return _itertools(ev, "itertools.chain", ev.iterate(args[0], node), {}, node)
    options = {k: ev.concrete(v, node) for k, v in kwargs.items()}
    if qual == "itertools.combinations":
        if len(args) == 2 and "r" not in options:
            options["r"] = ev.concrete(args[1], node)
            args = args[:1]
        r = options.pop("r", None)
        if options or len(args) != 1 or not isinstance(r, int) or isinstance(r, bool) or r < 0:
            raise EvalError("PC102", "`itertools.combinations()` takes an iterable and a length", node)
        pool = ev.iterate(args[0], node)
        return _bounded(qual, math.comb(len(pool), r), lambda: itertools.combinations(pool, r), node)
    pools = [ev.iterate(a, node) for a in args]
    if qual == "itertools.chain":
        if options:
            raise EvalError("PC102", "`itertools.chain()` takes no keyword arguments", node)
        return _bounded(qual, sum(len(p) for p in pools), lambda: itertools.chain(*pools), node)
    repeat = options.pop("repeat", 1)
    if options or not isinstance(repeat, int) or isinstance(repeat, bool) or repeat < 0:
        raise EvalError("PC102", "`itertools.product()` takes iterables and `repeat=` (a number)", node)
    size = math.prod(len(p) for p in pools) ** repeat
    return _bounded(qual, size, lambda: itertools.product(*pools, repeat=repeat), node)


def _bounded(qual: str, size: int, items: Any, node: ast.Call) -> list:
    """`items()` as a list, unless `size` is too many to unroll."""
    if size > MAX_SEQUENCE:
        raise EvalError("PC114", f"`{qual}()` gives {size:,} items, too many to unroll at compile time", node)
    return list(items())


def path_parameter(ev: Interpreter, annotation: ast.expr | None, value: Any) -> Any:
    """A known pipeline-parameter string `value` as a path when the parameter is annotated `Path`
    (ZenML hands the body the validated `Path`), else `value`."""
    if annotation is None or not isinstance(value, str):
        return value
    try:
        cls = ev.eval(annotation)
    except (EvalError, PoisonSignal):
        return value
    if isinstance(cls, ExternalName) and cls.qualname in PATH_CLASSES:
        return StaticPath(value)
    return value


def path_text(value: Any) -> str | None:
    """The JSON form of a path (its string), or None when `value` is not a path."""
    return str(value) if isinstance(value, PurePath) else None
