"""Draw a program's DAGs as Mermaid or Graphviz DOT text (`pipec graph`).

Output is deterministic: pipelines and steps appear in source order, edges in
input order. Nodes get synthetic ids (``p0_s1``) so any step id, however hostile
(quotes, brackets, newlines), only ever appears inside an escaped label. Data
edges are labelled ``output->input`` (``output->input[i]`` for element i of a list of
outputs); `after=` edges are dashed.
"""

from __future__ import annotations

from collections.abc import Iterator

from pipec.ir import Pipeline, Program
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
        lines.append("    end")
        for src, dst, label in _edges(pipe):
            if label is None:
                lines.append(f"    p{p}_s{src} -.-> p{p}_s{dst}")
            else:
                lines.append(f'    p{p}_s{src} -->|"{mermaid_escape(label)}"| p{p}_s{dst}')
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
        lines.append("    }")
        for src, dst, label in _edges(pipe):
            if label is None:
                lines.append(f"    p{p}_s{src} -> p{p}_s{dst} [style=dashed];")
            else:
                lines.append(f'    p{p}_s{src} -> p{p}_s{dst} [label="{dot_escape(label)}"];')
    lines.append("}")
    return "\n".join(lines) + "\n"


def render(program: Program, fmt: str) -> str:
    """`program` drawn in `fmt` (one of :data:`FORMATS`)."""
    if fmt == "mermaid":
        return to_mermaid(program)
    if fmt == "dot":
        return to_dot(program)
    raise ValueError(f"unknown graph format {fmt!r}; expected one of {', '.join(FORMATS)}")
