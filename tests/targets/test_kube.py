"""pipec.targets.kube and kube_text: names, YAML quoting, JSON escapes, placeholders, volumes."""

from __future__ import annotations

import json
import re

import pytest
import yaml

from pipec.ir import InputBinding, LiteralValue, ParameterRef, Pipeline, PipelineParameter, StepInvocation
from pipec.ir.diagnostics import Diagnostics
from pipec.runtime.command import encode_json, render
from pipec.targets.base import CompileContext
from pipec.targets.common import step_call
from pipec.targets.kube import artifact_volume, dns_label, dump_documents, unique_labels
from pipec.targets.kube_text import MarkedText, engine_parameters, json_text, parameter_names
from tests.helpers.kube_proofs import plain_scalars, retyped_by_some_reader

TRICKY = ["yes", "no", "on", "off", "y", "n", "null", "~", "True", "1e3", "1e+3", "0o17", "0x1F", "1_000", ".inf",
          "-.5", "+1", "1.", "12:30", "2001-12-14", "inf", "NaN", "", " lead", "trail ", "a: b", "- x", "#c",
          "it's", '"q"', "line\nline", "tab\there", "cr\r\nlf", "naïve ☃ 日本 \u200b", "{{ x }}", "$(y)", "%s", "@at",
          "`tick`", "*star", "&amp", "!bang", "|pipe", ">gt", "?q", "[x]", "{a: 1}"]


def test_labels_are_dns_labels_and_distinct() -> None:
    names = ["a_b", "a.b", "A-B", "load", "x" * 80, "", "日本", "échec"]
    labels = unique_labels(names)
    assert len(set(labels.values())) == len(names)
    for label in labels.values():
        assert 0 < len(label) <= 63 and label == dns_label(label)
    assert labels["load"] == "load"
    assert unique_labels(names) == labels  # deterministic


def test_parameter_names_never_clash() -> None:
    names = parameter_names(["x", "_y", "café", "cafè", "日本"])
    assert names["x"] == "x" and names["_y"] == "_y"
    assert len(set(names.values())) == 5
    for name in names.values():  # valid for Tekton ([_a-zA-Z][_a-zA-Z0-9.-]*) and Argo ([-a-zA-Z0-9_]+)
        assert re.fullmatch(r"[_a-zA-Z][_a-zA-Z0-9-]*", name), name


def test_yaml_dump_quotes_what_some_reader_would_retype() -> None:
    text = dump_documents([{"values": TRICKY, "keys": {k: k for k in TRICKY}}, TRICKY])
    docs = list(yaml.safe_load_all(text))
    assert docs == [{"values": TRICKY, "keys": {k: k for k in TRICKY}}, TRICKY]
    assert [v for v in plain_scalars(text) if retyped_by_some_reader(v)] == []
    long = "word " * 100 + "end"
    assert long in dump_documents([{"long": long}])  # never wrapped


@pytest.mark.parametrize("value", [TRICKY, {"{{": "$$", "k": [1, 2.5, None, True, {"$(": "}}"}]}, "{{x}}", 3, None])
def test_json_text_escapes_but_keeps_the_value(value: object) -> None:
    text = json_text(value, "{$")
    assert json.loads(text) == value
    assert "$" not in text and "{{" not in text
    assert json_text(value) == encode_json(value)


def _pipeline() -> Pipeline:
    step = StepInvocation(
        id="s", function="f", module="m", signature=(), outputs=(),
        inputs=(InputBinding("a", ParameterRef("p")), InputBinding("b", LiteralValue("b=$(params.p)")),
                InputBinding("c", LiteralValue("RUN"))))
    return Pipeline(name="RUN", function="f", module="m", steps=(step,),
                    parameters=(PipelineParameter("p", "str", True, "x", "x", True),))


def test_marked_text_marks_exactly_the_placeholders() -> None:
    """Literal items that look like placeholders (or equal the run id text) stay unmarked."""
    pipe = _pipeline()
    call = step_call(pipe, pipe.steps[0], CompileContext(), runtime_params=["p"], placeholder_encoding="text")
    marked = render(call, MarkedText("RUN", {"p": "$(params.p)"})).argv
    templated = [item for item, flag in marked if flag]
    assert templated == ["RUN", "a=$(params.p)"]
    assert ('b="b=$(params.p)"', False) in marked and ("RUN", False) in marked


def test_engine_parameters_bake_what_the_engine_would_change() -> None:
    params = (PipelineParameter("ok", "str", True, "fine", "fine", True),
              PipelineParameter("bad", "str", True, "$(x)", "$(x)", True),
              PipelineParameter("none", "str", True, None, None, True),
              PipelineParameter("listed", "list", True, ["$(x)"], ["$(x)"], True),
              PipelineParameter("unused", "str", True, "$(x)", "$(x)", True))
    step = StepInvocation(id="s", function="f", module="m", signature=(), outputs=(),
                          inputs=tuple(InputBinding(p.name, ParameterRef(p.name)) for p in params[:4]))
    pipe = Pipeline(name="p", function="f", module="m", parameters=params, steps=(step,))
    passed, baked = engine_parameters(pipe, escape="$", unsafe=lambda t: "has $(" if "$(" in t else None)
    assert sorted(passed) == ["listed", "ok"]
    assert passed["listed"].value == '["\\u0024(x)"]'
    assert [(p.name, why) for p, why in baked] == [("bad", "its value has $("), ("none", "its value is not a string")]


@pytest.mark.parametrize(("store", "size", "expected", "codes"), [
    (None, None, ("/pipec/artifacts", "1Gi"), []),
    ("file:///data/store/", "5Gi", ("/data/store", "5Gi"), []),
    ("s3://bucket/prefix", None, None, []),
    ("relative/store", None, None, ["PC307"]),
])
def test_artifact_volume(store, size, expected, codes) -> None:
    options = {k: v for k, v in (("artifact_store", store), ("volume_size", size)) if v}
    diags = Diagnostics()
    volume = artifact_volume(CompileContext(options=options), diags)
    assert (volume and (volume.path, volume.size)) == expected
    assert [d.code for d in diags.sorted()] == codes


@pytest.mark.parametrize("target", ["argo", "tekton"])
@pytest.mark.parametrize("store", ["/data", "s3://bucket/prefix"])
def test_volume_size_is_checked_by_the_driver(target: str, store: str) -> None:
    """A `volume_size` that is no Kubernetes quantity is PC302 for every Kubernetes target, whatever
    the artifact store (it used to pass unnoticed with an object store)."""
    from pipec.compiler.driver import select_targets

    diags = Diagnostics()
    select_targets([target], {"volume_size": "lots", "artifact_store": store}, diags)
    assert [(d.code, d.message, d.help) for d in diags] == [
        ("PC302", f"invalid value `lots` for option `volume_size` of target `{target}`; expected a Kubernetes "
                  "quantity such as 1Gi or 500M", "e.g. --option volume_size=1Gi")]
    ok = Diagnostics()
    (selected,) = select_targets([target], {"volume_size": "2.5Gi", "artifact_store": store}, ok)
    assert not list(ok) and selected.options["volume_size"] == "2.5Gi"
