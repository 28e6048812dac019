"""`python run.py`: a pipeline called from a script compiles that script and runs it (pipec.runtime.script_run).

Every test runs the script in a real interpreter (this venv's) in a temporary project, and reads
the run back with `pipec.Client` from the project's own `.pipec/` store.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from pipec import Client
from tests.helpers.runtime_projects import make_project

REPO = Path(__file__).resolve().parents[2]

PROJECT = {
    "pyproject.toml": "",
    "pkg/pipes.py": """
        from pipec import pipeline, step

        @step
        def make(n: int, label: str = "x") -> dict:
            return {"n": n, "label": label}

        @step
        def double(d: dict, factor: float = 2.0) -> float:
            return d["n"] * factor

        @pipeline
        def calc(n: int, label: str = "x", factor: float = 2.0):
            double(make(n=n, label=label), factor=factor)
    """,
}


def _python(root: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k not in ("PIPEC_STACK", "PIPEC_METADATA_STORE")}
    return subprocess.run([sys.executable, *args], cwd=root, capture_output=True, text=True, timeout=120,
                          env={**clean, **(env or {})})


def _last_json(stdout: str) -> dict:
    return json.loads(stdout.strip().splitlines()[-1])


def test_diamond_example_runs_with_plain_python(tmp_path: Path) -> None:
    root = tmp_path / "diamond"
    shutil.copytree(REPO / "examples" / "diamond", root)
    done = _python(root, "run.py")
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr and "warning" not in done.stderr
    assert "running   load" in done.stderr and "completed join" in done.stderr  # pipec run's progress
    assert done.stdout.startswith("STEP") and "run diamond-" in done.stdout  # and its summary
    run = Client(root=root).get_pipeline_run("diamond")
    assert run.status == "completed" and run.orchestrator == "local"
    assert run.parameters == {"n": 10, "factor": 1.5}
    joined = run.steps["join"].outputs["output"].load()
    assert joined["count"] == 10 and joined["scaled_total"] == joined["sum"] * 1.5
    assert f"run {run.id}: completed" in done.stdout


def test_module_level_call_without_main_guard_runs_once(tmp_path: Path) -> None:
    # The steps live in the script itself, so every step process imports it as module `run`.
    script = PROJECT["pkg/pipes.py"] + """
        import json

        run = calc(2)
        if run is not None:  # None where the call starts no run: in a step's import
            print(json.dumps({"id": run.id, "status": run.status}))
    """
    root = make_project(tmp_path, {"pyproject.toml": "", "run.py": script})
    done = _python(root, "run.py")
    assert done.returncode == 0, done.stderr
    runs = Client(root=root).list_pipeline_runs()
    assert [r.id for r in runs] == [_last_json(done.stdout)["id"]]  # the steps' imports started no run
    logs = root / ".pipec" / "logs" / runs[0].id
    assert "pipeline `calc` called inside a step: no run started" in (logs / "make.log").read_text()


def test_positional_and_keyword_arguments_are_the_parameters(tmp_path: Path) -> None:
    root = make_project(tmp_path, {**PROJECT, "run.py": """
        import json
        from pkg.pipes import calc

        if __name__ == "__main__":
            run = calc(3, "y", factor=0.5)
            print(json.dumps({"id": run.id, "out": run.steps["double"].outputs["output"].load()}))
    """})
    done = _python(root, "run.py")
    assert done.returncode == 0, done.stderr
    result = _last_json(done.stdout)
    run = Client(root=root).get_pipeline_run(result["id"])
    assert run.parameters == {"n": 3, "label": "y", "factor": 0.5}
    assert result["out"] == 1.5 and run.steps["make"].outputs["output"].load() == {"n": 3, "label": "y"}


def test_with_options_config_path_enable_cache_and_run_name(tmp_path: Path) -> None:
    root = make_project(tmp_path, {**PROJECT, "conf/run.yaml": "parameters:\n  label: from-config\n", "run.py": """
        import json
        import sys
        from pkg.pipes import calc

        if __name__ == "__main__":
            n = int(sys.argv[1])
            if sys.argv[2] == "nocache":
                run = calc.with_options(config_path="conf/run.yaml", run_name="nightly-{date}-{time}",
                                        enable_cache=False)(n=n)
            else:
                run = calc.with_options(config_path="conf/run.yaml", run_name="nightly-{date}-{time}")(n)
            print(json.dumps({"id": run.id, "statuses": [s.status for s in run.steps.values()]}))
    """})
    elsewhere = tmp_path / "elsewhere"  # the config path is taken from the script's folder, not the cwd
    elsewhere.mkdir()
    first = _python(elsewhere, str(root / "run.py"), "4", "cache")
    assert first.returncode == 0, first.stderr
    # n is unknown statically (the call's value counts), and the static reading takes the call being made.
    assert "warning" not in first.stderr
    run_id = _last_json(first.stdout)["id"]
    assert run_id.startswith("nightly-") and "{" not in run_id
    run = Client(root=root).get_pipeline_run(run_id)
    assert run.parameters == {"n": 4, "label": "from-config", "factor": 2.0}
    uncached = _python(root, "run.py", "4", "nocache")
    assert uncached.returncode == 0, uncached.stderr
    assert _last_json(uncached.stdout)["statuses"] == ["completed", "completed"]
    again = _python(root, "run.py", "4", "cache")
    assert _last_json(again.stdout)["statuses"] == ["cached", "cached"]


def test_failed_run_exits_1_after_the_summary(tmp_path: Path) -> None:
    files = {**PROJECT, "run.py": """
        from pkg.pipes import calc

        calc(0, factor=1.0)
        print("after the call")
    """}
    files["pkg/pipes.py"] = files["pkg/pipes.py"].replace('return d["n"] * factor', 'return factor / d["n"]')
    root = make_project(tmp_path, files)
    done = _python(root, "run.py")
    assert done.returncode == 1
    assert "failed" in done.stdout and "ZeroDivisionError" in done.stdout and "after the call" not in done.stdout
    assert "Traceback" not in done.stderr  # the step's traceback is in its log
    assert Client(root=root).get_pipeline_run("calc").status == "failed"


def test_bad_arguments_exit_2_without_traceback(tmp_path: Path) -> None:
    cases = {
        'calc("three")': "error[PC303]: parameter `n` expects `int` but the call passes `str`",
        "calc(1, factor=object())": "error[PC111]: value of parameter `factor` is not JSON-serialisable",
        "calc(1, lr=0.1)": "pipec: error: calc(): got an unexpected keyword argument 'lr'",
        "calc()": "pipec: error: calc(): missing a required argument: 'n'",
        'calc.with_options(run_name="{user}")(1)': "has a placeholder pipec cannot fill",
        'calc.with_options(config_path="missing.yaml")(1)': "cannot read run configuration",
    }
    for call, message in cases.items():
        root = make_project(tmp_path, {**PROJECT, "run.py": f"from pkg.pipes import calc\n\n{call}\n"})
        done = _python(root, "run.py")
        assert done.returncode == 2, (call, done.stderr)
        assert message in done.stderr, (call, done.stderr)
        assert "Traceback" not in done.stderr, call
        assert not (root / ".pipec" / "metadata.db").exists(), call


def test_wrong_value_points_at_the_call(tmp_path: Path) -> None:
    root = make_project(tmp_path, {**PROJECT, "run.py": 'from pkg.pipes import calc\n\nN = "3"\ncalc(N)\n'})
    done = _python(root, "run.py")
    assert done.returncode == 2 and "run.py:4:1: error[PC303]" in done.stderr


def test_call_without_a_script_file_exits_2(tmp_path: Path) -> None:
    root = make_project(tmp_path, PROJECT)
    done = _python(root, "-c", "from pkg.pipes import calc; calc(1)")
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "called outside a Python script file" in done.stderr and "pipec run FILE --pipeline calc" in done.stderr


def test_engine_stack_goes_through_submit(tmp_path: Path) -> None:
    files = {**PROJECT, "pyproject.toml": '[tool.pipec.stacks.ci]\ntarget = "github"\n',
             "run.py": "from pkg.pipes import calc\n\ncalc(1)\n"}
    root = make_project(tmp_path, files)
    done = _python(root, "run.py", env={"PIPEC_STACK": "ci"})
    # github cannot start runs: `pipec run --stack ci` says exactly this too.
    assert done.returncode == 2 and "error[PC306]" in done.stderr and "cannot run the pipeline there" in done.stderr
    assert "Traceback" not in done.stderr


def test_import_pipec_does_not_import_the_compiler(tmp_path: Path) -> None:
    done = _python(tmp_path, "-c", "import sys, pipec; print(sorted(m for m in sys.modules if m.startswith("
                                   "('pipec.compiler', 'pipec.runtime'))))")
    assert done.returncode == 0 and done.stdout.strip() == "[]"


def test_same_named_pipelines_imported_inside_main_run_the_one_imported(tmp_path: Path) -> None:
    # Two modules define `train`; the script picks one at run time, so the compile must too.
    step_module = """
        from pipec import pipeline, step

        @step
        def {step}() -> int:
            return 1

        @pipeline
        def train():
            {step}()
    """
    script = """
        import json
        import sys

        def main(fast):
            if fast:
                from pipelines.a import train
            else:
                from pipelines.b import train
            print(json.dumps(sorted(train().steps)))

        if __name__ == "__main__":
            main(len(sys.argv) > 1)
    """
    root = make_project(tmp_path, {"pyproject.toml": "", "pipelines/__init__.py": "",
                                   "pipelines/a.py": step_module.replace("{step}", "quick"),
                                   "pipelines/b.py": step_module.replace("{step}", "thorough"), "run.py": script})
    for args, steps in (((), ["thorough"]), (("fast",), ["quick"])):
        done = _python(root, "run.py", *args)
        assert done.returncode == 0, done.stderr
        assert _last_json(done.stdout) == steps
