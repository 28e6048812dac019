"""The `pipec` command line: compile/--check, inspect, graph, targets, options, exit codes.

Most tests drive `main(argv)` with `pipec.compiler.api.load` replaced by a loader
returning hand-built IR, so they exercise the CLI, driver, registry and writer for
real without depending on the frontend. The end-to-end tests at the bottom run the
real frontend and skip until it is importable.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import types
from pathlib import Path

import pytest

from pipec import targets
from pipec.cli.compile import regenerate_command
from pipec.cli.main import main
from pipec.compiler import api
from pipec.ir import Span
from pipec.ir import codec as ir_json
from pipec.ir.diagnostics import Diagnostics
from pipec.targets.base import POSITIVE_INT, OptionSpec
from tests.helpers.ir_samples import FakeLoader, sample_program, two_pipelines

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
def workdir(tmp_path, monkeypatch):
    """A temporary cwd holding `pipe.py` (the loader never reads it; the CLI checks it exists)."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("PIPEC_DEBUG", raising=False)
    monkeypatch.delenv("NO_COLOR", raising=False)
    (tmp_path / "pipe.py").write_text("# hand-built IR stands in for this file\n")
    return tmp_path


@pytest.fixture
def loader(workdir, monkeypatch):
    fake = FakeLoader(sample_program())
    monkeypatch.setattr(api, "load", fake)
    return fake


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return code, out, err


# --------------------------------------------------------------------------- basics


def test_help_does_not_import_heavy_libraries():
    probe = ("import sys, contextlib, io\n"
             "from pipec.cli.main import main\n"
             "for argv in (['--help'], ['compile', '--help'], ['graph', '--help'], ['inspect', '--help']):\n"
             "    with contextlib.redirect_stdout(io.StringIO()):\n"
             "        assert main(argv) == 0, argv\n"
             "print(sorted(m for m in ('networkx', 'jinja2', 'yaml') if m in sys.modules))\n")
    proc = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert proc.stdout.strip() == "[]"


def test_python_dash_m_pipec_and_version():
    proc = subprocess.run([sys.executable, "-m", "pipec", "--help"], capture_output=True, text=True)
    assert proc.returncode == 0 and "compile" in proc.stdout and "targets" in proc.stdout
    assert proc.stdout.startswith("usage: pipec ")
    proc = subprocess.run([sys.executable, "-m", "pipec", "--version"], capture_output=True, text=True)
    assert proc.returncode == 0 and proc.stdout.startswith("pipec ")


def test_no_command_and_unknown_command(capsys):
    code, _, err = run(capsys)
    assert code == 2 and "required" in err
    code, _, err = run(capsys, "compil", "x.py")
    assert code == 2 and "unknown command `compil`; did you mean `compile`?" in err


def test_usage_errors_exit_2(capsys, loader):
    code, _, err = run(capsys, "compile", "pipe.py")
    assert code == 2 and "--target" in err
    code, _, err = run(capsys, "graph", "pipe.py", "--format", "svg")
    assert code == 2 and "invalid choice" in err
    code, _, err = run(capsys, "compile", "pipe.py", "--target", "ir", "--che")  # no abbreviations
    assert code == 2 and "unrecognized arguments: --che" in err


# --------------------------------------------------------------------------- compile


def test_compile_writes_and_reports_relative_paths(capsys, loader, workdir):
    code, out, err = run(capsys, "compile", "pipe.py", "--target", "ir")
    assert (code, err) == (0, "")
    assert out == "wrote out/.pipec-artifacts\nwrote out/ir/p.json\n2 files written, 0 unchanged in out/\n"
    text = (workdir / "out/ir/p.json").read_text(encoding="utf-8")
    assert ir_json.loads(text) == sample_program()
    code, out, _ = run(capsys, "compile", "pipe.py", "--target", "ir")
    assert (code, out) == (0, "0 files written, 2 unchanged in out/\n")


def test_compile_passes_source_arguments_to_load(capsys, loader, workdir):
    (workdir / "run.yaml").write_text("parameters: {}\n")
    (workdir / "src").mkdir()
    code, _, _ = run(capsys, "compile", "pipe.py", "-t", "ir", "--param", "n=7", "--param", "mode=a=b",
                     "--config", "run.yaml", "--root", "src", "--pipeline", "p", "-o", "build")
    assert code == 0
    assert loader.calls == [{"path": "pipe.py", "root": "src", "params": {"n": "7", "mode": "a=b"},
                             "config": "run.yaml", "pipeline": "p"}]
    assert (workdir / "build/ir/p.json").exists()


def test_check_matches_then_detects_stale_missing_and_extra(capsys, loader, workdir):
    argv = ["compile", "pipe.py", "--target", "ir", "--out", "gen dir"]
    assert run(capsys, *argv)[0] == 0
    code, out, _ = run(capsys, *argv, "--check")
    assert (code, out) == (0, "2 files up to date in gen dir/\n")

    path = workdir / "gen dir/ir/p.json"
    path.write_text(path.read_text().replace('"function": "load"', '"function": "LOAD"'))
    code, out, _ = run(capsys, *argv, "--check")
    assert code == 1
    assert "--- gen dir/ir/p.json\n+++ gen dir/ir/p.json\n" in out
    assert '-          "function": "LOAD",\n+          "function": "load",\n' in out
    assert out.endswith("1 file out of date in gen dir/ (1 changed); to regenerate, run:\n"
                        "  pipec compile pipe.py --target ir --out 'gen dir'\n")

    path.unlink()
    code, out, _ = run(capsys, *argv, "--check")
    assert code == 1 and "--- /dev/null\n+++ gen dir/ir/p.json\n" in out and "(1 missing)" in out

    run(capsys, *argv)
    (workdir / "gen dir/ir/old.json").write_text("{}\n")
    code, out, _ = run(capsys, "--color", "never", *argv, "--check")
    assert code == 1 and "--- gen dir/ir/old.json\n+++ /dev/null\n@@ -1 +0,0 @@\n-{}\n" in out and "(1 extra)" in out
    assert "  pipec --color never compile pipe.py --target ir --out 'gen dir'\n" in out

    # --check never writes: the stale file is still there, nothing was fixed.
    assert (workdir / "gen dir/ir/old.json").exists()
    code, out, _ = run(capsys, *argv)
    assert code == 0 and "removed gen dir/ir/old.json" in out and "1 stale removed" in out
    assert not (workdir / "gen dir/ir/old.json").exists()
    assert run(capsys, *argv, "--check")[0] == 0


def test_check_on_an_empty_output_writes_nothing(capsys, loader, workdir):
    code, out, _ = run(capsys, "compile", "pipe.py", "--target", "ir", "--check")
    assert code == 1 and "(2 missing)" in out and "+++ out/.pipec-artifacts" in out
    assert not (workdir / "out").exists()


def test_with_pipeline_other_pipelines_files_are_not_stale(capsys, loader, workdir):
    loader.program = two_pipelines()
    assert run(capsys, "compile", "pipe.py", "--target", "ir")[0] == 0
    assert sorted(p.name for p in (workdir / "out/ir").iterdir()) == ["p.json", "q.json"]
    code, out, _ = run(capsys, "compile", "pipe.py", "--target", "ir", "--pipeline", "q", "--check")
    assert (code, out) == (0, "2 files up to date in out/\n")
    assert run(capsys, "compile", "pipe.py", "--target", "ir", "--pipeline", "q")[0] == 0
    assert (workdir / "out/ir/p.json").exists()


def test_regenerate_command_quotes_and_drops_only_check():
    assert regenerate_command(["compile", "a b.py", "--check", "-t", "ir", "--param", "x=$HOME"]) == \
        "pipec compile 'a b.py' -t ir --param 'x=$HOME'"
    assert regenerate_command(["compile", "--check", "--", "--check"]) == "pipec compile -- --check"


def test_unwritable_output_is_a_user_error(capsys, loader, workdir):
    (workdir / "out").write_text("a file where the folder should be\n")
    code, _, err = run(capsys, "compile", "pipe.py", "--target", "ir")
    assert code == 2 and err.startswith("pipec: error: output folder out exists and is not a folder")


def test_compile_output_is_identical_across_hash_seeds(workdir):
    script = ("import sys\n"
              "from tests.helpers.ir_samples import FakeLoader, two_pipelines\n"
              "from pipec.compiler import api; from pipec.cli.main import main\n"
              "api.load = FakeLoader(two_pipelines())\n"
              "raise SystemExit(main(['compile', 'pipe.py', '--target', 'ir', '--out', sys.argv[1]]))\n")
    for seed, out in (("0", "a"), ("12345", "b")):
        env = {**os.environ, "PYTHONHASHSEED": seed, "PYTHONPATH": str(REPO)}
        subprocess.run([sys.executable, "-c", script, out], cwd=workdir, env=env, check=True, capture_output=True)
    a = {p.relative_to(workdir / "a"): p.read_bytes() for p in (workdir / "a").rglob("*") if p.is_file()}
    b = {p.relative_to(workdir / "b"): p.read_bytes() for p in (workdir / "b").rglob("*") if p.is_file()}
    assert a == b and a


# --------------------------------------------------------------------------- targets and options


class EchoTarget:
    """Writes the options it received, so tests can see validation and defaults."""

    def __init__(self, name, options):
        self.name = name
        self.description = f"echo target {name}"
        self.options = options

    def compile(self, pipeline, context):
        return {f"{pipeline.name}.txt": json.dumps(context.options, sort_keys=True) + "\n"}


class CrashTarget:
    name = "boom"
    description = "always crashes"
    options = ()

    def compile(self, pipeline, context):
        raise ValueError("kaboom: something broke")


class EscapingTarget:
    name = "escape"
    description = "returns a path outside its folder"
    options = ()

    def compile(self, pipeline, context):
        return {"../../evil.txt": "x"}


@pytest.fixture
def fake_targets(monkeypatch):
    module = types.ModuleType("pipec_test_fake_targets")
    module.ECHO = EchoTarget("echo", (OptionSpec("mode", "speed", default="fast", choices=("fast", "slow")),
                                      OptionSpec("label", "a label"),
                                      OptionSpec("runs", "runs at once", kind=POSITIVE_INT)))
    module.OTHER = EchoTarget("other", (OptionSpec("label", "a label"),))
    module.BOOM = CrashTarget()
    module.ESCAPE = EscapingTarget()
    monkeypatch.setitem(sys.modules, module.__name__, module)
    for name, attr in (("echo", "ECHO"), ("other", "OTHER"), ("boom", "BOOM"), ("escape", "ESCAPE"),
                       ("broken", "MISSING")):
        monkeypatch.setitem(targets.BUILTINS, name, f"{module.__name__}:{attr}")
    return module


def _options_written(workdir, target):
    return json.loads((workdir / f"out/{target}/p.txt").read_text())


def test_options_defaults_scoped_and_plain(capsys, loader, workdir, fake_targets):
    code, _, err = run(capsys, "compile", "pipe.py", "-t", "echo", "-t", "other",
                       "--option", "label=L", "--option", "echo.mode=slow")
    assert (code, err) == (0, "")
    assert _options_written(workdir, "echo") == {"label": "L", "mode": "slow"}
    assert _options_written(workdir, "other") == {"label": "L"}
    code, _, _ = run(capsys, "compile", "pipe.py", "-t", "echo", "--option", "echo.label=x")
    assert code == 0 and _options_written(workdir, "echo") == {"label": "x", "mode": "fast"}
    code, _, _ = run(capsys, "compile", "pipe.py", "-t", "echo", "--option", "runs=007")
    assert code == 0 and _options_written(workdir, "echo") == {"mode": "fast", "runs": "007"}


@pytest.mark.parametrize("option, message, help_", [
    ("mdoe=slow", "no selected target accepts option `mdoe`", "did you mean `mode`?"),
    ("echo.lable=x", "target `echo` has no option `lable`", "did you mean `label`?"),
    ("echo.mode=slwo", "invalid value `slwo` for option `mode` of target `echo`; expected one of: fast, slow",
     "did you mean `slow`?"),
    ("echo.runs=0", "invalid value `0` for option `runs` of target `echo`; expected a positive whole number",
     "e.g. --option runs=1"),
    ("runs=²", "invalid value `²` for option `runs` of target `echo`; expected a positive whole number", None),
    ("other.label=x", "option `other.label` is for target `other`, which is not selected",
     "add `--target other`"),
    ("novalue", "`--option novalue` is not of the form key=value", "write `--option name=value`"),
    ("=x", "`--option =x` is not of the form key=value", None),
])
def test_invalid_options_are_pc302(capsys, loader, workdir, fake_targets, option, message, help_):
    code, out, err = run(capsys, "compile", "pipe.py", "-t", "echo", "--option", option)
    assert code == 2 and out == ""
    assert f"error[PC302]: {message}" in err
    if help_:
        assert f"help: {help_}" in err
    assert not (workdir / "out").exists()


def test_unknown_target_did_you_mean_and_all_errors_at_once(capsys, loader, workdir, fake_targets):
    code, _, err = run(capsys, "compile", "pipe.py", "-t", "irr", "-t", "broken", "-t", "echo",
                       "--param", "oops", "--option", "echo.mode=x")
    assert code == 2
    assert "error[PC301]: unknown target `irr`\nhelp: did you mean `ir`?" in err
    assert "error[PC305]: target `broken` failed to load: pipec_test_fake_targets:MISSING: AttributeError" in err
    assert "error[PC303]: `--param oops` is not of the form key=value" in err
    assert "error[PC302]: invalid value `x`" in err
    assert err.endswith("4 errors found\n")
    assert not (workdir / "out").exists()


def test_target_all_compiles_every_registered_target(capsys, loader, workdir, monkeypatch):
    # Only these two are registered, whatever other targets exist by now.
    monkeypatch.setattr(targets, "BUILTINS", {"ir": targets.BUILTINS["ir"],
                                              "ir2": "pipec.targets.ir:TARGET"})
    monkeypatch.setattr(targets, "_entry_points", dict)
    code, out, _ = run(capsys, "compile", "pipe.py", "--target", "all")
    assert (code, out) == (0, "wrote out/.pipec-artifacts\nwrote out/ir/p.json\nwrote out/ir2/p.json\n"
                              "3 files written, 0 unchanged in out/\n")


def test_crashing_target_is_an_internal_error_without_traceback(capsys, loader, workdir, fake_targets):
    code, out, err = run(capsys, "compile", "pipe.py", "-t", "boom")
    assert code == 3 and out == ""
    assert err.startswith("pipec: internal error: target `boom` crashed on pipeline `p`: "
                          "ValueError: kaboom: something broke\n")
    assert "please report" in err and "PIPEC_DEBUG=1" in err
    code, _, err = run(capsys, "compile", "pipe.py", "-t", "escape")
    assert code == 3 and "target `escape` produced an unsafe path" in err
    assert not (workdir.parent / "evil.txt").exists()


def test_pipec_debug_reraises(loader, workdir, fake_targets, monkeypatch):
    monkeypatch.setenv("PIPEC_DEBUG", "1")
    with pytest.raises(Exception, match="kaboom"):
        main(["compile", "pipe.py", "-t", "boom"])


def test_crash_anywhere_is_caught_at_main(capsys, workdir, monkeypatch):
    def explode(*args, **kwargs):
        raise RuntimeError("frontend fell over")

    monkeypatch.setattr(api, "load", explode)
    for command in (["inspect", "pipe.py"], ["graph", "pipe.py"], ["compile", "pipe.py", "-t", "ir"]):
        code, _, err = run(capsys, *command)
        assert code == 3
        assert err.startswith("pipec: internal error: RuntimeError: frontend fell over\n")
        assert "This is a bug in pipec" in err


def test_keyboard_interrupt_exits_130(capsys, workdir, monkeypatch):
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(api, "load", interrupted)
    code, _, err = run(capsys, "inspect", "pipe.py")
    assert (code, err) == (130, "pipec: interrupted\n")


def test_targets_lists_names_descriptions_and_options(capsys, fake_targets):
    code, out, err = run(capsys, "targets")
    assert code == 0
    # Columns widen with the longest target name: compare with runs of spaces collapsed.
    lines = [" ".join(line.split()) for line in out.splitlines()]
    assert "ir The checked IR as JSON (reference target)" in lines
    assert "echo echo target echo" in lines  # the description is the target object's own
    assert "--option echo.mode=... speed (default: fast; one of: fast, slow)" in lines
    assert "--option echo.label=... a label" in lines  # text: nothing to add
    assert "--option echo.runs=... runs at once (positive integer)" in lines
    assert ("broken (failed to load: pipec_test_fake_targets:MISSING: AttributeError: module "
            "'pipec_test_fake_targets' has no attribute 'MISSING')") in lines
    assert "warning[PC305]: target `broken` failed to load" in err
    code, out, _ = run(capsys, "targets", "--json")
    listed = {t["name"]: t for t in json.loads(out)["targets"]}
    assert listed["ir"] == {"name": "ir", "description": "The checked IR as JSON (reference target)",
                            "options": [], "compiles": True, "origin": "built-in"}
    assert listed["echo"]["options"][0] == {"name": "mode", "help": "speed", "kind": "choice", "default": "fast",
                                            "choices": ["fast", "slow"]}
    assert listed["echo"]["options"][2]["kind"] == "positive integer"
    assert "error" in listed["broken"]
    assert listed["local"]["compiles"] is False  # `pipec run`, listed first
    assert list(listed)[0] == "local" and list(listed)[1:] == sorted(set(listed) - {"local"})


# --------------------------------------------------------------------------- inspect and graph


def test_inspect_prints_the_ir_json(capsys, loader):
    code, out, err = run(capsys, "inspect", "pipe.py")
    assert (code, err) == (0, "")
    assert out == ir_json.dumps(ir_json.program_to_json(sample_program()))
    assert ir_json.loads(out) == sample_program()


def test_inspect_of_one_pipeline_equals_the_ir_target_file(capsys, loader, workdir):
    loader.program = two_pipelines()
    _, out, _ = run(capsys, "inspect", "pipe.py", "--pipeline", "q")
    run(capsys, "compile", "pipe.py", "-t", "ir")
    assert out == (workdir / "out/ir/q.json").read_text(encoding="utf-8")


@pytest.mark.parametrize("fmt, first", [("mermaid", "flowchart TD"), ("dot", "digraph pipec {")])
def test_graph(capsys, loader, fmt, first):
    code, out, _ = run(capsys, "graph", "pipe.py", "--format", fmt)
    assert code == 0 and out.splitlines()[0] == first and "output->x" in out


def test_graph_defaults_to_mermaid(capsys, loader):
    assert run(capsys, "graph", "pipe.py")[1].startswith("flowchart TD\n")


# --------------------------------------------------------------------------- diagnostics


def test_missing_file_is_pc002_for_every_command(capsys, workdir):
    for command in (["inspect", "nope.py"], ["graph", "nope.py"], ["compile", "nope.py", "-t", "ir"]):
        code, out, err = run(capsys, *command)
        assert code == 2 and out == ""
        assert err == ("error[PC002]: cannot read pipeline file `nope.py`: No such file or directory\n\n"
                       "1 error found\n")
    code, _, err = run(capsys, "inspect", ".")
    assert code == 2 and "it is a folder, not a file" in err


def test_missing_config_and_bad_root_and_param(capsys, loader):
    code, _, err = run(capsys, "inspect", "pipe.py", "--config", "none.yaml", "--root", "nowhere",
                       "--param", "x")
    assert code == 2
    assert "error[PC002]: cannot read run configuration `none.yaml`" in err
    assert "error[PC002]: source root `nowhere` is not a folder" in err
    assert "error[PC303]: `--param x` is not of the form key=value" in err
    assert loader.calls == []


def _diag_loader(workdir, monkeypatch, severity):
    (workdir / "pipe.py").write_text("@pipeline\ndef p():\n    add(lr=0.1)\n")
    diags = Diagnostics()
    getattr(diags, severity)("PC203" if severity == "error" else "PC207", "step `add` is missing required input `x`"
                             if severity == "error" else "output `output` of step `add` is never used",
                             Span("pipe.py", 3, 5, 3, 16), help="pass `x=`")
    fake = FakeLoader(sample_program(), list(diags))
    monkeypatch.setattr(api, "load", fake)


def test_errors_are_rendered_relative_to_cwd_and_exit_2(capsys, workdir, monkeypatch):
    _diag_loader(workdir, monkeypatch, "error")
    for command in (["inspect", "pipe.py"], ["graph", "pipe.py"], ["compile", "pipe.py", "-t", "ir"]):
        code, out, err = run(capsys, *command)
        assert code == 2 and out == ""
        assert err == ("pipe.py:3:5: error[PC203]: step `add` is missing required input `x`\n"
                       "  |\n"
                       "3 |     add(lr=0.1)\n"
                       "  |     ^^^^^^^^^^^\n"
                       "help: pass `x=`\n\n"
                       "1 error found\n")
    assert not (workdir / "out").exists()


def test_warnings_print_but_exit_0(capsys, workdir, monkeypatch):
    _diag_loader(workdir, monkeypatch, "warning")
    code, out, err = run(capsys, "compile", "pipe.py", "-t", "ir")
    assert code == 0 and "wrote out/ir/p.json" in out
    assert "warning[PC207]" in err and err.endswith("1 warning found\n")


def test_color_modes(capsys, workdir, monkeypatch):
    _diag_loader(workdir, monkeypatch, "error")
    assert "\x1b[" in run(capsys, "inspect", "pipe.py", "--color", "always")[2]
    assert "\x1b[" in run(capsys, "--color", "always", "inspect", "pipe.py")[2]
    assert "\x1b[" not in run(capsys, "inspect", "pipe.py", "--color", "never")[2]
    assert "\x1b[" not in run(capsys, "inspect", "pipe.py")[2]  # auto: capture is not a terminal


def test_color_auto_respects_no_color(monkeypatch):
    from argparse import Namespace

    from pipec.cli.args import use_color

    class Tty:
        def isatty(self):
            return True

    assert use_color(Namespace(color="auto"), Tty()) is True
    monkeypatch.setenv("NO_COLOR", "1")
    assert use_color(Namespace(color="auto"), Tty()) is False
    assert use_color(Namespace(color="always"), Tty()) is True


# --------------------------------------------------------------------------- end to end (real frontend)

TINY = '''\
from pipec import step, pipeline


@step
def load() -> int:
    return 1


@step
def add(x: int, y: int = 2) -> int:
    return x + y


@pipeline
def p():
    add(load())
'''


def _pipec(cwd, *argv, env=None):
    return subprocess.run([sys.executable, "-m", "pipec", *argv], cwd=cwd, capture_output=True, text=True,
                          env={**os.environ, **(env or {})})


def test_e2e_compile_check_inspect_graph(tmp_path):
    (tmp_path / "pyproject.toml").write_text("")
    (tmp_path / "tiny.py").write_text(TINY)
    proc = _pipec(tmp_path, "compile", "tiny.py", "--target", "ir")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("wrote out/.pipec-artifacts\nwrote out/ir/p.json\n") and "Traceback" not in proc.stderr
    program = ir_json.loads((tmp_path / "out/ir/p.json").read_text(encoding="utf-8"))
    (pipe,) = program.pipelines
    assert [s.id for s in pipe.steps] == ["load", "add"]
    assert pipe.step("add").upstream == ("load",)
    assert _pipec(tmp_path, "compile", "tiny.py", "--target", "ir", "--check").returncode == 0

    proc = _pipec(tmp_path, "inspect", "tiny.py")
    assert proc.returncode == 0 and ir_json.loads(proc.stdout) == program
    proc = _pipec(tmp_path, "graph", "tiny.py", "--format", "dot")
    assert proc.returncode == 0 and "p0_s0 -> p0_s1" in proc.stdout

    (tmp_path / "tiny.py").write_text(TINY.replace("return x + y", "return x + y + 1"))
    assert _pipec(tmp_path, "compile", "tiny.py", "--target", "ir", "--check").returncode == 0  # spans unchanged
    (tmp_path / "tiny.py").write_text(TINY.replace("def p():", "def renamed():"))
    proc = _pipec(tmp_path, "compile", "tiny.py", "--target", "ir", "--check")
    assert proc.returncode == 1 and "(1 changed, 1 missing, 1 extra)" in proc.stdout
    assert "pipec compile tiny.py --target ir" in proc.stdout


def test_e2e_output_is_byte_identical_across_hash_seeds(tmp_path):
    (tmp_path / "tiny.py").write_text(TINY)
    outputs = []
    for seed in ("0", "4242"):
        proc = _pipec(tmp_path, "inspect", "tiny.py", env={"PYTHONHASHSEED": seed})
        assert proc.returncode == 0, proc.stderr
        outputs.append(proc.stdout)
    assert outputs[0] == outputs[1]
    assert str(tmp_path) not in outputs[0]


def test_e2e_user_errors_never_traceback(tmp_path):
    (tmp_path / "bad.py").write_text("from pipec import pipeline\n@pipeline\ndef p(:\n")
    proc = _pipec(tmp_path, "compile", "bad.py", "--target", "ir")
    assert proc.returncode == 2 and "error[PC001]" in proc.stderr and "Traceback" not in proc.stderr
    (tmp_path / "tiny.py").write_text(TINY.replace("add(load())", "add(load(), z=1)"))
    proc = _pipec(tmp_path, "inspect", "tiny.py")
    assert proc.returncode == 2 and "tiny.py:" in proc.stderr and "Traceback" not in proc.stderr


def test_broken_pipe_is_quiet(capsys, workdir, monkeypatch):
    def reader_went_away(*args, **kwargs):
        raise BrokenPipeError(32, "Broken pipe")

    monkeypatch.setattr(api, "load", reader_went_away)
    code, _, err = run(capsys, "inspect", "pipe.py")
    assert (code, err) == (1, "")


# --------------------------------------------------------------------------- the first five minutes


def test_readme_first_command_ends_with_a_short_success(tmp_path):
    """The README's first command on the bundled quickstart: the files, one note line, no warnings."""
    proc = subprocess.run([sys.executable, "-m", "pipec", "compile", "examples/quickstart_old_api/run.py",
                           "--target", "all", "--out", str(tmp_path / "out"), "--no-cache"],
                          cwd=REPO, capture_output=True, text=True, env={**os.environ, "NO_COLOR": "1"})
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr.splitlines() == [
        "note: artifacts go to the default folder /pipec/artifacts on each step's own machine, so steps that do not "
        "share one cannot read each other's outputs; set a shared store with --option artifact_store=s3://BUCKET/PATH "
        "(or gs://, az://) or a stack's artifact_store"]
    # One file per target (the quickstart has one pipeline, no schedule) and the cache folder's marker.
    from pipec import targets

    assert proc.stdout.splitlines()[-1].startswith(f"{len(targets.names()) + 1} files written, 0 unchanged in ")


def test_targets_lists_local_and_compile_refuses_it(capsys, loader, workdir):
    code, out, _ = run(capsys, "targets")
    assert code == 0 and out.splitlines()[0].startswith("local ") and "pipec run FILE" in out.splitlines()[0]
    code, _, err = run(capsys, "compile", "pipe.py", "--target", "local")
    assert code == 2 and "error[PC301]: target `local` runs pipelines on this machine with `pipec run`" in err


@pytest.mark.parametrize(("param", "hint"), [
    ("fator=2", "help: did you mean `factor`?"),
    ("zzz=2", "help: `diamond` declares `n`, `factor`"),
])
def test_param_gets_did_you_mean_or_the_list(param, hint):
    proc = subprocess.run([sys.executable, "-m", "pipec", "inspect", "examples/diamond/run.py", "--param", param],
                          cwd=REPO, capture_output=True, text=True, env={**os.environ, "NO_COLOR": "1"})
    assert proc.returncode == 2 and "error[PC109]" in proc.stderr and hint in proc.stderr, proc.stderr
