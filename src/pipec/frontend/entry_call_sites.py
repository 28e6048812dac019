"""The values an entry script passes to its own functions: `main("batch_2")` under `__main__`.

A run script often wraps its pipeline call in a function and calls that function once at the
bottom (`if __name__ == "__main__": run(batch_tag="b2")`); running the script runs the pipeline
with exactly those values. The run-call scanner binds a function's parameters from its call
sites when every site agrees: a call at module level is evaluated in the module's scope; a call
inside another function only counts when its arguments are literals (its local names are not
known here). Anything else leaves the parameter to `entry_functions`, which says why it is
only known when the script runs.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

_Def = ast.FunctionDef | ast.AsyncFunctionDef
_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)


@dataclass(frozen=True)
class CallSite:
    """One call of a module-level function by its bare name."""

    #: The call expression.
    call: ast.Call
    #: True when the call is in module-level code (not inside a function, lambda or class).
    module_level: bool


def call_sites(tree: ast.Module) -> dict[str, list[CallSite]]:
    """Calls of the module's own top-level functions, by function name, in source order."""
    names = {stmt.name for stmt in tree.body if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef))}
    found: dict[str, list[CallSite]] = {}
    # An explicit stack, not recursion: a module may nest expressions thousands deep.
    stack: list[tuple[ast.AST, bool]] = [(tree, True)]
    while stack:
        node, module_level = stack.pop()
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.Call) and isinstance(child.func, ast.Name) and child.func.id in names:
                found.setdefault(child.func.id, []).append(CallSite(child, module_level))
            stack.append((child, module_level and not isinstance(child, _SCOPES)))
    for sites in found.values():  # source order
        sites.sort(key=lambda site: (site.call.lineno, site.call.col_offset))
    return found


#: A parameter's value from the call sites: absent when the sites do not give one.
Bound = dict[str, Any]


def bind_from_call_sites(func: _Def, sites: list[CallSite], evaluate: Callable[[ast.expr], Any]) -> Bound:
    """``{parameter: value}`` the call sites of `func` agree on; `evaluate` computes a module-level
    argument (raising to mean "unknown"). A parameter any site leaves out, unpacks or passes a
    value pipec cannot know, or two sites pass different values, is left out."""
    own = [site for site in sites if not _inside(func, site.call)]
    if not own:
        return {}
    per_site = [_site_values(func, site, evaluate) for site in own]
    agreed: Bound = {}
    for name in per_site[0]:
        values = [values.get(name, _MISSING) for values in per_site]
        if all(value is not _MISSING for value in values) and all(_same(values[0], v) for v in values[1:]):
            agreed[name] = values[0]
    return agreed


_MISSING = object()


def _inside(func: _Def, call: ast.Call) -> bool:
    """True for a recursive call (the site is in `func`'s own body)."""
    return any(node is call for node in ast.walk(func))


def _site_values(func: _Def, site: CallSite, evaluate: Callable[[ast.expr], Any]) -> Bound:
    call = site.call
    if any(isinstance(arg, ast.Starred) for arg in call.args) or any(kw.arg is None for kw in call.keywords):
        return {}
    positional = [*func.args.posonlyargs, *func.args.args]
    if len(call.args) > len(positional):
        return {}
    passed = [(param.arg, arg) for param, arg in zip(positional, call.args, strict=False)]
    passed += [(kw.arg, kw.value) for kw in call.keywords if kw.arg is not None]
    values: Bound = {}
    for name, expr in passed:
        try:
            values[name] = evaluate(expr) if site.module_level else ast.literal_eval(expr)
        except Exception:  # noqa: BLE001 - any failure means "only the running script knows"
            continue
    return values


def _same(a: Any, b: Any) -> bool:
    try:
        return type(a) is type(b) and bool(a == b)
    except Exception:  # noqa: BLE001 - values without a usable == are not "the same"
        return False
