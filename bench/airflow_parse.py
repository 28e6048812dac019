"""Benchmark: Airflow DagBag parse time of pipec-generated DAGs next to minimal hand-written ones.

For each size, the pipeline module of `bench/compile.py` (a chain that also fans out, then fans
in) is compiled with `pipec compile --target airflow` in the default `kubernetes` mode and in
`local` mode. Next to each generated DAG file goes a minimal hand-written DAG of the same
shape, as a person would write it to run the same pipeline: the same operator class per task,
the same task ids and the same dependencies, the pipeline's run-time parameters as DAG
`params` (plain values), and per task only what an operator needs to run that task's step: an
image (one module-level constant) and a command naming the step, or a bash command doing so.
No namespace, labels, retries, tags or data wiring: those are pipec's extra work, and count.

One process per mode imports Airflow once (as the dag-processor does before it forks its
parsers), parses every file once to warm up, then alternates the files, timing `DagBag(file)`:
the import of the file plus Airflow's checks of its DAG. Twice: without a bytecode cache, so each
parse compiles the file (the first parse after a deploy, or every parse of a read-only dags
folder), and with the file's .pyc reused (later re-parses). Times are the process's CPU time,
which other load on the machine barely disturbs; the best of --runs counts (small files get more
tries). Goal: generated <= 1.2 x hand-written.

    python bench/airflow_parse.py                    # sizes 10, 100, 1000; best of 7
    python bench/airflow_parse.py --sizes 1000 --profile   # also: where the generated file's time goes
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

#: Goal: generated / hand-written parse time.
RATIO_GOAL = 1.2
#: "compile": no bytecode cache, every parse compiles the file (the first parse after a deploy,
#: or every parse of a read-only dags folder); "cached": the file's .pyc is reused (re-parses).
REGIMES = ("compile", "cached")
#: Operator modes compared, with the operator class the hand-written DAG uses in each.
MODES = {
    "kubernetes": "from airflow.providers.cncf.kubernetes.operators.pod import KubernetesPodOperator",
    "local": "from airflow.providers.standard.operators.bash import BashOperator",
}

#: Parses the files named on its command line in one warm process; prints {file: best seconds}.
WORKER = r'''
import gc, json, sys, time, warnings

try:
    from airflow.dag_processing.dagbag import DagBag
except ImportError:  # Airflow 2
    from airflow.models.dagbag import DagBag

runs, cached, profile, files = int(sys.argv[1]), sys.argv[2] == "cached", sys.argv[3], sys.argv[4:]
# "cached": the warm-up parse writes __pycache__/*.pyc and later parses load it (re-parses of an
# unchanged file in a writable dags folder); else every parse compiles the file.
sys.dont_write_bytecode = not cached


def parse(path):
    gc.collect()  # cheap after gc.freeze(): only what earlier parses left
    start = time.process_time()
    bag = DagBag(dag_folder=path)
    elapsed = time.process_time() - start
    if bag.import_errors or len(bag.dags) != 1:
        sys.exit(f"{path}: {len(bag.dags)} DAGs, import errors: {bag.import_errors}")
    return elapsed, len(next(iter(bag.dags.values())).tasks)


with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    tasks = {path: parse(path)[1] for path in files}  # warm-up: imports the operators' modules
    gc.collect()
    gc.freeze()  # Airflow's own objects stay out of every later collection
    best = dict.fromkeys(files, float("inf"))
    for _ in range(runs):
        for path in files:
            # Small files get more tries: their times are short enough for scheduler noise to matter.
            for _ in range(max(1, 200 // tasks[path])):
                best[path] = min(best[path], parse(path)[0])
    if profile:
        import cProfile, io, pstats

        profiler = cProfile.Profile()
        profiler.enable()
        parse(profile)
        profiler.disable()
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out).strip_dirs().sort_stats("cumulative")
        stats.print_stats(30)
        out.write("\n--- by own time ---\n")
        stats.sort_stats("tottime").print_stats(20)
        sys.stderr.write(out.getvalue())
print(json.dumps({"best": best, "tasks": tasks}))
'''


def _generate(n: int) -> str:
    """The pipeline module `bench/compile.py` generates for `n` steps."""
    spec = importlib.util.spec_from_file_location("pipec_bench_compile", Path(__file__).with_name("compile.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.generate(n)


def _shape(source: Path) -> tuple[str, list[str], list[tuple[str, str]], dict[str, object]]:
    """(pipeline name, task ids in order, dependency edges, run-time parameters with their values)
    of the pipeline in `source`."""
    from pipec.compiler.api import load
    from pipec.targets.airflow.build import runtime_parameters
    from pipec.targets.airflow.naming import dag_id, task_id

    result = load(source, root=source.parent)
    pipeline = result.program.pipelines[0]
    ids = {step.id: task_id(step) for step in pipeline.steps}
    edges = sorted((ids[a], ids[b]) for a, b in pipeline.graph.edges)
    params = {}
    for name in runtime_parameters(pipeline):
        param = pipeline.parameter(name)
        params[name] = param.value if param.known else param.default
    return dag_id(pipeline), [ids[s.id] for s in pipeline.steps], edges, params


def hand_written(mode: str, dag_id: str, tasks: list[str], edges: list[tuple[str, str]],
                 params: dict[str, object]) -> str:
    """A minimal DAG file with `tasks`, `edges` and `params`, one operator of `mode`'s class per
    task, each running its own step (the task ids are identifiers here)."""
    if mode == "kubernetes":
        make = 'KubernetesPodOperator(task_id="{0}", image=IMAGE, cmds=["python", "-m", "steps", "{0}"])'
        constants = ['IMAGE = "python:3.11"', ""]
    else:
        make = 'BashOperator(task_id="{0}", bash_command="python -m steps {0}")'
        constants = []
    dag_params = f", params={params!r}" if params else ""
    lines = ["import datetime", "", "from airflow import DAG", MODES[mode], "", *constants,
             f'with DAG(dag_id="{dag_id}", schedule=None, start_date=datetime.datetime(2024, 1, 1), '
             f"catchup=False{dag_params}):"]
    lines += [f"    {t} = " + make.format(t) for t in tasks]
    lines += [f"    {a} >> {b}" for a, b in edges]
    return "\n".join(lines) + "\n"


def _compile(source: Path, mode: str, out: Path, python: str) -> Path:
    cmd = [python, "-m", "pipec", "compile", source.name, "--target", "airflow", "--out", str(out)]
    if mode != "kubernetes":
        cmd += ["--option", f"operator={mode}"]
    proc = subprocess.run(cmd, cwd=source.parent, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise SystemExit(f"`{' '.join(cmd)}` failed:\n{proc.stderr[-4000:]}")
    (dag,) = (out / "airflow").glob("*.py")
    return dag


def main(argv: list[str] | None = None) -> int:
    """Generate, compile, write the hand-written twins, time the parses; print the markdown table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10,100,1000", help="comma-separated step counts")
    parser.add_argument("--runs", type=int, default=7, help="timed parses per file; the best counts")
    parser.add_argument("--modes", default=",".join(MODES), help="operator modes to compare")
    parser.add_argument("--python", default=sys.executable, help="interpreter with pipec and Airflow installed")
    parser.add_argument("--keep", type=Path, help="write the files here and keep them")
    parser.add_argument("--profile", action="store_true",
                        help="print a cProfile of parsing the largest generated DAG of each mode (stderr)")
    parser.add_argument("--strict", action="store_true", help="exit 1 when the goal is missed")
    args = parser.parse_args(argv)
    sizes = sorted({int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()})
    modes = [m for m in args.modes.split(",") if m]

    with tempfile.TemporaryDirectory(prefix="pipec-airflow-bench-") as tmp:
        work = args.keep or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        env = {**os.environ, "AIRFLOW_HOME": str(work / "airflow-home"), "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
               "AIRFLOW__LOGGING__LOGGING_LEVEL": "ERROR", "NO_COLOR": "1"}
        files: dict[tuple[str, int], tuple[Path, Path]] = {}
        for n in sizes:
            project = work / f"bench_{n}"
            project.mkdir(exist_ok=True)
            (project / ".pipec").mkdir(exist_ok=True)  # marks the source root
            source = project / "run.py"
            source.write_text(_generate(n), encoding="utf-8")
            dag_id, tasks, edges, params = _shape(source)
            for mode in modes:
                generated = _compile(source, mode, project / f"out_{mode}", args.python)
                hand = project / f"hand_{mode}" / generated.name
                hand.parent.mkdir(exist_ok=True)
                hand.write_text(hand_written(mode, dag_id, tasks, edges, params), encoding="utf-8")
                files[mode, n] = (generated, hand)
        results: dict[tuple[str, str, int], tuple[float, float]] = {}
        for regime in REGIMES:
            for mode in modes:
                paths = [p for n in sizes for p in files[mode, n]]
                for path in paths:  # start without bytecode caches
                    shutil.rmtree(path.parent / "__pycache__", ignore_errors=True)
                profile = str(files[mode, sizes[-1]][0]) if args.profile and regime == "cached" else ""
                print(f"  {mode}, {regime}: parsing {len(paths)} files, best of {args.runs} ...", file=sys.stderr)
                report = _parse(args.python, args.runs, regime, profile, paths, env, work)
                for n in sizes:
                    generated, hand = (str(p) for p in files[mode, n])
                    if report["tasks"][generated] != n or report["tasks"][hand] != n:
                        raise SystemExit(f"{mode}, {n} steps: the DAGs have {report['tasks'][generated]} and "
                                         f"{report['tasks'][hand]} tasks")
                    results[regime, mode, n] = (report["best"][generated], report["best"][hand])
    rows, missed = table(results, modes, sizes)
    print("\n".join(rows))
    return 1 if args.strict and missed else 0


def _parse(python: str, runs: int, regime: str, profile: str, paths: list[Path], env: dict[str, str],
           cwd: Path) -> dict:
    """Run the worker over `paths`; its report, with a profile of `profile` (if any) on stderr."""
    proc = subprocess.run([python, "-c", WORKER, str(runs), regime, profile, *map(str, paths)], env=env, cwd=cwd,
                          capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise SystemExit(f"parsing failed:\n{proc.stderr[-4000:]}")
    if profile:
        sys.stderr.write(f"--- cProfile: DagBag({profile}) ---\n{proc.stderr}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def table(results: dict[tuple[str, str, int], tuple[float, float]], modes: list[str],
          sizes: list[int]) -> tuple[list[str], bool]:
    """The markdown table (one row per mode and size, both regimes) and whether a ratio missed the goal."""
    missed = False
    rows = ["| mode | steps | first parse: generated / hand-written (ms) | ratio "
            "| re-parse: generated / hand-written (ms) | ratio |",
            "|---|---:|---:|---:|---:|---:|"]
    for mode in modes:
        for n in sizes:
            cells = []
            for regime in REGIMES:
                generated, hand = results[regime, mode, n]
                ratio = generated / hand
                missed |= ratio > RATIO_GOAL
                mark = "" if ratio <= RATIO_GOAL else " **(> 1.2)**"
                cells += [f"{generated * 1000:.1f} / {hand * 1000:.1f}", f"{ratio:.2f}{mark}"]
            rows.append(f"| {mode} | {n:,} | " + " | ".join(cells) + " |")
    return rows, missed


if __name__ == "__main__":
    raise SystemExit(main())
