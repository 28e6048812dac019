"""The user's project as modules: finding files, reading symbol tables, resolving names.

Nothing is imported. A module is "in the project" when its top-level package is a
file or folder under the source root; everything else (pandas, zenml, pipec) is
external and only ever known by its qualified name.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipec.compiler import deps, roots
from pipec.ir.diagnostics import Diagnostics

from ..ir import Span
from . import known, stdlib_names
from .source import SourceFile, parse_file
from .values import ClassRef, ExternalName, FunctionRef, Located, ModuleRef


@dataclass(frozen=True)
class ImportedModule:
    """`import a.b` (binds `a` to module `a`) or `import a.b as x` (binds `x` to module `a.b`)."""

    # The module the bound name refers to.
    module: str
    # Where the import is.
    where: Located


@dataclass(frozen=True)
class ImportedName:
    """`from module import name [as alias]`."""

    # Absolute module name.
    module: str
    # Imported name.
    name: str
    # Where the import is.
    where: Located


@dataclass(frozen=True)
class Definition:
    """A top-level `def` or `class`."""

    # The FunctionDef, AsyncFunctionDef or ClassDef node.
    node: ast.AST
    # Where it is.
    where: Located


@dataclass(frozen=True)
class Assignment:
    """A top-level `NAME = value` (evaluated lazily, as a constant)."""

    # The assigned expression.
    value: ast.expr
    # Where it is.
    where: Located


@dataclass(frozen=True)
class StarImport:
    """`from module import *`: every public name of `module` (or those in its `__all__`)."""

    # Absolute module name.
    module: str
    # Where the import is.
    where: Located


Symbol = ImportedModule | ImportedName | Definition | Assignment


class ModuleIndex:
    """Parses project modules on demand and resolves their top-level names."""

    def __init__(self, root: Path, diags: Diagnostics) -> None:
        self.root = root
        self.diags = diags
        self._files: dict[str, SourceFile | None] = {}
        self._symbols: dict[str, dict[str, Symbol]] = {}
        self._stars: dict[str, list[StarImport]] = {}
        self._resolving: set[tuple[str, str]] = set()
        self._resolved: dict[tuple[str, str], Any] = {}
        self._reported: set[tuple[str, str]] = set()
        self._project_tops: dict[str, bool] = {}
        #: Attribute tables of project classes by qualified name (filled by `classattrs`).
        self.class_tables: dict[str, dict[str, Any]] = {}
        #: Set by the frontend: classifies a definition (step, pipeline, class...).
        self.classify: Callable[[Definition, SourceFile], Any] | None = None
        #: Set by the frontend: evaluates a module-level assignment as a constant.
        self.evaluate_constant: Callable[[Assignment, SourceFile], Any] | None = None
        #: Set by the frontend: a value for a name outside the root (ZenML's integration steps), or None.
        self.resolve_external: Callable[[str], Any] | None = None
        #: The work budget of this compile's evaluation (an `interp.limits.WorkBudget`, made by the
        #: first evaluator: the interpreter imports this module, not the other way round).
        self.work_budget: Any = None

    # ------------------------------------------------------------------ files

    def rel(self, path: Path) -> str:
        """`path` relative to the root, "/"-separated."""
        return path.resolve().relative_to(self.root).as_posix()

    def module_name_for(self, path: Path) -> str:
        """The dotted module name of a file under the root."""
        parts = list(Path(self.rel(path)).with_suffix("").parts)
        if parts and parts[-1] == "__init__":
            parts.pop()
        return ".".join(parts) or "__init__"

    def module_path(self, name: str) -> Path | None:
        """The file of project module `name`, or None."""
        base = self.root.joinpath(*name.split("."))
        for candidate in (base.with_name(base.name + ".py"), base / "__init__.py"):
            if deps.is_file(candidate):
                return candidate
        return None

    def is_project_package(self, name: str) -> bool:
        """True when `name`'s top-level module lives under the root, as Python finds it (a folder
        without `__init__.py` only when it is a namespace package Python would import: see
        `roots.provides`)."""
        top = name.split(".")[0]
        if not top:
            return False
        if top not in self._project_tops:
            self._project_tops[top] = roots.provides(self.root, top)
        return self._project_tops[top]

    def load_path(self, path: Path) -> SourceFile | None:
        """Parse a file under the root (cached by module name)."""
        name = self.module_name_for(path)
        if name not in self._files:
            self._files[name] = parse_file(path, self.rel(path), name, self.diags)
        return self._files[name]

    def load(self, name: str) -> SourceFile | None:
        """Parse project module `name` (cached); None when absent or broken."""
        if name not in self._files:
            path = self.module_path(name)
            self._files[name] = parse_file(path, self.rel(path), name, self.diags) if path else None
        return self._files[name]

    def is_submodule(self, name: str) -> bool:
        """True when `name` is a module file or package folder of the project."""
        return self.module_path(name) is not None or deps.is_dir(self.root.joinpath(*name.split(".")))

    # ------------------------------------------------------------------ symbols

    def symbols(self, src: SourceFile) -> dict[str, Symbol]:
        """The top-level names of `src` (imports, defs, classes, assignments)."""
        if src.module_name not in self._symbols:
            table: dict[str, Symbol] = {}
            stars: list[StarImport] = []
            for stmt in src.tree.body:
                self._collect(stmt, stmt, src, table, stars)
            self._symbols[src.module_name] = table
            self._stars[src.module_name] = stars
        return self._symbols[src.module_name]

    def star_imports(self, src: SourceFile) -> list[StarImport]:
        """The `from x import *` of `src`, last one first (a later import shadows an earlier one)."""
        self.symbols(src)
        return list(reversed(self._stars[src.module_name]))

    def _collect(self, stmt: ast.stmt, top: ast.stmt, src: SourceFile, table: dict[str, Symbol],
                 stars: list[StarImport]) -> None:
        where = Located(src, top)
        if isinstance(stmt, ast.Import):
            for alias in stmt.names:
                if alias.asname is not None:
                    table[alias.asname] = ImportedModule(alias.name, where)
                else:
                    table[alias.name.split(".")[0]] = ImportedModule(alias.name.split(".")[0], where)
        elif isinstance(stmt, ast.ImportFrom):
            module = self._absolute(src, stmt)
            if module is None:
                return
            if any(alias.name == "*" for alias in stmt.names):
                stars.append(StarImport(module, where))
                return
            if stmt is top and not stmt.level and not self.is_project_package(module):
                self._check_stdlib_import(stmt, module, src)
            for alias in stmt.names:
                table[alias.asname or alias.name] = ImportedName(module, alias.name, where)
        elif isinstance(stmt, (ast.Assign, ast.AnnAssign)):
            targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
            if stmt.value is None:
                return
            for target in targets:
                if isinstance(target, ast.Name):
                    table[target.id] = Assignment(stmt.value, where)
        elif isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            table[stmt.name] = Definition(stmt, where)
        elif isinstance(stmt, (ast.If, ast.Try)):
            # Imports guarded by `if TYPE_CHECKING:` or `try: ... except ImportError:`. The `try`
            # part is what runs on a complete installation, so its names win over the handlers'.
            blocks = [stmt.body]
            if isinstance(stmt, ast.Try):
                blocks = [h.body for h in stmt.handlers] + [stmt.body, stmt.orelse]
            elif stmt.orelse and not (len(stmt.orelse) == 1 and isinstance(stmt.orelse[0], ast.If)
                                      and src.is_elif(stmt.orelse[0])):
                blocks.append(stmt.orelse)  # `else:` (not `elif`)
            for block in blocks:
                for inner in block:
                    self._collect(inner, top, src, table, stars)

    def _check_stdlib_import(self, stmt: ast.ImportFrom, module: str, src: SourceFile) -> None:
        """PC106 for `from <stdlib module> import <name it lacks>` outside any `if`/`try` guard."""
        for alias in stmt.names:
            if stdlib_names.defines(module, alias.name):
                continue
            home = stdlib_names.home_of(alias.name, module)
            if home is None:
                # Perhaps a name of another Python version than pipec's own: say so, do not fail.
                self.diags.warning("PC106", f"the standard-library module `{module}` of Python "
                                   f"{sys.version_info[0]}.{sys.version_info[1]} has no `{alias.name}`: where it is "
                                   "missing too, Python raises ImportError on this import", src.span(alias, stmt),
                                   help="check the spelling, and the Python version the steps run with")
                continue
            self.diags.error("PC106", f"the standard-library module `{module}` has no `{alias.name}`: Python "
                             "raises ImportError on this import, so ZenML cannot load the module",
                             src.span(alias, stmt), help=f"import it from `{home}`: `from {home} import {alias.name}`")

    def _absolute(self, src: SourceFile, node: ast.ImportFrom) -> str | None:
        level = node.level or 0
        name = node.module or ""
        if level == 0:
            return name
        package = src.module_name.split(".") if src.is_package else src.module_name.split(".")[:-1]
        if level - 1 > len(package):
            self.diags.error("PC106", "relative import goes beyond the source root", src.statement_span(node))
            return None
        base = package[: len(package) - (level - 1)]
        return ".".join([*base, name] if name else base)

    # ------------------------------------------------------------------ resolution

    def resolve(self, src: SourceFile, name: str) -> Any:
        """The value of top-level `name` in `src`, or None when it is not defined there."""
        symbol = self.symbols(src).get(name)
        if symbol is None:
            return self._resolve_star(src, name)
        key = (src.module_name, name)
        if key in self._resolved:
            return self._resolved[key]
        if key in self._resolving:
            self.diags.error("PC120", f"`{name}` in `{src.module_name}` is defined in terms of itself",
                             src.statement_span(symbol.where.top))
            return None
        self._resolving.add(key)
        try:
            value = self._resolve_symbol(src, name, symbol)
        finally:
            self._resolving.discard(key)
        self._resolved[key] = value
        return value

    def _resolve_star(self, src: SourceFile, name: str) -> Any:
        """`name` as brought in by a `from x import *` of `src` (project modules only)."""
        for star in self.star_imports(src):
            if not self.is_project_package(star.module):
                continue
            other = self.load(star.module)
            if other is None or not self.exports(other, name):
                continue
            key = (src.module_name, f"*{name}")
            if key in self._resolving:
                continue  # two modules star-importing each other
            self._resolving.add(key)
            try:
                value = self.resolve(other, name)
            finally:
                self._resolving.discard(key)
            if value is not None:
                return value
        return None

    def exports(self, src: SourceFile, name: str, seen: frozenset[str] = frozenset()) -> bool:
        """True when `from <src> import *` binds `name`: listed in `__all__`, else public and defined."""
        names = self._all_names(src)
        if names is not None:
            return name in names
        if name.startswith("_"):
            return False
        if name in self.symbols(src):
            return True
        seen = seen | {src.module_name}
        for star in self.star_imports(src):
            if star.module in seen or not self.is_project_package(star.module):
                continue
            other = self.load(star.module)
            if other is not None and self.exports(other, name, seen):
                return True
        return False

    def _all_names(self, src: SourceFile) -> list[str] | None:
        symbol = self.symbols(src).get("__all__")
        if not isinstance(symbol, Assignment):
            return None
        value = self.resolve(src, "__all__")
        if isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value):
            return list(value)
        return None

    def _resolve_symbol(self, src: SourceFile, name: str, symbol: Symbol) -> Any:
        if isinstance(symbol, ImportedModule):
            return self.module_value(symbol.module, symbol.where)
        if isinstance(symbol, ImportedName):
            if symbol.module == src.module_name and self.is_submodule(f"{symbol.module}.{symbol.name}"):
                return ModuleRef(f"{symbol.module}.{symbol.name}")  # `from . import sub` in a package
            base = self.module_value(symbol.module, symbol.where)
            return self.attribute(base, symbol.name, symbol.where)
        if isinstance(symbol, Definition):
            if self.classify is not None:
                return self.classify(symbol, src)
            node = symbol.node
            if isinstance(node, ast.ClassDef):
                return ClassRef(src.module_name, node.name, node, src)
            return FunctionRef(f"{src.module_name}.{name}")
        if isinstance(symbol, Assignment) and self.evaluate_constant is not None:
            return self.evaluate_constant(symbol, src)
        return None

    def module_value(self, module: str, where: Located | None) -> Any:
        """A ModuleRef for `module`; reports PC106 when it should be in the project but is not."""
        if self.is_project_package(module) and not self.is_submodule(module):
            self._report_missing(module, where)
            return None
        return ModuleRef(module)

    def attribute(self, base: Any, attr: str, where: Located | None) -> Any:
        """`base.attr` for module references and external names; None when unknown."""
        if isinstance(base, (ExternalName, ModuleRef)) and not (
                isinstance(base, ModuleRef) and self.is_project_package(base.name)):
            qual = f"{base.qualname if isinstance(base, ExternalName) else base.name}.{attr}"
            found = self.resolve_external(qual) if self.resolve_external is not None else None
            return found if found is not None else ExternalName(qual)
        if not isinstance(base, ModuleRef):
            return None
        src = self.load(base.name) if self.module_path(base.name) else None
        if src is not None:
            value = self.resolve(src, attr)
            if value is not None:
                return value
        sub = f"{base.name}.{attr}"
        if self.is_submodule(sub):
            return ModuleRef(sub)
        if src is None and self.module_path(base.name) is not None:
            return None  # the module failed to parse: already reported
        self._report_missing(sub, where, name=attr, module=base.name, help_=self._hidden_by_star(src, attr))
        return None

    def _hidden_by_star(self, src: SourceFile | None, name: str) -> str | None:
        """A hint when `name` is defined in a module `src` star-imports, which does not export it."""
        for star in self.star_imports(src) if src is not None else []:
            other = self.load(star.module) if self.is_project_package(star.module) else None
            if other is not None and name in self.symbols(other) and not self.exports(other, name):
                reason = "it is not in that module's `__all__`" if self._all_names(other) is not None else \
                    "star imports skip names that start with `_`"
                return (f"`{name}` is defined in `{star.module}`, but `from {star.module} import *` does not "
                        f"bring it in: {reason}; import it from `{star.module}`")
        return None

    def _report_missing(self, target: str, where: Located | None, name: str | None = None,
                        module: str | None = None, help_: str | None = None) -> None:
        key = (target, name or "")
        if key in self._reported:
            return
        self._reported.add(key)
        span = where.source.statement_span(where.top) if where else Span("<unknown>", 0, 0)
        if name is not None:
            message = f"cannot find `{name}` in project module `{module or ''}`"
            help_ = help_ or f"define `{name}` there, or import it from the module that defines it"
        else:
            path = "/".join(target.split("."))
            message = f"cannot resolve import `{target}` in the source root"
            help_ = (f"expected {path}.py or {path}/__init__.py under the source root; "
                     "use --root to point pipec at the project's top folder")
        self.diags.error("PC106", message, span, help=help_)


def dotted_name(node: ast.AST, fallback: str = "") -> str:
    """`a.b.c` for a Name/Attribute chain; `fallback` for any other expression."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return f"{dotted_name(node.value, fallback)}.{node.attr}"
    return fallback


# ---------------------------------------------------------------------- class bases


def is_parameters_class(cls: ClassRef, index: ModuleIndex, depth: int = 0) -> bool:
    """True when `cls` derives from ZenML's BaseParameters / BaseStepConfig."""
    if depth > 20:
        return False
    for base in cls.node.bases:
        value = base_value(cls, base, index)
        if isinstance(value, ExternalName) and value.qualname in known.BASE_PARAMETERS:
            return True
        if isinstance(value, ClassRef) and is_parameters_class(value, index, depth + 1):
            return True
    return False


def base_value(cls: ClassRef, node: ast.expr, index: ModuleIndex) -> Any:
    """What base-class expression `node` of `cls` names (a class, module or external name), or None."""
    if isinstance(node, ast.Name):
        return index.resolve(cls.source, node.id)
    if isinstance(node, ast.Attribute):
        base = base_value(cls, node.value, index)
        if isinstance(base, (ModuleRef, ExternalName)):
            return index.attribute(base, node.attr, None)
    return None
