"""Entry scripts of the independent corpus (bench/independent_corpus, items 1, 11 and 13).

Built from the README's reproductions, in our own names: `--pipeline P` is failed only by what
P uses (item 1, a:isolation), a run call that omits a required parameter is an error at the call
(item 11), and the diagnostics of item 13 name the real reason.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from pipec.compiler.api import load


def write(root: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")


def errors(result) -> list[str]:
    return [f"{d.code} {d.message}" for d in result.diagnostics if d.is_error]


def at(result, code: str) -> list[str]:
    """`line:column` of every diagnostic `code`."""
    return [f"{d.span.line}:{d.span.column}" for d in result.diagnostics if d.code == code]


# ---------------------------------------------------------------------- item 1: a:isolation

TWO_PIPELINES = """
    import random
    from zenml import pipeline, step

    @step
    def one(seed: int = 0) -> int:
        return seed

    @pipeline
    def wanted():
        one()

    @pipeline
    def other(seed: int = random.randint(0, 9)):
        one(seed=seed)
"""


def test_another_pipelines_default_does_not_fail_the_chosen_one(tmp_path: Path) -> None:
    write(tmp_path, {"app.py": TWO_PIPELINES})
    result = load(tmp_path / "app.py", root=tmp_path, pipeline="wanted")
    assert errors(result) == []
    assert [p.name for p in result.program.pipelines] == ["wanted"]
    assert [s.id for s in result.program.pipelines[0].steps] == ["one"]


def test_the_chosen_pipelines_own_default_still_fails(tmp_path: Path) -> None:
    write(tmp_path, {"app.py": TWO_PIPELINES})
    result = load(tmp_path / "app.py", root=tmp_path, pipeline="other")
    assert [e.split()[0] for e in errors(result)] == ["PC102"]
    assert at(result, "PC102") == ["13:23"]


def test_without_pipeline_every_pipelines_default_counts(tmp_path: Path) -> None:
    write(tmp_path, {"app.py": TWO_PIPELINES})
    result = load(tmp_path / "app.py", root=tmp_path)
    assert [e.split()[0] for e in errors(result)] == ["PC102"]
    assert at(result, "PC102") == ["13:23"]


def test_another_pipelines_decorator_argument_does_not_fail_the_chosen_one(tmp_path: Path) -> None:
    write(tmp_path, {"app.py": """
        import random
        from zenml import pipeline, step

        @step
        def one() -> int:
            return 1

        @pipeline(enable_cache=True)
        def wanted():
            one()

        @pipeline(enable_cache=random.random() > 0.5)
        def other():
            one()
    """})
    assert errors(load(tmp_path / "app.py", root=tmp_path, pipeline="wanted")) == []
    assert [e.split()[0] for e in errors(load(tmp_path / "app.py", root=tmp_path))] == ["PC102"]


def test_a_run_script_choosing_one_of_its_imported_pipelines(tmp_path: Path) -> None:
    """The LLM Engineer's Handbook layout: `tools/run.py --pipeline P` imports every pipeline."""
    write(tmp_path, {
        "steps/__init__.py": "",
        "steps/ops.py": """
            from zenml import step

            @step
            def crawl(limit: int) -> int:
                return limit

            @step
            def export(names: list[str], seed: int) -> None:
                pass
        """,
        "pipelines/__init__.py": "from .etl import etl\nfrom .export import export_all\n",
        "pipelines/etl.py": """
            from zenml import pipeline
            from steps.ops import crawl

            @pipeline
            def etl(limit: int = 10):
                crawl(limit=limit)
        """,
        "pipelines/export.py": """
            import random
            from zenml import pipeline
            from steps.ops import export

            @pipeline
            def export_all(names: list[str], seed: int = random.randint(0, 9)):
                export(names=names, seed=seed)
        """,
        "tools/__init__.py": "",
        "tools/run.py": """
            from pipelines import etl, export_all

            def main(which: str) -> None:
                if which == "etl":
                    etl()
                else:
                    export_all(names=["a"])

            if __name__ == "__main__":
                main("etl")
        """,
    })
    result = load(tmp_path / "tools" / "run.py", root=tmp_path, pipeline="etl")
    assert errors(result) == []
    assert [s.id for s in result.program.pipelines[0].steps] == ["crawl"]
    chosen_other = load(tmp_path / "tools" / "run.py", root=tmp_path, pipeline="export_all")
    assert [e.split()[0] for e in errors(chosen_other)] == ["PC102"]


def test_a_pipeline_the_chosen_one_inlines_is_used_so_its_default_counts(tmp_path: Path) -> None:
    write(tmp_path, {"app.py": """
        import random
        from zenml import pipeline, step

        @step
        def one(seed: int = 0) -> int:
            return seed

        @pipeline
        def inner(seed: int = random.randint(0, 9)):
            one(seed=seed)

        @pipeline
        def outer():
            inner()
    """})
    result = load(tmp_path / "app.py", root=tmp_path, pipeline="outer")
    assert [e.split()[0] for e in errors(result)] == ["PC102"]
    assert at(result, "PC102") == ["9:23"]


# ---------------------------------------------------------------------- item 11: a:run-call-missing-param

ASK = """
    from typing import List
    from zenml import pipeline, step

    @step
    def answer(query: str, tables: List[str]) -> str:
        return query

    @pipeline
    def ask(query: str, include_tables: List[str], limit: int = 5):
        answer(query=query, tables=include_tables)
"""


def ask_project(tmp_path: Path, call: str) -> Path:
    write(tmp_path, {"pipelines/__init__.py": "", "pipelines/q.py": ASK, "run.py": f"""
        from pipelines.q import ask

        if __name__ == "__main__":
            {call}
    """})
    return tmp_path / "run.py"


def test_a_run_call_without_a_required_parameter_is_an_error_at_the_call(tmp_path: Path) -> None:
    result = load(ask_project(tmp_path, 'ask(query="who?")'), root=tmp_path)
    assert errors(result) == ["PC203 the call of pipeline `ask` does not pass `include_tables`, which has no "
                              "default: ZenML refuses the call (invalid or missing pipeline function entrypoint "
                              "arguments)"]
    assert at(result, "PC203") == ["4:5"]
    [diag] = [d for d in result.diagnostics if d.code == "PC203"]
    assert "--param include_tables=" in diag.help and "parameters:" in diag.help


@pytest.mark.parametrize("call", ["ask(**values)", "ask(*[values['query']], **{})"])
def test_a_call_that_unpacks_values_known_at_run_time_is_not_judged(tmp_path: Path, call: str) -> None:
    """oncoclear: `inference(**run_args)` where the script fills `run_args` from a model's metadata."""
    entry = ask_project(tmp_path, "values = {'query': 'who?'}\n            values['include_tables'] = "
                                  "__import__('os').environ['TABLES']\n            " + call)
    assert [e for e in errors(load(entry, root=tmp_path)) if e.startswith("PC203")] == []


def test_every_missing_parameter_is_named(tmp_path: Path) -> None:
    result = load(ask_project(tmp_path, "ask.with_options(enable_cache=False)()"), root=tmp_path)
    assert [e.split(",")[0] for e in errors(result)] == [
        "PC203 the call of pipeline `ask` does not pass `query`"]
    assert "`query`, `include_tables`, which have no default" in errors(result)[0]


def test_a_parameter_given_elsewhere_completes_the_call(tmp_path: Path) -> None:
    entry = ask_project(tmp_path, 'ask("who?")')  # positional
    assert [e.split()[0] for e in errors(load(entry, root=tmp_path))] == ["PC203"]
    assert errors(load(entry, root=tmp_path, params={"include_tables": '["t"]'})) == []
    (tmp_path / "c.yaml").write_text("parameters:\n  include_tables: [t]\n", encoding="utf-8")
    assert errors(load(entry, root=tmp_path, config=tmp_path / "c.yaml")) == []


def test_a_config_path_in_the_call_completes_it(tmp_path: Path) -> None:
    entry = ask_project(tmp_path, 'ask.with_options(config_path="c.yaml")(query="who?")')
    (tmp_path / "c.yaml").write_text("parameters:\n  include_tables: [t]\n", encoding="utf-8")
    result = load(entry, root=tmp_path)
    assert errors(result) == []
    values = {p.name: p.value for p in result.program.pipelines[0].parameters}
    assert values["include_tables"] == ["t"]


def test_a_pipeline_module_compiled_alone_keeps_its_required_parameters_open(tmp_path: Path) -> None:
    ask_project(tmp_path, 'ask(query="who?")')
    result = load(tmp_path / "pipelines" / "q.py", root=tmp_path)
    assert errors(result) == []
    assert {p.name: p.known for p in result.program.pipelines[0].parameters} == {
        "query": False, "include_tables": False, "limit": True}


# ---------------------------------------------------------------------- item 13: diagnostics


def test_a_dropped_old_api_instantiation_reports_its_reason_not_pc115(tmp_path: Path) -> None:
    """lilianabs: the run script instantiates the pipeline, but one argument cannot be evaluated."""
    write(tmp_path, {
        "steps.py": """
            import random
            from zenml.steps import BaseParameters, step

            class CheckParams(BaseParameters):
                threshold: float = 0.5

            @step
            def load() -> int:
                return 1

            @step
            def check(params: CheckParams) -> None:
                pass

            checker = check(params=CheckParams(threshold=random.random()))
        """,
        "flow.py": """
            from zenml.pipelines import pipeline

            @pipeline
            def flow(loader, checker):
                loader()
                checker()
        """,
        "run.py": """
            from flow import flow
            from steps import checker, load

            def main():
                instance = flow(loader=load(), checker=checker)
                instance.run()

            if __name__ == "__main__":
                main()
        """,
    })
    result = load(tmp_path / "run.py", root=tmp_path)
    assert [d.code for d in result.diagnostics if d.is_error] == ["PC102"]
    [error] = [d for d in result.diagnostics if d.is_error]
    assert (error.span.path, error.span.line, error.span.column) == ("run.py", 5, 44)
    assert "`random.random()` gives a different value each run" in error.message
    assert error.message.endswith("the pipeline call that instantiates old-style pipeline `flow` is ignored, so pipec "
                                  "cannot tell which steps it runs")
    assert not any(d.code == "PC115" for d in result.diagnostics)
    assert not [d for d in result.diagnostics if not d.is_error and d.span == error.span]


def test_a_name_the_standard_library_module_lacks_is_an_error(tmp_path: Path) -> None:
    """alinaghania: `from types import Tuple` is an ImportError; pipec read one output `output`."""
    write(tmp_path, {"app.py": """
        from types import Tuple
        from typing import Annotated
        from zenml import pipeline, step

        @step
        def split() -> Tuple[Annotated[int, "a"], Annotated[int, "b"]]:
            return 1, 2

        @pipeline
        def p():
            split()
    """})
    result = load(tmp_path / "app.py", root=tmp_path)
    assert errors(result) == ["PC106 the standard-library module `types` has no `Tuple`: Python raises ImportError "
                              "on this import, so ZenML cannot load the module"]
    assert at(result, "PC106") == ["1:19"]
    [diag] = [d for d in result.diagnostics if d.code == "PC106"]
    assert diag.help == "import it from `typing`: `from typing import Tuple`"


def test_a_name_no_standard_library_module_defines_is_a_warning(tmp_path: Path) -> None:
    """Perhaps a name of another Python version than pipec's own: warned about, not refused."""
    write(tmp_path, {"app.py": """
        from os import not_a_name_in_any_python
        from zenml import pipeline, step

        @step
        def one() -> int:
            return 1

        @pipeline
        def p():
            one()
    """})
    result = load(tmp_path / "app.py", root=tmp_path)
    assert errors(result) == []
    [diag] = [d for d in result.diagnostics if d.code == "PC106"]
    assert "has no `not_a_name_in_any_python`" in diag.message and not diag.is_error


def test_names_the_standard_library_defines_or_may_define_are_accepted(tmp_path: Path) -> None:
    write(tmp_path, {"app.py": """
        from os import path, sep
        from xml import etree
        from collections import abc
        from numpy import no_such_thing_here
        from zenml import pipeline, step

        try:
            from typing import not_in_this_python
        except ImportError:
            not_in_this_python = None

        if path.sep == "/":
            from types import Tuple

        @step
        def one() -> int:
            return 1

        @pipeline
        def p():
            one()
    """})
    assert errors(load(tmp_path / "app.py", root=tmp_path)) == []


def test_a_project_module_named_like_the_standard_library_is_not_judged(tmp_path: Path) -> None:
    write(tmp_path, {
        "logging/__init__.py": "LEVEL = 1\n",
        "app.py": """
            from logging import LEVEL
            from zenml import pipeline, step

            @step
            def one(level: int) -> int:
                return level

            @pipeline
            def p():
                one(level=LEVEL)
        """,
    })
    assert errors(load(tmp_path / "app.py", root=tmp_path)) == []


def test_a_project_package_above_the_root_says_where_it_is(tmp_path: Path, monkeypatch) -> None:
    """PC102 for `steps.x.make()` when `steps/` sits beside a project folder with its own pyproject.toml."""
    write(tmp_path, {
        "steps/__init__.py": "",
        "steps/x.py": "N = 3\n\ndef make():\n    return 3\n",
        "proj/pyproject.toml": "",
        "proj/pipelines/p.py": """
            import steps.x
            from steps.x import make
            from zenml import pipeline, step

            @step
            def one(n: int) -> int:
                return n

            @pipeline
            def p():
                one(n=steps.x.make())
                one(n=make())
        """,
    })
    monkeypatch.chdir(tmp_path)
    result = load(Path("proj/pipelines/p.py"))
    where = "`steps` is not under the source root but in `.`, and pipec never imports it"
    assert errors(result) == [f"PC102 `steps.x.make()` cannot be evaluated statically: {where}"] * 2
    assert {d.help for d in result.diagnostics if d.is_error} == {"imports resolve from the source root: pass --root ."}
    # With that root, `steps` is the project's: the call is now a plain project function (PC104).
    assert [d.code for d in load(Path("proj/pipelines/p.py"), root=".").diagnostics if d.is_error] == ["PC104"] * 2


def test_a_package_outside_the_root_and_not_above_it_keeps_the_general_hint(tmp_path: Path) -> None:
    write(tmp_path, {"app.py": """
        import some_uninstalled_lib
        from zenml import pipeline, step

        @step
        def one(n: int) -> int:
            return n

        @pipeline
        def p():
            one(n=some_uninstalled_lib.make())
    """})
    result = load(tmp_path / "app.py", root=tmp_path)
    [diag] = [d for d in result.diagnostics if d.is_error]
    assert diag.message == ("`some_uninstalled_lib.make()` cannot be evaluated statically: `some_uninstalled_lib` "
                            "is outside the source root and pipec never imports it")
    assert diag.help.startswith("if `some_uninstalled_lib` is part of your project, point --root")


def test_no_pipeline_names_the_import_that_does_not_resolve(tmp_path: Path) -> None:
    """mlops-club: `pipelines/run.py` imports `pipelines.x` from inside the `pipelines` folder."""
    write(tmp_path, {
        "pipelines/__init__.py": "",
        "pipelines/pyproject.toml": "",
        "pipelines/training.py": "from zenml import pipeline\n\n@pipeline\ndef training():\n    pass\n",
        "pipelines/run.py": """
            import os
            from pipelines.training import training

            if __name__ == "__main__":
                training()
        """,
    })
    result = load(tmp_path / "pipelines" / "run.py")
    [diag] = [d for d in result.diagnostics if d.code == "PC003"]
    assert diag.message == ("no pipeline found in `run.py`: its import of `pipelines.training` (line 2) cannot be "
                            "resolved from the source root")
    assert "pass --root" in diag.help


def test_no_pipeline_names_a_project_module_that_does_not_exist(tmp_path: Path) -> None:
    write(tmp_path, {"pipelines/__init__.py": "", "run.py": """
        from pipelines.training import training

        if __name__ == "__main__":
            training()
    """})
    result = load(tmp_path / "run.py", root=tmp_path)
    [diag] = [d for d in result.diagnostics if d.code == "PC003"]
    assert diag.message == ("no pipeline found in `run.py`: its import of `pipelines.training` (line 1) cannot be "
                            "resolved from the source root")
    assert "PC106" in diag.help
    assert sorted(d.code for d in result.diagnostics if d.is_error) == ["PC003", "PC106"]


def test_no_pipeline_without_an_unresolved_import_keeps_its_hint(tmp_path: Path) -> None:
    write(tmp_path, {"app.py": "import os\n\nVALUE = 1\n"})
    [diag] = [d for d in load(tmp_path / "app.py", root=tmp_path).diagnostics if d.code == "PC003"]
    assert diag.message == "no pipeline found in `app.py`"
    assert diag.help == "decorate a function with @pipeline (from pipec or zenml)"


def test_parameters_given_through_with_options_are_not_judged(tmp_path: Path) -> None:
    entry = ask_project(tmp_path, 'ask.with_options(parameters={"include_tables": ["t"]})(query="who?")')
    assert not [d for d in load(entry, root=tmp_path).diagnostics if d.code == "PC203"]
