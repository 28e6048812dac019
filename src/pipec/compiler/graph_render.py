"""Draw a program's DAGs as Mermaid or Graphviz DOT text (`pipec graph`).

Output is deterministic: pipelines and steps appear in source order, edges in
input order. Nodes get synthetic ids (``p0_s1``) so any step id, however hostile
(quotes, brackets, newlines), only ever appears inside an escaped label. Data
edges are labelled ``output->input`` (``output->input[i]`` for element i of a list of
outputs); `after=` edges are dashed. Inputs resolved when the step starts are external
sources, one node per distinct source (``p0_x0``), their edges labelled with the input's
name: an artifact lookup is a cylinder (the store it is read from), a value the run stores
itself (``ExternalArtifact(value=)``, ``save_artifact``) a parallelogram.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

from pipec.ir import ArtifactLookup, ExternalValue, Pipeline, Program
from pipec.runtime.command import data_inputs

FORMATS = ("mermaid", "dot")


def _edges(pipe: Pipeline) -> Iterator[tuple[int, int, str | None]]:
    """(upstream index, downstream index, data label or None for an order edge)."""
    index: dict[str, int] = {}
    for i, inv in enumerate(pipe.steps):
        index.setdefault(inv.id, i)
    for j, inv in enumerate(pipe.steps):
        data_from: set[int] = set()
        for key, src in data_inputs(inv):  # one edge per element of a list of outputs
            if src.step in index:
                data_from.add(index[src.step])
                yield index[src.step], j, f"{src.output}->{key}"
        for dep in dict.fromkeys(inv.after):
            if dep in index and index[dep] not in data_from:
                yield index[dep], j, None


def _external(pipe: Pipeline) -> tuple[list[tuple[str, str]], list[tuple[int, int, str]]]:
    """The external sources as (kind "lookup" or "value", label), and (source index, step index,
    input name) per input they feed."""
    nodes: dict[object, int] = {}
    shown: list[tuple[str, str]] = []
    edges: list[tuple[int, int, str]] = []
    for j, inv in enumerate(pipe.steps):
        for binding in inv.inputs:
            src = binding.source
            if not isinstance(src, (ArtifactLookup, ExternalValue)):
                continue
            key = (type(src).__name__, json.dumps(src.__dict__, sort_keys=True, default=repr))
            if key not in nodes:
                nodes[key] = len(shown)
                shown.append(("lookup", _lookup_label(src)) if isinstance(src, ArtifactLookup)
                             else ("value", _value_label(src)))
            edges.append((nodes[key], j, binding.name))
    return shown, edges


def _lookup_label(src: ArtifactLookup) -> str:
    where = "model artifact" if src.scope == "model" else "artifact"
    if src.id is not None:
        return f"{where} id {src.id}"
    named = src.name if src.parameter is None else f"named by parameter {src.parameter}"
    return f"{where} {named} ({'latest' if src.version in (None, 'latest') else 'version ' + src.version})"


def _value_label(src: ExternalValue) -> str:
    text = json.dumps(src.value, ensure_ascii=False, sort_keys=True)
    text = text if len(text) <= 40 else text[:37] + "..."
    return f"saved {src.name}: {text}" if src.name is not None else f"external value: {text}"


# --------------------------------------------------------------------------- mermaid


def mermaid_escape(text: str) -> str:
    """`text` safe inside a double-quoted Mermaid label: risky characters become ``#code;`` entities."""
    out = []
    for ch in text:
        # '>' alone is harmless once '<' is escaped; it keeps `output->input` readable.
        if ch.isalnum() or ch in " _-.,:/()+=*@!?'>":
            out.append(ch)
        else:
            out.append(f"#{ord(ch)};")
    return "".join(out)


def to_mermaid(program: Program) -> str:
    """A Mermaid flowchart with one subgraph per pipeline."""
    lines = ["flowchart TD"]
    for p, pipe in enumerate(program.pipelines):
        lines.append(f'    subgraph p{p}["{mermaid_escape(pipe.name)}"]')
        for s, inv in enumerate(pipe.steps):
            lines.append(f'        p{p}_s{s}["{mermaid_escape(inv.id)}"]')
        sources, feeds = _external(pipe)
        for x, (kind, label) in enumerate(sources):
            shape = '[("{}")]' if kind == "lookup" else '[/"{}"/]'
            lines.append(f"        p{p}_x{x}" + shape.format(mermaid_escape(label)))
        lines.append("    end")
        for src, dst, label in _edges(pipe):
            if label is None:
                lines.append(f"    p{p}_s{src} -.-> p{p}_s{dst}")
            else:
                lines.append(f'    p{p}_s{src} -->|"{mermaid_escape(label)}"| p{p}_s{dst}')
        for x, dst, name in feeds:
            lines.append(f'    p{p}_x{x} -->|"{mermaid_escape(name)}"| p{p}_s{dst}')
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------- dot


def dot_escape(text: str) -> str:
    """`text` safe inside a double-quoted DOT string; newlines stay line breaks in labels."""
    out = []
    for ch in text:
        if ch == "\\":
            out.append("\\\\")
        elif ch == '"':
            out.append('\\"')
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\r":
            out.append("\\r")
        elif ord(ch) < 32 or ord(ch) == 127:
            out.append(f"\\\\x{ord(ch):02x}")  # shown literally as \xNN
        else:
            out.append(ch)
    return "".join(out)


def to_dot(program: Program) -> str:
    """A Graphviz digraph with one cluster per pipeline."""
    lines = ["digraph pipec {", "    rankdir=TB;", "    node [shape=box];"]
    for p, pipe in enumerate(program.pipelines):
        lines.append(f"    subgraph cluster_p{p} {{")
        lines.append(f'        label="{dot_escape(pipe.name)}";')
        for s, inv in enumerate(pipe.steps):
            lines.append(f'        p{p}_s{s} [label="{dot_escape(inv.id)}"];')
        sources, feeds = _external(pipe)
        for x, (kind, label) in enumerate(sources):
            shape = "cylinder" if kind == "lookup" else "parallelogram"
            lines.append(f'        p{p}_x{x} [shape={shape}, label="{dot_escape(label)}"];')
        lines.append("    }")
        for src, dst, label in _edges(pipe):
            if label is None:
                lines.append(f"    p{p}_s{src} -> p{p}_s{dst} [style=dashed];")
            else:
                lines.append(f'    p{p}_s{src} -> p{p}_s{dst} [label="{dot_escape(label)}"];')
        for x, dst, name in feeds:
            lines.append(f'    p{p}_x{x} -> p{p}_s{dst} [label="{dot_escape(name)}"];')
    lines.append("}")
    return "\n".join(lines) + "\n"


def render(program: Program, fmt: str) -> str:
    """`program` drawn in `fmt` (one of :data:`FORMATS`)."""
    if fmt == "mermaid":
        return to_mermaid(program)
    if fmt == "dot":
        return to_dot(program)
    raise ValueError(f"unknown graph format {fmt!r}; expected one of {', '.join(FORMATS)}")
