"""Bounded compile-time evaluation: the reproductions of the reliability report (F8, issue 17 item 1).

Each case runs `pipec compile` in a child process under an address-space cap and a time
limit, so a regression fails fast instead of eating the machine: the compile must exit 2
with the limit's diagnostic (file:line:col, caret, hint), never 3 or a traceback.
"""

from __future__ import annotations

import resource
import subprocess
import sys
import time
from pathlib import Path

import pytest

#: Address space of the compiling process: far above a normal compile (~60 MB RSS), far below a blow-up.
ADDRESS_SPACE = 1 << 30
#: Wall-clock bound of one compile (generous for a loaded 2-core machine).
SECONDS = 60

HEADER = 'from pipec import pipeline, step\n\n@step\ndef s(x: str = "") -> str:\n    return x\n\n'


def _cap() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE, ADDRESS_SPACE))


def compile_body(tmp_path: Path, body: str, *args: str, module: str = "") -> tuple[int, str, float]:
    """Compile a pipeline `p` with `body` (indented 4) for `ir`: (exit code, stderr, seconds)."""
    (tmp_path / "pyproject.toml").write_text("")
    indented = "\n".join("    " + line for line in body.splitlines())
    (tmp_path / "run.py").write_text(HEADER + module + f"@pipeline\ndef p(n: int = 3):\n{indented}\n")
    start = time.monotonic()
    proc = subprocess.run([sys.executable, "-m", "pipec", "compile", "run.py", "--target", "ir", "--out", "out",
                           "--color", "never", *args], cwd=tmp_path, capture_output=True, text=True,
                          timeout=SECONDS, preexec_fn=_cap, env={"PATH": "/usr/bin:/bin", "NO_COLOR": "1"})
    return proc.returncode, proc.stderr, time.monotonic() - start


def _nested_loops(depth: int) -> str:
    return "".join("    " * i + "for _ in range(2):\n" for i in range(depth)) + "    " * depth + "s()"


CASES = [
    ("range_1e19", 'for i in range(10**19):\n    s(id=f"s{i}")', (), "PC114"),
    ("range_negative_1e19", "for i in range(-10**19, 0):\n    s()", (), "PC114"),
    ("len_range_1e19", "k = len(range(10**19))\ns(x=str(k))", (), "PC114"),
    ("range_param_1e19", 'for i in range(n):\n    s(id=f"s{i}")', ("--param", "n=10000000000000000000"), "PC114"),
    ("ljust", 's(x="x".ljust(3 * 10**9))', (), "PC141"),
    ("rjust", 's(x="x".rjust(10**9))', (), "PC141"),
    ("center", 's(x="x".center(10**9))', (), "PC141"),
    ("zfill", 's(x="1".zfill(10**9))', (), "PC141"),
    ("expandtabs", 's(x="\\tx".expandtabs(10**9))', (), "PC141"),
    ("replace", 's(x=("x" * 10**6).replace("x", "y" * 3000))', (), "PC141"),
    ("join", 's(x=("x" * 10**6).join(["a"] * 3000))', (), "PC141"),
    ("fstring_width", 's(x=f"{1:>1500000000}")', (), "PC141"),
    ("format_width", 's(x="{:>1500000000}".format(1))', (), "PC141"),
    ("percent_width", 's(x="%*s" % (1500000000, "x"))', (), "PC141"),
    ("repetition", 's(x="x" * 10**9)', (), "PC141"),
    ("list_repetition", "xs = [1] * 10**9\ns(x=str(len(xs)))", (), "PC141"),
    ("concatenation", 'a = "x" * 900000\ns(x=a + a)', (), "PC141"),
    ("extend", "xs = [1]\nfor _ in range(30):\n    xs.extend(xs)\ns(x=str(len(xs)))", (), "PC141"),
    ("shared_structure_str", "d = {'a': [1]}\nfor i in range(25):\n    d['a'] = [d['a'], d['a']]\ns(x=str(d))", (),
     "PC141"),
    ("shared_structure_fstring", "xs = [1]\nfor i in range(25):\n    xs = [xs, xs]\ns(x=f'{xs}')", (), "PC141"),
    ("power", "s(x=str(10**10**10))", (), "PC142"),
    ("shift", "s(x=str(1 << 10**10))", (), "PC142"),
    ("nested_loops", _nested_loops(20), (), "PC114"),
    ("work_budget", "for i in range(90000):\n    x = [" + ", ".join(["i"] * 40) + "]", (), "PC140"),
]


@pytest.mark.parametrize(("body", "args", "code"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_limit_is_a_diagnostic(tmp_path, body, args, code):
    rc, err, _ = compile_body(tmp_path, body, *args)
    assert rc == 2, err
    assert f"error[{code}]" in err, err
    assert "Traceback" not in err and "internal error" not in err, err
    assert "run.py:" in err and "^" in err and "help:" in err, err  # location, caret, hint


def test_module_constant_is_bounded(tmp_path):
    rc, err, _ = compile_body(tmp_path, "s(x=N)", module='N = "x".ljust(3 * 10**9)\n\n')
    assert rc == 2 and "error[PC141]" in err, err


def test_limit_reported_once(tmp_path):
    """A spent budget is one diagnostic, not one per remaining loop level or statement."""
    rc, err, _ = compile_body(tmp_path, _nested_loops(20) + "\n" + _nested_loops(20))
    assert rc == 2
    assert err.count("error[PC114]") == 1, err


def test_many_automatic_ids_are_linear(tmp_path):
    """20,000 calls of one step get ids s, s_2, ... without a quadratic scan (was 22.8 s)."""
    rc, err, seconds = compile_body(tmp_path, "for i in range(20000):\n    s()")
    assert rc == 0, err
    assert seconds < 20, seconds
    assert '"s_20000"' in (tmp_path / "out" / "ir" / "p.json").read_text()


def test_values_under_the_limits_still_compile(tmp_path):
    body = ('s(x="x".ljust(1000) + "{:>10}".format(1) + f"{2:>5}" + "%*s" % (3, "y"))\n'
            "s(x=str(2**4000))\n"
            's(x=",".join(["a"] * 1000))')
    rc, err, _ = compile_body(tmp_path, body)
    assert rc == 0, err


def test_a_two_megabyte_line_is_quoted_without_rescanning_the_file(tmp_path):
    """Messages quote expressions from their line; a 2 MB line quoted per call took minutes (fuzz m00039)."""
    body = "\n".join(f's(x=os.getenv("A{i}", "{"x" * 2_000_000 if i == 0 else "y"}"))' for i in range(30))
    rc, err, seconds = compile_body(tmp_path, body, module="import os\n\n")
    assert rc == 2 and "error[PC102]" in err, err[:2000]
    assert seconds < 30, seconds
