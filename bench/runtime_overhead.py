"""Benchmark: per-step overhead of the local orchestrator on a 20-step trivial pipeline.

Each step is `def sN(x: int) -> int: return x + 1`, so what is measured is pipec's
cost per step: a subprocess through the run-step shim (interpreter start, imports,
reading the input marker and payload, writing the output payload and marker), plus
the orchestrator's metadata writes. Caching is off for the measured runs.

Shapes: `chain` (each step reads the previous one: fully sequential, the worst
case) and `fan` (20 independent steps, run `--max-parallel` at a time), with the
default `fork` launcher (steps forked from a warm helper process) and with `spawn`
(a fresh interpreter per step, as in a container). Reported as
milliseconds per step = wall time of the run / steps, best of --runs, together with
the floor every subprocess pays (`python -c pass` and `python -c "import pipec"`),
and a fully cached re-run.

    python bench/runtime_overhead.py                 # best of 3
    python bench/runtime_overhead.py --runs 5 --steps 40
    python bench/runtime_overhead.py --strict        # exit 1 when the chain misses the goal
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

#: Goal: milliseconds of overhead per step (README / issue 3).
GOAL_MS = 30.0


def generate(n: int, shape: str) -> str:
    """Source of a module with `n` trivial steps wired as a chain or a fan."""
    lines = ["from pipec import pipeline, step", ""]
    for i in range(n):
        lines += ["", "@step", f"def s{i}(x: int) -> int:", "    return x + 1", ""]
    lines += ["", "@pipeline", f"def bench_{shape}():"]
    for i in range(n):
        source = f"v{i - 1}" if shape == "chain" and i else "0"
        lines.append(f"    v{i} = s{i}(x={source})")
    return "\n".join(lines) + "\n"


def _best(fn, runs: int) -> float:
    best = float("inf")
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def _process_floor(code: str, runs: int) -> float:
    return _best(lambda: subprocess.run([sys.executable, "-c", code], check=True), max(runs, 5))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="repetitions; the best is reported (default 3)")
    parser.add_argument("--steps", type=int, default=20, help="steps per pipeline (default 20)")
    parser.add_argument("--max-parallel", type=int, default=os.cpu_count() or 1,
                        help="parallelism for the fan shape (default: CPU count)")
    parser.add_argument("--strict", action="store_true", help="exit 1 when the chain misses the goal")
    args = parser.parse_args(argv)

    from pipec.compiler import api
    from pipec.runtime.orchestrator import run_pipeline

    rows: list[tuple[str, float, float]] = []
    floor_python = _process_floor("pass", args.runs)
    floor_pipec = _process_floor("import pipec, pipec.runtime.shim", args.runs)
    with tempfile.TemporaryDirectory(prefix="pipec-bench-") as tmp:
        for shape in ("chain", "fan"):
            root = Path(tmp) / shape
            root.mkdir()
            (root / "run.py").write_text(generate(args.steps, shape), encoding="utf-8")
            loaded = api.load(root / "run.py", root=root)
            if loaded.diagnostics.has_errors:
                raise SystemExit(f"benchmark pipeline does not compile: {list(loaded.diagnostics)}")
            pipe = loaded.program.pipelines[0]
            parallel = 1 if shape == "chain" else args.max_parallel

            def once(cache: bool, launcher: str = "fork", pipe=pipe, root=root, parallel=parallel) -> None:
                result = run_pipeline(pipe, root, max_parallel=parallel, enable_cache=cache, launcher=launcher)
                if result.exit_code != 0:
                    raise SystemExit(result.summary())

            for launcher in ("fork", "spawn"):
                wall = _best(lambda once=once, launcher=launcher: once(False, launcher), args.runs)
                rows.append((f"{shape}, {args.steps} steps, max_parallel={parallel}, {launcher}", wall,
                             wall / args.steps))
            if shape == "chain":
                once(True)  # fill the cache
                cached = _best(lambda once=once: once(True), args.runs)
                rows.append((f"{shape}, {args.steps} steps, all cached", cached, cached / args.steps))

    print(f"pipec runtime overhead (best of {args.runs}, {os.cpu_count()} CPUs, Python "
          f"{sys.version.split()[0]})\n")
    print("| run | wall (s) | per step (ms) |")
    print("| --- | ---: | ---: |")
    for name, wall, per_step in rows:
        print(f"| {name} | {wall:.3f} | {per_step * 1000:.1f} |")
    print(f"\nprocess floor: `python -c pass` {floor_python * 1000:.1f} ms, "
          f"`import pipec, pipec.runtime.shim` {floor_pipec * 1000:.1f} ms")
    chain_ms = rows[0][2] * 1000
    verdict = "meets" if chain_ms <= GOAL_MS else "MISSES"
    print(f"goal: <= {GOAL_MS:.0f} ms/step on the sequential chain (fork launcher, the default): "
          f"{verdict} ({chain_ms:.1f} ms/step)")
    return 1 if args.strict and chain_ms > GOAL_MS else 0


if __name__ == "__main__":
    raise SystemExit(main())
