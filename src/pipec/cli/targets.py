"""`pipec targets [--json] [--flavors]`: list the registered targets, their descriptions, origins and
options, then ZenML's orchestrator flavors and the target each one becomes.

The list starts with ``local``, the embedded runner behind `pipec run` (the built-in default
stack's target): it compiles no files, so `--target local` is an error that says so and
``--target all`` leaves it out. A target another distribution registers (a plug-in, entry point
group ``pipec.targets``) shows that distribution's name and version; ``--target all`` compiles
plug-ins too. The flavor table (`pipec.targets.flavors`) is filled from the registry: a flavor
whose target is not registered shows as not available.
"""

from __future__ import annotations

import argparse

#: How `pipec targets` describes the runner every machine has (not a registered target; the
#: name is the local stacks' target, `pipec.stacks.model.LOCAL`).
LOCAL_DESCRIPTION = ("this machine: `pipec run FILE` runs the steps in local processes (the default stack; "
                     "writes no files to deploy)")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of `pipec targets`."""
    parser.add_argument("--json", action="store_true", help="print the list as JSON")
    parser.add_argument("--flavors", action="store_true",
                        help="print only ZenML's orchestrator flavors and the pipec target of each")


def _describe_options(target) -> list[dict]:
    return [{"name": spec.name, "help": spec.help, "kind": spec.kind_name, "default": spec.default,
             "choices": list(spec.choices)} for spec in getattr(target, "options", ())]


def run(args: argparse.Namespace) -> int:
    """List every target; one that fails to load is listed with the reason and a PC305 warning."""
    from pipec import targets
    from pipec.ir.codec import dumps
    from pipec.ir.diagnostics import Diagnostics
    from pipec.stacks.model import LOCAL
    from pipec.targets.flavors import flavor_rows

    from . import args as _common
    from . import exits

    diags = Diagnostics()
    entries = [{"name": LOCAL, "description": LOCAL_DESCRIPTION, "options": [], "compiles": False,
                "origin": targets.BUILTIN}]
    registered = targets.available()
    for info in registered if not args.flavors else ():
        entry: dict = {"name": info.name, "description": "", "options": [], "compiles": True, "origin": info.origin}
        if info.origin != targets.BUILTIN:
            entry["entry_point"] = info.location
        try:
            target = targets.load(info)
        except targets.TargetLoadError as exc:
            entry["description"] = f"(failed to load: {exc})"
            entry["error"] = str(exc)
            diags.warning("PC305", f"target `{info.name}` failed to load: {exc}")
        else:  # described by the target object itself, the only copy of its description
            entry["description"] = str(getattr(target, "description", "") or "")
            entry["options"] = _describe_options(target)
        entries.append(entry)

    rows = flavor_rows({info.name: info.origin for info in registered}, frozenset({LOCAL}))
    if args.json:
        flavors = [{"flavor": row.flavor.flavor, "orchestrator": row.flavor.orchestrator,
                    "integration": row.flavor.integration, "targets": list(row.targets),
                    "available": row.available} for row in rows]
        _common.write_stdout(dumps({"flavors": flavors} if args.flavors else {"targets": entries, "flavors": flavors}))
    elif args.flavors:
        _common.write_stdout("\n".join(flavor_table(rows)) + "\n")
    else:
        width = max((len(e["name"]) for e in entries), default=0)
        lines = []
        for e in entries:
            lines.append(f"{e['name']:<{width}}  {e['description']}".rstrip())
            if e["origin"] != targets.BUILTIN:
                lines.append(f"{'':<{width}}    from {e['origin']} (plug-in, entry point {e['entry_point']})")
            for opt in e["options"]:
                extra = [opt["kind"]] if opt["kind"] not in ("text", "choice") else []
                if opt["default"] is not None:
                    extra.append(f"default: {opt['default']}")
                if opt["choices"]:
                    extra.append(f"one of: {', '.join(opt['choices'])}")
                suffix = f" ({'; '.join(extra)})" if extra else ""
                lines.append(f"{'':<{width}}    --option {e['name']}.{opt['name']}=...  {opt['help']}{suffix}")
        lines += ["", "ZenML orchestrator flavors (`pipec targets --flavors`):", *flavor_table(rows)]
        _common.write_stdout("\n".join(lines) + "\n")
    _common.report(diags, None, args)
    return exits.EXIT_OK


def flavor_table(rows) -> list[str]:
    """The flavor rows as aligned text lines, a header first."""
    from pipec.stacks.model import LOCAL
    from pipec.targets.flavors import CUSTOM

    table = [("flavor", "ZenML orchestrator", "integration", "pipec target", "available")]
    for row in rows:
        flavor = row.flavor
        if flavor.target == CUSTOM:
            target = ", ".join(row.targets) or "a plug-in (entry point group pipec.targets)"
            available = "yes" if row.available else "no plug-in installed"
        else:
            target = "local (pipec run)" if flavor.target == LOCAL else flavor.target
            available = "yes" if row.available else "no (target not registered)"
        table.append((flavor.flavor, flavor.orchestrator, flavor.integration, target, available))
    widths = [max(len(cells[i]) for cells in table) for i in range(len(table[0]) - 1)]
    return ["  ".join(cell.ljust(width) for cell, width in zip(cells, widths, strict=False)) + "  " + cells[-1]
            for cells in table]
