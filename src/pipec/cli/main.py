"""The `pipec` command line (also `python -m pipec`).

Exit codes: 0 success; 1 `compile --check` found out-of-date files; 2 bad input
(error diagnostics, a bad command line, an unwritable output); 3 internal error
(a bug: reported as "please report", never as a traceback unless PIPEC_DEBUG=1);
130 interrupted.

Only argparse is imported up front. The subcommand's module (see
`pipec.cli.COMMANDS`) is imported once the command line names it,
and heavy libraries only inside its ``run``, so `pipec --help` stays fast.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence

from . import COMMANDS
from .exits import EXIT_FAILED, EXIT_INTERNAL, EXIT_INTERRUPTED, EXIT_OK, EXIT_USER_ERROR

COLOR_CHOICES = ("auto", "always", "never")

_EPILOG = """\
exit codes: 0 ok, 1 `compile --check` found differences, 2 invalid input, 3 internal error
set PIPEC_DEBUG=1 to get a traceback for internal errors; NO_COLOR disables colour in auto mode"""


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser that never abbreviates long options (`--che` is not `--check`)."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("allow_abbrev", False)
        super().__init__(*args, **kwargs)


def _add_color(parser: argparse.ArgumentParser, default) -> None:
    parser.add_argument("--color", choices=COLOR_CHOICES, default=default,
                        help="colour diagnostics: auto (a terminal and NO_COLOR unset), always or never")


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The argument parser; only `command`'s module is imported to add its arguments."""
    from pipec import __version__

    parser = _Parser(prog="pipec", description="Compile ZenML-style Python ML pipelines, statically, "
                     "into orchestrator artifacts.", epilog=_EPILOG,
                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"pipec {__version__}")
    _add_color(parser, None)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True
    for name, (module_path, summary) in COMMANDS.items():
        if command is not None and name != command:
            continue  # only the named command's parser is needed (each costs ~1 ms to build)
        cmd = sub.add_parser(name, help=summary, description=summary[:1].upper() + summary[1:] + ".")
        if name == command:
            module = importlib.import_module(module_path)
            module.add_arguments(cmd)
            # SUPPRESS: a --color before the command name must survive the subparser's defaults.
            _add_color(cmd, argparse.SUPPRESS)
            cmd.set_defaults(_run=module.run)
    return parser


def _command_token(argv: Sequence[str]) -> str | None:
    """The first argument that is not a global option: the command name the user wrote."""
    i = 0
    while i < len(argv):
        arg = argv[i]
        if arg == "--":
            return argv[i + 1] if i + 1 < len(argv) else None
        if arg == "--color":
            i += 2
            continue
        if not arg.startswith("-") or arg == "-":
            return arg
        i += 1
    return None


def _run(argv: list[str]) -> int:
    token = _command_token(argv)
    command = token if token in COMMANDS else None
    parser = build_parser(command)
    if token is not None and command is None:
        from pipec.ir.diagnostics import did_you_mean

        hint = did_you_mean(token, COMMANDS)
        parser.print_usage(sys.stderr)
        sys.stderr.write(f"pipec: error: unknown command `{token}`"
                         f"{'; ' + hint if hint else ''} (commands: {', '.join(COMMANDS)})\n")
        return EXIT_USER_ERROR
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, --version, or a usage error (argparse exits 2)
        return exc.code if isinstance(exc.code, int) else (EXIT_OK if exc.code is None else EXIT_USER_ERROR)
    args._argv = list(argv)
    return args._run(args)


def _internal_error(exc: BaseException) -> int:
    from pipec.compiler.driver import TargetCrash

    if isinstance(exc, TargetCrash) and not exc.builtin:
        what = str(exc)
        advice = (f"This is a bug in the third-party target `{exc.target}`, not in your pipeline; "
                  "please report it to its authors.")
    else:
        what = str(exc) if isinstance(exc, TargetCrash) else f"{type(exc).__name__}: {exc}"
        advice = ("This is a bug in pipec, not in your pipeline; please report it "
                  "with the command you ran and the input file.")
    sys.stderr.write(f"pipec: internal error: {what}\n{advice}\nSet PIPEC_DEBUG=1 to see the traceback.\n")
    return EXIT_INTERNAL


def main(argv: Sequence[str] | None = None) -> int:
    """Run the `pipec` command line with `argv` (default: sys.argv[1:]); return the exit code."""
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        return _run(argv)
    except KeyboardInterrupt:
        sys.stderr.write("pipec: interrupted\n")
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # The reader went away (e.g. `pipec inspect x.py | head`); silence the flush at exit.
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
        except (OSError, ValueError):
            pass
        return EXIT_FAILED
    except Exception as exc:
        if os.environ.get("PIPEC_DEBUG", "") not in ("", "0"):
            raise
        from pipec.runtime.store_errors import StoreUnavailable

        if isinstance(exc, StoreUnavailable):
            sys.stderr.write(f"pipec: error: {exc}\n")
            return EXIT_USER_ERROR
        return _internal_error(exc)


if __name__ == "__main__":
    raise SystemExit(main())
