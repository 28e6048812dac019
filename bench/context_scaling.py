"""Benchmark: compile time and peak memory must not grow with pipelines x targets x files.

Generates a source root holding --files small data files (the build context every step
image copies) and modules of 1 and --pipelines one-step pipelines, then compiles each
for `--target all` in a fresh `python -m pipec` process with no digest cache (the context
is hashed cold). The source root must be hashed once per compile, so the many-pipeline
compile may cost only a little more than the one-pipeline compile: the ratios of time and
peak RSS are checked against goals (issue 17 item 7; the reliability report measured
160 s and 4.4 GB for 40 pipelines over 20,000 files before the fix).

    python bench/context_scaling.py                     # 20,000 files, 1 vs 40 pipelines
    python bench/context_scaling.py --files 5000 --pipelines 20
    python bench/context_scaling.py --strict            # exit 1 when a goal is missed
    python bench/context_scaling.py --many 2000         # also: 2,000 pipelines, ~30,000 files written

`--many N` also compiles a module of N one-step pipelines (a source root without data
files) and checks its time against an absolute goal: the reliability fuzzer's case
`many_pipelines_2000` allows 20 s, and pipec took ~30-45 s on the shared machine before
the writer overlapped its fsyncs and the YAML emitter stopped walking every character.
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

#: Goal for time(N pipelines) / time(1 pipeline), all targets: hashing is not repeated per pipeline.
TIME_RATIO_GOAL = 3.0
#: Goal for peak RSS(N pipelines) / peak RSS(1 pipeline): memory is released, not accumulated.
RSS_RATIO_GOAL = 1.5
#: Goal in seconds for `--many 2000` (all targets, ~30,000 files written atomically and synced).
MANY_SECONDS_GOAL = 10.0

HEADER = 'from pipec import pipeline, step\n\n\n@step\ndef s(x: str = "") -> str:\n    return x\n'


def generate(root: Path, files: int, pipelines: int) -> None:
    """A source root with `files` data files and modules p1.py and pN.py."""
    (root / "pyproject.toml").write_text("[project]\nname = 'bench'\n")
    data = root / "data"
    data.mkdir(parents=True, exist_ok=True)
    for i in range(files):
        (data / f"f{i:05d}.csv").write_text("a,b\n1,2\n")
    for n in (1, pipelines):
        (root / f"p{n}.py").write_text(HEADER + "".join(f"\n\n@pipeline\ndef p{i}():\n    s()\n" for i in range(n)))


def measure(root: Path, module: str) -> tuple[float, int]:
    """(seconds, peak RSS in MB) of one cold `pipec compile MODULE --target all`."""
    shutil.rmtree(root / ".pipec", ignore_errors=True)
    shutil.rmtree(root / "out", ignore_errors=True)
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "pipec", "compile", module, "--target", "all", "--out", "out"],
                            cwd=root, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            env={**os.environ, "NO_COLOR": "1"})
    _, status, usage = os.wait4(proc.pid, 0)  # this child's own rusage: its peak RSS alone
    seconds = time.perf_counter() - start
    stderr = proc.stderr.read().decode() if proc.stderr else ""
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"compile of {module} failed:\n{stderr}")
    return seconds, usage.ru_maxrss // 1024


def _verdict(value: float, goal: float) -> str:
    return "ok" if value <= goal else "**missed**"


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; print a markdown table. Returns 1 under --strict when a goal is missed."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--files", type=int, default=20_000, help="data files in the source root")
    parser.add_argument("--pipelines", type=int, default=40, help="pipelines in the large module")
    parser.add_argument("--many", type=int, default=0, help="also time a module of this many pipelines (0: skip)")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a goal is missed")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="pipec-bench-context-") as tmp:
        root = Path(tmp)
        generate(root, args.files, args.pipelines)
        one = measure(root, "p1.py")
        many = measure(root, f"p{args.pipelines}.py")
    time_ratio, rss_ratio = many[0] / one[0], many[1] / max(one[1], 1)
    print(f"| `--target all`, {args.files:,} files | 1 pipeline | {args.pipelines} pipelines | ratio | goal | |")
    print("| --- | ---: | ---: | ---: | ---: | --- |")
    print(f"| seconds | {one[0]:.2f} | {many[0]:.2f} | {time_ratio:.2f} | {TIME_RATIO_GOAL} | "
          f"{_verdict(time_ratio, TIME_RATIO_GOAL)} |")
    print(f"| peak RSS MB | {one[1]} | {many[1]} | {rss_ratio:.2f} | {RSS_RATIO_GOAL} | "
          f"{_verdict(rss_ratio, RSS_RATIO_GOAL)} |")
    missed = time_ratio > TIME_RATIO_GOAL or rss_ratio > RSS_RATIO_GOAL
    if args.many:
        with tempfile.TemporaryDirectory(prefix="pipec-bench-many-") as tmp:
            generate(Path(tmp), 0, args.many)
            seconds, rss = measure(Path(tmp), f"p{args.many}.py")
            written = sum(len(files) for _, _, files in os.walk(Path(tmp) / "out"))
        print(f"\n| `--target all`, {args.many:,} pipelines | seconds | peak RSS MB | files written | goal | |")
        print("| --- | ---: | ---: | ---: | ---: | --- |")
        print(f"| one step each | {seconds:.2f} | {rss} | {written:,} | {MANY_SECONDS_GOAL} s | "
              f"{_verdict(seconds, MANY_SECONDS_GOAL)} |")
        missed |= seconds > MANY_SECONDS_GOAL
    return 1 if args.strict and missed else 0


if __name__ == "__main__":
    sys.exit(main())
