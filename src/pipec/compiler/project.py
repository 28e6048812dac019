"""The project's compile configuration: what `pipec compile` with no FILE compiles.

A ``[tool.pipec.compile]`` table in ``pyproject.toml`` (or ``[compile]`` in ``pipec.toml``,
which wins when both exist) lists the project's whole compile, so CI and pre-commit run
one command, ``pipec compile --check``::

    [tool.pipec.compile]
    files = ["pipelines/*.py", { file = "run.py", config = "configs/train.yaml" }]
    targets = ["airflow", "kubeflow"]     # or "all"; or `stack = "prod"` for a stack's target
    out = "deploy"                         # default "out"
    options = { "kubeflow.kfp_cache" = true }   # as --option key=value

Paths are relative to the folder holding the file. A ``files`` entry is a glob (``**``
crosses folders) or a table with ``file`` and optionally ``pipeline``, ``config`` and
``params``. The project is the nearest folder at or above the current one (or
``--root``) holding ``pipec.toml`` or ``pyproject.toml``. Problems are PC380 (the
table) and PC381 (an entry that matches no file) diagnostics pointing at the key.
"""

from __future__ import annotations

import glob
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipec.compiler.roots import find_project  # noqa: F401  (re-exported)
from pipec.ir import Span
from pipec.ir.diagnostics import Diagnostics, did_you_mean

from . import deps

#: Keys of the compile table.
KEYS = ("files", "targets", "stack", "out", "options")
#: Keys of a table entry of `files`.
ENTRY_KEYS = ("file", "pipeline", "config", "params")
#: Output folder when the table names none (the same as `pipec compile --out`'s default).
DEFAULT_OUT = "out"


@dataclass(frozen=True)
class Job:
    """One source file to compile, with its own pipeline choice, run config and parameters."""

    #: The file, absolute.
    file: Path
    #: Only this pipeline of the file, or all of them.
    pipeline: str | None = None
    #: A ZenML-style run configuration, absolute.
    config: Path | None = None
    #: Raw `--param` values.
    params: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ProjectCompile:
    """A validated compile table."""

    #: The folder holding the config file; paths are relative to it.
    folder: Path
    #: The config file's name and table, as messages show it, e.g. "pyproject.toml [tool.pipec.compile]".
    where: str
    #: What to compile, in the table's order (globs expanded and sorted).
    jobs: tuple[Job, ...]
    #: Target names (may hold "all"); empty when `stack` decides.
    targets: tuple[str, ...]
    #: A stack whose target and options to use.
    stack: str | None
    #: The output folder, absolute.
    out: Path
    #: Target options as `--option` would give them.
    options: dict[str, str]


def load_project(folder: Path, diags: Diagnostics) -> ProjectCompile | None:
    """The compile table of the project in `folder`; None (with errors in `diags`) when unusable."""
    from pipec.stacks.config import read_table

    source = None
    for name, prefix in (("pipec.toml", ()), ("pyproject.toml", ("tool", "pipec"))):
        if deps.is_file(folder / name):
            found = read_table(folder, name, prefix, diags)
            if found is not None and "compile" in found.data:
                source = found
                break
    if diags.has_errors:
        return None
    if source is None:
        diags.error("PC380", f"no FILE given and no compile table in {folder.name}/pyproject.toml or pipec.toml",
                    help="name the files (`pipec compile run.py --target airflow`), or list them in "
                         "pyproject.toml: [tool.pipec.compile] files = [\"run.py\"], targets = [\"airflow\"]")
        return None
    return _validate(folder, source, diags)


def _validate(folder: Path, source: Any, diags: Diagnostics) -> ProjectCompile | None:
    table = source.data["compile"]
    where = f"{source.path} [{'.'.join((*source.prefix, 'compile'))}]"
    span = source.span
    before = sum(d.is_error for d in diags)
    if not isinstance(table, dict):
        diags.error("PC380", f"`compile` in {source.path} must be a table", span("compile"))
        return None
    for key in table:
        if key not in KEYS:
            diags.error("PC380", f"unknown key `{key}` in {where}", span("compile", key),
                        help=did_you_mean(key, KEYS) or f"keys: {', '.join(KEYS)}")
    jobs = _jobs(folder, table.get("files"), source, where, diags)
    targets = table.get("targets", ())
    if isinstance(targets, str):
        targets = (targets,)
    if not isinstance(targets, (list, tuple)) or not all(isinstance(t, str) and t for t in targets):
        diags.error("PC380", "`targets` must be a target name or a list of them", span("compile", "targets"),
                    help='e.g. targets = ["airflow", "kubeflow"] or targets = "all"')
        targets = ()
    stack = table.get("stack")
    if stack is not None and not (isinstance(stack, str) and stack):
        diags.error("PC380", "`stack` must be a stack name", span("compile", "stack"))
        stack = None
    if not targets and stack is None:
        diags.error("PC380", f"{where} names no `targets` (or `stack`), so the compiled files would depend on "
                    "each developer's active stack", span("compile"),
                    help='add targets = ["airflow"] (see `pipec targets`), or stack = "NAME"')
    out = table.get("out", DEFAULT_OUT)
    if not isinstance(out, str) or not out.strip():
        diags.error("PC380", "`out` must be a folder path", span("compile", "out"))
        out = DEFAULT_OUT
    options = _options(table.get("options", {}), source, diags)
    if sum(d.is_error for d in diags) > before:
        return None
    return ProjectCompile(folder, where, tuple(jobs), tuple(targets), stack, (folder / out).resolve(), options)


def _jobs(folder: Path, raw: Any, source: Any, where: str, diags: Diagnostics) -> list[Job]:
    if raw is None:
        diags.error("PC380", f"{where} has no `files`", source.span("compile"),
                    help='add files = ["run.py"] (globs such as "pipelines/*.py" work too)')
        return []
    if not isinstance(raw, list):
        raw = [raw]
    jobs: list[Job] = []
    for position, entry in enumerate(raw):
        span = source.span("compile", "files")
        if isinstance(entry, str):
            jobs += [Job(path) for path in _expand(folder, entry, span, diags)]
        elif isinstance(entry, dict):
            jobs += _table_job(folder, entry, span, position, diags)
        else:
            diags.error("PC380", f"entry {position + 1} of `files` must be a path (a glob) or a table with `file`",
                        span)
    return jobs


def _table_job(folder: Path, entry: dict, span: Span, position: int, diags: Diagnostics) -> list[Job]:
    what = f"entry {position + 1} of `files`"
    for key in entry:
        if key not in ENTRY_KEYS:
            diags.error("PC380", f"unknown key `{key}` in {what}", span,
                        help=did_you_mean(key, ENTRY_KEYS) or f"keys: {', '.join(ENTRY_KEYS)}")
    file, pipeline, config = entry.get("file"), entry.get("pipeline"), entry.get("config")
    params = entry.get("params", {})
    if not isinstance(file, str) or not file:
        diags.error("PC380", f"{what} needs `file`, a path", span)
        return []
    if pipeline is not None and not isinstance(pipeline, str):
        diags.error("PC380", f"`pipeline` of {what} must be a pipeline name", span)
    if config is not None and not isinstance(config, str):
        diags.error("PC380", f"`config` of {what} must be a path", span)
    if not isinstance(params, dict):
        diags.error("PC380", f"`params` of {what} must be a table of parameter values", span)
        params = {}
    raw_params = {str(k): _scalar(v) for k, v in params.items()}
    config_path = (folder / config).resolve() if isinstance(config, str) else None
    return [Job(path, pipeline if isinstance(pipeline, str) else None, config_path, raw_params)
            for path in _expand(folder, file, span, diags)]


def _scalar(value: Any) -> str:
    """A TOML value as `--param` text (booleans lowercase, lists and tables as JSON)."""
    import json

    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    return json.dumps(value, default=str)


def _expand(folder: Path, pattern: str, span: Span, diags: Diagnostics) -> list[Path]:
    """The files `pattern` matches below `folder`, sorted; PC381 when none."""
    if glob.has_magic(pattern):
        found = deps.glob(folder, pattern)
        paths = [(folder / rel).resolve() for rel in found if deps.is_file(folder / rel)]
    else:
        paths = [(folder / pattern).resolve()] if deps.is_file(folder / pattern) else []
    if not paths:
        diags.error("PC381", f"`{pattern}` in `files` matches no file in {folder.name}/", span,
                    help="paths and globs are relative to the folder of the config file")
    return paths


def _options(raw: Any, source: Any, diags: Diagnostics) -> dict[str, str]:
    if not isinstance(raw, dict):
        diags.error("PC380", "`options` must be a table of target options", source.span("compile", "options"),
                    help='e.g. options = { "kubeflow.kfp_cache" = true }')
        return {}
    out: dict[str, str] = {}
    for key, value in raw.items():
        if isinstance(value, (dict, list)):
            diags.error("PC380", f"option `{key}` must be a string, number or boolean",
                        source.span("compile", "options", key))
            continue
        out[key] = _scalar(value)
    return out
