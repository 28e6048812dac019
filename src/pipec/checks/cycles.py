"""PC201: dependency cycles through data edges and `after=` edges.

The happy path is a linear Kahn pass; only when it cannot order every step do we
compute strongly connected components (an iterative Tarjan, so deep chains cannot
hit the recursion limit) and report one cycle per component. networkx is not
imported: it would cost more than the whole check.
"""

from __future__ import annotations

from itertools import pairwise

from pipec.ir.diagnostics import Diagnostics

from ..ir import Pipeline
from .registry import register

DATA = "data"
ORDER = "order"


class _Graph:
    """The dependency graph over unique step ids, upstream -> downstream, in body order."""

    def __init__(self, pipeline: Pipeline) -> None:
        # Ids in the order of their first invocation.
        self.nodes: list[str] = list(dict.fromkeys(inv.id for inv in pipeline.steps))
        # Position of each id in `nodes`, for deterministic tie-breaking.
        self.rank = {node: i for i, node in enumerate(self.nodes)}
        # Downstream ids of each id, without repeats.
        self.succ: dict[str, dict[str, None]] = {node: {} for node in self.nodes}
        # Kind of each edge: "data" when any input flows along it, else "order".
        self.kind: dict[tuple[str, str], str] = {}
        for inv in pipeline.steps:
            for binding in inv.inputs:
                for ref in binding.upstream_outputs:
                    self._add(ref.step, inv.id, DATA)
            for dep in inv.after:
                self._add(dep, inv.id, ORDER)

    def _add(self, src: str, dst: str, kind: str) -> None:
        if src not in self.succ:  # unknown ids are the unknown-steps check's business
            return
        self.succ[src][dst] = None
        if self.kind.get((src, dst)) != DATA:
            self.kind[(src, dst)] = kind

    def children(self, node: str) -> list[str]:
        """Downstream ids of `node` in body order."""
        return sorted(self.succ[node], key=self.rank.__getitem__)

    def unordered(self) -> list[str]:
        """Ids Kahn's algorithm cannot order: every cycle lies among them."""
        indegree = dict.fromkeys(self.nodes, 0)
        for node in self.nodes:
            for child in self.succ[node]:
                indegree[child] += 1
        ready = [node for node, degree in indegree.items() if degree == 0]
        while ready:
            node = ready.pop()
            for child in self.succ[node]:
                indegree[child] -= 1
                if indegree[child] == 0:
                    ready.append(child)
        return [node for node in self.nodes if indegree[node] > 0]


def strongly_connected(nodes: list[str], children: dict[str, list[str]]) -> list[list[str]]:
    """Tarjan's strongly connected components of the graph `children` restricted to `nodes`.

    Iterative, so a chain of thousands of steps does not exhaust the Python stack.
    """
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)

    for root in nodes:
        if root in index:
            continue
        visit(root)
        work = [(root, iter(children[root]))]
        while work:
            node, pending = work[-1]
            for child in pending:
                if child not in index:
                    visit(child)
                    work.append((child, iter(children[child])))
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            else:
                work.pop()
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[node])
                if low[node] == index[node]:
                    component: list[str] = []
                    while not component or component[-1] != node:
                        component.append(stack.pop())
                        on_stack.discard(component[-1])
                    components.append(component)
    return components


def _shortest_cycle(start: str, members: set[str], graph: _Graph) -> list[str]:
    """The shortest cycle through `start` inside `members`, as ``[start, ..., start]``."""
    parent: dict[str, str] = {start: start}
    queue = [start]
    for node in queue:
        for child in graph.children(node):
            if child == start:
                path = [node]
                while path[-1] != start:
                    path.append(parent[path[-1]])
                return [*reversed(path), start]
            if child in members and child not in parent:
                parent[child] = node
                queue.append(child)
    return [start, start]  # unreachable for a strongly connected component


def _edge_note(src: str, dst: str, graph: _Graph) -> str:
    """Why `dst` depends on `src`."""
    if graph.kind[(src, dst)] == DATA:
        return f"`{dst}` consumes an output of `{src}`"
    return f"`{dst}` runs after `{src}` (`after=`)"


@register
def check_cycles(pipeline: Pipeline, diags: Diagnostics) -> None:
    """PC201: report each dependency cycle once, at its earliest invocation in the body.

    One cycle is reported per strongly connected component: the shortest one through
    the component's earliest step, so the message is deterministic and short.
    """
    graph = _Graph(pipeline)
    remaining = graph.unordered()
    if not remaining:
        return
    inside = set(remaining)
    children = {node: [c for c in graph.children(node) if c in inside] for node in remaining}
    for component in strongly_connected(remaining, children):
        start = min(component, key=graph.rank.__getitem__)
        if len(component) == 1 and start not in graph.succ[start]:
            continue  # a single step downstream of a cycle, not in one
        cycle = _shortest_cycle(start, set(component), graph)
        edges = list(pairwise(cycle))
        has_order = any(graph.kind[edge] == ORDER for edge in edges)
        invocation = pipeline.step(start)
        diags.error("PC201", f"dependency cycle: {' -> '.join(cycle)}",
                    invocation.span if invocation else pipeline.span,
                    help="remove one of the `after=` dependencies in the cycle" if has_order else None,
                    notes=tuple(_edge_note(src, dst, graph) for src, dst in edges))
