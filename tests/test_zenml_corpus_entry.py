"""Entry scripts as ZenML projects write them (issue 12, corpus items A0, A1, A4, A8, A12, b:lazy-import).

Each test is built from a reproduction in the corpus report, in our own names: the source
root of a script in a monorepo, `--pipeline` with `--config`, run-configuration keys ZenML
ignores, a step parameter set twice to the same value, an empty pipeline, and a run script
that imports its pipeline inside `main()`.
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

from pipec.compiler.api import find_source_root, load
from pipec.ir import LiteralValue, ParameterRef


def write(root: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")


def found(result, severity: str | None = None) -> list[tuple[str, str]]:
    return sorted((d.code, d.severity) for d in result.diagnostics if severity in (None, d.severity))


def errors(result) -> list[str]:
    return [f"{d.code} {d.message}" for d in result.diagnostics if d.is_error]


STEPS = """
    from zenml import step

    @step
    def load(path: str = "x.csv") -> int:
        return 1

    @step
    def fit(rows: int, rate: float = 0.1) -> float:
        return 0.5
"""

TRAINING = """
    from zenml import pipeline
    from steps.ops import fit, load

    @pipeline
    def training(rate: float = 0.1):
        fit(load(), rate=rate)
"""


def monorepo(tmp_path: Path) -> Path:
    """A repository whose top holds a pyproject.toml and whose project folder holds none."""
    write(tmp_path, {
        "pyproject.toml": "[project]\nname = 'many-projects'\n",
        "proj/steps/__init__.py": "",
        "proj/steps/ops.py": STEPS,
        "proj/pipelines/__init__.py": "from .training import training\n",
        "proj/pipelines/training.py": TRAINING,
        "proj/run.py": """
            from pipelines import training

            if __name__ == "__main__":
                training()
        """,
    })
    return tmp_path / "proj"


# ---------------------------------------------------------------------- A0: default source root


def test_a_script_beside_its_steps_is_the_root_in_a_monorepo(tmp_path):
    proj = monorepo(tmp_path)
    assert find_source_root(proj / "run.py") == proj.resolve()
    result = load(proj / "run.py")
    assert errors(result) == []
    pipe = result.program.pipelines[0]
    assert [(s.id, s.module) for s in pipe.steps] == [("load", "steps.ops"), ("fit", "steps.ops")]


def test_a_pipeline_module_below_the_project_finds_the_project_folder(tmp_path):
    proj = monorepo(tmp_path)
    assert find_source_root(proj / "pipelines" / "training.py") == proj.resolve()
    assert errors(load(proj / "pipelines" / "training.py")) == []


def test_the_script_folder_with_its_own_marker_is_the_root(tmp_path):
    write(tmp_path, {"pyproject.toml": "", "proj/pipec.toml": "", "proj/run.py": "import os\n"})
    assert find_source_root(tmp_path / "proj" / "run.py") == (tmp_path / "proj").resolve()


def test_the_marked_ancestor_stays_the_root_when_no_import_tells(tmp_path):
    write(tmp_path, {"pipec.toml": "", "pipelines/run.py": "from zenml import pipeline\n",
                     "pipelines/rel.py": "from steps import x\nfrom .other import y\n", "steps/x.py": ""})
    assert find_source_root(tmp_path / "pipelines" / "run.py") == tmp_path.resolve()
    # A relative import makes the script's folder a package: the root is above it.
    assert find_source_root(tmp_path / "pipelines" / "rel.py") == tmp_path.resolve()


def test_without_any_marker_the_script_folder_is_the_root(tmp_path):
    write(tmp_path, {"a/b/run.py": "from steps import x\n", "a/steps/x.py": ""})
    assert find_source_root(tmp_path / "a" / "b" / "run.py") == (tmp_path / "a" / "b").resolve()


def test_no_pipeline_found_names_the_import_that_missed_the_root(tmp_path):
    proj = monorepo(tmp_path)
    result = load(proj / "run.py", root=tmp_path)
    [diag] = list(result.diagnostics)
    assert diag.code == "PC003"
    assert "`pipelines` (imported at proj/run.py:1) is not under the source root" in diag.help
    assert diag.help.endswith(f"pass --root {proj.resolve().as_posix()}")
    assert "decorate a function" not in diag.help


def test_cli_compiles_a_monorepo_project_without_root(cli, tmp_path):
    proj = monorepo(tmp_path)
    proc = cli.run(["compile", "run.py", "--target", "ir", "--out", "out"], cwd=proj)
    assert proc.returncode == 0, proc.stderr
    ir = json.loads((proj / "out" / "ir" / "training.json").read_text())
    assert ir["pipelines"][0]["module"] == "pipelines.training"


# ---------------------------------------------------------------------- A1: --pipeline isolates


TWO_PIPELINES = """
    import random

    from zenml import pipeline, step


    @step
    def load(seed: int = 0) -> int:
        return seed


    @pipeline
    def train(lr: float = 0.1):
        load()


    @pipeline
    def infer():
        load(seed=random.randint(0, 9))
"""


def test_pipeline_selection_applies_the_config_to_that_pipeline_alone(tmp_path):
    write(tmp_path, {"pipec.toml": "", "two.py": TWO_PIPELINES, "train.yaml": "parameters: {lr: 0.2}\n"})
    result = load(tmp_path / "two.py", pipeline="train", config=tmp_path / "train.yaml")
    assert found(result) == []  # no PC102 from `infer`, no PC109 `infer` has no `lr`
    [pipe] = result.program.pipelines
    assert pipe.name == "train" and pipe.parameter("lr").value == 0.2


def test_the_selected_pipeline_keeps_its_own_errors(tmp_path):
    write(tmp_path, {"pipec.toml": "", "two.py": TWO_PIPELINES})
    result = load(tmp_path / "two.py", pipeline="infer")
    assert found(result) == [("PC102", "error")]


def test_cli_exit_codes_follow_the_selected_pipeline(cli, tmp_path):
    write(tmp_path, {"pipec.toml": "", "two.py": TWO_PIPELINES, "train.yaml": "parameters: {lr: 0.2}\n"})
    ok = cli.run(["inspect", "two.py", "--pipeline", "train", "--config", "train.yaml"], cwd=tmp_path)
    assert ok.returncode == 0 and ok.stderr == "", ok.stderr
    bad = cli.run(["inspect", "two.py", "--pipeline", "infer"], cwd=tmp_path)
    assert bad.returncode == 2 and "error[PC102]" in bad.stderr and cli.traceback not in bad.stderr
    unknown = cli.run(["inspect", "two.py", "--pipeline", "trian"], cwd=tmp_path)
    assert unknown.returncode == 2
    assert "error[PC004]: no pipeline named `trian` in two.py (found: train, infer)" in unknown.stderr


# ---------------------------------------------------------------------- A4: keys ZenML ignores


IGNORED_KEYS = """
    name: my-experiment
    test_size: 0.2
    steps:
      load:
        path: other.csv
        enable_cahce: false
      evaluate:
        parameters: {x: 1}
"""

ONE_STEP = """
    from zenml import pipeline, step

    @step
    def load(path: str = "x.csv") -> int:
        return 1

    @pipeline
    def p():
        load()
"""


def test_keys_zenml_ignores_are_warnings(tmp_path):
    write(tmp_path, {"pipec.toml": "", "p.py": ONE_STEP, "run.yaml": IGNORED_KEYS})
    result = load(tmp_path / "p.py", config=tmp_path / "run.yaml")
    diags = {d.span.line: d for d in result.diagnostics}
    assert not result.diagnostics.has_errors
    assert {line: (d.code, d.severity) for line, d in diags.items()} == {
        1: ("PC116", "warning"), 2: ("PC116", "warning"), 5: ("PC116", "warning"), 6: ("PC116", "warning"),
        7: ("PC116", "warning")}
    assert diags[1].message == "unknown run configuration key `name` is ignored"
    assert diags[5].message == "unknown key `path` in `steps.load` is ignored"
    assert diags[5].help == "`path` is a parameter of step `load`: put `path` under `steps.load.parameters`"
    assert diags[6].help == "did you mean `enable_cache`?"
    assert diags[7].message == ("the run configuration configures step `evaluate`, which pipeline `p` does not "
                                "invoke; the section is ignored")
    # Ignored means ignored: the misplaced value does not reach the step.
    assert result.program.pipelines[0].step("load").inputs == ()


def test_known_keys_of_the_wrong_shape_stay_errors(tmp_path):
    write(tmp_path, {"pipec.toml": "", "p.py": ONE_STEP,
                     "run.yaml": "enable_cache: sometimes\nsteps:\n  load:\n  other: 3\n"})
    result = load(tmp_path / "p.py", config=tmp_path / "run.yaml")
    assert sorted((d.code, d.severity, d.message) for d in result.diagnostics if d.code != "PC107") == [
        ("PC110", "error", "`enable_cache` must be true or false"),
        ("PC110", "error", "`steps.load` must be a mapping"),
        ("PC110", "error", "`steps.other` must be a mapping"),
    ]


def test_cli_ignored_keys_exit_zero_with_warnings(cli, tmp_path):
    write(tmp_path, {"pipec.toml": "", "p.py": ONE_STEP, "run.yaml": IGNORED_KEYS})
    proc = cli.run(["compile", "p.py", "--config", "run.yaml", "--target", "ir", "--out", "out"], cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "5 warnings found" in proc.stderr and "error[" not in proc.stderr


# ---------------------------------------------------------------------- A8: the same value twice


TIMEOUTS = """
    from zenml import pipeline, step

    @step
    def wait(timeout: int = 3600) -> int:
        return timeout

    @pipeline
    def p(timeout: int = 3600):
        wait(timeout=timeout)
        wait(timeout=60, id="short")
"""


def test_config_value_equal_to_the_code_value_is_no_conflict(tmp_path):
    write(tmp_path, {"pipec.toml": "", "p.py": TIMEOUTS,
                     "run.yaml": "steps:\n  wait: {parameters: {timeout: 3600}}\n  short: {parameters: {timeout: 60}}\n"})
    result = load(tmp_path / "p.py", config=tmp_path / "run.yaml")
    assert found(result) == []
    pipe = result.program.pipelines[0]
    assert {b.name: b.source for b in pipe.step("wait").inputs} == {"timeout": ParameterRef("timeout")}
    assert {b.name: b.source for b in pipe.step("short").inputs} == {"timeout": LiteralValue(60)}


def test_config_value_that_differs_is_an_error_showing_both(tmp_path):
    write(tmp_path, {"pipec.toml": "", "p.py": TIMEOUTS,
                     "run.yaml": "parameters: {timeout: 10}\nsteps:\n  wait: {parameters: {timeout: 3600}}\n"})
    result = load(tmp_path / "p.py", config=tmp_path / "run.yaml")
    [diag] = [d for d in result.diagnostics if d.is_error]
    assert diag.code == "PC110" and diag.span.line == 3
    assert diag.help == ("remove one of them; the two values differ: the code gives `10` (pipeline parameter "
                         "`timeout`), the run configuration `3600`")


def test_config_value_against_a_parameter_known_only_at_run_time_warns(tmp_path):
    write(tmp_path, {"pipec.toml": "", "p.py": TIMEOUTS.replace("def p(timeout: int = 3600)", "def p(timeout: int)"),
                     "run.yaml": "steps:\n  wait: {parameters: {timeout: 3600}}\n"})
    result = load(tmp_path / "p.py", config=tmp_path / "run.yaml")
    [diag] = list(result.diagnostics)
    assert (diag.code, diag.severity) == ("PC110", "warning")
    assert "has no value at compile time" in diag.message and "ZenML fails the run" in diag.help


def test_a_default_the_scripts_call_may_replace_is_no_known_value(tmp_path):
    # The script passes `timeout` from its command line: the default 3600 is not what the run gets,
    # so a different value in the run configuration is a warning, not a certain conflict.
    script = TIMEOUTS + """
    import sys

    def main():
        p(timeout=int(sys.argv[1]))

    if __name__ == "__main__":
        main()
    """
    write(tmp_path, {"pipec.toml": "", "p.py": script, "run.yaml": "steps:\n  wait: {parameters: {timeout: 7200}}\n"})
    result = load(tmp_path / "p.py", config=tmp_path / "run.yaml")
    conflicts = [d for d in result.diagnostics if d.code == "PC110"]
    assert [(d.severity, d.span.line) for d in conflicts] == [("warning", 2)]
    assert "the script's call passes values pipec cannot evaluate" in conflicts[0].message
    # Without the call, the default is the value: a differing config value is an error.
    write(tmp_path, {"p.py": TIMEOUTS})
    assert [d.severity for d in load(tmp_path / "p.py", config=tmp_path / "run.yaml").diagnostics
            if d.code == "PC110"] == ["error"]


# ---------------------------------------------------------------------- A12: empty pipeline


def test_empty_pipeline_is_an_error(cli, tmp_path):
    write(tmp_path, {"pipec.toml": "", "p.py": """
        from zenml import pipeline

        @pipeline
        def stub(random_state: int = 1):
            pass
    """})
    result = load(tmp_path / "p.py")
    assert found(result) == [("PC210", "error")]
    proc = cli.run(["compile", "p.py", "--target", "ir", "--out", "out"], cwd=tmp_path)
    assert proc.returncode == 2 and "error[PC210]: pipeline `stub` has no steps" in proc.stderr
    assert not (tmp_path / "out").exists()


def test_no_steps_is_not_repeated_after_the_error_that_lost_them(tmp_path):
    write(tmp_path, {"pipec.toml": "", "p.py": """
        import random
        from zenml import pipeline, step

        @step
        def s(n: int) -> int:
            return n

        @pipeline
        def p():
            s(random.random())
    """})
    assert found(load(tmp_path / "p.py")) == [("PC102", "error")]


def test_a_folder_named_like_an_installed_package_is_not_a_missed_project_import(tmp_path):
    # A clone of pipec beside the project (a CI checkout named `pipec`) must not make
    # `from pipec import step` look like a project import that missed the source root.
    write(tmp_path, {"pipec/README.md": "a checkout", "json/README.md": "",
                     "proj/pipec.toml": "", "proj/run.py": """
        import json
        from pipec import step

        @step
        def only_a_step() -> int:
            return 1
    """})
    [diag] = list(load(tmp_path / "proj" / "run.py").diagnostics)
    assert diag.code == "PC003" and diag.help == "decorate a function with @pipeline (from pipec or zenml)"


# ---------------------------------------------------------------------- b:lazy-import


def lazy_project(tmp_path: Path, run_py: str) -> Path:
    write(tmp_path, {
        "steps/__init__.py": "",
        "steps/ops.py": STEPS,
        "pipelines/__init__.py": "",
        "pipelines/train.py": TRAINING.replace("def training", "def finetune"),
        "pipelines/train_fast.py": """
            from zenml import pipeline
            from steps.ops import load

            @pipeline
            def finetune():
                load(path="fast.csv")
        """,
        "pipelines/serve.py": """
            from zenml import pipeline
            from steps.ops import load

            @pipeline
            def serve():
                load()
        """,
        "run.py": run_py,
    })
    return tmp_path / "run.py"


CHOOSES = """
    import click


    @click.command()
    @click.option("--fast", is_flag=True)
    @click.option("--serve", is_flag=True)
    def main(fast: bool = False, serve: bool = False):
        if serve:
            from pipelines.serve import serve as chosen
        elif fast:
            from pipelines.train_fast import finetune as chosen
        else:
            from pipelines.train import finetune as chosen
        chosen()


    if __name__ == "__main__":
        main()
"""


def test_a_pipeline_imported_inside_main_is_found(tmp_path):
    entry = lazy_project(tmp_path, """
        def main():
            from pipelines.train import finetune
            finetune.with_options(enable_cache=False)(rate=0.5)


        if __name__ == "__main__":
            main()
    """)
    result = load(entry)
    assert errors(result) == []
    [pipe] = result.program.pipelines
    assert pipe.name == "finetune" and [s.id for s in pipe.steps] == ["load", "fit"]
    # The call inside main() is read like a module-level call: its options and arguments apply.
    assert pipe.settings.enable_cache is False
    assert pipe.parameter("rate").value == 0.5


def test_conditional_imports_list_the_candidates_and_need_a_choice(tmp_path):
    entry = lazy_project(tmp_path, CHOOSES)
    result = load(entry)
    [diag] = list(result.diagnostics)
    assert diag.code == "PC005" and diag.is_error and result.program.pipelines == ()
    assert diag.message == "`run.py` imports 3 pipelines and picks one when it runs"
    assert diag.span.line == 9
    assert diag.notes == (
        "`serve` from pipelines/serve.py, imported in `main()` at run.py:9:9",
        "`finetune` from pipelines/train_fast.py, imported in `main()` at run.py:11:9",
        "`finetune` from pipelines/train.py, imported in `main()` at run.py:13:9",
    )
    assert diag.help == ("choose the pipeline to compile with --pipeline: `serve`, "
                         "`pipelines.train_fast.finetune`, `pipelines.train.finetune`")


def test_pipeline_option_chooses_among_the_candidates(tmp_path):
    entry = lazy_project(tmp_path, CHOOSES)
    [serve] = load(entry, pipeline="serve").program.pipelines
    assert serve.name == "serve" and serve.module == "pipelines.serve"
    for spelling in ("pipelines.train.finetune", "pipelines.train:finetune"):
        result = load(entry, pipeline=spelling)
        assert errors(result) == []
        assert [p.module for p in result.program.pipelines] == ["pipelines.train"]
    ambiguous = load(entry, pipeline="finetune")
    [diag] = list(ambiguous.diagnostics)
    assert diag.code == "PC005" and ambiguous.program.pipelines == ()
    assert diag.message == ("several pipelines in run.py are called `finetune`: `pipelines.train_fast.finetune`, "
                            "`pipelines.train.finetune`")


def test_a_config_written_for_one_candidate_chooses_it(tmp_path):
    # The script picks its pipeline from its command line, which pipec cannot see; the run
    # configuration can: only `pipelines.train.finetune` has a parameter `rate` and a step `fit`.
    entry = lazy_project(tmp_path, CHOOSES)
    for text in ("parameters:\n  rate: 0.2\n", "steps:\n  fit:\n    enable_cache: false\n"):
        (tmp_path / "fit.yaml").write_text(text)
        result = load(entry, config=tmp_path / "fit.yaml")
        assert errors(result) == []
        [pipe] = result.program.pipelines
        assert pipe.module == "pipelines.train" and [s.id for s in pipe.steps] == ["load", "fit"]
        [diag] = [d for d in result.diagnostics if d.code == "PC005"]
        assert not diag.is_error and diag.message == (
            "`run.py` imports 3 pipelines and picks one when it runs; the run configuration `fit.yaml` "
            "configures only `pipelines.train.finetune`, so pipec compiles it")
        assert diag.help == ("say so with --pipeline pipelines.train.finetune, or choose another pipeline "
                             "with --pipeline")


def test_a_config_that_fits_several_candidates_still_needs_a_choice(tmp_path):
    entry = lazy_project(tmp_path, CHOOSES)
    (tmp_path / "load.yaml").write_text("steps:\n  load:\n    parameters:\n      path: other.csv\n")
    result = load(entry, config=tmp_path / "load.yaml")
    assert [(d.code, d.is_error) for d in result.diagnostics] == [("PC005", True)]
    assert result.program.pipelines == ()


def test_cli_lazy_import_exit_codes(cli, tmp_path):
    lazy_project(tmp_path, CHOOSES)
    (tmp_path / "pipec.toml").write_text("")
    unchosen = cli.run(["compile", "run.py", "--target", "ir", "--out", "out"], cwd=tmp_path)
    assert unchosen.returncode == 2 and "error[PC005]" in unchosen.stderr
    assert "help: choose the pipeline to compile with --pipeline" in unchosen.stderr
    chosen = cli.run(["compile", "run.py", "--pipeline", "pipelines.train_fast.finetune", "--target", "ir",
                      "--out", "out"], cwd=tmp_path)
    assert chosen.returncode == 0, chosen.stderr
    ir = json.loads((tmp_path / "out" / "ir" / "finetune.json").read_text())
    assert ir["pipelines"][0]["module"] == "pipelines.train_fast"
