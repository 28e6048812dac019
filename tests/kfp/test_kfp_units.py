"""Small pieces of the kubeflow/vertex targets: names, parameter types, durations, YAML text,
accelerator and label rules, schedule conversions."""

from __future__ import annotations

import io
import json

import yaml
from hypothesis import given
from hypothesis import strategies as st
from ruamel.yaml import YAML

from pipec.ir import Pipeline, PipelineParameter, StepInvocation
from pipec.targets.kfp_spec.build import duration
from pipec.targets.kfp_spec.dump import HEADER, dump_json, dump_yaml
from pipec.targets.kfp_spec.names import PIPELINE_NAME, pipeline_name, step_names
from pipec.targets.kfp_spec.params import kfp_type
from pipec.targets.kfp_spec.times import rfc3339
from pipec.targets.kit.names import KFP_TASKS
from pipec.targets.kubeflow.schedule import kfp_cron
from pipec.targets.vertex.accelerators import vertex_accelerator
from pipec.targets.vertex.labels import label_problem, label_value


def _pipeline(name: str, ids: list[str]) -> Pipeline:
    steps = tuple(StepInvocation(id=i, function="f", module="m", signature=(), inputs=(), outputs=()) for i in ids)
    return Pipeline(name=name, function="p", module="m", parameters=(), steps=steps)


def test_step_names_are_unique_kubernetes_names() -> None:
    """Ids that sanitise alike get -2, -3; every name is lowercase [a-z0-9-], at most 63 characters."""
    ids = ["train_model", "train-model", "Train.Model", "___", "x" * 80, "x" * 80 + "_2"]
    names = step_names(_pipeline("p", ids))
    tasks = [names[i].task for i in ids]
    assert tasks[:4] == ["train-model", "train-model-2", "train-model-3", "task"]
    assert len(set(tasks)) == len(tasks)
    assert all(len(t) <= 63 and KFP_TASKS.name(t) == t for t in tasks)
    assert names["train_model"].component == "comp-train-model" and names["train_model"].executor == "exec-train-model"


@given(st.text(max_size=200))
def test_pipeline_name_always_matches_kfp_rule(name: str) -> None:
    """Whatever the pipeline is called, `pipelineInfo.name` matches KFP's (and Vertex's) pattern."""
    assert PIPELINE_NAME.match(pipeline_name(_pipeline(name, [])))


def test_parameter_types() -> None:
    """Typed parameters map to KFP types; Any is decided by the value except for strings and None."""
    def param(type_: str, value=None, known=True) -> PipelineParameter:
        return PipelineParameter(name="x", type=type_, value=value, known=known)

    assert [kfp_type(param(t, v)) for t, v in [("int", 1), ("float", 1.5), ("bool", True), ("str", "s"),
                                               ("list[int]", [1]), ("tuple[int, ...]", [1]),
                                               ("dict[str, float]", {})]] == [
        "NUMBER_INTEGER", "NUMBER_DOUBLE", "BOOLEAN", "STRING", "LIST", "LIST", "STRUCT"]
    assert kfp_type(param("int", known=False)) == "NUMBER_INTEGER"  # required at run time
    assert kfp_type(param("Any", 3)) == "NUMBER_INTEGER"
    assert kfp_type(param("Any", "s")) is None
    assert kfp_type(param("Any", known=False)) is None
    assert kfp_type(param("int | None", 3)) is None
    assert kfp_type(param("str", None)) is None  # KFP has no null value


def test_durations() -> None:
    """Protobuf Duration JSON: whole and fractional seconds, no float noise."""
    assert [duration(s) for s in (0, 10, 2.5, 0.1, 3600)] == ["0s", "10s", "2.5s", "0.1s", "3600s"]


@given(st.recursive(st.none() | st.booleans() | st.integers(-2**53, 2**53) | st.text()
                    | st.floats(allow_nan=False, allow_infinity=False),
                    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
                    max_leaves=20))
def test_yaml_and_json_text_round_trip(value) -> None:
    """Any JSON-like data, hostile strings included, reads back unchanged from both dumps, with a
    YAML 1.1 reader (PyYAML) and a YAML 1.2 one (ruamel, core schema, like KFP's Go reader)."""
    document = {"value": value}
    text = dump_yaml([document])
    assert yaml.safe_load(text) == document
    assert YAML(typ="safe", pure=True).load(io.StringIO(text)) == document
    assert json.loads(dump_json(document)) == document


def test_plain_numbers_would_be_retyped_by_yaml12() -> None:
    """Why `1e3` and `0o17` are quoted: a YAML 1.2 reader types them when plain (PyYAML does not)."""
    assert YAML(typ="safe", pure=True).load("a: 1e3\nb: 0o17\n") == {"a": 1000.0, "b": 15}
    assert yaml.safe_load("a: 1e3\nb: 0o17\n") == {"a": "1e3", "b": "0o17"}


def test_yaml_scalars_no_reader_could_retype() -> None:
    """Words YAML 1.1 or 1.2 readers (KFP's Go backend: go-yaml) would type are quoted; plain
    words stay plain; documents are separated by ---; the header has no version or time."""
    words = ["0o17", "1e3", "yes", "y", "N", "on", "null", "~", "1_000", "0x1f", ".inf", "12:30", "-1", "a:", "="]
    text = dump_yaml([{"words": words, "plain": ["--step-id", "s3://b/x", "output=int", "comp-a"]}, {}])
    assert text == HEADER + "plain:\n- --step-id\n- s3://b/x\n- output=int\n- comp-a\nwords:\n" + "".join(
        f"- '{w}'\n" for w in words) + "---\n{}\n"
    expected = [{"words": words, "plain": ["--step-id", "s3://b/x", "output=int", "comp-a"]}, {}]
    assert list(yaml.safe_load_all(text)) == expected
    assert list(YAML(typ="safe", pure=True).load_all(io.StringIO(text))) == expected


def test_yaml_long_keys_and_escapes() -> None:
    """Keys past YAML's implicit-key limit use `? key`; line breaks and C1 controls are escaped."""
    document = {"k" * 1100: {"a": [1, {"b": []}]}, "x": ["line\nbreak", "nel\x85", "tab\there"]}
    text = dump_yaml([document])
    assert "? " + "k" * 1100 in text and '"nel\\u0085"' in text
    assert yaml.safe_load(text) == document


def test_vertex_accelerator_spellings() -> None:
    """Enum values, GKE labels and short names map; anything else is unknown."""
    assert vertex_accelerator("NVIDIA_TESLA_T4") == "NVIDIA_TESLA_T4"
    assert vertex_accelerator("nvidia-tesla-t4") == "NVIDIA_TESLA_T4"
    assert vertex_accelerator("nvidia-l4") == "NVIDIA_L4"
    assert vertex_accelerator("nvidia-h100-80gb") == "NVIDIA_H100_80GB"
    assert vertex_accelerator("nvidia-a100-80gb") == "NVIDIA_A100_80GB"
    assert vertex_accelerator("a100") == "NVIDIA_TESLA_A100"
    assert vertex_accelerator("nvidia-v100") == "NVIDIA_TESLA_V100"
    assert vertex_accelerator("tpu-v3") == "TPU_V3"
    assert vertex_accelerator("nvidia.com/gpu") is None
    assert vertex_accelerator("gtx-1080") is None


def test_vertex_labels() -> None:
    """Lowercase keys starting with a letter, at most 63 characters; values made valid when generated."""
    assert label_problem("team", "ml-1_x") is None
    assert label_problem("équipe", "données") is None
    assert label_problem("Team", "ml") and label_problem("1team", "ml") and label_problem("t", "ML")
    assert label_problem("t", "v" * 64) and label_problem("k" * 64, "v")
    assert label_value("Hostile Strings: naïve ☃!") == "hostile-strings-naïve-"
    assert label_problem("pipec-pipeline", label_value("X" * 100 + " y")) is None


def test_schedule_conversions() -> None:
    """KFP's cron has seconds; times become RFC 3339, UTC when naive."""
    assert kfp_cron("0 6 * * 1") == "0 0 6 * * 1" and kfp_cron("@daily") == "@daily"
    assert rfc3339("2025-01-31T06:00:00") == "2025-01-31T06:00:00Z"
    assert rfc3339("2025-01-31 06:00:00+02:00") == "2025-01-31T06:00:00+02:00"
    assert rfc3339("2025-01-31") == "2025-01-31T00:00:00Z"
    assert rfc3339("next tuesday") is None
