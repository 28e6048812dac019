"""Golden tests: every example compiled with every built-in target, byte for byte.

A plug-in target (another distribution's entry point, such as examples/plugins/pipec-target-example)
keeps its goldens and their test with its own code, so installing one asks nothing of golden/.

golden/<case>/<target>/... holds the expected output of
`pipec compile examples/<case>/run.py [--config examples/<case>/config.yaml] --target <target>`.
Regenerate after an intended change with `nox -s golden -- --update`
(or `pytest tests/test_golden.py --update-golden`) and review the diff.
"""

from __future__ import annotations

import difflib
import shutil
from pathlib import Path

import pytest

from pipec import targets

REGENERATE = "nox -s golden -- --update"
#: Lines of unified diff shown per differing file before the rest is cut.
MAX_DIFF_LINES = 120


def _compile(cli, case: str, target: str, out: Path, options: list[str] = ()) -> dict[str, bytes]:
    args = ["compile", *cli.example_args(case, relative_to=cli.repo), "--target", target,
            *[arg for option in options for arg in ("--option", option)], "--out", str(out)]
    proc = cli.run(args)
    command = "pipec " + " ".join(args[:-1] + ["OUT"])
    assert cli.traceback not in proc.stderr, f"`{command}` crashed:\n{proc.stderr}"
    assert proc.returncode == 0, f"`{command}` exited {proc.returncode}:\n{proc.stderr}{proc.stdout}"
    produced = cli.read_tree(out / target)
    assert produced, f"`{command}` wrote nothing under OUT/{target}/:\n{proc.stderr}"
    return produced


def _text(data: bytes) -> list[str]:
    return data.decode("utf-8", errors="replace").splitlines(keepends=True)


def _describe_differences(expected: dict[str, bytes], actual: dict[str, bytes], golden_dir: str) -> str:
    lines: list[str] = []
    for name in sorted(expected.keys() - actual.keys()):
        lines.append(f"missing (in golden, not produced): {golden_dir}/{name}")
    for name in sorted(actual.keys() - expected.keys()):
        lines.append(f"extra (produced, not in golden): {golden_dir}/{name}")
    for name in sorted(expected.keys() & actual.keys()):
        if expected[name] == actual[name]:
            continue
        diff = list(difflib.unified_diff(_text(expected[name]), _text(actual[name]),
                                         f"{golden_dir}/{name} (golden)", f"{golden_dir}/{name} (produced)"))
        if not diff:  # same text, different bytes: line endings or a trailing newline
            diff = [f"{golden_dir}/{name}: bytes differ (line endings or final newline)\n"]
        if len(diff) > MAX_DIFF_LINES:
            diff = diff[:MAX_DIFF_LINES] + [f"... {len(diff) - MAX_DIFF_LINES} more diff lines\n"]
        lines.append("".join(diff).rstrip("\n"))
    return "\n".join(lines)


def _write_golden(golden_dir: Path, produced: dict[str, bytes]) -> None:
    if golden_dir.exists():
        shutil.rmtree(golden_dir)
    for name, data in produced.items():
        path = golden_dir / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


def test_golden(example_case: str, target_name: str, cli, tmp_path: Path,
                request: pytest.FixtureRequest) -> None:
    """`examples/<case>` compiled for a target equals golden/<case>/<target>/ byte for byte."""
    produced = _compile(cli, example_case, target_name, tmp_path / "out")
    _compare(cli, produced, cli.golden / example_case / target_name, f"{example_case} compiled for {target_name}",
             request)


def test_golden_variant(example_case: str, target_variant: tuple[str, str], cli, tmp_path: Path,
                        request: pytest.FixtureRequest) -> None:
    """The same with a variant's options (tests/golden_variants.py): golden/<case>/<target>@<variant>/."""
    from tests.helpers.golden_variants import VARIANTS

    target, variant = target_variant
    options = VARIANTS[target][variant]
    produced = _compile(cli, example_case, target, tmp_path / "out", options)
    _compare(cli, produced, cli.golden / example_case / f"{target}@{variant}",
             f"{example_case} compiled for {target} with {' '.join(options)}", request)


def _compare(cli, produced: dict[str, bytes], golden_dir: Path, what: str, request: pytest.FixtureRequest) -> None:
    if request.config.getoption("--update-golden"):
        _write_golden(golden_dir, produced)
        return
    expected = cli.read_tree(golden_dir)
    if expected != produced:
        rel = golden_dir.relative_to(cli.repo).as_posix()
        pytest.fail(
            f"{what} differs from {rel}/:\n"
            f"{_describe_differences(expected, produced, rel)}\n\n"
            f"If the change is intended, regenerate and review the diff:\n    {REGENERATE}",
            pytrace=False,
        )


def test_no_stale_golden_entries(cli, request: pytest.FixtureRequest) -> None:
    """golden/ holds only <example>/<target>/ (and docker/) folders that exist (stale ones go with --update-golden)."""
    from tests.helpers.golden_variants import VARIANTS

    golden: Path = cli.golden
    cases, names = set(cli.example_cases()), set(targets.BUILTINS)
    names |= {f"{t}@{v}" for t, vs in VARIANTS.items() if t in names for v in vs}
    names.add("docker")  # `pipec build` Dockerfiles, checked by tests/test_build.py
    stale: list[str] = []
    for case_dir in sorted(golden.iterdir()) if golden.is_dir() else []:
        if case_dir.name == "README.md":
            continue
        if not case_dir.is_dir() or case_dir.name not in cases:
            stale.append(case_dir.name)
            continue
        stale += [f"{case_dir.name}/{p.name}" for p in sorted(case_dir.iterdir())
                  if not (p.is_dir() and p.name in names)]
    if request.config.getoption("--update-golden"):
        for rel in stale:
            path = golden / rel
            shutil.rmtree(path) if path.is_dir() else path.unlink()
        return
    assert not stale, f"stale entries in golden/ (no such example or target): {stale}\nremove them with: {REGENERATE}"


def test_every_example_is_covered(cli) -> None:
    """The golden test really runs: the five examples exist and at least the `ir` target."""
    assert {"quickstart_old_api", "zenml_new_api", "pipec_project", "diamond", "hostile_strings"} <= set(
        cli.example_cases())
    assert "ir" in targets.BUILTINS
