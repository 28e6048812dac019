"""What every command that reads a pipeline shares: arguments, loading, reporting.

All of them (`compile`, `inspect`, `graph`, and later `run`) take the same source
arguments, load through :func:`pipec.compiler.api.load` and print diagnostics the
same way, so a problem looks identical whichever command found it.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pipec.compiler.api import LoadResult
    from pipec.ir.diagnostics import Diagnostics

def add_source_arguments(parser: argparse.ArgumentParser, *, many: bool = False) -> None:
    """The arguments naming and configuring the pipeline source (`many`: any number of FILEs, as `files`)."""
    if many:
        parser.add_argument("files", nargs="*", metavar="FILE",
                            help="Python modules that define the pipelines (globs expanded by the shell); "
                                 "without any, the project's [tool.pipec.compile] table says what to compile")
    else:
        parser.add_argument("file", metavar="FILE", help="Python module that defines the pipeline(s)")
    parser.add_argument("--pipeline", metavar="NAME",
                        help="use only the pipeline called NAME (default: every pipeline in FILE)")
    parser.add_argument("--param", action="append", default=[], metavar="KEY=VALUE",
                        help="set a pipeline parameter, coerced to its declared type (repeatable)")
    parser.add_argument("--config", metavar="YAML", help="a ZenML-style YAML run configuration")
    parser.add_argument("--root", metavar="DIR",
                        help="source root that imports resolve from (default: the nearest folder above "
                             "FILE holding pyproject.toml, pipec.toml, .pipec or .zen; else FILE's folder)")


def add_stack_argument(parser: argparse.ArgumentParser) -> None:
    """`--stack NAME`, shared by `compile`, `submit` and `run`."""
    parser.add_argument("--stack", metavar="NAME",
                        help="use this stack (see `pipec stack list`) instead of the active one "
                             "($PIPEC_STACK, `pipec stack set`, the config's `active`, else `default`)")


def use_color(args: argparse.Namespace, stream=None) -> bool:
    """Whether diagnostics get ANSI colours: --color always/never, or auto (a terminal and no NO_COLOR)."""
    mode = getattr(args, "color", None) or "auto"
    if mode == "always":
        return True
    if mode == "never":
        return False
    stream = stream or sys.stderr
    return bool(getattr(stream, "isatty", lambda: False)()) and not os.environ.get("NO_COLOR")


def report(diags: Diagnostics, root: Path | None, args: argparse.Namespace, sink: list[str] | None = None) -> None:
    """Print `diags` to stderr, paths relative to the current folder (and append the text to `sink`)."""
    from pipec.ir.diagnostics import render_all

    text = render_all(diags, root, color=use_color(args), cwd=Path.cwd())
    text += "".join(f"note: {notice}\n" for notice in getattr(diags, "notices", ()))
    if text:
        if sink is not None:
            sink.append(text)
        sys.stderr.write(text)
        sys.stderr.flush()


def _check_readable(path: str, what: str, diags: Diagnostics) -> bool:
    target = Path(path)
    try:
        if target.is_dir():
            diags.error("PC002", f"cannot read {what} `{path}`: it is a folder, not a file")
            return False
        if target.exists() and not target.is_file():  # opening a fifo would wait for a writer forever
            diags.error("PC002", f"cannot read {what} `{path}`: it is not a regular file (a fifo, socket or device)")
            return False
        with open(target, "rb"):
            pass
    except OSError as exc:
        diags.error("PC002", f"cannot read {what} `{path}`: {exc.strerror or exc}")
        return False
    return True


def load_source(args: argparse.Namespace, diags: Diagnostics | None = None) -> LoadResult:
    """Load ``args.file`` with the source arguments; command-line problems join its diagnostics.

    `diags` holds problems the caller already found (e.g. a malformed --option). When
    FILE, --config or --root cannot be used, nothing is parsed and the result holds
    an empty program, so the caller can still report every problem at once.
    """
    from pipec.compiler import api
    from pipec.compiler.driver import parse_assignments
    from pipec.ir import Program
    from pipec.ir.diagnostics import Diagnostics

    pre = diags if diags is not None else Diagnostics()
    params = parse_assignments(args.param, "PC303", "--param", pre)
    usable = _check_readable(args.file, "pipeline file", pre)
    if args.config is not None:
        usable = _check_readable(args.config, "run configuration", pre) and usable
    if args.root is not None and not Path(args.root).is_dir():
        pre.error("PC002", f"source root `{args.root}` is not a folder")
        usable = False
    if not usable:
        return api.LoadResult(Program(()), pre, Path.cwd())
    # `call`: set by a pipeline called from a running script (`python run.py`), never by a flag.
    call = getattr(args, "call", None)
    result = api.load(args.file, root=args.root, params=params, config=args.config, pipeline=args.pipeline,
                      **({"call": call} if call is not None else {}))
    result.diagnostics.extend(pre)
    return result


def write_stdout(text: str) -> None:
    """Write command output to stdout as UTF-8 with "\\n" newlines, whatever the locale."""
    stream = getattr(sys.stdout, "buffer", None)
    sys.stdout.flush()
    if stream is not None:
        stream.write(text.encode("utf-8"))
        stream.flush()
    else:  # e.g. a StringIO under test capture
        sys.stdout.write(text)
