"""`python -m pipec.runtime kube-run`: run a compiled plan (the pipeline's IR as JSON).

The kubernetes target's orchestrator pod passes ``--jobs``: the run plan the compiler put in the
ConfigMap (the pipeline's IR and each step's Job body) runs with the scheduler of ``pipec run``
and the Kubernetes launcher (`pipec.runtime.kubernetes_launcher`); a step's retries are its
Job's ``backoffLimit``, so the scheduler itself starts each step once. Without ``--jobs`` (the
SkyPilot targets' VM) the steps run as local processes, exactly as ``pipec run`` runs them,
retries included; with ``--step`` (repeated) only those steps run, under the given run id: the
part of a run one task of a SkyPilot chain runs, the outputs of earlier tasks read from the
run's stores (`pipec.runtime.run_part`). A pipeline parameter some step binds is an env
var of the orchestrator's container (``PIPEC_PARAM_<name>``, the compile-time value unless the
Job is edited): the scheduler runs with those values and the launcher hands them to the steps.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Mapping
from dataclasses import replace

from pipec.ir import Pipeline

from .kubernetes_launcher import parameter_env


def without_retries(pipeline: Pipeline) -> Pipeline:
    """`pipeline` with no step retried by the scheduler (the step Jobs retry by backoffLimit)."""
    steps = tuple(replace(s, settings=replace(s.settings, retry=None)) for s in pipeline.steps)
    return replace(pipeline, steps=steps)


def with_parameters(pipeline: Pipeline, environ: Mapping[str, str]) -> tuple[Pipeline, dict[str, str]]:
    """`pipeline` with the run-time parameters its env vars set in `environ` (the orchestrator
    Job's env: text for a ``str`` parameter, JSON otherwise), and ``{env var: text}`` of every
    run-time parameter for the step Jobs."""
    from pipec.targets.kit.params import bound_parameters

    env = parameter_env(p.name for p in bound_parameters(pipeline))
    texts = {var: environ[var] for var in env.values() if var in environ}
    params = []
    for param in pipeline.parameters:
        var = env.get(param.name)
        if var in texts:
            value = texts[var] if param.type == "str" else json.loads(texts[var])
            param = replace(param, value=value, known=True)
        params.append(param)
    return replace(pipeline, parameters=tuple(params)), texts


def unset_parameters(pipeline: Pipeline) -> dict[str, str]:
    """``{parameter: env var}`` of the run-time parameters that have no value in `pipeline`."""
    from pipec.targets.kit.params import bound_parameters, has_value

    bound = bound_parameters(pipeline)
    env = parameter_env(p.name for p in bound)
    return {p.name: env[p.name] for p in bound if not has_value(p)}


def parser() -> argparse.ArgumentParser:
    """The command line the orchestrator Job's container passes."""
    parser = argparse.ArgumentParser(prog="python -m pipec.runtime kube-run")
    parser.add_argument("--plan", required=True, help="the pipeline's IR (JSON)")
    parser.add_argument("--jobs", default=None,
                        help="the step Jobs (multi-document YAML); without it the steps run as local processes")
    parser.add_argument("--namespace", default=None, help="namespace the step Jobs are created in (with --jobs)")
    parser.add_argument("--run-id", default=None,
                        help="the run's id (the orchestrator Job's uid; empty or unset: a new one)")
    parser.add_argument("--orchestrator", default=None,
                        help="what the run's record names as orchestrator (default: kubernetes with --jobs, else local)")
    parser.add_argument("--source-root", default=".", help="folder of the pipeline's sources")
    parser.add_argument("--artifact-store", default=None)
    parser.add_argument("--metadata-store", default=None)
    parser.add_argument("--step", action="append", dest="steps", default=None,
                        help="run only this step (repeat for each); the others run in other processes of the same "
                             "--run-id, which is then required (without --jobs)")
    parser.add_argument("--max-parallel", type=int, default=None, help="most step Jobs at once (default: all)")
    return parser


def main(argv: list[str]) -> int:
    """Run the plan; the exit status is the run's (0 when it completed)."""
    import yaml

    from pipec.ir.codec import pipeline_from_json

    from .kubernetes_launcher import KubernetesLauncher, jobs_by_step
    from .orchestrator import run_pipeline
    from .run_part import PartError

    args = parser().parse_args(argv)
    if args.jobs is not None and not args.namespace:
        sys.stderr.write("pipec kube-run: error: --jobs needs --namespace\n")
        return 2
    if args.steps is not None and (args.jobs is not None or not args.run_id):
        sys.stderr.write("pipec kube-run: error: --step needs the run id its tasks share (--run-id; a SkyPilot "
                         "chain's is $PIPEC_RUN_ID, else its managed job's first $SKYPILOT_TASK_IDS) and no --jobs\n")
        return 2
    with open(args.plan, encoding="utf-8") as handle:
        plan = pipeline_from_json(json.load(handle))
    pipeline, params = with_parameters(without_retries(plan) if args.jobs is not None else plan, os.environ)
    unset = unset_parameters(pipeline)
    if unset:
        sys.stderr.write("pipec kube-run: error: no value for pipeline parameter(s) "
                         + ", ".join(f"`{name}` (set the env var {var})" for name, var in unset.items()) + "\n")
        return 2
    if args.jobs is None:
        launcher = "fork"
    else:
        with open(args.jobs, encoding="utf-8") as handle:
            jobs = jobs_by_step(list(yaml.safe_load_all(handle)))

        def launcher(keys, on_exit):
            return KubernetesLauncher(jobs, keys, args.namespace, args.run_id, on_exit, params=params)

    orchestrator = args.orchestrator or ("kubernetes" if args.jobs is not None else "local")
    try:
        result = run_pipeline(pipeline, args.source_root,
                              max_parallel=args.max_parallel or len(pipeline.steps) or 1,
                              artifact_store=args.artifact_store or None, metadata_store=args.metadata_store or None,
                              run_id=args.run_id or None, progress=sys.stdout, live=False, launcher=launcher,
                              logs=sys.stdout, orchestrator=orchestrator, part=args.steps)
    except PartError as exc:
        sys.stderr.write(f"pipec kube-run: error: {exc}\n")
        return 2
    sys.stdout.write(result.summary())
    if result.status == "running":
        sys.stdout.write(f"the run goes on: its other steps run in the next task(s) of run {result.run_id}\n")
    return result.exit_code
