"""The functions of an entry script, as the run-call scanner (`pipelines.RunScanner`) reads them.

Run scripts call their pipelines from functions: `def main():`, `@click.command() def main(...)`.
The scanner walks into every function except step and pipeline definitions, gives each one its
own scope, binds its parameters from the calls the script makes of it (`entry_call_sites`),
evaluates its simple assignments (`url = "https://..."`), and marks what only the running
script knows: parameters of a command-line function, parameters without a default,
values pipec cannot compute. Using such a name says why, instead of "is not defined".
"""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING, Any

from pipec.ir.diagnostics import Diagnostics

from . import known
from .calls import Evaluator
from .entry_call_sites import bind_from_call_sites
from .interp import EvalError, Scope
from .stepdefs import Classifier, parameters
from .values import ExternalName, PoisonSignal, RuntimeOnly

if TYPE_CHECKING:
    from .run_scan import RunScanner

_Def = ast.FunctionDef | ast.AsyncFunctionDef

#: Packages whose decorators turn a function into a command-line command.
_CLI_PACKAGES = ("click.", "typer.", "rich_click.", "cloup.")


def _decorator_names(scanner: RunScanner, func: _Def) -> list[str]:
    """The qualified names of `func`'s decorators that resolve through imports."""
    classifier = Classifier(scanner.index, scanner.diags)
    names = []
    for expr in func.decorator_list:
        target = classifier.static_value(scanner.src, expr.func if isinstance(expr, ast.Call) else expr)
        if isinstance(target, ExternalName):
            names.append(target.qualname)
    return names


def defines_step_or_pipeline(scanner: RunScanner, func: _Def) -> bool:
    """True when `func` is decorated as a step or a pipeline (which are not entry points)."""
    marks = known.STEP_DECORATORS | known.PIPELINE_DECORATORS
    return any(name in marks for name in _decorator_names(scanner, func))


def walk_function(scanner: RunScanner, func: _Def, top: ast.stmt) -> None:
    """Scan the body of `func` in a scope of its own, its parameters bound (see the module docstring)."""
    saved_scope, saved_runs = scanner.scope, set(scanner.run_names)
    scanner.scope = Scope(saved_scope.names)
    try:
        cli = any(name.startswith(_CLI_PACKAGES) for name in _decorator_names(scanner, func))
        passed = {} if cli else _passed_values(scanner, func, top)
        for arg, default in parameters(func):
            scanner.scope.names[arg.arg] = (passed[arg.arg] if arg.arg in passed else
                                            _parameter_value(scanner, func, arg.arg, default, cli, top))
        for star in (func.args.vararg, func.args.kwarg):
            if star is not None:
                scanner.scope.names[star.arg] = _unknown_parameter(func, star.arg, cli, has_default=False)
        for stmt in func.body:
            scanner._walk(stmt, top)
    finally:
        scanner.scope, scanner.run_names = saved_scope, saved_runs


def _passed_values(scanner: RunScanner, func: _Def, top: ast.stmt) -> dict[str, Any]:
    """The values the script's own calls of `func` agree on (the scope is the caller's: the module's)."""
    sites = scanner.call_sites.get(func.name, [])
    if not sites:
        return {}
    # A scope of its own and diagnostics of its own: an argument that cannot be evaluated only
    # means the parameter stays unknown, which is reported where a pipeline call uses it.
    ev = Evaluator(scanner.index, Diagnostics(), scanner.src, top, Scope(scanner.scope.names))

    def evaluate(expr: ast.expr) -> Any:
        value = ev.eval(expr)
        if isinstance(value, (RuntimeOnly, ExternalName)):
            raise ValueError("not a value pipec can compile")
        return value

    return bind_from_call_sites(func, sites, evaluate)


def _parameter_value(scanner: RunScanner, func: _Def, name: str, default: ast.expr | None, cli: bool,
                     top: ast.stmt) -> Any:
    # A command-line function gets its values from the command line, whatever its defaults say.
    if default is None or cli:
        return _unknown_parameter(func, name, cli, has_default=default is not None)
    ev = Evaluator(scanner.index, scanner.diags, scanner.src, top, Scope(), builder=scanner)
    try:
        return ev.eval(default)
    except (EvalError, PoisonSignal, RecursionError):
        return _unknown_parameter(func, name, cli, has_default=True)


def _unknown_parameter(func: _Def, name: str, cli: bool, *, has_default: bool) -> RuntimeOnly:
    if cli:
        return RuntimeOnly(f"`{name}` is a parameter of `{func.name}` (a command-line argument): its value is only "
                           "known when the script runs",
                           help="bind it as a literal in the call; a value that changes between runs can come "
                                "from --config (`parameters:`, or `steps.<id>.parameters:` for a step's parameters)")
    if has_default:
        return RuntimeOnly(f"`{name}` is a parameter of `{func.name}` whose default cannot be evaluated statically: "
                           "its value is only known when the script runs",
                           help="give it a literal default, or bind it as a literal in the call")
    return RuntimeOnly(f"`{name}` is a parameter of `{func.name}`: its value is only known when the script runs",
                       help=f"give it a default in the signature of `{func.name}`, or bind it as a literal in the call")


def local_assignment(scanner: RunScanner, stmt: ast.stmt, top: ast.stmt) -> None:
    """Evaluate `name = value` (or `a, b = ...`) of an entry function into the scanner's scope.

    Failures are not reported here: the names get a RuntimeOnly value that says why, reported
    only if a pipeline call uses them.
    """
    if not isinstance(stmt, (ast.Assign, ast.AnnAssign)) or stmt.value is None:
        return
    targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
    if _parses_command_line(stmt.value):
        for target in targets:
            for name in _target_names(target):
                scanner.scope.names[name] = RuntimeOnly(
                    f"`{name}` holds the script's command-line arguments: their values are only known when "
                    "the script runs", "give the pipeline call literal values (or defaults) for pipec to "
                    "compile, or run the script itself: `python` passes the real values")
        return
    ev = Evaluator(scanner.index, scanner.diags, scanner.src, top, scanner.scope, builder=scanner)
    try:
        value = ev.eval(stmt.value)
        for target in targets:
            ev.assign(target, value)
        return
    except EvalError as err:
        why, help = f"cannot be evaluated statically: {err.message}", err.help
    except (PoisonSignal, RecursionError, TypeError, ValueError):
        why, help = "cannot be evaluated statically", None
    for target in targets:
        for name in _target_names(target):
            scanner.scope.names[name] = RuntimeOnly(f"`{name}` {why}", help)


def _parses_command_line(value: ast.expr) -> bool:
    """`parser.parse_args()` / `parse_known_args()` (argparse): the command line, read at run time."""
    return (isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute)
            and value.func.attr in ("parse_args", "parse_known_args", "parse_intermixed_args"))


def _target_names(target: ast.expr) -> list[str]:
    """The names an assignment target binds (`a`, `a, *b`), not the ones it reads (`x.y`, `d[k]`)."""
    if isinstance(target, ast.Name):
        return [target.id]
    if isinstance(target, (ast.Tuple, ast.List)):
        return [name for element in target.elts for name in _target_names(element)]
    if isinstance(target, ast.Starred):
        return _target_names(target.value)
    return []
