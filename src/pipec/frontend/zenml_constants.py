"""Literal module-level constants of ZenML (`zenml.constants.DEFAULT_SERVICE_START_STOP_TIMEOUT`).

A project may use one of ZenML's constants as a value (a pipeline parameter's default, a step
argument). Where ZenML is installed, pipec reads the constant from ZenML's source, found as the
integration steps are (:func:`pipec.frontend.integration_steps.zenml_package`: nothing is
imported), when its module assigns it once, at top level, a literal (numbers, strings, None,
booleans, and tuples, lists, dicts and arithmetic of those). Anything else (a value read from an
environment variable, a class, a function) stays a name whose value is unknown while compiling,
and :func:`unknown_value_error` says why.
"""

from __future__ import annotations

import ast
import operator
from functools import lru_cache
from pathlib import Path
from typing import Any

from pipec.compiler import deps

from . import integration_steps
from .interp import EvalError
from .values import ExternalName

#: Binary operators a constant's definition may use.
_BINARY = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv,
           ast.FloorDiv: operator.floordiv, ast.Mod: operator.mod}
#: Marks a name whose value cannot be read statically.
_UNKNOWN = object()


def resolve_external(qual: str) -> Any:
    """What the external name `qual` is for the evaluator: a ZenML integration step, a ZenML
    constant's value, else None (it stays a name)."""
    found = integration_steps.lookup(qual)
    if found is not None:
        return found
    value = zenml_constant(qual)
    return None if value is _UNKNOWN else value


def zenml_constant(qual: str) -> Any:
    """The literal value of ZenML's module constant `qual` (e.g. `zenml.constants.X`), else `_UNKNOWN`."""
    module, _, name = qual.rpartition(".")
    if not module.startswith("zenml") or not name or module.startswith(integration_steps.PREFIX):
        return _UNKNOWN
    package = integration_steps.zenml_package()
    if package is None:
        return _UNKNOWN
    parts = module.split(".")[1:]
    candidates = [package.joinpath(*parts, "__init__.py")]
    if parts:
        candidates.insert(0, package.joinpath(*parts[:-1], parts[-1] + ".py"))
    for path in candidates:
        if deps.is_file(path):
            return _module_constants(path).get(name, _UNKNOWN)
    return _UNKNOWN


@lru_cache(maxsize=32)
def _module_constants(path: Path) -> dict[str, Any]:
    """{name: value} of the literal constants a module assigns once, at top level."""
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    except (OSError, SyntaxError, ValueError):
        return {}
    values: dict[str, Any] = {}
    assigned: dict[str, int] = {}
    for stmt in ast.walk(tree):
        for target in _targets(stmt):
            for node in ast.walk(target):
                if isinstance(node, ast.Name):
                    assigned[node.id] = assigned.get(node.id, 0) + 1
    for stmt in tree.body:
        targets = _targets(stmt)
        value = getattr(stmt, "value", None)
        if len(targets) == 1 and isinstance(targets[0], ast.Name) and value is not None:
            name = targets[0].id
            if assigned.get(name) == 1:
                values[name] = _literal(value, values)
    return {k: v for k, v in values.items() if v is not _UNKNOWN}


def _targets(stmt: ast.AST) -> list[ast.expr]:
    if isinstance(stmt, ast.Assign):
        return stmt.targets
    if isinstance(stmt, (ast.AnnAssign, ast.AugAssign)):
        return [stmt.target]
    if isinstance(stmt, (ast.For, ast.AsyncFor)):
        return [stmt.target]
    if isinstance(stmt, (ast.With, ast.AsyncWith)):
        return [item.optional_vars for item in stmt.items if item.optional_vars is not None]
    if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return [ast.Name(id=stmt.name)]
    if isinstance(stmt, (ast.Import, ast.ImportFrom)):
        return [ast.Name(id=(alias.asname or alias.name).split(".")[0]) for alias in stmt.names]
    return []


def _literal(node: ast.expr, known: dict[str, Any]) -> Any:
    """The value of a literal expression (other constants of the module by name), else `_UNKNOWN`."""
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Name):
        return known.get(node.id, _UNKNOWN)
    if isinstance(node, (ast.Tuple, ast.List)):
        items = [_literal(e, known) for e in node.elts]
        if any(i is _UNKNOWN for i in items):
            return _UNKNOWN
        return tuple(items) if isinstance(node, ast.Tuple) else items
    if isinstance(node, ast.Dict):
        keys = [_literal(k, known) if k is not None else _UNKNOWN for k in node.keys]
        items = [_literal(v, known) for v in node.values]
        if any(i is _UNKNOWN for i in keys + items):
            return _UNKNOWN
        return dict(zip(keys, items, strict=True))
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        operand = _literal(node.operand, known)
        return -operand if isinstance(operand, (int, float)) and not isinstance(operand, bool) else _UNKNOWN
    if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
        left, right = _literal(node.left, known), _literal(node.right, known)
        if not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in (left, right)) \
                and not (isinstance(node.op, ast.Add) and all(isinstance(v, str) for v in (left, right))):
            return _UNKNOWN
        try:
            return _BINARY[type(node.op)](left, right)
        except (ArithmeticError, ValueError):
            return _UNKNOWN
    return _UNKNOWN


def unknown_value_error(value: Any, node: ast.AST, what: str) -> EvalError | None:
    """Why `what` (e.g. "the default of `timeout`") has no known value when `value` is a name from
    outside the project (a ZenML constant without ZenML installed, ...); None for other values."""
    if not isinstance(value, ExternalName):
        return None
    qual = value.qualname
    if qual.startswith("zenml.") and integration_steps.zenml_package() is None:
        return EvalError("PC102", f"{what} is `{qual}`, whose value cannot be known without ZenML installed",
                         node, help="install zenml where pipec runs (pipec reads its source and never imports "
                                    "it), or write the value")
    if qual.startswith("zenml."):
        return EvalError("PC102", f"{what} is `{qual}`, which ZenML's source does not assign a literal value; "
                         "it is only known when ZenML runs", node,
                         help="write the value, or pass it with --param")
    top = qual.split(".")[0]
    return EvalError("PC102", f"{what} is `{qual}`, from `{top}` outside the source root, which pipec never "
                     "imports; its value cannot be known while compiling", node,
                     help=f"write the value, or point --root at the folder that contains `{top}` if it is "
                          "part of your project")
