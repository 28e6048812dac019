"""shim_command: the argv every target embeds, built from hand-made IR."""

from __future__ import annotations

import json

import pytest

from pipec.ir import (
    InputBinding,
    LiteralValue,
    Output,
    OutputRef,
    ParameterRef,
    Pipeline,
    PipelineParameter,
    Settings,
    StepInvocation,
)
from pipec.runtime.command import shim_command
from pipec.runtime.shim import parse_args


def _pipeline(ratio: PipelineParameter, cache: bool | None = None) -> Pipeline:
    load = StepInvocation(id="load", function="load", module="steps.io", signature=(), inputs=(),
                          outputs=(Output("output", "pandas.DataFrame"),))
    clean = StepInvocation(
        id="clean", function="clean", module="steps.ops", signature=(),
        inputs=(InputBinding("df", OutputRef("load", "output")),
                InputBinding("ratio", ParameterRef("ratio")),
                InputBinding("cols", LiteralValue({"b": [1, 2], "a": "x y"}))),
        outputs=(Output("train", "pandas.DataFrame"), Output("stats", "dict[str, float]")),
        settings=Settings(enable_cache=cache))
    return Pipeline(name="etl", function="etl", module="run", parameters=(ratio,), steps=(load, clean))


KNOWN = PipelineParameter("ratio", "float", has_default=True, default=0.5, value=0.25, known=True)


def test_exact_argv_with_engine_placeholder() -> None:
    pipe = _pipeline(KNOWN)
    argv = shim_command(pipe, pipe.step("clean"), run_id="{{ run_id }}", artifact_store="s3://b/art",
                        metadata_store="postgresql://db/pipec", python="python3")
    assert argv == [
        "python3", "-m", "pipec.runtime", "run-step",
        "--source-root", ".", "--module", "steps.ops", "--function", "clean", "--pipeline", "etl",
        "--step-id", "clean", "--run-id", "{{ run_id }}", "--artifact-store", "s3://b/art",
        "--metadata-store", "postgresql://db/pipec", "--num-steps", "2",
        "--input", "df=load/output",
        "--param", "ratio=0.25",
        "--param", 'cols={"b":[1,2],"a":"x y"}',
        "--output", "train=pandas.DataFrame",
        "--output", "stats=dict[str, float]",
    ]


def test_no_metadata_store_no_cache_and_defaults() -> None:
    unknown_with_default = PipelineParameter("ratio", "float", has_default=True, default=0.5)
    pipe = _pipeline(unknown_with_default, cache=False)
    argv = shim_command(pipe, pipe.step("clean"), run_id="R", artifact_store="/a", metadata_store=None)
    assert "--metadata-store" not in argv and "--num-steps" not in argv
    assert argv[-1] == "--no-cache"
    assert "ratio=0.5" in argv


def test_parameter_placeholder_and_missing_value() -> None:
    pipe = _pipeline(PipelineParameter("ratio", "float"))
    argv = shim_command(pipe, pipe.step("clean"), run_id="R", artifact_store="/a", metadata_store=None,
                        parameter_placeholders={"ratio": "{{ params.ratio }}"})
    assert "ratio={{ params.ratio }}" in argv
    with pytest.raises(ValueError, match="pipeline parameter `ratio`"):
        shim_command(pipe, pipe.step("clean"), run_id="R", artifact_store="/a", metadata_store=None)


def test_text_placeholders_pass_strings_raw_and_other_types_as_json() -> None:
    load = StepInvocation(id="load", function="load", module="m", signature=(), outputs=(),
                          inputs=(InputBinding("name", ParameterRef("name")),
                                  InputBinding("n", ParameterRef("n"))))
    pipe = Pipeline(name="p", function="p", module="run", steps=(load,),
                    parameters=(PipelineParameter("name", "str"), PipelineParameter("n", "int")))
    holders = {"name": "$(params.name)", "n": "$(params.n)"}
    argv = shim_command(pipe, load, run_id="R", artifact_store="/a", metadata_store=None,
                        parameter_placeholders=holders, placeholder_encoding="text")
    assert argv[argv.index("--param-text") + 1] == "name=$(params.name)"
    assert argv[argv.index("--param") + 1] == "n=$(params.n)"
    # What the engine substitutes arrives unchanged: a hostile string, and JSON for the int.
    hostile = 'x" {{ y }} ${{ z }} $(w) `v`\nyes ü'
    expanded = [a.replace("$(params.name)", hostile).replace("$(params.n)", "5") for a in argv]
    spec = parse_args(expanded[4:])
    assert {k: json.loads(v) for k, v in spec.params} == {"name": hostile, "n": 5}
    with pytest.raises(ValueError, match="placeholder_encoding"):
        shim_command(pipe, load, run_id="R", artifact_store="/a", metadata_store=None,
                     parameter_placeholders=holders, placeholder_encoding="yaml")


def test_argv_round_trips_through_the_shim_parser() -> None:
    pipe = _pipeline(KNOWN)
    argv = shim_command(pipe, pipe.step("clean"), run_id="r-1", artifact_store="/art", metadata_store=None)
    spec = parse_args(argv[4:])
    assert (spec.module, spec.function, spec.pipeline, spec.step_id, spec.run_id) == \
        ("steps.ops", "clean", "etl", "clean", "r-1")
    assert spec.inputs == (("df", "load", "output"),)
    assert dict(spec.params) == {"ratio": "0.25", "cols": '{"b":[1,2],"a":"x y"}'}
    assert spec.outputs == (("train", "pandas.DataFrame"), ("stats", "dict[str, float]"))
    assert spec.cache and spec.metadata_store is None


@pytest.mark.parametrize("bad", [["--input", "df=load"], ["--param", "x=not json"], ["--output", "=int"],
                                 ["--param", "x=1", "--param", "x=2"]])
def test_malformed_command_lines_exit_2(bad: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    base = ["--module", "m", "--function", "f", "--pipeline", "p", "--step-id", "s", "--run-id", "r",
            "--artifact-store", "/a"]
    with pytest.raises(SystemExit) as exc:
        parse_args(base + bad)
    assert exc.value.code == 2
    assert "Traceback" not in capsys.readouterr().err


def test_param_parts_join_in_order_and_bad_json_is_a_usage_error(capsys) -> None:
    base = ["--source-root", ".", "--module", "m", "--function", "f", "--pipeline", "p", "--step-id", "s",
            "--run-id", "r", "--artifact-store", "/tmp/a"]
    spec = parse_args(base + ["--param-part", 'cfg={"a": [1,', "--param", "n=3", "--param-part", "cfg= 2]}"])
    assert dict(spec.params) == {"n": "3", "cfg": '{"a": [1, 2]}'}
    with pytest.raises(SystemExit) as exit_info:
        parse_args(base + ["--param-part", 'cfg={"a": ', "--param-part", "cfg=oops"])
    assert exit_info.value.code == 2 and "--param-part cfg: value is not JSON" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        parse_args(base + ["--param-part", "n=1", "--param", "n=1"])  # bound twice


@pytest.mark.parametrize("step_id, output", [("pre/p", "out/put"), ("a=b", "x=y"), ("100%", "%2F"), ("%3d", "%2541"), ("p", "o")])
def test_step_ids_and_output_names_with_separators_read_back_whole(step_id: str, output: str) -> None:
    """A step id or output name holding `/`, `=` or `%` reaches the shim whole: the call writes
    them percent-encoded in `--input`, `--output` and `--output-ref`, the shim decodes them."""
    up = StepInvocation(id=step_id, function="make", module="run", signature=(), inputs=(),
                        outputs=(Output(output, "int"),))
    down = StepInvocation(id="use", function="use", module="run", signature=(),
                          inputs=(InputBinding("x", OutputRef(step_id, output)),), outputs=(Output(output, "int"),))
    pipeline = Pipeline(name="p", function="p", module="run", parameters=(), steps=(up, down))
    argv = shim_command(pipeline, down, artifact_store="/a", run_id="r", metadata_store=None,
                        output_refs={output: "/tmp/o"})
    spec = parse_args(argv[argv.index("run-step") + 1:])
    assert spec.inputs == (("x", step_id, output),)
    assert spec.outputs == ((output, "int"),)
    assert spec.output_refs == ((output, "/tmp/o"),)
    if step_id == "p":  # plain names are written as they are
        assert "x=p/o" in argv and "o=int" in argv


def test_a_percent_sign_the_compiler_did_not_write_reads_as_typed() -> None:
    """Only `%25`, `%2F` and `%3D` are decoded: a hand-written `%41` stays `%41`."""
    base = ["--module", "m", "--function", "f", "--pipeline", "p", "--step-id", "s", "--run-id", "r",
            "--artifact-store", "/a"]
    spec = parse_args(base + ["--input", "x=up%41/o%2fk", "--output", "50%=int"])
    assert spec.inputs == (("x", "up%41", "o/k"),) and spec.outputs == (("50%", "int"),)


def test_pipec_run_passes_an_output_between_steps_with_slashes_in_their_names(tmp_path) -> None:
    """End to end: `pipec run` of steps with `/` in their ids and output names."""
    import subprocess
    import sys

    (tmp_path / "run.py").write_text(
        "from typing import Annotated\nfrom pipec import step, pipeline\n\n@step\n"
        "def make() -> Annotated[int, 'out/put=%2F']:\n    return 3\n\n@step\ndef use(x: int) -> int:\n"
        "    return x + 1\n\n@pipeline\ndef p():\n    use(make(id='pre/p'), id='post=q')\n", encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "pipec", "run", "run.py", "--artifact-store", "a", "--metadata-store",
                           "sqlite:///m.db", "--run-id", "r1"], cwd=tmp_path, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr + done.stdout
    from pipec.runtime import Client

    run = Client(f"sqlite:///{tmp_path / 'm.db'}").get_pipeline_run("r1")
    assert run.steps["post=q"].outputs["output"].load() == 4
    assert run.steps["pre/p"].outputs["out/put=%2F"].load() == 3
