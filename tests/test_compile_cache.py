"""The compile cache never returns stale output.

Both halves of the record are exercised: with `opaque` the project's `.dockerignore` leaves
everything out of the step images, so only the recorded reads and probes can notice an edit
(checked by breaking them: each break fails this test within its 60 examples).

The property: after any edit to any input of a compile (a source module, an imported
module, the run config, the project and stack tables, the dockerignore file, a file
copied into the step images; adding, deleting, touching), `pipec compile --check` with
the cache gives exactly what it gives without it: the same exit code, stdout and stderr.
Either the edit changed the output (and the cache missed) or it was irrelevant (and the
hit is right). Runs in-process, so each compile costs milliseconds.
"""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from pipec import targets
from pipec.cli.main import main
from pipec.compiler import deps

#: `--target` for every built-in target: a plug-in's output is never cached (its code is not part
#: of the key), so `--target all` with the example plug-in installed would never hit.
EVERY_BUILTIN = [arg for name in sorted(targets.BUILTINS) for arg in ("--target", name)]

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"

#: Edits as (description, function(project folder, chosen file, random text)).
def _append_comment(root: Path, rel: str, text: str) -> None:
    path = root / rel
    path.write_text(path.read_text() + f"\n# {text}\n")


def _change_number(root: Path, rel: str, text: str) -> None:
    path = root / rel
    body = path.read_text()
    for old, new in (("0.5", "0.25"), ("3", "4"), ("10", "12"), ("true", "false"), ("1.0", "2.0")):
        if old in body:
            path.write_text(body.replace(old, new, 1))
            return
    path.write_text(body + "\n")


def _touch(root: Path, rel: str, text: str) -> None:
    path = root / rel
    path.write_bytes(path.read_bytes())
    os.utime(path)


def _delete(root: Path, rel: str, text: str) -> None:
    (root / rel).unlink()


def _add_module(root: Path, rel: str, text: str) -> None:
    folder = (root / rel).parent
    (folder / "extra_mod.py").write_text(f"VALUE = {text!r}\n")


def _shadow_package(root: Path, rel: str, text: str) -> None:
    # A module file next to a package of the same name changes what `import steps` finds.
    (root / "steps.py").write_text("from pipec import step\n\n@step\ndef load_raw(source: str) -> list:\n    return []\n")


def _dockerignore(root: Path, rel: str, text: str) -> None:
    with open(root / ".dockerignore", "a") as handle:
        handle.write(f"{rel}\n")


def _stack_table(root: Path, rel: str, text: str) -> None:
    with open(root / "pyproject.toml", "a") as handle:
        handle.write('\n[tool.pipec.stacks.prod]\ntarget = "argo"\nregistry = "ghcr.io/acme"\n')


EDITS = {"append a comment": _append_comment, "change a number": _change_number, "touch": _touch,
         "delete": _delete, "add a module beside it": _add_module, "shadow a package": _shadow_package,
         "add a dockerignore line": _dockerignore, "add a stack": _stack_table}

CASES = {
    "pipec_project": (["run.py", "steps/__init__.py", "steps/ops.py", "steps/train.py", "pyproject.toml",
                       "data/events.jsonl"], ["run.py"]),
    "zenml_new_api": (["run.py", "config.yaml", "pyproject.toml"], ["run.py", "--config", "config.yaml"]),
}


def _pipec(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(argv))
    return code, out.getvalue(), err.getvalue()


# No shrinking: a failing example is printed as found (shrinking compiles hundreds of times).
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture],
          phases=[Phase.explicit, Phase.reuse, Phase.generate])
@given(case=st.sampled_from(sorted(CASES)), index=st.integers(0, 10), edit=st.sampled_from(sorted(EDITS)),
       text=st.text(alphabet="abcxyz019 ", min_size=1, max_size=8), settled=st.booleans(),
       opaque=st.booleans())
def test_a_hit_never_returns_stale_output(tmp_path_factory, monkeypatch, case, index, edit, text, settled,
                                          opaque) -> None:
    monkeypatch.delenv("PIPEC_NO_COMPILE_CACHE", raising=False)
    monkeypatch.delenv("PIPEC_STACK", raising=False)
    if settled:  # compare files by their stat (as minutes after a compile), not only by content
        monkeypatch.setattr(deps, "RACY_NS", 0)
    root = tmp_path_factory.mktemp("cache") / case
    shutil.copytree(EXAMPLES / case, root, ignore=shutil.ignore_patterns(".pipec", "__pycache__"))
    if opaque:  # nothing is copied into the images, so only the recorded reads can notice an edit
        (root / ".dockerignore").write_text("*\n")
    monkeypatch.chdir(root)
    inputs, argv = CASES[case]
    base = ["compile", *argv, *EVERY_BUILTIN, "--out", "deploy"]
    assert _pipec(*base)[0] == 0
    assert _pipec(*base, "--check")[0] == 0  # a hit
    time.sleep(0.01)  # past the file system's timestamp tick
    EDITS[edit](root, inputs[index % len(inputs)], text)
    cached = _pipec(*base, "--check")
    fresh = _uncached(*base, "--check")
    assert cached == fresh, f"{edit} on {inputs[index % len(inputs)]}"


def _uncached(*argv: str) -> tuple[int, str, str]:
    """`pipec ARGV --no-cache`, its output as if the flag had not been given (the regenerate command)."""
    code, out, err = _pipec(*argv, "--no-cache")
    lines = out.splitlines(keepends=True)
    if lines and lines[-1].startswith("  pipec compile "):
        lines[-1] = lines[-1].replace(" --no-cache", "")
    return code, "".join(lines), err


def test_a_hit_skips_the_frontend_and_replays_the_diagnostics(tmp_path: Path, monkeypatch) -> None:
    """The second compile of an unchanged module reads no source: the frontend is never called."""
    from pipec.compiler import api

    monkeypatch.delenv("PIPEC_NO_COMPILE_CACHE", raising=False)
    root = tmp_path / "proj"
    shutil.copytree(EXAMPLES / "quickstart_old_api", root, ignore=shutil.ignore_patterns(".pipec", "__pycache__"))
    monkeypatch.chdir(root)
    argv = ["compile", "run.py", *EVERY_BUILTIN, "--out", "deploy"]
    first = _pipec(*argv)
    calls = []
    real = api.load
    monkeypatch.setattr(api, "load", lambda *a, **k: calls.append(a) or real(*a, **k))
    again = _pipec(*argv, "--check")
    assert again[0] == 0 and calls == [], "the frontend ran on an unchanged input"
    assert again[2] == first[2], "the diagnostics were not replayed as printed"
    assert (root / ".pipec/cache/compile").is_dir()
    assert _pipec(*argv, "--check", "--no-cache")[2] == first[2] and len(calls) == 1


def test_a_hit_does_not_import_the_frontend_or_the_targets(tmp_path: Path, monkeypatch) -> None:
    """A cache hit stays fast because it loads neither the frontend nor any target's folder: the `pipec`
    command's own imports (Python's -X importtime) on a hit of `compile --check`."""
    import subprocess
    import sys

    monkeypatch.delenv("PIPEC_NO_COMPILE_CACHE", raising=False)
    root = tmp_path / "proj"
    shutil.copytree(EXAMPLES / "zenml_project", root, ignore=shutil.ignore_patterns(".pipec", "__pycache__"))
    settled = time.time() - 60  # files written in the last 2 s are re-read, as Git does ("racy")
    for path in root.rglob("*"):
        os.utime(path, (settled, settled))
    command = [sys.executable, str(Path(sys.executable).parent / "pipec")]  # the import path of the command
    argv = ["compile", "run.py", *EVERY_BUILTIN, "--out", "deploy"]
    for extra in ([], ["--check"]):
        assert subprocess.run([*command, *argv, *extra], capture_output=True, cwd=root).returncode == 0
    proc = subprocess.run([command[0], "-X", "importtime", *command[1:], *argv, "--check"],
                          capture_output=True, text=True, cwd=root)
    assert proc.returncode == 0, proc.stderr
    imported = {line.rsplit("|", 1)[-1].strip() for line in proc.stderr.splitlines() if line.startswith("import time:")}
    assert "pipec.compiler.compile_cache" in imported
    loaded = sorted(m for m in imported if m.startswith(("pipec.frontend", "pipec.targets."))
                    and not m.startswith("pipec.targets.kit"))  # the writer names files with the kit's Namer
    assert loaded == []


@pytest.mark.parametrize("change", ["env", "stack-set", "new-module"])
def test_inputs_outside_the_sources_miss(tmp_path: Path, monkeypatch, change: str) -> None:
    """The active stack's environment variable, `pipec stack set`, and a new module that an import would now
    find are inputs too."""
    monkeypatch.delenv("PIPEC_NO_COMPILE_CACHE", raising=False)
    monkeypatch.delenv("PIPEC_STACK", raising=False)
    root = tmp_path / "proj"
    shutil.copytree(EXAMPLES / "pipec_project", root, ignore=shutil.ignore_patterns(".pipec", "__pycache__"))
    with open(root / "pyproject.toml", "a") as handle:
        handle.write('\n[tool.pipec.stacks.prod]\ntarget = "ir"\n[tool.pipec.stacks.other]\ntarget = "argo"\n')
    monkeypatch.chdir(root)
    monkeypatch.setenv("PIPEC_STACK", "prod")
    argv = ["compile", "run.py", "--out", "deploy"]
    assert _pipec(*argv)[0] == 0
    if change == "env":
        monkeypatch.setenv("PIPEC_STACK", "other")
    elif change == "stack-set":
        monkeypatch.delenv("PIPEC_STACK")
        assert _pipec("stack", "set", "other")[0] == 0
    else:
        (root / "steps" / "ops.py").rename(root / "steps" / "ops_moved.py")
    assert _pipec(*argv, "--check") == _uncached(*argv, "--check")
