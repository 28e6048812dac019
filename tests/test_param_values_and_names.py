"""Found by the seeded fuzzer (report, area 1a): values no engine can carry and two pipelines of
one name exited 3 ("internal error") from a target; they are the user's to fix, exit 2."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipec.cli.main import main

DIAMOND = Path(__file__).resolve().parents[1] / "examples/diamond/run.py"


@pytest.mark.parametrize(("value", "says"), [
    ("nan", "NaN and infinity have no JSON form"),
    ("-inf", "NaN and infinity have no JSON form"),
    ("1e999", "NaN and infinity have no JSON form"),
    ("\udcff", "the value is not valid UTF-8 text"),  # an undecodable argv byte, as Python passes it
])
def test_a_float_param_no_engine_can_carry(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                           capsys: pytest.CaptureFixture[str], value: str, says: str) -> None:
    (tmp_path / "pyproject.toml").write_text("")
    (tmp_path / "run.py").write_text(DIAMOND.read_text())
    monkeypatch.chdir(tmp_path)
    assert main(["compile", "run.py", "--target", "all", "--param", f"factor={value}", "--out", "out"]) == 2
    err = capsys.readouterr().err
    assert "error[PC303]" in err and says in err and "internal error" not in err
    assert not (tmp_path / "out").exists()


def test_two_pipelines_of_one_name(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                   capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "pyproject.toml").write_text("")
    (tmp_path / "d.py").write_text('from pipec import pipeline, step\n\n\n@step\ndef s() -> None:\n    pass\n\n\n'
                                   '@pipeline(name="same")\ndef a():\n    s()\n\n\n'
                                   '@pipeline(name="same")\ndef b():\n    s()\n')
    monkeypatch.chdir(tmp_path)
    assert main(["compile", "d.py", "--target", "all", "--out", "out"]) == 2
    err = capsys.readouterr().err
    assert "d.py:15:5: error[PC211]: pipeline name `same` is already used by the pipeline at d.py:10:5" in err
    assert "internal error" not in err


LIST_PIPELINE = ('from pipec import pipeline, step\n\n\n@step\ndef s(v: list) -> None:\n    pass\n\n\n'
                 '@pipeline\ndef p(v: list = []):\n    s(v=v)\n')


@pytest.mark.parametrize(("value", "says"), [
    ("[" * 3000 + "]" * 3000, "the value is nested too deeply"),
    ("{a: " * 3000 + "1" + "}" * 3000, "the value is nested too deeply"),
    ('["\\ud800"]', "lone surrogate escape"),
])
def test_a_json_param_no_engine_can_carry(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                          capsys: pytest.CaptureFixture[str], value: str, says: str) -> None:
    (tmp_path / "pyproject.toml").write_text("")
    (tmp_path / "l.py").write_text(LIST_PIPELINE)
    monkeypatch.chdir(tmp_path)
    assert main(["compile", "l.py", "--target", "all", "--param", f"v={value}", "--out", "out"]) == 2
    err = capsys.readouterr().err
    assert "error[PC303]" in err and says in err and "internal error" not in err
    assert len(err.splitlines()[0]) < 300  # the value is shortened in the message


@pytest.mark.parametrize("nested", ["x = " + "not " * 1000 + "s()",
                                    "@pipeline" + ".a" * 1000 + "\ndef helper():\n    pass"])
def test_expressions_thousands_deep(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                    capsys: pytest.CaptureFixture[str], nested: str) -> None:
    """Fuzz m01898 / m01981: the entry-call scan and decorator resolution recursed once per level."""
    (tmp_path / "pyproject.toml").write_text("")
    (tmp_path / "d.py").write_text('from pipec import pipeline, step\n\n\n@step\ndef s() -> None:\n    pass\n\n\n'
                                   f'{nested}\n\n\n@pipeline\ndef p():\n    s()\n')
    monkeypatch.chdir(tmp_path)
    assert main(["compile", "d.py", "--target", "ir", "--out", "out"]) in (0, 2)
    assert "internal error" not in capsys.readouterr().err


def test_a_two_megabyte_literal_does_not_slow_messages(tmp_path: Path) -> None:
    """Fuzz m02116: each message naming a multi-line expression split the whole file again
    (`ast.get_source_segment`), so a module with a 2 MB literal took minutes."""
    import subprocess
    import sys

    source = (Path(__file__).resolve().parents[1] / "examples/model_control_plane/run.py").read_text()
    (tmp_path / "pyproject.toml").write_text("")
    (tmp_path / "run.py").write_text(source + "\n\nBLOB = b'" + "x" * 2_000_000 + "'\n")
    proc = subprocess.run([sys.executable, "-m", "pipec", "compile", "run.py", "--target", "all", "--out", "out"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=25)  # 44 s before, 5 s now
    assert proc.returncode == 0, proc.stderr[-2000:]
