"""`pipec compile FILE [--target T ...|--stack NAME]`: write (or `--check`) every target's artifacts.

Without `--target`, the active stack (see `pipec.compiler.stacks`) gives the target, its
options and the image registry; `--target` alone ignores stacks.

Output goes to ``OUT/<target>/...`` (``OUT`` defaults to ``./out``). pipec owns
each ``OUT/<target>/`` folder: when the whole module is compiled (no
``--pipeline``), files there that the compile no longer produces are removed, and
``--check`` reports them as stale.
"""

from __future__ import annotations

import argparse
import shlex
import sys

from . import _common

DEFAULT_OUT = "out"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of `pipec compile`."""
    _common.add_source_arguments(parser)
    parser.add_argument("--target", "-t", action="append", metavar="NAME",
                        help="target to compile for; repeatable; `all` selects every registered target "
                             "(list them with `pipec targets`); without it, the active stack's target")
    _common.add_stack_argument(parser)
    parser.add_argument("--out", "-o", default=DEFAULT_OUT, metavar="DIR",
                        help="output folder, relative to the current folder; files go to DIR/<target>/, "
                             "which pipec owns: without --pipeline, files there that the compile no longer "
                             f"produces are removed (default: ./{DEFAULT_OUT})")
    parser.add_argument("--option", action="append", default=[], metavar="KEY=VALUE",
                        help="target option; `target.key=value` for one target, `key=value` for every "
                             "selected target that declares it (repeatable)")
    parser.add_argument("--check", action="store_true",
                        help="write nothing; exit 1 with a diff when the files in DIR differ from "
                             "what a compile would write, 0 when they match")


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


def run(args: argparse.Namespace) -> int:
    """Compile, then write the files atomically or compare them (--check)."""
    from pipec.compiler.api import gc_paused
    from pipec.compiler.diagnostics import Diagnostics
    from pipec.compiler.driver import compile_targets, expand_names, parse_assignments
    from pipec.compiler.stacks import plan_compile
    from pipec.compiler.writer import OutputError, remove_outputs, stale_files, write_outputs

    pre = Diagnostics()
    options = parse_assignments(args.option, "PC302", "--option", pre)
    with gc_paused():  # a short burst of allocation with no garbage worth collecting
        result = _common.load_source(args, pre)
        plan = plan_compile(result.root, args.target, args.stack, options, result.diagnostics)
        files, diags = compile_targets(result, plan.targets, plan.options, registry=plan.registry)
    _common.report(diags, result.root, args)
    if diags.has_errors:
        return _common.EXIT_USER_ERROR

    # With --pipeline only part of the module is compiled, so other files are not stale.
    owned = [] if args.pipeline else expand_names(plan.targets)
    out = args.out
    try:
        if args.check:
            return _check(files, out, owned, args)
        written = write_outputs(files, out)
        removed = remove_outputs(stale_files(files, out, owned), out) if owned else []
    except OutputError as exc:
        sys.stderr.write(f"pipec: error: {exc}\n")
        return _common.EXIT_USER_ERROR
    lines = [f"wrote {path.as_posix()}" for path in written]
    lines += [f"removed {path.as_posix()}" for path in removed]
    unchanged = len(files) - len(written)
    summary = f"{_plural(len(written), 'file')} written, {unchanged} unchanged"
    if removed:
        summary += f", {len(removed)} stale removed"
    lines.append(f"{summary} in {out}/")
    _common.write_stdout("\n".join(lines) + "\n")
    return _common.EXIT_OK


def _check(files: dict[str, str], out: str, owned: list[str], args: argparse.Namespace) -> int:
    from pipec.compiler.writer import check_outputs

    diffs = check_outputs(files, out, owned)
    if not diffs:
        _common.write_stdout(f"{_plural(len(files), 'file')} up to date in {out}/\n")
        return _common.EXIT_OK
    kinds = {kind: sum(d.kind == kind for d in diffs) for kind in ("changed", "missing", "extra")}
    detail = ", ".join(f"{n} {kind}" for kind, n in kinds.items() if n)
    text = "".join(d.diff for d in diffs)
    text += (f"{_plural(len(diffs), 'file')} out of date in {out}/ ({detail}); to regenerate, run:\n"
             f"  {regenerate_command(getattr(args, '_argv', sys.argv[1:]))}\n")
    _common.write_stdout(text)
    return _common.EXIT_DIFFERENT
