"""`pipec targets [--json]`: list the registered targets, their descriptions and options.

The list starts with ``local``, the embedded runner behind `pipec run` (the built-in default
stack's target): it compiles no files, so `--target local` is an error that says so and
``--target all`` leaves it out.
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


def _describe_options(target) -> list[dict]:
    return [{"name": spec.name, "help": spec.help, "kind": spec.kind_name, "default": spec.default,
             "choices": list(spec.choices)} for spec in getattr(target, "options", ())]


def run(args: argparse.Namespace) -> int:
    """List every target; one that fails to load is listed with the reason and a PC305 warning."""
    from pipec import targets
    from pipec.ir.codec import dumps
    from pipec.ir.diagnostics import Diagnostics
    from pipec.stacks.model import LOCAL

    from . import args as _common
    from . import exits

    diags = Diagnostics()
    entries = [{"name": LOCAL, "description": LOCAL_DESCRIPTION, "options": [], "compiles": False}]
    for info in targets.available():
        entry: dict = {"name": info.name, "description": "", "options": [], "compiles": True}
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

    if args.json:
        _common.write_stdout(dumps({"targets": entries}))
    else:
        width = max((len(e["name"]) for e in entries), default=0)
        lines = []
        for e in entries:
            lines.append(f"{e['name']:<{width}}  {e['description']}".rstrip())
            for opt in e["options"]:
                extra = [opt["kind"]] if opt["kind"] not in ("text", "choice") else []
                if opt["default"] is not None:
                    extra.append(f"default: {opt['default']}")
                if opt["choices"]:
                    extra.append(f"one of: {', '.join(opt['choices'])}")
                suffix = f" ({'; '.join(extra)})" if extra else ""
                lines.append(f"{'':<{width}}    --option {e['name']}.{opt['name']}=...  {opt['help']}{suffix}")
        _common.write_stdout("\n".join(lines) + "\n" if lines else "no targets registered\n")
    _common.report(diags, None, args)
    return exits.EXIT_OK
