"""`pipec stack list|describe [NAME]|set NAME|unset`: see and choose the active stack.

The source root is ``--root`` or the nearest folder above the current one holding
pyproject.toml, pipec.toml, .pipec or .zen (the markers `pipec compile FILE` looks for).
The active stack is, by precedence: ``--stack`` on a command, ``$PIPEC_STACK``, the stack
remembered by `pipec stack set` (in ``.pipec/active-stack``), the config's ``active``,
then ``default``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from . import args as _common
from . import exits


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of `pipec stack`."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--root", metavar="DIR",
                        help="source root whose stacks to use (default: the nearest folder above the current "
                             "one holding pyproject.toml, pipec.toml, .pipec or .zen; else the current folder)")
    sub = parser.add_subparsers(dest="stack_command", metavar="ACTION")
    sub.required = True
    lister = sub.add_parser("list", parents=[common], help="list the stacks, marking the active one")
    lister.add_argument("--json", action="store_true", help="print JSON")
    describe = sub.add_parser("describe", parents=[common],
                              help="show every field of a stack with its effective value and origin")
    describe.add_argument("name", nargs="?", metavar="NAME", help="stack to describe (default: the active one)")
    describe.add_argument("--json", action="store_true", help="print JSON")
    chooser = sub.add_parser("set", parents=[common], help="make NAME the active stack of this source root")
    chooser.add_argument("name", metavar="NAME", help="a stack defined in the config, or `default`")
    sub.add_parser("unset", parents=[common],
                   help="forget the stack `pipec stack set` chose (the config's `active` applies again)")


def find_root(cwd: Path) -> Path:
    """The nearest folder from `cwd` upwards that holds a source-root marker; else `cwd`."""
    from pipec.compiler.api import ROOT_MARKERS

    for candidate in (cwd, *cwd.parents):
        if any((candidate / marker).exists() for marker in ROOT_MARKERS):
            return candidate
    return cwd


def run(args: argparse.Namespace) -> int:
    """Run the chosen action."""
    from pipec import stacks
    from pipec.ir.diagnostics import Diagnostics

    diags = Diagnostics()
    if args.root is not None and not Path(args.root).is_dir():
        diags.error("PC002", f"source root `{args.root}` is not a folder")
        _common.report(diags, None, args)
        return exits.EXIT_USER_ERROR
    root = Path(args.root).resolve() if args.root is not None else find_root(Path.cwd())
    config = stacks.load_config(root, diags)
    if diags.has_errors:
        _common.report(diags, root, args)
        return exits.EXIT_USER_ERROR
    action = {"list": _list, "describe": _describe, "set": _set, "unset": _unset}[args.stack_command]
    code, text = action(args, config, diags)
    if text:
        _common.write_stdout(text)
    _common.report(diags, root, args)
    return exits.EXIT_USER_ERROR if diags.has_errors else code


def _unknown(config, name: str, diags) -> None:
    from pipec.ir.diagnostics import did_you_mean

    known = ", ".join(config.stacks)
    where = f" in {config.path}" if config.path else ""
    hint = did_you_mean(name, config.stacks)
    diags.error("PC364", f"unknown stack `{name}`; no such stack is defined{where}",
                help=f"{hint} defined stacks: {known}" if hint else f"defined stacks: {known}")


def _table(rows: list[tuple[str, ...]]) -> str:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return "".join("  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip() + "\n"
                   for row in rows)


def _list(args, config, diags) -> tuple[int, str]:
    from pipec import stacks

    for stack in config.stacks.values():
        stacks.check_target(stack, diags)
    active = stacks.select(config, None, diags)
    current = active.stack.name if active else None
    if args.json:
        data = {"active": current, "selected_by": active.reason if active else None,
                "stacks": [{"name": s.name, "target": s.target, "active": s.name == current,
                            "defined_in": s.defined_in} for s in config.stacks.values()]}
        return exits.EXIT_OK, json.dumps(data, indent=2) + "\n"
    rows = [("", "NAME", "TARGET", "DEFINED IN")]
    rows += [("*" if s.name == current else "", s.name, s.target, s.defined_in) for s in config.stacks.values()]
    text = _table(rows)
    if active:
        text += f"\nactive: {active.stack.name} (selected by {active.reason})\n"
    return exits.EXIT_OK, text


def _describe(args, config, diags) -> tuple[int, str]:
    from pipec import stacks
    from pipec.ir.diagnostics import Diagnostics

    # Describing a named stack must work even when the active one is broken.
    active = stacks.select(config, None, diags if args.name is None else Diagnostics())
    if args.name is None:
        if active is None:
            return exits.EXIT_OK, ""
        stack = active.stack
    elif args.name in config.stacks:
        stack = config.stacks[args.name]
    else:
        _unknown(config, args.name, diags)
        return exits.EXIT_OK, ""
    data = stacks.describe(stack, config.root, active, diags)
    if args.json:
        return exits.EXIT_OK, json.dumps(data, indent=2) + "\n"
    state = f"active, selected by {data['selected_by']}" if data["active"] else "not active"
    where = data["defined_in"] + (f" as [{data['table']}]" if data["table"] else "")
    lines = [f"stack {stack.name} ({state})", f"defined in: {where}", ""]
    origin = data["origin"]
    rows = [(key, data[key] if data[key] is not None else "-", f"({origin[key]})")
            for key in ("target", "image", "registry", "artifact_store", "metadata_store")]
    rows += [(f"options.{key}", value, f"({origin['options.' + key]})") for key, value in data["options"].items()]
    return exits.EXIT_OK, "\n".join(lines) + "\n" + _table(rows)


def _set(args, config, diags) -> tuple[int, str]:
    from pipec import stacks

    if args.name not in config.stacks:
        _unknown(config, args.name, diags)
        return exits.EXIT_OK, ""
    stack = config.stacks[args.name]
    if not stacks.check_target(stack, diags):
        return exits.EXIT_OK, ""
    path = stacks.remember(config.root, stack.name)
    text = (f"active stack: {stack.name} (target {stack.target}); remembered in "
            f"{os.path.relpath(path, Path.cwd())}\n")
    overriding = os.environ.get(stacks.ENV_VAR, "").strip()
    if overriding and overriding != stack.name:
        sys.stderr.write(f"pipec: note: ${stacks.ENV_VAR}={overriding} is set and overrides it in this "
                         "environment\n")
    return exits.EXIT_OK, text


def _unset(args, config, diags) -> tuple[int, str]:
    from pipec import stacks

    had = stacks.forget(config.root)
    active = stacks.select(config, None, diags)
    text = "forgot the stack `pipec stack set` chose\n" if had else "no stack was set with `pipec stack set`\n"
    if active:
        text += f"active stack: {active.stack.name} (selected by {active.reason})\n"
    return exits.EXIT_OK, text
