"""`python -m pipec.runtime`: `run-step` (the shim every target calls), `kube-run` (a compiled plan
run by pipec's scheduler: the kubernetes target's orchestrator pod, the SkyPilot targets' VM),
plus `run`, `runs` and `logs`.

`run-step` is the hot path (one process per step): it imports only the shim.
"""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    """Dispatch to a subcommand."""
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] == "run-step":
        from .shim import main as run_step

        return run_step(argv[1:])
    if argv and argv[0] == "kube-run":
        from .kube_run import main as kube_run

        return kube_run(argv[1:])
    import argparse

    from pipec.cli import logs as logs_cmd
    from pipec.cli import run as run_cmd
    from pipec.cli import runs as runs_cmd

    parser = argparse.ArgumentParser(prog="python -m pipec.runtime")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("run-step", help="execute one step (see runtime/README.md)")
    sub.add_parser("kube-run", help="run a compiled plan: the kubernetes orchestrator pod, a SkyPilot VM "
                                  "(see kube_run.py)")
    for name, module in (("run", run_cmd), ("runs", runs_cmd), ("logs", logs_cmd)):
        sub_parser = sub.add_parser(name, help=module.HELP, description=module.HELP)
        module.add_arguments(sub_parser)
        sub_parser.set_defaults(_run=module.run)
    args = parser.parse_args(argv)
    return args._run(args)


if __name__ == "__main__":
    raise SystemExit(main())
