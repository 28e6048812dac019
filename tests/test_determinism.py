"""Determinism: the same source gives the same bytes, whatever the machine, path, seed or user.

Every example is compiled for every target twice, in separate processes:
  1. from the repository root, PYTHONHASHSEED=0;
  2. from a copy of the example at another absolute path, another working directory,
     PYTHONHASHSEED=12345, and a made-up user name and home directory.
Both trees must be byte-identical, and no artifact may contain an absolute path, the user
name, the host name, the Python or pipec version, or a timestamp of today.
"""

from __future__ import annotations

import getpass
import platform
import re
import shutil
import socket
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pipec

FAKE_USER = "zz_pipec_det_user"


def _compile_all(cli, case: str, examples: Path, cwd: Path, out: Path, **env: str) -> dict[str, bytes]:
    proc = cli.run(["compile", *cli.example_args(case, examples), "--target", "all", "--out", str(out)],
                   cwd=cwd, env=cli.env(**env))
    assert cli.traceback not in proc.stderr, proc.stderr
    assert proc.returncode == 0, f"compiling {case} failed ({proc.returncode}):\n{proc.stderr}"
    tree = cli.read_tree(out)
    assert tree, f"compiling {case} wrote nothing"
    return tree


def _leaks(text: str, forbidden: dict[str, str]) -> list[str]:
    found = [f"{what} {token!r}" for what, token in forbidden.items() if token and token in text]
    now = datetime.now(timezone.utc)
    for day in (now - timedelta(days=1), now, now + timedelta(days=1)):
        for fmt in ("%Y-%m-%d", "%Y%m%dT", "%d/%m/%Y", "%m/%d/%Y", "%a %b %d", "%d %b %Y"):
            stamp = day.strftime(fmt)
            if stamp in text:
                found.append(f"today's date {stamp!r}")
    epoch = int(time.time())
    for match in re.finditer(r"(?<!\d)1\d{9}(?:\.\d+)?(?!\d)", text):
        if abs(float(match.group()) - epoch) < 2 * 86400:
            found.append(f"a current Unix timestamp {match.group()}")
    return found


def test_output_is_byte_identical_across_seeds_paths_and_users(example_case: str, cli, tmp_path: Path) -> None:
    """Two compiles of an example under different hash seeds, paths, cwd and user agree byte for byte."""
    case = example_case
    first = _compile_all(cli, case, cli.examples, cli.repo, tmp_path / "out-a", PYTHONHASHSEED="0")

    elsewhere = tmp_path / "elsewhere" / "deeper path with spaces"
    shutil.copytree(cli.examples / case, elsewhere / case, ignore=shutil.ignore_patterns(".pipec", "__pycache__"))
    home = tmp_path / "fake-home"
    home.mkdir()
    other_cwd = tmp_path / "other-cwd"
    other_cwd.mkdir()
    second = _compile_all(cli, case, elsewhere, other_cwd, tmp_path / "out-b", PYTHONHASHSEED="12345",
                          HOME=str(home), USER=FAKE_USER, LOGNAME=FAKE_USER, USERNAME=FAKE_USER)

    assert sorted(first) == sorted(second), "the two compiles wrote different file sets"
    differing = [name for name in first if first[name] != second[name]]
    assert not differing, f"output depends on hash seed, path, cwd or user: {differing}"

    host = socket.gethostname()
    forbidden = {
        "the repository path": str(cli.repo),
        "the copy's path": str(elsewhere),
        "the temporary folder": str(tmp_path),
        "the home folder": str(Path.home()),
        "the fake home folder": str(home),
        "the fake user name": FAKE_USER,
        "the Python version": platform.python_version(),
        "the pipec version": f"pipec {pipec.__version__}",
        "the pipec version pin": f"pipec=={pipec.__version__}",
    }
    # A real user or host name is only looked for when it is distinctive enough not to be a word
    # that may legitimately occur (a user called "root", a host called "ci").
    user = getpass.getuser()
    if len(user) >= 6 and user not in {"runner", "ubuntu", "worker"}:
        forbidden["the user name"] = user
    if len(host) >= 8 and host not in {"localhost"}:
        forbidden["the host name"] = host
    problems = [
        f"{name}: {leak}"
        for name, data in sorted(first.items())
        for leak in _leaks(data.decode("utf-8", errors="replace"), forbidden)
    ]
    assert not problems, "machine-specific data in artifacts:\n" + "\n".join(problems)


def test_repeated_compile_in_one_directory_is_stable(cli, tmp_path: Path) -> None:
    """Compiling twice into the same --out changes nothing (no counters, no timestamps)."""
    out = tmp_path / "out"
    first = _compile_all(cli, "zenml_new_api", cli.examples, cli.repo, out)
    second = _compile_all(cli, "zenml_new_api", cli.examples, cli.repo, out)
    assert first == second
