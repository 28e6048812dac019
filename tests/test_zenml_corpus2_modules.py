"""Which folders are project modules (bench/independent_corpus, (a) item 8: a:namespace-shadow).

Python's import system takes a folder without `__init__.py` as a namespace package only when no
regular module of that name exists anywhere on sys.path. So a project folder `zenml/` holding a
Helm chart never shadows the installed ZenML, a folder with no `.py` file is never a project
module, and a standard-library name is the standard library's; a folder without `__init__.py`
that holds modules, under any other name, is the project's namespace package.
"""

from __future__ import annotations

from pipec.compiler.api import load
from pipec.ir import LiteralValue
from tests.helpers.frontend_projects import codes, compile_src, only, sources, write

APP = """
    from zenml import pipeline, step

    @step
    def s() -> None:
        pass

    @pipeline
    def p():
        s()
"""

CHART = {"zenml/Chart.yaml": "apiVersion: v2\n", "zenml/templates/hpa.yaml": "kind: HorizontalPodAutoscaler\n"}


def test_a_chart_folder_named_zenml_does_not_shadow_zenml(tmp_path):
    pipe = only(compile_src(tmp_path, APP, CHART))
    assert [s.id for s in pipe.steps] == ["s"]


def test_a_zenml_namespace_folder_with_modules_does_not_shadow_zenml_either(tmp_path):
    # `zenml/helpers.py` without `zenml/__init__.py`: the installed ZenML is a regular package and wins.
    pipe = only(compile_src(tmp_path, APP, {"zenml/helpers.py": "X = 1\n"}))
    assert [s.id for s in pipe.steps] == ["s"]


def test_a_regular_zenml_package_in_the_project_still_shadows_it(tmp_path):
    # `zenml/__init__.py` comes first on sys.path: Python imports the project's, and so does pipec.
    result = compile_src(tmp_path, APP, {"zenml/__init__.py": "X = 1\n"})
    assert "PC106" in codes(result) or "PC103" in codes(result)


def test_a_folder_without_python_files_is_never_a_project_module(tmp_path):
    result = compile_src(tmp_path, """
        import helm
        from zenml import pipeline, step

        @step
        def s(x: str) -> None:
            pass

        @pipeline
        def p():
            s(x=helm.VALUE)
    """, {"helm/Chart.yaml": "apiVersion: v2\n"})
    (error,) = [d for d in result.diagnostics if d.is_error]
    # the installed `helm`'s value, not "cannot find `VALUE` in project module `helm`"
    assert error.code != "PC106" and "`helm.VALUE`" in error.message, error.message


def test_a_standard_library_name_is_the_standard_library(tmp_path):
    pipe = only(compile_src(tmp_path, APP.replace("def p():", "def p():\n        log.info('x')")
                            .replace("from zenml import", "import logging\n    log = logging.getLogger(__name__)\n"
                                     "    from zenml import"),
                            {"logging/handlers.py": "X = 1\n"}))
    assert [s.id for s in pipe.steps] == ["s"]


def test_a_namespace_package_of_the_project_still_resolves(tmp_path):
    pipe = only(compile_src(tmp_path, """
        from zenml import pipeline
        from flows.steps import s
        from flows.names import NAME

        @pipeline
        def p():
            s(x=NAME)
    """, {"flows/steps.py": """
        from zenml import step

        @step
        def s(x: str) -> None:
            pass
    """, "flows/names.py": "NAME = 'n'\n"}))
    assert sources(pipe, "s")["x"] == LiteralValue("n")


def test_the_source_root_is_not_chosen_by_a_chart_folder(tmp_path):
    # The layout of Philippe-Neveux/zenml-mlops-stack: pyproject.toml at the top, a Helm chart in
    # src/zenml/, the pipelines in src/app/ (run from there). `src` provides no imported module.
    write(tmp_path, {"pyproject.toml": "", "src/app/main.py": APP, **{f"src/{k}": v for k, v in CHART.items()}})
    result = load(tmp_path / "src" / "app" / "main.py")
    assert not [d for d in result.diagnostics if d.is_error]
    assert result.root != (tmp_path / "src").resolve()
