"""Graph drawing: exact Mermaid/DOT output, hostile ids escaped, deterministic."""

from __future__ import annotations

import re

import pytest

from pipec.compiler import graph_render
from pipec.ir import InputBinding, LiteralValue, OutputRef, Pipeline, Program, StepInvocation
from tests.helpers.ir_samples import sample_program


def test_mermaid_of_the_sample_program():
    assert graph_render.render(sample_program(), "mermaid") == (
        "flowchart TD\n"
        '    subgraph p0["p"]\n'
        '        p0_s0["load"]\n'
        '        p0_s1["add"]\n'
        '        p0_s2["report"]\n'
        "    end\n"
        '    p0_s0 -->|"output->x"| p0_s1\n'
        "    p0_s1 -.-> p0_s2\n"
    )


def test_dot_of_the_sample_program():
    assert graph_render.render(sample_program(), "dot") == (
        "digraph pipec {\n"
        "    rankdir=TB;\n"
        "    node [shape=box];\n"
        "    subgraph cluster_p0 {\n"
        '        label="p";\n'
        '        p0_s0 [label="load"];\n'
        '        p0_s1 [label="add"];\n'
        '        p0_s2 [label="report"];\n'
        "    }\n"
        '    p0_s0 -> p0_s1 [label="output->x"];\n'
        "    p0_s1 -> p0_s2 [style=dashed];\n"
        "}\n"
    )


def _step(step_id, inputs=(), after=()):
    return StepInvocation(step_id, "f", "m", (), tuple(inputs), (), tuple(after))


HOSTILE = ['a"b', "x[y]{z}", "new\nline", "back\\slash", "end", "a|b", "<b>bold</b>", "#1;", "tab\there", "%%c"]


def _hostile_program():
    steps = [_step(HOSTILE[0])]
    for i, sid in enumerate(HOSTILE[1:], 1):
        steps.append(_step(sid, [InputBinding('in"put', OutputRef(HOSTILE[i - 1], 'out]|"put'))]))
    return Program((Pipeline('pipe "1"\n', "p", "m", (), tuple(steps)),))


def _mermaid_unescape(text):
    return re.sub(r"#(\d+);", lambda m: chr(int(m.group(1))), text)


def test_mermaid_labels_escape_everything_risky():
    text = graph_render.to_mermaid(_hostile_program())
    labels = re.findall(r'\["([^"]*)"\]', text)
    assert [_mermaid_unescape(label) for label in labels] == ['pipe "1"\n', *HOSTILE]
    edge_labels = re.findall(r'\|"([^"]*)"\|', text)
    assert _mermaid_unescape(edge_labels[0]) == 'out]|"put->in"put'
    safe = r"[\w .,:/()+=*@!?'>-]"
    for label in labels + edge_labels:
        assert re.fullmatch(rf"({safe}|#\d+;)*", label), label
    # Structure lines are intact: one statement per line.
    body = text.splitlines()
    assert body[0] == "flowchart TD" and body[-1].startswith("    p0_s8 -->")
    assert len(body) == 1 + 1 + len(HOSTILE) + 1 + len(HOSTILE) - 1


def _dot_unescape(text):
    return re.sub(r'\\(.)', lambda m: {"n": "\n", "r": "\r"}.get(m.group(1), m.group(1)), text)


def test_dot_labels_escape_quotes_backslashes_and_newlines():
    text = graph_render.to_dot(_hostile_program())
    labels = re.findall(r'label="((?:[^"\\]|\\.)*)"', text)
    nodes = [_dot_unescape(label) for label in labels[1:1 + len(HOSTILE)]]
    assert _dot_unescape(labels[0]) == 'pipe "1"\n'
    assert nodes[:8] == HOSTILE[:8]
    assert nodes[8:] == ["tab\\x09here", "%%c"]
    assert len(text.splitlines()) == 3 + 2 + len(HOSTILE) + 1 + len(HOSTILE) - 1 + 1
    assert 'label="tab\\\\x09here"' in text  # control characters are shown, never raw
    edge_labels = [_dot_unescape(label) for label in labels[1 + len(HOSTILE):]]
    assert edge_labels[0] == 'out]|"put->in"put'


@pytest.mark.parametrize("fmt", graph_render.FORMATS)
def test_output_is_deterministic_and_multi_pipeline(fmt):
    one = sample_program().pipelines[0]
    program = Program((one, Pipeline("q", "q", "m", (), (_step("solo"),))))
    text = graph_render.render(program, fmt)
    assert text == graph_render.render(program, fmt)
    assert "p1_s0" in text and "p0_s2" in text


def test_after_edge_duplicating_a_data_edge_is_drawn_once_and_unknown_ids_are_skipped():
    steps = (_step("a"), _step("b", [InputBinding("x", OutputRef("a", "output")),
                                     InputBinding("y", OutputRef("a", "other")),
                                     InputBinding("z", OutputRef("ghost", "output")),
                                     InputBinding("w", LiteralValue(1))], after=("a", "ghost")))
    text = graph_render.to_mermaid(Program((Pipeline("p", "p", "m", (), steps),)))
    assert text.count("p0_s0 -->") == 2 and "-.->" not in text and "ghost" not in text


def test_unknown_format():
    with pytest.raises(ValueError, match="unknown graph format"):
        graph_render.render(sample_program(), "svg")


def _resolved_inputs_program() -> Program:
    from pipec.ir import ArtifactLookup, ExternalValue

    lookup = ArtifactLookup("store", 'n"um\nbers', None)
    steps = (StepInvocation(id="a", function="a", module="m", signature=(), outputs=(), inputs=(
        InputBinding("x", lookup), InputBinding("y", ExternalValue({"k": 1})),
        InputBinding("z", ExternalValue("t", "saved_name")))),
        StepInvocation(id="b", function="b", module="m", signature=(), outputs=(), inputs=(
            InputBinding("x", lookup), InputBinding("w", ArtifactLookup("store", id="abc")),
            InputBinding("v", ArtifactLookup("store", "numbers", "3")))))
    return Program((Pipeline(name="p", function="p", module="m", parameters=(), steps=steps),))


def test_resolved_inputs_are_external_sources_with_their_own_shapes():
    """One node per distinct lookup or stored value (a lookup read by two steps is one cylinder)."""
    assert graph_render.render(_resolved_inputs_program(), "mermaid") == (
        "flowchart TD\n"
        '    subgraph p0["p"]\n'
        '        p0_s0["a"]\n'
        '        p0_s1["b"]\n'
        '        p0_x0[("artifact n#34;um#10;bers (latest)")]\n'
        '        p0_x1[/"external value: #123;#34;k#34;: 1#125;"/]\n'
        '        p0_x2[/"saved saved_name: #34;t#34;"/]\n'
        '        p0_x3[("artifact id abc")]\n'
        '        p0_x4[("artifact numbers (version 3)")]\n'
        "    end\n"
        '    p0_x0 -->|"x"| p0_s0\n'
        '    p0_x1 -->|"y"| p0_s0\n'
        '    p0_x2 -->|"z"| p0_s0\n'
        '    p0_x0 -->|"x"| p0_s1\n'
        '    p0_x3 -->|"w"| p0_s1\n'
        '    p0_x4 -->|"v"| p0_s1\n'
    )
    dot = graph_render.render(_resolved_inputs_program(), "dot")
    assert '        p0_x0 [shape=cylinder, label="artifact n\\"um\\nbers (latest)"];\n' in dot
    assert '        p0_x1 [shape=parallelogram, label="external value: {\\"k\\": 1}"];\n' in dot
    assert '    p0_x0 -> p0_s1 [label="x"];\n' in dot
