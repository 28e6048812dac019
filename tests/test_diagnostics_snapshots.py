"""Snapshot tests of rendered diagnostics: one broken module per case.

Each case under tests/data/broken/ is compiled with
`pipec compile tests/data/broken/<case> --target ir --out OUT` (plus the arguments of an
optional first-line comment `# pipec-args: ...`) from the repository root, and the exit
code and stderr must equal tests/snapshots/diagnostics/<case>.txt. A case is a `.py` file
or a folder with a `run.py` (for multi-module cases). Rewrite the snapshots after an
intended change with `pytest tests/test_diagnostics_snapshots.py --update-snapshots`.
"""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
BROKEN = REPO / "tests" / "data" / "broken"
SNAPSHOTS = REPO / "tests" / "snapshots" / "diagnostics"
ARGS_MARKER = "# pipec-args:"
#: Cases that compile without any diagnostic today, with the reason; every other case must
#: produce at least a warning.
ACCEPTED = {
    "recursive_import": "imports are resolved statically, so a cycle Python would reject at import time passes",
}


def _cases() -> dict[str, Path]:
    cases = {p.stem: p for p in BROKEN.glob("*.py")}
    cases.update({p.parent.name: p for p in BROKEN.glob("*/run.py")})
    return dict(sorted(cases.items()))


CASES = _cases()


def _extra_args(entry: Path) -> list[str]:
    first = entry.read_bytes().split(b"\n", 1)[0].decode("utf-8", errors="replace")
    return shlex.split(first[len(ARGS_MARKER):]) if first.startswith(ARGS_MARKER) else []


def _render(args: list[str], returncode: int, stdout: str, stderr: str) -> str:
    text = f"$ pipec {shlex.join(args)}\nexit code: {returncode}\n--- stderr\n{stderr}"
    if stdout:
        text += f"--- stdout\n{stdout}"
    return text if text.endswith("\n") else text + "\n"


@pytest.mark.parametrize("case", list(CASES))
def test_diagnostics_snapshot(case: str, cli, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    """The diagnostics for `case` match their snapshot; never a traceback, exit code 2 on errors."""
    entry = CASES[case]
    out = tmp_path / "out"
    args = ["compile", entry.relative_to(REPO).as_posix(), "--target", "ir", "--out", str(out),
            *_extra_args(entry)]
    proc = cli.run(args)
    shown = ["OUT" if a == str(out) else a for a in args]
    actual = _render(shown, proc.returncode, proc.stdout.replace(str(out), "OUT"),
                     proc.stderr.replace(str(out), "OUT"))

    assert cli.traceback not in proc.stderr + proc.stdout, f"pipec crashed on {case}:\n{proc.stderr}"
    assert str(REPO) not in actual, f"diagnostics print an absolute path:\n{actual}"
    assert proc.returncode in (0, 2), f"exit code {proc.returncode} is neither 0 nor 2:\n{actual}"
    if proc.returncode == 2:
        assert "error[PC" in proc.stderr, f"exit code 2 without a coded error:\n{actual}"
    elif case not in ACCEPTED:
        assert "warning[PC" in proc.stderr, f"a broken case compiled without a diagnostic:\n{actual}"

    snapshot = SNAPSHOTS / f"{case}.txt"
    if request.config.getoption("--update-snapshots"):
        snapshot.parent.mkdir(parents=True, exist_ok=True)
        snapshot.write_text(actual, encoding="utf-8")
        return
    assert snapshot.is_file(), (
        f"no snapshot for {case}; create it with "
        f"`pytest tests/test_diagnostics_snapshots.py --update-snapshots`:\n{actual}"
    )
    expected = snapshot.read_text(encoding="utf-8")
    assert actual == expected, (
        f"diagnostics for {case} changed; if intended, run "
        f"`pytest tests/test_diagnostics_snapshots.py --update-snapshots`"
    )


def test_no_stale_snapshots(request: pytest.FixtureRequest) -> None:
    """Every snapshot belongs to a case (stale ones are removed with --update-snapshots)."""
    stale = sorted(p for p in SNAPSHOTS.glob("*.txt") if p.stem not in CASES)
    if request.config.getoption("--update-snapshots"):
        for path in stale:
            path.unlink()
        return
    assert not stale, f"snapshots without a case: {[p.name for p in stale]}"


def test_errors_are_collected_not_just_the_first(cli) -> None:
    """A module with several independent mistakes reports all of them in one run."""
    proc = cli.run(["compile", "tests/data/broken/many_errors.py", "--target", "ir", "--out", "unused-out"])
    assert proc.returncode == 2
    assert proc.stderr.count("error[PC") >= 3, proc.stderr
    assert not (REPO / "unused-out").exists()
