"""`pipec compile [FILE ...] [--target T ...|--stack NAME]`: write (or `--check`) every target's artifacts.

Every FILE is compiled in this one process (imports paid once) into the same output
folder; all diagnostics are reported and the exit code is the worst (2 errors, 1
`--check` differences, 0). Without FILE, the project's ``[tool.pipec.compile]`` table
(`pipec.compiler.project`) says what to compile, where and for which targets, which is
what CI and pre-commit run: ``pipec compile --check``.

Without `--target`, the active stack (see `pipec.stacks`) gives the target, its
options and the image registry; `--target` alone ignores stacks.

Output goes to ``OUT/<target>/...`` (``OUT`` defaults to ``./out``), with the artifact
manifest ``OUT/.pipec-artifacts`` (`pipec.compiler.manifest`) saying which source wrote
which file. pipec owns each compiled ``OUT/<target>/`` folder: files there that no
source accounts for any more are removed (without ``--pipeline``), and ``--check``
reports them as stale. The output folder is never part of a step image's build context,
so `--check` passes right after a compile wherever ``OUT`` is.
"""

from __future__ import annotations

import argparse
import shlex
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import args as _common
from . import exits

DEFAULT_OUT = "out"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of `pipec compile`."""
    _common.add_source_arguments(parser, many=True)
    parser.add_argument("--target", "-t", action="append", metavar="NAME",
                        help="target to compile for; repeatable; `all` selects every registered target "
                             "(list them with `pipec targets`); without it, the project's `targets`, else the "
                             "active stack's target")
    _common.add_stack_argument(parser)
    parser.add_argument("--out", "-o", default=None, metavar="DIR",
                        help="output folder, relative to the current folder; files go to DIR/<target>/, "
                             "which pipec owns: files there that no compiled source produces any more are "
                             f"removed (default: the project's `out`, else ./{DEFAULT_OUT})")
    parser.add_argument("--option", action="append", default=[], metavar="KEY=VALUE",
                        help="target option; `target.key=value` for one target, `key=value` for every "
                             "selected target that declares it (repeatable)")
    parser.add_argument("--unsupported", choices=("warn", "error"), default="warn",
                        help="what a setting the target's engine cannot honour becomes: a warning (default) "
                             "or an error that stops the compile")
    parser.add_argument("--check", action="store_true",
                        help="write nothing; exit 1 with a diff when the files in DIR differ from "
                             "what a compile would write, 0 when they match")
    parser.add_argument("--no-cache", action="store_true",
                        help="compile even when nothing it read has changed since the last compile "
                             f"(the cache lives in ROOT/.pipec/cache/; {'PIPEC_NO_COMPILE_CACHE'}=1 does the same)")


def regenerate_command(argv: list[str]) -> str:
    """The command line that rewrites the files: `argv` without --check, shell-quoted."""
    kept: list[str] = []
    for i, arg in enumerate(argv):
        if arg == "--":
            kept.extend(argv[i:])
            break
        if arg != "--check":
            kept.append(arg)
    return shlex.join(["pipec", *kept])


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


@dataclass
class _Setup:
    """What to compile: the jobs and the settings they share."""

    jobs: list[Any]
    targets: list[str] | None
    stack: str | None
    out: str
    options: dict[str, str]
    #: Per job: (the command-line arguments it loads with).
    namespaces: list[argparse.Namespace] = field(default_factory=list)


def _setup(args: argparse.Namespace, cli_options: dict[str, str], pre) -> _Setup | None:
    """The jobs of this command: the FILEs given, else the project's compile table."""
    from pipec.compiler.project import Job, find_project, load_project

    if args.files:
        jobs = [Job(Path(f), args.pipeline, Path(args.config) if args.config else None) for f in args.files]
        setup = _Setup(jobs, args.target, args.stack, args.out or DEFAULT_OUT, cli_options)
        for f in args.files:
            setup.namespaces.append(argparse.Namespace(**{**vars(args), "file": f}))
        return setup
    if args.pipeline or args.config or args.param:
        pre.error("PC380", "--pipeline, --config and --param need FILE; in the project's compile table, give them "
                  "per file: files = [{ file = \"run.py\", pipeline = \"...\", config = \"...\", params = {...} }]")
        return None
    start = Path(args.root) if args.root else Path.cwd()
    folder = start.resolve() if args.root else find_project(start)
    if folder is None:
        pre.error("PC380", "no FILE given and no pyproject.toml or pipec.toml in this folder or above it",
                  help="name the files (`pipec compile run.py --target airflow`), or run it in a project with "
                       "a [tool.pipec.compile] table")
        return None
    project = load_project(folder, pre)
    if project is None:
        return None
    options = {**project.options, **cli_options}
    out = args.out or _shown(project.out)
    setup = _Setup(list(project.jobs), args.target or list(project.targets) or None,
                   args.stack or project.stack, out, options)
    for job in project.jobs:
        setup.namespaces.append(argparse.Namespace(**{
            **vars(args), "file": _shown(job.file), "pipeline": job.pipeline,
            "config": _shown(job.config) if job.config else None,
            "param": [f"{k}={v}" for k, v in job.params.items()], "root": None}))
    return setup


def _shown(path: Path) -> str:
    """`path` relative to the current folder when below it, else as is."""
    import os

    try:
        rel = os.path.relpath(path)
    except ValueError:
        return str(path)
    return str(path) if rel.startswith("..") else rel


@dataclass
class _Compiled:
    """One job's outcome."""

    source: Path
    partial: bool
    root: Path
    targets: list[str]
    files: dict[str, str]
    ok: bool


def _cache_folder(args: argparse.Namespace) -> Path | None:
    """Where this command's compile cache lives: the source root of the first FILE, or the project."""
    from pipec.compiler.roots import find_project, find_source_root

    if args.root:
        return Path(args.root).resolve()
    if args.files:
        return find_source_root(Path(args.files[0]))
    return find_project(Path.cwd())


def run(args: argparse.Namespace) -> int:
    """Compile every job (or replay the compile cache), then write the files atomically or compare them."""
    from pipec.compiler import compile_cache

    argv = getattr(args, "_argv", sys.argv[1:])
    folder = key = None
    if compile_cache.enabled(args.no_cache):
        folder = _cache_folder(args)
        key = compile_cache.cache_key(argv, _common.use_color(args))
        hit = compile_cache.lookup(folder, key) if folder is not None else None
        if hit is not None:
            if hit.stderr:
                sys.stderr.write(hit.stderr)
                sys.stderr.flush()
            compiled = [_Compiled(Path(c["source"]), c["partial"], Path(c["root"]), c["targets"], c["files"], True)
                        for c in hit.compiled]
            return _write_or_check(compiled, hit.out, args)
    sink: list[str] = []
    compiled, out, failed, recorder = _compile(args, sink)
    if failed:
        return exits.EXIT_USER_ERROR
    if folder is not None and key is not None and recorder.untracked is None and _builtin_only(compiled):
        compile_cache.store(folder, key, recorder, "".join(sink), out, [
            {"source": str(c.source), "partial": c.partial, "root": str(c.root), "targets": c.targets,
             "files": c.files} for c in compiled])
    return _write_or_check(compiled, out, args)


def _builtin_only(compiled: list[_Compiled]) -> bool:
    """True when only pipec's own targets compiled (a plug-in's code is not part of the cache key)."""
    from pipec import targets

    return all(name in targets.BUILTINS for c in compiled for name in c.targets)


def _compile(args: argparse.Namespace, sink: list[str]):
    """The compile phase, every look at the world recorded: (outcomes, out, failed, recorder)."""
    from pipec.compiler import deps
    from pipec.compiler.api import gc_paused
    from pipec.compiler.driver import parse_assignments
    from pipec.ir.diagnostics import Diagnostics

    pre = Diagnostics()
    cli_options = parse_assignments(args.option, "PC302", "--option", pre)
    with gc_paused(), deps.recording() as recorder:  # gc: a burst of allocation with no garbage worth collecting
        setup = _setup(args, cli_options, pre)
        if setup is None or pre.has_errors:
            _common.report(pre, None, args)
            return [], None, True, recorder
        compiled, failed = _compile_all(setup, pre, args, sink)
    return compiled, setup.out, failed, recorder


def _compile_all(setup: _Setup, pre, args: argparse.Namespace, sink: list[str]) -> tuple[list[_Compiled], bool]:
    """Load, plan and compile every job; report its diagnostics. Returns (outcomes, any error)."""
    from pipec.build.image import BuildContexts
    from pipec.compiler.driver import compile_targets, expand_names
    from pipec.ir.diagnostics import Diagnostics
    from pipec.stacks import plan_compile

    loaded = []
    for i, (job, ns) in enumerate(zip(setup.jobs, setup.namespaces, strict=True)):
        diags = Diagnostics()
        if i == 0:
            diags.extend(pre)
        result = _common.load_source(ns, diags)
        plan = plan_compile(result.root, setup.targets, setup.stack, setup.options, result.diagnostics)
        # `all` expanded once per job: each expansion scans the installed packages' entry points.
        loaded.append((job, result, plan, expand_names(plan.targets)))
    folders = tuple(sorted({name for *_, names in loaded for name in names}))
    context_diags = Diagnostics()
    contexts = BuildContexts(Path(setup.out), folders, context_diags)
    outcomes: list[_Compiled] = []
    failed = False
    for job, result, plan, names in loaded:
        files, diags = compile_targets(result, names, plan.options, registry=plan.registry, contexts=contexts,
                                       unsupported=args.unsupported)
        guard = _guard_source(setup.out, names, result.root, job.file)
        if guard:
            diags.error("PC383", guard, help="write the artifacts to a folder of their own, e.g. --out deploy")
        _common.report(diags, result.root, args, sink)
        ok = not diags.has_errors
        failed |= not ok
        outcomes.append(_Compiled(job.file, job.pipeline is not None, result.root, names, files if ok else {}, ok))
    _common.report(context_diags, None, args, sink)
    return outcomes, failed | _conflicts(outcomes, args)


def _guard_source(out: str, targets: list[str], root: Path, source: Path) -> str | None:
    """Why writing to OUT/<target>/ would endanger the source (pipec owns those folders), or None."""
    import os

    out_real = Path(os.path.realpath(out))
    for name in targets:
        owned = out_real / name
        for what, path in (("source root", root), ("pipeline file", source)):
            real = Path(os.path.realpath(path))
            if real == owned or owned in real.parents:
                return (f"the output folder `{out}/{name}/` holds the {what} `{path}`; pipec owns that folder "
                        "and removes files there that it did not write")
    return None


def _conflicts(outcomes: list[_Compiled], args: argparse.Namespace) -> bool:
    """Report output paths two sources write with different content (PC382); True when any."""
    from pipec.ir.diagnostics import Diagnostics

    seen: dict[str, tuple[Path, str]] = {}
    diags = Diagnostics()
    for outcome in outcomes:
        for rel, text in outcome.files.items():
            first = seen.setdefault(rel, (outcome.source, text))
            if first[1] != text and first[0] != outcome.source:
                diags.error("PC382", f"`{_shown(first[0])}` and `{_shown(outcome.source)}` both write `{rel}` "
                            "with different content", help="give the pipelines different names, or compile "
                            "them into different output folders")
    _common.report(diags, None, args)
    return diags.has_errors


def _write_or_check(compiled: list[_Compiled], out: str, args: argparse.Namespace) -> int:
    """Merge the jobs' files with the manifest, then write them and remove stale files, or --check."""
    from pipec.compiler import manifest
    from pipec.compiler.writer import OutputError, remove_outputs, stale_files, write_outputs

    try:
        out_root = Path(out).resolve()
        old = manifest.read(out_root, f"{out}/{manifest.MANIFEST}")
        files: dict[str, str] = {}
        updates = []
        for outcome in compiled:
            files.update(outcome.files)
            updates.append(manifest.Update(manifest.source_key(out_root, outcome.source, outcome.root),
                                           frozenset(outcome.targets), frozenset(outcome.files), outcome.partial))
        new, dropped = manifest.apply(old, updates, out_root)
        owned = sorted({t for outcome in compiled if not outcome.partial for t in outcome.targets})
        present = stale_files(files, out, owned)
        stale = sorted((dropped | manifest.unlisted(new, present, owned)) - files.keys())
        files[manifest.MANIFEST] = new.render()
        files = dict(sorted(files.items()))
        if args.check:
            return _check(files, out, stale, args)
        written = write_outputs(files, out)
        removed = remove_outputs(stale, out)
    except manifest.ManifestError as exc:
        sys.stderr.write(f"pipec: error[PC384]: {exc}\n")
        return exits.EXIT_USER_ERROR
    except OutputError as exc:
        sys.stderr.write(f"pipec: error: {exc}\n")
        return exits.EXIT_USER_ERROR
    lines = [f"wrote {path.as_posix()}" for path in written]
    lines += [f"removed {path.as_posix()}" for path in removed]
    unchanged = len(files) - len(written)
    summary = f"{_plural(len(written), 'file')} written, {unchanged} unchanged"
    if removed:
        summary += f", {len(removed)} stale removed"
    lines.append(f"{summary} in {out}/")
    _common.write_stdout("\n".join(lines) + "\n")
    return exits.EXIT_OK


def _check(files: dict[str, str], out: str, stale: list[str], args: argparse.Namespace) -> int:
    from pipec.compiler.writer import check_outputs

    diffs = check_outputs(files, out, stale=stale)
    if not diffs:
        _common.write_stdout(f"{_plural(len(files), 'file')} up to date in {out}/\n")
        return exits.EXIT_OK
    kinds = {kind: sum(d.kind == kind for d in diffs) for kind in ("changed", "missing", "extra")}
    detail = ", ".join(f"{n} {kind}" for kind, n in kinds.items() if n)
    text = "".join(d.diff for d in diffs)
    text += (f"{_plural(len(diffs), 'file')} out of date in {out}/ ({detail}); to regenerate, run:\n"
             f"  {regenerate_command(getattr(args, '_argv', sys.argv[1:]))}\n")
    _common.write_stdout(text)
    return exits.EXIT_DIFFERENT
