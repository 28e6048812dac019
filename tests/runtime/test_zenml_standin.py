"""`python run.py` on a ZenML-written script without ZenML installed: pipec's `.pth` file serves
`zenml` from the stand-in (pipec.runtime.zenml_compat) to the user's code, so a new-API call and
the original API's `.run()` compile the script and run it, as pipec's own `@pipeline` does.

Each test runs a real interpreter of this venv, where pipec was installed through its own build
backend (build_backend/pipec_build.py), which is what puts the `.pth` file in site-packages.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from pipec import Client
from tests.helpers.runtime_projects import make_project

PTH = Path(sysconfig.get_paths()["purelib"]) / "pipec-zenml-standin.pth"

pytestmark = pytest.mark.skipif(
    subprocess.run([sys.executable, "-c", "import importlib.metadata as m; m.distribution('zenml')"],
                   capture_output=True).returncode == 0,
    reason="a real ZenML is installed: `import zenml` is ZenML's, not the stand-in")

OLD_API = """
    import json
    import sys

    from zenml.pipelines import pipeline
    from zenml.steps import BaseParameters, Output, step


    class Params(BaseParameters):
        n: int = 3


    @step
    def load(params: Params) -> Output(numbers=list, total=int):
        numbers = list(range(params.n))
        return numbers, sum(numbers)


    @step
    def report(numbers: list, total: int) -> str:
        return f"{len(numbers)} numbers, total {total}"


    @pipeline
    def counting(load, report):
        numbers, total = load()
        report(numbers=numbers, total=total)


    def main():
        instance = counting(load=load(params=Params(n=5)), report=report())
        run = instance.run(run_name="counting-{date}", enable_cache=False)
        print(json.dumps({"id": run.id, "status": run.status,
                          "report": run.steps["report"].outputs["output"].load()}))


    if __name__ == "__main__":
        main()
"""

NEW_API = """
    import json

    from zenml import pipeline, step


    @step
    def make(n: int) -> list:
        return list(range(n))


    @step
    def total(rows: list, factor: float) -> float:
        return sum(rows) * factor


    @pipeline(enable_cache=False)
    def training(n: int = 3, factor: float = 1.0):
        total(make(n=n), factor=factor)


    if __name__ == "__main__":
        run = training(4, factor=0.5)
        print(json.dumps({"status": run.status, "parameters": run.parameters,
                          "total": run.steps["total"].outputs["output"].load()}))
"""


def _python(root: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items()
             if k not in ("PIPEC_STACK", "PIPEC_METADATA_STORE", "PIPEC_ZENML_STANDIN")}
    return subprocess.run([sys.executable, *args], cwd=root, capture_output=True, text=True, timeout=120,
                          env={**clean, **(env or {})})


def test_the_pth_file_is_installed_once_per_interpreter() -> None:
    assert PTH.is_file(), f"{PTH} is missing: reinstall pipec with pip or uv (its build backend adds it)"
    done = subprocess.run([sys.executable, "-c", "import sys; print(sum(type(f).__name__ == "
                           "'PipecZenmlStandin' for f in sys.meta_path)); print('zenml' in sys.modules)"],
                          capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["1", "False"]  # one finder, nothing imported at start-up


def test_original_api_run_with_plain_python(tmp_path: Path) -> None:
    root = make_project(tmp_path, {"pyproject.toml": "", "run.py": OLD_API})
    done = _python(root, "run.py")
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr and "warning" not in done.stderr, done.stderr
    assert "running   load" in done.stderr and "completed report" in done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["status"] == "completed" and result["report"] == "5 numbers, total 10"
    assert result["id"].startswith("counting-20")
    run = Client(root=root).get_pipeline_run(result["id"])
    assert run.steps["load"].outputs["total"].load() == 10  # the instance's Params(n=5), read statically


def test_new_api_zenml_imports_run_with_plain_python(tmp_path: Path) -> None:
    root = make_project(tmp_path, {"pyproject.toml": "", "run.py": NEW_API})
    done = _python(root, "run.py")
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result == {"status": "completed", "parameters": {"n": 4, "factor": 0.5}, "total": 3.0}


def test_a_step_call_with_data_runs_the_function(tmp_path: Path) -> None:
    script = """
        from zenml.steps import step

        @step
        def double(x: int) -> int:
            return 2 * x

        print(double(21), type(double()).__name__)
    """
    root = make_project(tmp_path, {"run.py": script})
    done = _python(root, "run.py")
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["42", "_Inert"]  # with no data: an original-API step instance


def test_installed_packages_probing_for_zenml_find_none(tmp_path: Path) -> None:
    # A library's module (its file under site-packages) asking for ZenML must not get the stand-in;
    # the same import from the user's script does. The code is compiled under the library's path,
    # so the real import machinery sees a frame of an installed package.
    probe = f"""
import importlib.util
library = compile("import importlib.util; found = importlib.util.find_spec('zenml')",
                  {str(PTH.parent / "some_library" / "probe.py")!r}, "exec")
namespace = {{}}
exec(library, namespace)
print(namespace["found"] is None, importlib.util.find_spec("zenml") is not None)
"""
    done = _python(tmp_path, "-c", probe)
    assert done.stdout.split() == ["True", "True"], done.stderr


def test_switched_off_by_environment(tmp_path: Path) -> None:
    done = _python(tmp_path, "-c", "import zenml", env={"PIPEC_ZENML_STANDIN": "0"})
    assert done.returncode == 1 and "No module named 'zenml'" in done.stderr


def test_a_class_based_pipeline_says_what_pipec_compiles(tmp_path: Path) -> None:
    script = """
        from zenml.pipelines import BasePipeline

        class Training(BasePipeline):
            def connect(self):
                pass

        Training().run()
    """
    root = make_project(tmp_path, {"run.py": script})
    done = _python(root, "run.py")
    assert done.returncode == 1 and "decorate a function with @pipeline" in done.stderr


ZENML_PIPELINES_CURRENT_API = """
    import json
    import sys

    from zenml.pipelines import pipeline
    from zenml.steps import step


    @step
    def make(n: int) -> list:
        return list(range(n))


    @step
    def total(rows: list) -> int:
        return sum(rows)


    @pipeline(enable_cache=False)
    def summing(n: int = 3):
        total(make(n=n))


    if __name__ == "__main__":
        run = summing(n=5) if sys.argv[1:] == ["five"] else summing()
        print(json.dumps({"status": run.status, "parameters": run.parameters,
                          "total": run.steps["total"].outputs["output"].load()}))
"""


@pytest.mark.parametrize(("argv", "n", "total"), [(["five"], 5, 10), ([], 3, 3)])
def test_zenml_pipelines_decorator_of_the_current_api_runs_with_plain_python(tmp_path: Path, argv: list[str],
                                                                              n: int, total: int) -> None:
    # ZenML >= 0.40 exports its current decorator from `zenml.pipelines`: a pipeline whose
    # parameters are values (not step slots) runs when called, as the compiler reads it.
    root = make_project(tmp_path, {"pyproject.toml": "", "run.py": ZENML_PIPELINES_CURRENT_API})
    done = _python(root, "run.py", *argv)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result == {"status": "completed", "parameters": {"n": n}, "total": total}


def test_original_api_instance_made_in_a_click_command_runs(tmp_path: Path) -> None:
    pytest.importorskip("click")
    script = OLD_API.replace("    def main():", "    import click\n\n\n    @click.command()\n"
                             "    @click.option(\"--size\", default=5)\n    def main(size):")
    root = make_project(tmp_path, {"pyproject.toml": "", "run.py": script})
    done = _python(root, "run.py")
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["status"] == "completed" and result["report"] == "5 numbers, total 10"


def test_the_zenml_project_example_runs_with_plain_python(tmp_path: Path) -> None:
    # ZenML's template layout: constants/, steps/, pipelines/ (a pipeline inside a pipeline), a run
    # script importing its pipeline inside main() with argparse, config.yaml with `extra:`.
    import shutil

    root = tmp_path / "zenml_project"
    shutil.copytree(Path(__file__).resolve().parents[2] / "examples" / "zenml_project", root)
    done = _python(root, "run.py", "--rows", "300")
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    run_id = next(line.split()[1].rstrip(":") for line in done.stdout.splitlines() if line.startswith("run "))
    run = Client(root=root).get_pipeline_run(run_id)
    assert run.status == "completed"
    assert run.parameters["n_rows"] == 300 and run.parameters["learning_rate"] == 0.05  # call, then config
    assert list(run.steps) == ["load_rows", "split_rows", "train_threshold", "evaluate", "notify"]
    assert len(run.steps["load_rows"].outputs["raw_rows"].load()) == 300
    assert run.steps["notify"].outputs["output"].load().startswith("#ml-runs: accuracy ")  # extra: from config


def test_the_old_api_cli_example_runs_with_plain_python(tmp_path: Path) -> None:
    # The original API behind `@click.command()`: the instance is made inside the command with a
    # local constant, `.run(enable_cache=False)` compiles the script and runs it.
    import shutil

    pytest.importorskip("click")
    root = tmp_path / "old_api_cli"
    shutil.copytree(Path(__file__).resolve().parents[2] / "examples" / "old_api_cli", root)
    done = _python(root, "run.py", "--verbose")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("running the deployment pipeline on 100 generated rows")
    run_id = next(line.split()[1].rstrip(":") for line in done.stdout.splitlines() if line.startswith("run "))
    run = Client(root=root).get_pipeline_run(run_id)
    assert run.status == "completed" and list(run.steps) == ["load", "train", "decide", "report"]
    assert len(run.steps["load"].outputs["features"].load()) == 100
    assert run.steps["train"].outputs["output"].load() == (0.5, 1)  # Tuple[...] is one output
    assert run.steps["decide"].outputs["output"].load() is True
    assert run.steps["report"].outputs == {}  # no return annotation: no output
