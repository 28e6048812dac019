"""Benchmark: committed artifacts in CI, `pipec compile --check` and the cost of data in the project.

Two measurements, whole process, wall clock, best of --runs (after one untimed run):

1. `pipec compile run.py --target all --out deploy --check` of each bundled example, unchanged
   since its last compile (what CI and pre-commit run on every commit): with the compile
   cache (a hit) and with `--no-cache` (the compiler doing all the work). Goal: a hit in
   <= 0.10 s.
2. A copy of the diamond example with a 2 GB data file (sparse: no disk used, but 2 GB to
   hash) and no .dockerignore, compiled with `--no-cache` so the frontend runs and the
   step images' build context is hashed every time: the stat cache must make the file cost
   nothing after the first compile. Goal: within 0.05 s of the same project without it.

    python bench/check.py                 # best of 5
    python bench/check.py --runs 3 --strict
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
#: Goal: seconds for a `--check` whose compile is a cache hit.
HIT_GOAL = 0.10
#: Goal: extra seconds a 2 GB data file may cost a compile after the first one.
DATA_GOAL = 0.05
#: Size of the data file.
DATA_BYTES = 2 * 1024 ** 3


def best_time(cmd: list[str], cwd: Path, runs: int, ok: tuple[int, ...] = (0,)) -> float:
    """Best wall-clock time of `runs` executions of `cmd` (after one untimed run)."""
    env = {**os.environ, "NO_COLOR": "1"}
    env.pop("PIPEC_NO_COMPILE_CACHE", None)
    best = float("inf")
    for i in range(runs + 1):
        start = time.perf_counter()
        proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, check=False)
        elapsed = time.perf_counter() - start
        if proc.returncode not in ok:
            raise SystemExit(f"`{' '.join(cmd)}` exited {proc.returncode}:\n{proc.stdout[-2000:]}{proc.stderr[-2000:]}")
        if i:
            best = min(best, elapsed)
    return best


def _verdict(ok: bool) -> str:
    return "ok" if ok else "**missed**"


def _copy(case: str, dest: Path) -> Path:
    shutil.copytree(EXAMPLES / case, dest, ignore=shutil.ignore_patterns(".pipec", "__pycache__"))
    return dest


def _args(folder: Path) -> list[str]:
    return ["run.py", *(["--config", "config.yaml"] if (folder / "config.yaml").is_file() else [])]


def main(argv: list[str] | None = None) -> int:
    """Run both measurements and print markdown tables with ok/missed."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="timed runs per measurement; the best counts")
    parser.add_argument("--python", default=sys.executable, help="interpreter that has pipec installed")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a goal is missed")
    args = parser.parse_args(argv)
    pipec = [args.python, "-m", "pipec"]
    missed = False

    with tempfile.TemporaryDirectory(prefix="pipec-bench-check-") as tmp:
        work = Path(tmp)
        baseline = best_time([args.python, "-c", "pass"], work, args.runs)
        rows = ["| example (all targets) | --check, cache hit (s) | --check --no-cache (s) | goal (s) | |",
                "|---|---:|---:|---:|---|", f"| (`python -c pass`) | {baseline:.3f} | | | |"]
        for case in sorted(p.parent.name for p in EXAMPLES.glob("*/run.py")):
            folder = _copy(case, work / case)
            compile_cmd = [*pipec, "compile", *_args(folder), "--target", "all", "--out", "deploy"]
            subprocess.run(compile_cmd, cwd=folder, capture_output=True, check=True)
            hit = best_time([*compile_cmd, "--check"], folder, args.runs)
            cold = best_time([*compile_cmd, "--check", "--no-cache"], folder, args.runs)
            missed |= hit > HIT_GOAL
            rows.append(f"| {case} | {hit:.3f} | {cold:.3f} | ≤ {HIT_GOAL:g} | {_verdict(hit <= HIT_GOAL)} |")
            print(f"  {case}: hit {hit:.3f} s, no cache {cold:.3f} s", file=sys.stderr)
        print("\n".join(rows))
        print()

        plain = _copy("diamond", work / "plain")
        data = _copy("diamond", work / "data")
        (data / "data").mkdir()
        with open(data / "data" / "raw.bin", "wb") as handle:
            handle.truncate(DATA_BYTES)
        old = time.time() - 3600  # a data file that has sat there for an hour (not "racily" new)
        os.utime(data / "data" / "raw.bin", (old, old))
        time.sleep(2.1)  # past the stat cache's racy window for the file's change time
        cmd = [*pipec, "compile", "run.py", "--target", "all", "--out", "deploy", "--no-cache"]
        start = time.perf_counter()
        subprocess.run(cmd, cwd=data, capture_output=True, check=True)
        first = time.perf_counter() - start
        without = best_time(cmd, plain, args.runs)
        with_data = best_time(cmd, data, args.runs)
        extra = with_data - without
        missed |= extra > DATA_GOAL
        print("| project (all targets, --no-cache) | compile (s) | goal | |\n|---|---:|---:|---|")
        print(f"| diamond | {without:.3f} | | |")
        print(f"| diamond + 2 GB data file, first compile (hashes it) | {first:.3f} | | |")
        print(f"| diamond + 2 GB data file, later compiles | {with_data:.3f} | "
              f"≤ +{DATA_GOAL:g} s | {_verdict(extra <= DATA_GOAL)} (+{extra:.3f} s) |")
    return 1 if args.strict and missed else 0


if __name__ == "__main__":
    raise SystemExit(main())
