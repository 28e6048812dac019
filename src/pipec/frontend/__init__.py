"""The static frontend: Python source -> IR, without importing the user's code.

:func:`build_program` is the only entry point; see `pipec.compiler.api.load` for the
facade that adds checks.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from pipec.compiler import deps
from pipec.ir.diagnostics import Diagnostics

from ..ir import Program, Span
from . import config_fit, zenml_constants
from .calls import Evaluator
from .cli_params import check_cli_params
from .entry_imports import (
    LocalImport,
    absent_project_modules,
    local_pipeline_imports,
    root_help,
    unresolved_project_imports,
)
from .interp import ConstantError, EvalError
from .modules import Assignment, Definition, ImportedName, ModuleIndex
from .pipelines import BuildOptions, PipelineCall, build_pipeline
from .run_scan import RunScanner
from .selection import qualified, select
from .source import SourceFile
from .stepdefs import Classifier, PipelineDef, report_definition
from .values import PipelineHandle, PipelineInstance, PoisonSignal


def build_program(entry: Path, root: Path, params: dict[str, str], config: Path | None,
                  diags: Diagnostics, call: PipelineCall | None = None, only: str | None = None) -> Program:
    """Build the IR of every pipeline defined in (or imported into) `entry`.

    `call` carries the argument values of a pipeline called by a running script. `only` names
    the pipeline the command will use (``--pipeline``, see :mod:`.selection`): only that one is
    built, so `params`, `config` and the diagnostics are its own (the problems of the other
    pipelines' definitions, such as a default pipec cannot evaluate, are not reported).
    """
    shown = str(entry)
    path = entry.resolve()
    if not deps.is_file(path):
        diags.error("PC002", f"`{shown}` does not exist or is not a file", Span(shown, 0, 0))
        return Program(())
    try:
        path.relative_to(root)
    except ValueError:
        diags.error("PC002", f"`{shown}` is not inside the source root `{root}`", Span(shown, 0, 0),
                    help="point --root at a folder that contains the file")
        return Program(())
    index = ModuleIndex(root, diags)
    classifier = index.classify = Classifier(index, diags)
    index.evaluate_constant = lambda assignment, src: _constant(index, diags, assignment, src)
    index.resolve_external = zenml_constants.resolve_external
    try:
        return _build(index, path, params, config, diags, call, only)
    finally:
        if only is None:  # every pipeline read is the command's: all their problems count
            for pdef in classifier.pipelines:
                report_definition(pdef, diags)


def _build(index: ModuleIndex, path: Path, params: dict[str, str], config: Path | None, diags: Diagnostics,
           call: PipelineCall | None, only: str | None) -> Program:
    root = index.root
    src = index.load_path(path)
    if src is None:
        return Program(())

    definitions = _pipeline_definitions(index, src)
    local = [item for item in local_pipeline_imports(index, src)
             if all(item.definition is not d for d in definitions)]
    for item in local:
        if all(item.definition is not d for d in definitions):
            definitions.append(item.definition)
    if not definitions:
        _no_pipeline(index, src, path, diags)
        return Program(())
    options = BuildOptions(dict(params), config, path.parent, root, call)
    if only is None and local and len(definitions) > 1:
        fits = config_fit.fitting(definitions, config, options, index) if config is not None else definitions
        if len(fits) != 1:
            _choose_at_run_time(src, definitions, local, diags)
            return Program(())
        _chosen_by_config(src, fits[0], definitions, config, local, diags)
        definitions = fits
    if only is not None:
        chosen = select(definitions, only, path.name, diags)
        if chosen is None:
            return Program(())
        definitions = chosen
    scanner = RunScanner(index, diags, src, values_from_script=call is not None)
    found = scanner.scan()
    instances = _instances_at(found, call.span) if call is not None else _first_instances(found, diags)
    options = replace(options, arguments_unknown=scanner.ignored_calls)
    pipelines = [build_pipeline(pdef, instances.get(id(pdef)), options, index, diags) for pdef in definitions]
    # An original-API pipeline whose only instantiation was ignored reported the reason as its error.
    scanner.report_ignored(diags, [id(pdef) for pdef in definitions if pdef.old_api and id(pdef) not in instances])

    check_cli_params(params, [(pipe, pdef.old_api) for pdef, pipe in zip(definitions, pipelines, strict=True)],
                     diags)
    return Program(tuple(pipelines))


def _no_pipeline(index: ModuleIndex, src: SourceFile, path: Path, diags: Diagnostics) -> None:
    """PC003, naming the first import that does not resolve (the pipeline is likely behind it)."""
    outside = unresolved_project_imports(index, src, path)
    absent = absent_project_modules(index, src)
    unresolved = sorted([(line, module) for _package, line, _holder, module in outside] + absent)
    reason = (f": its import of `{unresolved[0][1]}` (line {unresolved[0][0]}) cannot be resolved from the "
              "source root") if unresolved else ""
    if outside:
        hint = root_help(outside, src)
    elif absent:
        hint = f"the module `{absent[0][1]}` is not under the source root (see the PC106 error); fix the import " \
               "or point --root at the project's top folder"
    else:
        hint = "decorate a function with @pipeline (from pipec or zenml)"
    diags.error("PC003", f"no pipeline found in `{src.rel}`{reason}", Span(src.rel, 0, 0), help=hint)


def _choose_at_run_time(src: SourceFile, definitions: list[PipelineDef], local: list[LocalImport],
                        diags: Diagnostics) -> None:
    """PC005: the entry imports its pipelines inside functions, so which one runs is a run-time choice."""
    where = {id(item.definition): f"imported in `{item.function}()` at {item.span}" for item in local}
    names = [d.name for d in definitions]
    notes = [f"`{d.name}` from {d.source.rel}, " + where.get(id(d), "imported at module level")
             for d in definitions]
    spell = [qualified(d) if names.count(d.name) > 1 else d.name for d in definitions]
    diags.error("PC005", f"`{src.rel}` imports {len(definitions)} pipelines and picks one when it runs",
                local[0].span, notes=notes,
                help="choose the pipeline to compile with --pipeline: " + ", ".join(f"`{n}`" for n in spell))


def _chosen_by_config(src: SourceFile, chosen: PipelineDef, definitions: list[PipelineDef], config: Path,
                      local: list[LocalImport], diags: Diagnostics) -> None:
    """PC005 warning: of the pipelines the entry picks from at run time, the configuration fits one."""
    names = [d.name for d in definitions]
    spell = qualified(chosen) if names.count(chosen.name) > 1 else chosen.name
    diags.warning("PC005", f"`{src.rel}` imports {len(definitions)} pipelines and picks one when it runs; "
                  f"the run configuration `{config.name}` configures only `{spell}`, so pipec compiles it",
                  local[0].span, help=f"say so with --pipeline {spell}, or choose another pipeline with --pipeline")


def _pipeline_definitions(index: ModuleIndex, src: SourceFile) -> list[PipelineDef]:
    found: list[PipelineDef] = []
    seen: set[int] = set()  # ids of `found`: a module of 2,000 pipelines compared each with all before it
    for name, symbol in index.symbols(src).items():
        if not isinstance(symbol, (Definition, ImportedName)):
            continue
        if isinstance(symbol, ImportedName) and not index.is_project_package(symbol.module):
            continue
        value = index.resolve(src, name)
        if isinstance(value, PipelineHandle) and id(value.definition) not in seen:
            seen.add(id(value.definition))
            found.append(value.definition)
    return found


def _first_instances(instances: list[PipelineInstance], diags: Diagnostics) -> dict[int, PipelineInstance]:
    first: dict[int, PipelineInstance] = {}
    for instance in instances:
        key = id(instance.handle.definition)
        if key in first:
            diags.warning("PC116", f"pipeline `{instance.handle.definition.name}` is called more than once "
                          f"in the script; pipec compiles the first call ({first[key].span})", instance.span)
            continue
        first[key] = instance
    return first


def _instances_at(instances: list[PipelineInstance], where: Span) -> dict[int, PipelineInstance]:
    """The module-level call a running script is making (the one at `where`), whose options it runs with."""
    chosen: dict[int, PipelineInstance] = {}
    for instance in instances:
        span = instance.span
        if span is not None and span.path == where.path and span.line <= where.line <= max(span.end_line, span.line):
            chosen.setdefault(id(instance.handle.definition), instance)
    return chosen


def _constant(index: ModuleIndex, diags: Diagnostics, assignment: Assignment, src: SourceFile):
    ev = Evaluator(index, diags, src, assignment.where.top)
    try:
        return ev.eval(assignment.value)
    except EvalError as err:
        span = ev.span(err.node) if err.node is not None else src.statement_span(assignment.where.top)
        return ConstantError(err.code, err.message, span, err.help)
    except (PoisonSignal, RecursionError):
        return ConstantError("PC102", "the value cannot be evaluated statically", src.statement_span(
            assignment.where.top), None)
