"""`pipec inspect FILE`: print the checked IR (as JSON, the same shape the `ir` target writes)."""

from __future__ import annotations

import argparse

from . import args as _common
from . import exits

FORMATS = ("json",)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of `pipec inspect`."""
    _common.add_source_arguments(parser)
    parser.add_argument("--format", choices=FORMATS, default="json", help="output format (default: json)")


def run(args: argparse.Namespace) -> int:
    """Print the IR to stdout; with errors, print only the diagnostics and exit 2."""
    from pipec.ir.codec import dumps, program_to_json

    result = _common.load_source(args)
    _common.report(result.diagnostics, result.root, args)
    if result.diagnostics.has_errors:
        return exits.EXIT_USER_ERROR
    _common.write_stdout(dumps(program_to_json(result.program)))
    return exits.EXIT_OK
