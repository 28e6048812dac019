"""Benchmark: whole-process `pipec compile --target ir` time for generated pipelines.

Generates one module per size with that many distinct step functions (typed int inputs
and outputs), wired as a chain that also fans out: step i reads step i-1 and step
(i-1)//2, and a final step fans in the last steps (so no output goes unused). Each size is compiled in a fresh
`python -m pipec` process, best of --runs wall-clock times, and reported as a markdown
table with the goals from the README.

    python bench/compile.py                 # sizes 10, 100, 500, 1000, 5000; best of 5
    python bench/compile.py --runs 3 --sizes 10,1000
    python bench/compile.py --strict        # exit 1 when a goal is missed
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

#: Goals on the reference machine (2 cores): steps -> seconds.
GOALS = {10: 0.25, 1000: 1.5}
#: Goal for t(5000) / t(500): compile time must grow roughly linearly.
RATIO_GOAL = 12.0
#: How many of the last steps the final fan-in step reads.
FAN_IN = 8


def generate(n: int) -> str:
    """Source of a pipeline module with `n` step invocations of `n` distinct step functions."""
    if n < 2:
        raise ValueError("need at least 2 steps")
    lines = [f'"""Generated benchmark pipeline with {n} steps."""', "", "from pipec import pipeline, step", ""]
    lines += ["", "@step", "def s0(seed: int = 1) -> int:", "    return seed", ""]
    for i in range(1, n - 1):
        lines += ["", "@step", f"def s{i}(a: int, b: int) -> int:", f"    return a + b + {i}", ""]
    fan_in = list(range(max(0, n - 1 - FAN_IN), n - 1))
    params = ", ".join(f"x{k}: int" for k in range(len(fan_in)))
    lines += ["", "@step", f"def s{n - 1}({params}) -> None:",
              f"    print({' + '.join(f'x{k}' for k in range(len(fan_in)))})", ""]
    lines += ["", "@pipeline", f"def bench_{n}(seed: int = 1):", "    v0 = s0(seed=seed)"]
    for i in range(1, n - 1):
        lines.append(f"    v{i} = s{i}(a=v{i - 1}, b=v{(i - 1) // 2})")
    args = ", ".join(f"x{k}=v{j}" for k, j in enumerate(fan_in))
    lines.append(f"    s{n - 1}({args})")
    lines += ["", "", "if __name__ == \"__main__\":", f"    bench_{n}()", ""]
    return "\n".join(lines)


def time_command(cmd: list[str], cwd: Path, runs: int) -> float:
    """Best wall-clock time of `runs` executions of `cmd` (after one untimed warm-up run)."""
    env = {**os.environ, "NO_COLOR": "1"}
    subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, check=False)
    best = float("inf")
    for _ in range(runs):
        start = time.perf_counter()
        proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, check=False)
        elapsed = time.perf_counter() - start
        if proc.returncode != 0:
            raise SystemExit(f"`{' '.join(cmd)}` failed with exit code {proc.returncode}:\n"
                             f"{proc.stderr[-4000:]}")
        best = min(best, elapsed)
    return best


def _verdict(value: float, goal: float | None) -> str:
    if goal is None:
        return ""
    return "ok" if value <= goal else "**missed**"


def main(argv: list[str] | None = None) -> int:
    """Generate, compile and time; print the markdown table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10,100,500,1000,5000", help="comma-separated step counts")
    parser.add_argument("--runs", type=int, default=5, help="timed runs per size; the best counts")
    parser.add_argument("--python", default=sys.executable, help="interpreter that has pipec installed")
    parser.add_argument("--keep", type=Path, help="write the generated pipelines here and keep them")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a goal is missed")
    args = parser.parse_args(argv)
    sizes = sorted({int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()})

    with tempfile.TemporaryDirectory(prefix="pipec-bench-") as tmp:
        work = args.keep or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        (work / ".pipec").touch()  # marks the source root, so nothing above it is scanned
        baseline = time_command([args.python, "-c", "pass"], work, args.runs)
        times: dict[int, float] = {}
        for n in sizes:
            source = work / f"bench_{n}.py"
            source.write_text(generate(n), encoding="utf-8")
            cmd = [args.python, "-m", "pipec", "compile", source.name, "--target", "ir", "--out", f"out_{n}",
                   "--no-cache"]  # the compiler itself, not the compile cache (bench/check.py times that)
            times[n] = time_command(cmd, work, args.runs)
            print(f"  {n:>6} steps: {times[n]:.3f} s", file=sys.stderr)

    missed = False
    rows = [f"| steps | best of {args.runs} (s) | goal (s) | |", "|---:|---:|---:|---|"]
    rows.append(f"| (`python -c pass`) | {baseline:.3f} | | |")
    for n in sizes:
        goal = GOALS.get(n)
        missed |= goal is not None and times[n] > goal
        rows.append(f"| {n:,} | {times[n]:.3f} | {f'≤ {goal:g}' if goal else ''} | {_verdict(times[n], goal)} |")
    if 500 in times and 5000 in times:
        ratio = times[5000] / times[500]
        missed |= ratio > RATIO_GOAL
        rows.append(f"| t(5,000) / t(500) | {ratio:.2f} | ≤ {RATIO_GOAL:g} | {_verdict(ratio, RATIO_GOAL)} |")
    print("\n".join(rows))
    return 1 if args.strict and missed else 0


if __name__ == "__main__":
    raise SystemExit(main())
