"""ZenML's original (<= 0.39) API next to the current one (corpus measurement, issue 12: A5, A9-A11).

- A5: `zenml.pipelines.pipeline` is the current decorator in ZenML >= 0.40, so the pipeline's
  shape decides the API: a body that calls its parameters (step slots), a module importing
  `BaseParameters`/`Output`, or an instance bound to step instances is the original API.
- A9: the run-call scanner walks into decorated entry functions (`@click.command()`).
- A10: it evaluates local constants there, and says why a command-line argument has no value.
- A11: a step of an original-API pipeline names its outputs by the original rules.
"""

from __future__ import annotations

import pytest

from pipec.ir import LiteralValue
from tests.helpers.frontend_projects import codes, compile_src, only, sources

# ---------------------------------------------------------------------- A5: the API by shape


def test_zenml_pipelines_decorator_without_slots_is_the_current_api(tmp_path):
    pipe = only(compile_src(tmp_path, """
        from zenml import step
        from zenml.pipelines import pipeline

        @step
        def fetch(size: int) -> int:
            return size

        @pipeline
        def sizing(size: int = 4):
            fetch(size=size)
    """))
    assert [p.name for p in pipe.parameters] == ["size"]
    assert pipe.parameters[0].value == 4
    assert [s.id for s in pipe.steps] == ["fetch"]


def test_current_api_with_the_zenml_pipelines_decorator_takes_params_and_config(tmp_path):
    result = compile_src(tmp_path, """
        from zenml.pipelines import pipeline
        from zenml.steps import step

        @step
        def fetch(size: int) -> int:
            return size

        @pipeline(name="sizing_pipeline")
        def sizing(size: int = 4):
            fetch(size=size)
    """, params={"size": "9"})
    pipe = only(result)
    assert pipe.name == "sizing_pipeline" and pipe.parameters[0].value == 9


def test_a_body_calling_its_parameters_is_the_original_api(tmp_path):
    pipe = only(compile_src(tmp_path, """
        from zenml.pipelines import pipeline
        from zenml.steps import step

        @step
        def fetch() -> int:
            return 1

        @step
        def keep(x: int) -> None:
            pass

        @pipeline
        def flow(first, second):
            second(x=first())

        flow(first=fetch(), second=keep()).run()
    """))
    assert [s.id for s in pipe.steps] == ["first", "second"]
    assert pipe.parameters == ()


def test_slot_methods_alone_mark_the_original_api(tmp_path):
    # `b.after(a)` is only possible on a step slot.
    result = compile_src(tmp_path, """
        from zenml.pipelines import pipeline
        from zenml.steps import step

        @step
        def fetch() -> None:
            pass

        @pipeline
        def flow(a, b):
            b.after(a)
    """)
    assert "PC115" in codes(result)  # an original-API pipeline that is never instantiated


def test_a_module_importing_base_parameters_is_the_original_api(tmp_path):
    result = compile_src(tmp_path, """
        from zenml.pipelines import pipeline
        from zenml.steps import BaseParameters, step

        class Knobs(BaseParameters):
            depth: int = 2

        @pipeline
        def flow(trainer):
            pass
    """)
    assert "PC115" in codes(result)


def test_an_instance_bound_to_step_instances_is_the_original_api(tmp_path):
    # The body never calls its parameter, but the script instantiates it the original way.
    pipe = only(compile_src(tmp_path, """
        from zenml.pipelines import pipeline
        from zenml.steps import step

        @step
        def fetch() -> int:
            return 1

        @pipeline
        def flow(loader):
            pass

        flow(loader=fetch()).run()
    """, checks=False))
    assert pipe.parameters == ()


def test_the_current_decorator_is_never_the_original_api(tmp_path):
    # `from zenml import pipeline` does not exist in ZenML <= 0.39: a parameter called in its
    # body is a (wrong) call of a value, not a step slot.
    result = compile_src(tmp_path, """
        from zenml import pipeline, step

        @pipeline
        def flow(loader: int = 1):
            loader()
    """)
    assert "PC115" not in codes(result)
    assert "PC104" in codes(result) or "PC102" in codes(result)


# ---------------------------------------------------------------------- A9: decorated entry functions

CLICK_SCRIPT = """
    import click
    from zenml.pipelines import pipeline
    from zenml.steps import step

    @step
    def fetch() -> int:
        return 1

    @pipeline
    def flow(loader):
        loader()

    @click.command()
    @click.option("--verbose", is_flag=True)
    @click.option("--name", default="x")
    def main(verbose: bool, name: str):
        flow(loader=fetch()).run()

    if __name__ == "__main__":
        main()
"""


def test_the_scanner_walks_into_click_commands(tmp_path):
    pipe = only(compile_src(tmp_path, CLICK_SCRIPT))
    assert [s.id for s in pipe.steps] == ["loader"]


def test_the_scanner_skips_step_and_pipeline_definitions(tmp_path):
    # A step's body is not an entry point: the call inside it does not instantiate the pipeline.
    result = compile_src(tmp_path, """
        from zenml.pipelines import pipeline
        from zenml.steps import step

        @step
        def fetch() -> int:
            return 1

        @pipeline
        def flow(loader):
            loader()

        @step
        def relaunch() -> None:
            flow(loader=fetch()).run()
    """)
    assert "PC115" in codes(result)


# ---------------------------------------------------------------------- A10: local constants

PARAMS_SCRIPT = """
    import click
    from zenml.pipelines import pipeline
    from zenml.steps import BaseParameters, step

    class SourceParams(BaseParameters):
        url: str
        retries: int = 1

    @step
    def fetch(params: SourceParams) -> int:
        return 1

    @pipeline
    def flow(loader):
        loader()

    {entry}
"""


def test_local_constants_of_the_entry_function_are_evaluated(tmp_path):
    pipe = only(compile_src(tmp_path, PARAMS_SCRIPT.format(entry="""
    def main():
        base = "https://example.org"
        address = base + "/data"
        tries: int = 3
        flow(loader=fetch(params=SourceParams(url=address, retries=tries))).run()
    """)))
    assert sources(pipe, "loader")["params"] == LiteralValue({"url": "https://example.org/data", "retries": 3})


def test_a_step_instance_assigned_to_a_local_is_bound(tmp_path):
    pipe = only(compile_src(tmp_path, PARAMS_SCRIPT.format(entry="""
    def main():
        loader = fetch(params=SourceParams(url="u"))
        instance = flow(loader=loader)
        instance.run()
    """)))
    assert sources(pipe, "loader")["params"] == LiteralValue({"url": "u", "retries": 1})


def test_a_parameter_default_of_a_plain_entry_function_is_used(tmp_path):
    pipe = only(compile_src(tmp_path, PARAMS_SCRIPT.format(entry="""
    def main(address: str = "https://example.org"):
        flow(loader=fetch(params=SourceParams(url=address))).run()
    """)))
    assert sources(pipe, "loader")["params"] == LiteralValue({"url": "https://example.org", "retries": 1})


def test_locals_of_one_function_do_not_leak_into_another(tmp_path):
    result = compile_src(tmp_path, PARAMS_SCRIPT.format(entry="""
    def setup():
        address = "https://example.org"

    def main():
        flow(loader=fetch(params=SourceParams(url=address))).run()
    """))
    assert "PC103" in codes(result)  # `address` is not defined in `main`


def _only_instantiation_dropped(result, code: str):
    """The reason the script's only instantiation was dropped: the error, instead of PC115."""
    found = [d for d in result.diagnostics if d.code == code and d.is_error]
    assert found, [f"{d.code} {d.message}" for d in result.diagnostics]
    assert "PC115" not in codes(result)
    assert found[0].message.endswith("the pipeline call that instantiates old-style pipeline `flow` is ignored, "
                                     "so pipec cannot tell which steps it runs")
    return found[0]


def test_a_command_line_argument_says_it_is_known_only_at_run_time(tmp_path):
    result = compile_src(tmp_path, PARAMS_SCRIPT.format(entry="""
    @click.command()
    @click.option("--address", default="https://example.org")
    def main(address: str):
        flow(loader=fetch(params=SourceParams(url=address))).run()
    """))
    reason = _only_instantiation_dropped(result, "PC102")
    assert reason.message.startswith("`address` is a parameter of `main` (a command-line argument): its value is "
                                      "only known when the script runs")
    assert "not defined" not in reason.message
    assert "literal" in reason.help
    assert "PC103" not in codes(result)


def test_a_parameter_without_default_says_so(tmp_path):
    result = compile_src(tmp_path, PARAMS_SCRIPT.format(entry="""
    def main(address):
        flow(loader=fetch(params=SourceParams(url=address))).run()
    """))
    reason = _only_instantiation_dropped(result, "PC102")
    assert reason.message.startswith("`address` is a parameter of `main`: its value is only known when the script "
                                      "runs")
    assert "default" in reason.help


def test_a_local_computed_at_run_time_says_why(tmp_path):
    result = compile_src(tmp_path, PARAMS_SCRIPT.format(entry="""
    import os

    def main():
        address = os.getenv("SOURCE_URL")
        flow(loader=fetch(params=SourceParams(url=address))).run()
    """))
    # The instance's parameters are the DAG's, so a value read from the environment is an error
    # where the parameters are used, said once (no "missing required input" echo).
    assert codes(result) == ["PC111"]
    assert "`os.getenv(\"SOURCE_URL\")` reads the environment" in list(result.diagnostics)[0].message


# ---------------------------------------------------------------------- A11: original output rules

OUTPUTS_SCRIPT = """
    from typing import List, Tuple
    from zenml.pipelines import pipeline
    from zenml.steps import Output, step

    @step
    def pair() -> Tuple[List[int], List[int]]:
        return [1], [2]

    @step
    def bare():
        return 1

    @step
    def nothing() -> None:
        pass

    @step
    def named() -> Output(features=list, count=int):
        return [1], 1

    @step
    def plain() -> int:
        return 1

    @pipeline
    def flow(pair, bare, nothing, named, plain):
        pair()
        bare()
        nothing()
        named()
        plain()

    flow(pair=pair(), bare=bare(), nothing=nothing(), named=named(), plain=plain()).run()
"""


@pytest.mark.parametrize(("step_id", "outputs"), [
    ("pair", {"output": "tuple[list[int], list[int]]"}),  # a Tuple is ONE output
    ("bare", {}),  # no annotation: no output
    ("nothing", {}),
    ("named", {"features": "list", "count": "int"}),
    ("plain", {"output": "int"}),
])
def test_original_api_output_rules(tmp_path, step_id, outputs):
    pipe = only(compile_src(tmp_path, OUTPUTS_SCRIPT))
    assert {o.name: o.type for o in pipe.step(step_id).outputs} == outputs


def test_the_same_steps_in_a_current_api_pipeline_use_the_current_rules(tmp_path):
    pipe = only(compile_src(tmp_path, """
        from typing import List, Tuple
        from zenml.pipelines import pipeline
        from zenml.steps import step

        @step
        def pair() -> Tuple[List[int], List[int]]:
            return [1], [2]

        @step
        def bare():
            return 1

        @step
        def take(a: List[int], b: List[int], c: int) -> None:
            pass

        @pipeline
        def flow():
            a, b = pair()
            take(a, b, bare())
    """))
    assert [o.name for o in pipe.step("pair").outputs] == ["output_0", "output_1"]
    assert [o.name for o in pipe.step("bare").outputs] == ["output"]


def test_unpacking_an_original_api_tuple_output_is_an_error(tmp_path):
    result = compile_src(tmp_path, """
        from typing import Tuple
        from zenml.pipelines import pipeline
        from zenml.steps import step

        @step
        def pair() -> Tuple[int, int]:
            return 1, 2

        @pipeline
        def flow(pair):
            a, b = pair()

        flow(pair=pair()).run()
    """)
    assert "PC112" in codes(result)
