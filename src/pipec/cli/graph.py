"""`pipec graph FILE --format mermaid|dot`: draw each pipeline's step graph."""

from __future__ import annotations

import argparse

from . import args as _common
from . import exits

FORMATS = ("mermaid", "dot")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of `pipec graph`."""
    _common.add_source_arguments(parser)
    parser.add_argument("--format", choices=FORMATS, default="mermaid",
                        help="mermaid (renders on GitHub) or dot (Graphviz); default: mermaid")


def run(args: argparse.Namespace) -> int:
    """Print the graph to stdout; with errors, print only the diagnostics and exit 2."""
    from pipec.compiler.graph_render import render

    result = _common.load_source(args)
    _common.report(result.diagnostics, result.root, args)
    if result.diagnostics.has_errors:
        return exits.EXIT_USER_ERROR
    text = render(result.program, args.format)
    _common.write_stdout(text if text.endswith("\n") else text + "\n")
    return exits.EXIT_OK
