"""Fuzzing: mutated example sources must give diagnostics, never a traceback.

Each test takes one to three seeded random mutations (delete, duplicate, swap, indent or truncate
lines, insert a random token, rename an identifier) of one file of one example, compiles the
mutated copy in-process through the CLI entry point and requires exit code 0 or 2 and no
Python traceback. The seeds are fixed, so a failure reproduces; the mutated source is printed.
"""

from __future__ import annotations

import contextlib
import io
import random
import re
import shutil
import signal
import traceback
from pathlib import Path

import pytest

from pipec.cli import main as pipec_cli

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
TRACEBACK = "Traceback (most recent call last)"
MUTATIONS = 150
#: Seconds one compile may take before the test calls it a hang.
TIMEOUT = 20

TOKENS = [
    "(", ")", "[", "]", "{", "}", ":", ",", "=", ".", "*", "**", "@", "->", "'", '"', '"""', "\\",
    "\t", "    ", "\n", "def", "class", "lambda", "yield", "await", "return", "if", "else", "for x in",
    "while True:", "import", "from", "as", "with", "not", "None", "True", "0", "-1", "1e309", "10**100",
    "'a' * 10**9", "@step", "@pipeline", "step", "pipeline", ".submit()", ".map(", ".after(", "id=",
    "after=", "_", "__import__('os')", "f'{x}'", "\x00", "\ufeff", "é", "日本", "# comment", ";",
]


class Hang(Exception):
    """A compile took longer than TIMEOUT seconds."""


def _sources() -> list[tuple[str, str]]:
    """(case, path relative to the example) of every Python file of every example."""
    return [(entry.parent.name, p.relative_to(entry.parent).as_posix())
            for entry in sorted(EXAMPLES.glob("*/run.py")) for p in sorted(entry.parent.rglob("*.py"))]


SOURCES = _sources()


def mutate(text: str, rng: random.Random) -> tuple[str, str]:
    """One to three random mutations of `text` and a description of them."""
    done = []
    for _ in range(rng.randint(1, 3)):
        text, what = _mutate_once(text, rng)
        done.append(what)
    return text, "; ".join(done)


def _mutate_once(text: str, rng: random.Random) -> tuple[str, str]:
    lines = text.splitlines(keepends=True)
    if not lines:
        return "", "empty"
    i, j = rng.randrange(len(lines)), rng.randrange(len(lines))
    kind = rng.choice(["delete", "duplicate", "swap", "truncate", "insert", "insert", "indent", "dedent",
                       "rename", "blank"])
    if kind == "delete":
        del lines[i]
    elif kind == "duplicate":
        lines.insert(j, lines[i])
    elif kind == "swap":
        lines[i], lines[j] = lines[j], lines[i]
    elif kind == "truncate":
        cut = rng.randrange(len(text) + 1)
        return text[:cut], f"truncate at {cut}"
    elif kind == "insert":
        token = rng.choice(TOKENS)
        pos = rng.randrange(len(text) + 1)
        return text[:pos] + token + text[pos:], f"insert {token!r} at {pos}"
    elif kind == "indent":
        lines[i] = "    " + lines[i]
    elif kind == "dedent":
        lines[i] = lines[i][4:] if lines[i].startswith("    ") else lines[i].lstrip()
    elif kind == "rename":
        names = sorted(set(re.findall(r"\b[A-Za-z_]\w*\b", text)))
        old, new = rng.choice(names), rng.choice(names + ["undefined_name", "step", "pipeline"])
        return re.sub(rf"\b{re.escape(old)}\b", new, text, count=rng.randint(1, 3)), f"rename {old} -> {new}"
    elif kind == "blank":
        lines[i] = "\n"
    return "".join(lines), f"{kind} line {i + 1}" + (f" / {j + 1}" if kind in {"duplicate", "swap"} else "")


def _on_alarm(signum, frame):
    raise Hang


def _run_cli(argv: list[str]) -> tuple[int, str]:
    """Run the CLI in-process; the exit code and everything written to stdout and stderr."""
    buffer = io.StringIO()
    previous = signal.signal(signal.SIGALRM, _on_alarm)
    signal.alarm(TIMEOUT)
    try:
        with contextlib.redirect_stdout(buffer), contextlib.redirect_stderr(buffer):
            try:
                code = pipec_cli.main(argv)
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except Hang:
        return -1, buffer.getvalue() + f"\n(hang: no result within {TIMEOUT} s)"
    except Exception:  # an escaped exception is exactly what this test looks for
        return -2, buffer.getvalue() + "\n" + traceback.format_exc()
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    return (0 if code is None else code), buffer.getvalue()


@pytest.mark.parametrize("seed", range(MUTATIONS))
def test_mutated_source_never_crashes(seed: int, tmp_path: Path) -> None:
    """Mutation `seed` of an example compiles or fails with diagnostics (exit 0 or 2)."""
    rng = random.Random(seed)
    case, rel = SOURCES[seed % len(SOURCES)]
    project = tmp_path / case
    shutil.copytree(EXAMPLES / case, project, ignore=shutil.ignore_patterns(".pipec", "__pycache__"))
    original = (project / rel).read_text(encoding="utf-8")
    mutated, what = mutate(original, rng)
    (project / rel).write_text(mutated, encoding="utf-8")

    argv = ["compile", str(project / "run.py"), "--target", "ir", "--out", str(tmp_path / "out")]
    code, output = _run_cli(argv)

    context = f"example {case}/{rel}, mutation: {what}\n--- output\n{output}\n--- mutated source\n{mutated}"
    assert TRACEBACK not in output, f"traceback for {context}"
    assert code in (0, 2), f"exit code {code} for {context}"
    if code == 2:
        assert "error[PC" in output, f"exit code 2 without a coded error for {context}"


def test_mutations_are_reproducible() -> None:
    """The same seed gives the same mutation, so a failing case can be replayed."""
    text = (EXAMPLES / "diamond" / "run.py").read_text(encoding="utf-8")
    assert mutate(text, random.Random(7)) == mutate(text, random.Random(7))
