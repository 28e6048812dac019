"""Pure standard-library calls while compiling (independent corpus, item a:pure-stdlib).

`Path("out") / "f.json"`, `os.path.join(...)`, `itertools.product(...)`: their results depend on
their arguments alone, so pipec computes them. A `Path` parameter default is its string in the
IR and a path in the body. What reads the file system stays an error.
"""

from __future__ import annotations

import pytest

from pipec.ir import LiteralValue
from tests.helpers.frontend_projects import codes, compile_src, only, sources

README = """
    import itertools
    from pathlib import Path
    from zenml import pipeline, step

    @step
    def save(path: str, n: int) -> None:
        pass

    @pipeline
    def p(out_dir: Path = Path("out")):
        for i, (a, b) in enumerate(itertools.product([1, 2], [3])):
            save(path=str(out_dir / f"f{i}.json"), n=a * b, id=f"save_{i}")
"""

ONE = """
    import itertools
    import os
    import os.path
    import pathlib
    from os.path import join
    from pathlib import Path, PurePosixPath
    from zenml import pipeline, step

    @step
    def use(value: object) -> None:
        pass

    @pipeline
    def p():
        use(value={expr})
"""


def test_the_readme_reproduction(tmp_path):
    pipe = only(compile_src(tmp_path, README))
    assert pipe.parameters[0].default == "out" and pipe.parameters[0].value == "out"
    assert [s.id for s in pipe.steps] == ["save_0", "save_1"]
    assert sources(pipe, "save_1") == {"path": LiteralValue("out/f1.json"), "n": LiteralValue(6)}


def test_a_path_parameter_given_on_the_command_line_is_a_path_in_the_body(tmp_path):
    pipe = only(compile_src(tmp_path, README, params={"out_dir": "/data/run"}))
    assert sources(pipe, "save_0")["path"] == LiteralValue("/data/run/f0.json")


@pytest.mark.parametrize(("expr", "value"), [
    ('Path("a/b.tar.gz")', "a/b.tar.gz"),
    ('Path("a") / "b" / "c.txt"', "a/b/c.txt"),
    ('"root" / Path("x")', "root/x"),
    ('str(pathlib.Path("a", "b"))', "a/b"),
    ('Path("a/b.tar.gz").name', "b.tar.gz"),
    ('Path("a/b.tar.gz").stem', "b.tar"),
    ('Path("a/b.tar.gz").suffix', ".gz"),
    ('Path("a/b.tar.gz").suffixes', [".tar", ".gz"]),
    ('Path("a/b/c").parent', "a/b"),
    ('Path("a/b/c").parent.name', "b"),
    ('Path("a/b.txt").with_suffix(".csv")', "a/b.csv"),
    ('Path("a").joinpath("b", "c")', "a/b/c"),
    ('f"{Path(\'a\') / \'b\'}"', "a/b"),
    ('PurePosixPath("/x/y").parts', ["/", "x", "y"]),
    ('{"dir": Path("d")}', {"dir": "d"}),
    ('os.path.join("a", "b", "c.txt")', "a/b/c.txt"),
    ('join("a", Path("b"))', "a/b"),
    ('os.path.basename("a/b.txt")', "b.txt"),
    ('os.path.dirname("a/b.txt")', "a"),
    ('os.path.splitext("a/b.txt")', ["a/b", ".txt"]),
    ('os.path.splitext("a/b.txt")[1]', ".txt"),
    ("list(itertools.product([1, 2], 'ab'))", [[1, "a"], [1, "b"], [2, "a"], [2, "b"]]),
    ("list(itertools.product(range(2), repeat=2))", [[0, 0], [0, 1], [1, 0], [1, 1]]),
    ("list(itertools.chain([1], (2, 3), range(4, 5)))", [1, 2, 3, 4]),
    ("list(itertools.chain.from_iterable([[1], [2, 3]]))", [1, 2, 3]),
    ("list(itertools.combinations([1, 2, 3], 2))", [[1, 2], [1, 3], [2, 3]]),
    ("list(itertools.combinations('abc', r=3))", [["a", "b", "c"]]),
])
def test_pure_calls_are_computed(tmp_path, expr, value):
    pipe = only(compile_src(tmp_path, ONE.format(expr=expr)))
    assert sources(pipe, "use")["value"] == LiteralValue(value)


@pytest.mark.parametrize(("expr", "message"), [
    ('Path("a").exists()', "`Path.exists` cannot be evaluated while compiling"),
    ('Path("a").resolve()', "`Path.resolve` cannot be evaluated while compiling"),
    ('Path("~/a").expanduser()', "`Path.expanduser` cannot be evaluated while compiling"),
    ('Path("a").read_text()', "`Path.read_text` cannot be evaluated while compiling"),
    ("Path.cwd()", "`pathlib.Path.cwd()` cannot be evaluated statically"),
    ("Path.home() / 'x'", "`pathlib.Path.home()` cannot be evaluated statically"),
    ('os.path.exists("a")', "`os.path.exists()` gives a different value each run"),
    ('os.path.abspath("a")', "`os.path.abspath()` gives a different value each run"),
    ("list(itertools.product(range(1000), range(1000), range(1000)))", "too many to unroll"),
    ("list(itertools.combinations([1, 2], 'x'))", "takes an iterable and a length"),
])
def test_what_reads_the_file_system_or_is_too_big_stays_an_error(tmp_path, expr, message):
    result = compile_src(tmp_path, ONE.format(expr=expr))
    errors = [d for d in result.diagnostics if d.is_error]
    assert len(errors) == 1 and message in errors[0].message, [d.message for d in errors]


def test_a_path_step_default_is_its_string(tmp_path):
    source = """
        from pathlib import Path
        from zenml import pipeline, step

        @step
        def use(where: Path = Path("data") / "in.csv") -> None:
            pass

        @pipeline
        def p():
            use()
    """
    result = compile_src(tmp_path, source)
    assert "PC111" not in codes(result)
    pipe = only(result)
    assert pipe.step("use").signature[0].default == "data/in.csv"


def test_pipec_run_hands_a_path_input_a_path(tmp_path):
    import subprocess
    import sys

    from tests.helpers.runtime_projects import make_project

    root = make_project(tmp_path, {"pyproject.toml": "", "run.py": """
        from pathlib import Path
        from zenml import pipeline, step

        @step
        def write(to_file: Path, name: str) -> None:
            assert isinstance(to_file, Path), type(to_file)
            to_file.parent.mkdir(parents=True, exist_ok=True)
            to_file.write_text(name)

        @pipeline
        def p(output_dir: Path = Path("output")):
            for name in ["a", "b"]:
                write(to_file=output_dir / f"{name}.txt", name=name)
    """})
    done = subprocess.run([sys.executable, "-m", "pipec.runtime", "run", "run.py", "--max-parallel", "1"],
                          cwd=root, capture_output=True, text=True, timeout=240)
    assert done.returncode == 0, done.stdout + done.stderr
    assert (root / "output" / "b.txt").read_text() == "b"
