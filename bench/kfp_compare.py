"""Benchmark: pipec's `kubeflow` target against kfp's own compiler on the same pipelines.

For each size (10, 100, 1,000 steps) it generates the pipeline of `bench/compile.py` (step i
reads step i-1 and step (i-1)//2, a final step fans in the last 8, one `int` pipeline
parameter) twice: as a pipec module, and written with kfp's DSL the way it compiles to the
same spec: one container component per step running the shim, each data edge an
`Output[Artifact]` passed to an `Input[Artifact]` whose paths the shim gets as
`--output-ref`/`--input-ref` (as pipec writes them), the parameter flowing into the first step
(`--kfp-components python`: kfp's lightweight Python components passing the ints instead).
Two measurements, each the best of --runs after one untimed warm-up:

- whole process: `python -m pipec compile FILE --target kubeflow` against `python FILE`
  where FILE defines the kfp pipeline and calls `kfp.compiler.Compiler().compile`; wall
  clock and CPU time (user + system) of the process, so interpreter start, imports and
  writing the YAML count for both. CPU time is the steadier number on a shared machine;
- in process: the same work after the libraries are imported (pipec: load + checks +
  compile + write; kfp: defining the components and pipeline + compile + write), CPU time.

kfp runs in the side environment `.venvs/kfp` (`.ci/after-install.d/kfp.sh`); pipec's own
modules are byte-compiled first, as an installed package would be.

    .venv/bin/python bench/kfp_compare.py              # sizes 10,100,1000; best of 5
    .venv/bin/python bench/kfp_compare.py --runs 3 --sizes 10,1000
"""

from __future__ import annotations

import argparse
import importlib.util
import resource
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SIDE_PYTHON = REPO / ".venvs" / "kfp" / "bin" / "python"
#: Goals: steps -> minimum speed-up of pipec over kfp (whole process).
GOALS = {10: 2.0, 1000: 4.0}
IMAGE = "pipec.local/bench:0"


def _bench_compile():
    spec = importlib.util.spec_from_file_location("bench_compile", REPO / "bench" / "compile.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def generate_kfp(n: int, fan_in: int, style: str = "container") -> str:
    """A kfp DSL module for the same DAG as `bench/compile.py`'s `generate(n)`: container
    components running the shim (`style="container"`, the spec pipec writes), or kfp's
    lightweight Python components passing the ints as KFP parameters (`"python"`)."""
    if style == "python":
        return _generate_kfp_python(n, fan_in)
    lines = ['"""Generated kfp benchmark pipeline."""', "", "import sys", "", "from kfp import compiler, dsl", "",
             f"IMAGE = {IMAGE!r}", 'RUN = ["python", "-m", "pipec.runtime", "run-step"]', ""]

    def component(i: int, inputs: list[str], args: list[str], seed: bool = False) -> None:
        params = (["seed: int"] if seed else []) + [f"{x}: dsl.Input[dsl.Artifact]" for x in inputs]
        refs = [f"'--input-ref', f'{x}={{{x}.path}}'" for x in inputs]
        out = [] if i == n - 1 else ["output: dsl.Output[dsl.Artifact]"]
        tail = ["'--output', 'output=int'", "'--output-ref', f'output={output.path}'"] if out else []
        items = [repr(a) for a in args] + (["'--param'", "seed"] if seed else []) + refs + tail
        lines.extend(["", "@dsl.container_component", f"def s{i}({', '.join(params + out)}):",
                      f"    return dsl.ContainerSpec(image=IMAGE, command=RUN, args=[{', '.join(items)}])", ""])

    component(0, [], ["--step-id", "s0"], seed=True)
    for i in range(1, n - 1):
        component(i, ["a", "b"], ["--step-id", f"s{i}"])
    last = list(range(max(0, n - 1 - fan_in), n - 1))
    component(n - 1, [f"x{k}" for k in range(len(last))], ["--step-id", f"s{n - 1}"])
    lines += ["", f'@dsl.pipeline(name="bench-{n}")', "def bench(seed: int = 1):", "    t0 = s0(seed=seed)"]
    for i in range(1, n - 1):
        lines.append(f"    t{i} = s{i}(a=t{i - 1}.outputs['output'], b=t{(i - 1) // 2}.outputs['output'])")
    lines.append(f"    s{n - 1}({', '.join(f'x{k}=t{j}.outputs[{chr(39)}output{chr(39)}]' for k, j in enumerate(last))})")
    return "\n".join(lines + _KFP_MAIN)


_KFP_MAIN = ["", "", "def build(out):", "    compiler.Compiler().compile(bench, out)", "", "",
             'if __name__ == "__main__":', "    build(sys.argv[1])", ""]


def _generate_kfp_python(n: int, fan_in: int) -> str:
    lines = ['"""Generated kfp benchmark pipeline (Python components)."""', "", "import sys", "",
             "from kfp import compiler, dsl", ""]
    component = ["", "@dsl.component(base_image='python:3.11-slim')"]
    lines += [*component, "def s0(seed: int) -> int:", "    return seed", ""]
    for i in range(1, n - 1):
        lines += [*component, f"def s{i}(a: int, b: int) -> int:", f"    return a + b + {i}", ""]
    last = list(range(max(0, n - 1 - fan_in), n - 1))
    params = ", ".join(f"x{k}: int" for k in range(len(last)))
    lines += [*component, f"def s{n - 1}({params}):", f"    print({' + '.join(f'x{k}' for k in range(len(last)))})"]
    lines += ["", f'@dsl.pipeline(name="bench-{n}")', "def bench(seed: int = 1):", "    v0 = s0(seed=seed).output"]
    for i in range(1, n - 1):
        lines.append(f"    v{i} = s{i}(a=v{i - 1}, b=v{(i - 1) // 2}).output")
    lines.append(f"    s{n - 1}({', '.join(f'x{k}=v{j}' for k, j in enumerate(last))})")
    return "\n".join(lines + _KFP_MAIN)


PIPEC_DRIVER = textwrap.dedent('''
    import sys, time
    from pathlib import Path
    from pipec.compiler.api import load
    from pipec.compiler.driver import compile_targets
    source, out, runs = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3])
    options = {"artifact_store": "s3://bench/artifacts"}
    best = float("inf")
    for _ in range(runs + 1):  # the first is the warm-up
        start = time.process_time()
        files, diags = compile_targets(load(source), ["kubeflow"], options)
        assert not diags.has_errors
        for rel, text in files.items():
            (out / rel).parent.mkdir(parents=True, exist_ok=True)
            (out / rel).write_text(text, encoding="utf-8")
        best = min(best, time.process_time() - start) if _ else float("inf")
    print(best)
''')

KFP_DRIVER = textwrap.dedent('''
    import runpy, sys, time, warnings
    warnings.simplefilter("ignore")
    import kfp.compiler, kfp.dsl
    source, out, runs = sys.argv[1], sys.argv[2], int(sys.argv[3])
    best = float("inf")
    for _ in range(runs + 1):  # the first is the warm-up
        start = time.process_time()
        module = runpy.run_path(source)   # defines the components and builds the pipeline
        module["build"](out)
        best = min(best, time.process_time() - start) if _ else float("inf")
    print(best)
''')


def time_process(cmd: list[str], cwd: Path, runs: int) -> tuple[float, float]:
    """Best (wall clock, CPU) seconds of `runs` executions of `cmd` after one untimed warm-up."""
    best_wall = best_cpu = float("inf")
    for attempt in range(runs + 1):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, check=False)
        elapsed = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        if proc.returncode != 0:
            raise SystemExit(f"`{' '.join(map(str, cmd))}` failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
        if attempt:
            best_wall = min(best_wall, elapsed)
            best_cpu = min(best_cpu, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime))
    return best_wall, best_cpu


def in_process(cmd: list[str], cwd: Path) -> float:
    """The best time a driver script prints."""
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise SystemExit(f"`{' '.join(map(str, cmd))}` failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    return float(proc.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    """Generate, compile with both, print the markdown table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10,100,1000", help="comma-separated step counts")
    parser.add_argument("--runs", type=int, default=5, help="timed runs per measurement; the best counts")
    parser.add_argument("--kfp-components", choices=("container", "python"), default="container",
                        help="container: the spec pipec writes (default); python: kfp's lightweight components")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a goal is missed")
    args = parser.parse_args(argv)
    if not SIDE_PYTHON.is_file():
        raise SystemExit(f"{SIDE_PYTHON} is missing: run .ci/after-install.d/kfp.sh")
    sizes = sorted({int(s.replace("_", "").replace(",", "")) for s in args.sizes.split(",") if s.strip()})
    subprocess.run([sys.executable, "-m", "compileall", "-q", "src"],
                   cwd=REPO, check=True)
    bench_compile = _bench_compile()
    rows = []
    with tempfile.TemporaryDirectory(prefix="pipec-kfp-bench-") as tmp:
        work = Path(tmp)
        (work / "pipec_driver.py").write_text(PIPEC_DRIVER, encoding="utf-8")
        (work / "kfp_driver.py").write_text(KFP_DRIVER, encoding="utf-8")
        for n in sizes:
            folder = work / f"n{n}"
            folder.mkdir()
            (folder / ".pipec").touch()  # the source root: nothing above it is scanned
            (folder / "bench.py").write_text(bench_compile.generate(n), encoding="utf-8")
            (work / f"kfp_{n}.py").write_text(generate_kfp(n, bench_compile.FAN_IN, args.kfp_components), encoding="utf-8")
            pipec_cmd = [sys.executable, "-m", "pipec", "compile", "bench.py", "--target", "kubeflow",
                         "--option", "artifact_store=s3://bench/artifacts", "--out", str(work / f"out{n}"),
                         "--no-cache"]  # compiler against compiler: pipec's compile cache would skip the work
            whole = (time_process(pipec_cmd, folder, args.runs),
                     time_process([str(SIDE_PYTHON), str(work / f"kfp_{n}.py"), str(work / f"kfp_{n}.yaml")],
                                  work, args.runs))
            inner = (in_process([sys.executable, str(work / "pipec_driver.py"), str(folder / "bench.py"),
                                 str(work / f"in{n}"), str(args.runs)], REPO),
                     in_process([str(SIDE_PYTHON), str(work / "kfp_driver.py"), str(work / f"kfp_{n}.py"),
                                 str(work / f"kfp_in_{n}.yaml"), str(args.runs)], work))
            rows.append((n, whole, inner))
            print(f"  {n:>5} steps: wall {whole[0][0]:.3f} s vs {whole[1][0]:.3f} s; CPU {whole[0][1]:.3f} s vs "
                  f"{whole[1][1]:.3f} s; in-process CPU {inner[0]:.3f} s vs {inner[1]:.3f} s", file=sys.stderr)
    missed = False
    table = ["| steps | pipec wall (s) | kfp wall (s) | speed-up | pipec CPU (s) | kfp CPU (s) | speed-up | goal "
             "| in-process pipec / kfp CPU (s) | speed-up |", "|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|"]
    for n, ((ours, ours_cpu), (theirs, theirs_cpu)), (ours_in, theirs_in) in rows:
        goal = GOALS.get(n)
        speedup, cpu_speedup = theirs / ours, theirs_cpu / ours_cpu
        missed |= goal is not None and speedup < goal
        verdict = "" if goal is None else f"≥ {goal:g}× {'ok' if speedup >= goal else '**missed**'}"
        table.append(f"| {n:,} | {ours:.3f} | {theirs:.3f} | {speedup:.2f}× | {ours_cpu:.3f} | {theirs_cpu:.3f} "
                     f"| {cpu_speedup:.2f}× | {verdict} | {ours_in:.3f} / {theirs_in:.3f} | {theirs_in / ours_in:.2f}× |")
    print(f"kfp with {args.kfp_components} components; best of {args.runs}; whole process = the command (wall clock; CPU = user + system), "
          "in process = after imports (CPU); goal on the wall-clock speed-up")
    print("\n".join(table))
    return 1 if args.strict and missed else 0


if __name__ == "__main__":
    raise SystemExit(main())
