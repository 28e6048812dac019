"""Fan-in (issue 14, point 3): a list of step outputs bound to one step input.

The frontend turns it into an OutputList (one element per output, in order), the checks type
every element against the input's element type, the shim call carries one data input per
element (``NAME[i]``), the shim assembles them into one list, `pipec run` records lineage per
element, and the parameter that sets the number of elements is pinned by the compile.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import typing
from pathlib import Path

import pytest

from pipec.ir import LiteralValue, OutputList, OutputRef
from pipec.ir.types import element_type
from pipec.runtime import Client, list_inputs
from pipec.runtime.command import data_inputs, shim_command
from pipec.targets.airflow.build import runtime_parameters as airflow_parameters
from pipec.targets.kfp_spec.params import runtime_parameters as kfp_parameters
from tests.helpers.frontend_projects import codes, compile_src, only, sources

REPO = Path(__file__).resolve().parent.parent
EXAMPLE = REPO / "examples" / "fan_in"

STEPS = """
from pipec import pipeline, step


@step
def train(seed: int) -> float:
    return seed / 10


@step
def pair() -> tuple[float, float]:
    return 1.0, 2.0


@step
def combine(scores: list[float]) -> float:
    return sum(scores)
"""


def _refs(*pairs: str) -> OutputList:
    return OutputList(tuple(OutputRef(step, "output") for step in pairs))


@pytest.mark.parametrize(("body", "expected"), [
    ("combine(scores=[train(seed=i, id=f't_{i}') for i in range(k)])", _refs("t_0", "t_1", "t_2")),
    ("combine(scores=[train(seed=1), train(seed=2)])", _refs("train", "train_2")),
    ("combine(scores=(train(seed=1), train(seed=2)))", _refs("train", "train_2")),
    ("combine(scores=list(train(seed=s) for s in seeds))", _refs("train", "train_2")),
])
def test_lists_of_outputs_become_output_lists(tmp_path: Path, body: str, expected: OutputList) -> None:
    """Comprehensions (over a parameter's compile-time value), list and tuple literals: one
    element per output, in order, ids as ZenML gives them."""
    pipe = only(compile_src(tmp_path, STEPS + f"""

@pipeline
def p(k: int = 3, seeds: list = [1, 2]):
    {body}
"""))
    assert sources(pipe, "combine")["scores"] == expected
    assert pipe.step("combine").upstream == tuple(dict.fromkeys(ref.step for ref in expected.items))


def test_count_follows_the_parameter_value(tmp_path: Path) -> None:
    """--param k=5 compiles five producers and a five-element list."""
    pipe = only(compile_src(tmp_path, STEPS + """

@pipeline
def p(k: int = 3):
    combine(scores=[train(seed=i, id=f"t_{i}") for i in range(k)])
""", params={"k": "5"}))
    assert [ref.step for ref in sources(pipe, "combine")["scores"].items] == [f"t_{i}" for i in range(5)]


def test_empty_list_stays_a_literal(tmp_path: Path) -> None:
    """A comprehension with no element is the literal []."""
    pipe = only(compile_src(tmp_path, STEPS + """

@pipeline
def p(k: int = 0):
    combine(scores=[train(seed=i) for i in range(k)])
"""))
    assert sources(pipe, "combine")["scores"] == LiteralValue([])


def test_one_step_s_outputs_are_not_a_fan_in(tmp_path: Path) -> None:
    """All the outputs of one multi-output call stay the existing PC113 (pass one of them)."""
    result = compile_src(tmp_path, STEPS + """

@pipeline
def p():
    combine(scores=pair())
""")
    assert "PC113" in codes(result)


def test_pinned_parameter_is_no_run_time_parameter(tmp_path: Path) -> None:
    """The parameter that sets the number of elements is pinned: where a step binds it too, that
    binding gets the compile-time value (PC127), so no target offers it at run time."""
    result = compile_src(tmp_path, STEPS + """

@step
def check(scores: list[float], k: int, note: str) -> None:
    assert len(scores) == k


@pipeline
def p(k: int = 2, note: str = "x"):
    check(scores=[train(seed=i, id=f"t_{i}") for i in range(k)], k=k, note=note)
""")
    pipe = only(result)
    assert codes(result) == ["PC127"]
    assert sources(pipe, "check")["k"] == LiteralValue(2)
    assert airflow_parameters(pipe) == ["note"]
    assert list(kfp_parameters(pipe)[0]) == ["note"]


@pytest.mark.parametrize(("annotation", "element"), [
    ("list[float]", "float"), ("typing.Sequence[int]", "int"), ("tuple[str, ...]", "str"),
    ("list[int] | None", "int"), ("list", "Any"), ("Any", "Any"), ("collections.abc.Iterable[bool]", "bool"),
    ("int", None), ("dict[str, float]", None), ("tuple[int, str]", None), ("mypkg.Table", None),
])
def test_element_type(annotation: str, element: str | None) -> None:
    """The type each element must have, None where no list fits."""
    assert element_type(annotation) == element


def test_data_inputs_key_each_element(tmp_path: Path) -> None:
    """One --input per element, NAME[i], in order; the shim's assembly sorts by number, not text."""
    pipe = only(compile_src(tmp_path, STEPS + """

@pipeline
def p():
    combine(scores=[train(seed=i, id=f"t_{i}") for i in range(12)])
"""))
    step = pipe.step("combine")
    keys = [key for key, _ in data_inputs(step)]
    assert keys == [f"scores[{i}]" for i in range(12)]
    argv = shim_command(pipe, step, run_id="r", artifact_store="/a", metadata_store=None)
    assert [argv[i + 1] for i, a in enumerate(argv) if a == "--input"] == [f"scores[{i}]=t_{i}/output"
                                                                           for i in range(12)]
    shuffled = {key: int(key[7:-1]) for key in reversed(keys)}
    assert list_inputs.assemble(shuffled) == {"scores": list(range(12))}


@pytest.mark.parametrize(("keys", "problem"), [
    (["s[0]", "s[1]", "x"], None),
    (["s[0]", "s[2]"], "has no element 1"),
    (["s[1]"], "has no element 0"),
    (["s", "s[0]"], "both as a whole and as list elements"),
])
def test_element_problems(keys: list[str], problem: str | None) -> None:
    """Elements must be numbered 0..n-1 and not mixed with a whole input of the same name."""
    found = list_inputs.element_problem(keys)
    assert (found is None) if problem is None else (problem in found)


def test_shim_refuses_gaps(tmp_path: Path) -> None:
    """A command line with a missing element exits 2 with one line, before running anything."""
    proc = subprocess.run([sys.executable, "-m", "pipec.runtime", "run-step", "--source-root", str(tmp_path),
                           "--module", "m", "--function", "f", "--pipeline", "p", "--step-id", "s",
                           "--run-id", "r", "--artifact-store", str(tmp_path / "a"),
                           "--input", "xs[0]=a/output", "--input", "xs[2]=b/output"],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert "list argument 'xs' has no element 1" in proc.stderr


def test_pipec_run_reads_the_list_and_records_each_element(tmp_path: Path) -> None:
    """examples/fan_in with k=4: `combine` gets the four scores in training order; its lineage
    names each element's artifact version, in order, through pipec.Client; a second run is
    served from the cache and records the same lineage."""
    root = tmp_path / "fan_in"
    shutil.copytree(EXAMPLE, root, ignore=shutil.ignore_patterns(".pipec", "__pycache__"))
    meta = f"sqlite:///{tmp_path / 'meta.db'}"
    for run_id in ("first", "second"):
        proc = subprocess.run([sys.executable, "-m", "pipec", "run", "run.py", "--param", "k=4",
                               "--metadata-store", meta, "--artifact-store", str(tmp_path / "store"),
                               "--run-id", run_id], cwd=root, capture_output=True, text=True, timeout=300)
        assert proc.returncode == 0, proc.stderr
    client = Client(meta)
    first, second = client.get_pipeline_run("first"), client.get_pipeline_run("second")
    scores = [first.steps[f"train_{i}"].outputs["output"].load() for i in range(4)]
    assert first.steps["combine"].outputs["output"].load()["scores"] == scores
    for run in (first, second):
        elements = run.steps["combine"].inputs["scores"]
        assert [(v.name, v.version) for v in elements] == [(f"fan_in::train_{i}::output", 1) for i in range(4)]
        assert [v.load() for v in elements] == scores
    assert second.steps["combine"].is_cached
    assert json.loads(json.dumps(first.parameters))["k"] == 4


def _tuple_step(scores: tuple[float, ...], names: list[str], more: typing.Tuple[int, ...]) -> None:  # noqa: UP006
    """A step whose list inputs are annotated as tuples (one as a string) and as a list."""


def test_tuple_annotated_inputs_get_a_tuple() -> None:
    """What the step annotated: a tuple for tuple[T, ...] (also written as a string), else a list."""
    loaded = {"scores[1]": 2.0, "scores[0]": 1.0, "names[0]": "a", "more[0]": 3}
    assert list_inputs.assemble(loaded, _tuple_step) == {"scores": (1.0, 2.0), "names": ["a"], "more": (3,)}


@pytest.mark.parametrize("body", [
    "scores = [train(seed=i, id=f't_{i}') for i in range(k)]\n    check(scores=scores, k=k)",
    "scores = []\n    for i in range(k):\n        scores.append(train(seed=i, id=f't_{i}'))\n    check(scores=scores, k=k)",
])
def test_pinned_when_the_list_is_built_first(tmp_path: Path, body: str) -> None:
    """A list built in a variable first (a comprehension, or a loop that appends) pins its parameter too."""
    result = compile_src(tmp_path, STEPS + f"""

@step
def check(scores: list[float], k: int) -> None:
    assert len(scores) == k


@pipeline
def p(k: int = 2):
    {body}
""")
    assert codes(result) == ["PC127"]
    assert sources(only(result), "check")["k"] == LiteralValue(2)


def test_graph_draws_an_edge_per_element(tmp_path: Path) -> None:
    """`pipec graph`: one labelled edge from each producer to the list's element it feeds."""
    from pipec.compiler.api import load
    from pipec.compiler.graph_render import to_dot

    program = load(EXAMPLE / "run.py", params={"k": "2"}).program
    edges = [line.strip() for line in to_dot(program).splitlines() if " -> " in line]
    assert edges == [f'p0_s{i} -> p0_s2 [label="output->scores[{i}]"];' for i in range(2)]
