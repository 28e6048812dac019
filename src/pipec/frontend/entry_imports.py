"""What an entry script imports from inside its functions, and imports that miss the source root.

Run scripts often import their pipeline inside `main()` (or a click command), sometimes
one of several depending on a flag::

    def main(accelerate: bool):
        if accelerate:
            from pipelines.train_accelerated import finetune
        else:
            from pipelines.train import finetune
        finetune.with_options(config_path=...)()

Each pipeline imported that way is a candidate. Which one runs is decided at run time, so
with several the user chooses with ``--pipeline`` (see :mod:`.selection`). Nothing here
reports a diagnostic: an import that does not resolve is simply not a candidate.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

from ..ir import Span
from . import root_hints
from .modules import ModuleIndex
from .source import SourceFile
from .stepdefs import PipelineDef
from .values import PipelineHandle


@dataclass(frozen=True)
class LocalImport:
    """A pipeline imported inside a function of the entry script."""

    # The imported pipeline.
    definition: PipelineDef
    # The name the import binds.
    bound: str
    # The function whose body holds the import.
    function: str
    # The import statement.
    span: Span


def local_pipeline_imports(index: ModuleIndex, src: SourceFile) -> list[LocalImport]:
    """Every pipeline imported inside a function (at any depth) of `src`, in source order."""
    found: list[LocalImport] = []
    for function in _functions(src.tree):
        for node in _own_statements(function):
            for bound, value in _imported_pipelines(index, node).items():
                found.append(LocalImport(value.definition, bound, function.name, src.span(node)))
    return found


def pipeline_bindings(index: ModuleIndex, node: ast.stmt) -> dict[str, PipelineHandle]:
    """The pipelines an import statement inside a function binds, by bound name (for the run scanner)."""
    return _imported_pipelines(index, node) if isinstance(node, ast.ImportFrom) else {}


def unresolved_project_imports(index: ModuleIndex, src: SourceFile, entry: Path) -> list[tuple[str, int, Path, str]]:
    """Absolute imports of `src` whose package is not under the source root but sits in a folder
    at or above the entry's: ``(package, line, folder holding it, module imported)``, one per package."""
    out: dict[str, tuple[str, int, Path, str]] = {}
    folders = [entry.parent, *entry.parent.parents]
    for node in ast.walk(src.tree):
        if isinstance(node, ast.ImportFrom) and not node.level and node.module:
            modules = [node.module]
        elif isinstance(node, ast.Import):
            modules = [alias.name for alias in node.names]
        else:
            continue
        for module in modules:
            top = module.split(".")[0]
            if top in out or index.is_project_package(top):
                continue
            folder = root_hints.holder(top, folders)
            if folder is not None:
                out[top] = (top, node.lineno, folder, module)
    return sorted(out.values(), key=lambda item: item[1])


def absent_project_modules(index: ModuleIndex, src: SourceFile) -> list[tuple[int, str]]:
    """``(line, module)`` of the absolute `from X import ...` of `src` whose package is the project's
    but whose module X is no file or folder under the source root."""
    return sorted((node.lineno, node.module) for node in ast.walk(src.tree)
                  if isinstance(node, ast.ImportFrom) and not node.level and node.module
                  and index.is_project_package(node.module) and not index.is_submodule(node.module))


def root_help(missing: list[tuple[str, int, Path, str]], src: SourceFile) -> str:
    """Advice for an entry whose project imports miss the source root: the folder to pass as --root."""
    package, line, holder, _module = missing[0]
    shown = root_hints.shown(holder)
    return (f"`{package}` (imported at {src.rel}:{line}) is not under the source root but in `{shown}`; "
            f"imports resolve from the source root: pass --root {shown}")


def _functions(tree: ast.Module) -> list[ast.FunctionDef | ast.AsyncFunctionDef]:
    return [node for node in ast.walk(tree) if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))]


def _own_statements(function: ast.FunctionDef | ast.AsyncFunctionDef) -> list[ast.stmt]:
    """The statements of `function`'s body and its blocks (if/else, try, with, loops), not of nested defs."""
    out: list[ast.stmt] = []
    pending = list(function.body)
    while pending:
        stmt = pending.pop(0)
        out.append(stmt)
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            continue
        for name in ("body", "orelse", "finalbody"):
            block = getattr(stmt, name, None)
            if isinstance(block, list):
                pending.extend(s for s in block if isinstance(s, ast.stmt))
        for handler in getattr(stmt, "handlers", ()) or ():
            pending.extend(handler.body)
        for case in getattr(stmt, "cases", ()) or ():
            pending.extend(case.body)
    return sorted(out, key=lambda s: (s.lineno, s.col_offset))


def _imported_pipelines(index: ModuleIndex, node: ast.stmt) -> dict[str, PipelineHandle]:
    """`from project.module import p` where `p` is a pipeline; unresolvable names are skipped quietly."""
    if not isinstance(node, ast.ImportFrom) or node.level or not node.module:
        return {}
    module = node.module
    if not index.is_project_package(module) or index.module_path(module) is None:
        return {}
    source = index.load(module)
    if source is None:
        return {}
    out: dict[str, PipelineHandle] = {}
    for alias in node.names:
        if alias.name == "*" or alias.name not in index.symbols(source):
            continue
        value = index.resolve(source, alias.name)
        if isinstance(value, PipelineHandle):
            out[alias.asname or alias.name] = value
    return out
