"""The frontend's layers: the Python interpreter below ZenML's call semantics, no import circles."""

from __future__ import annotations

import ast
from pathlib import Path

import pipec.frontend

FRONTEND = Path(pipec.frontend.__file__).parent


def _module_name(path: Path) -> str:
    parts = path.relative_to(FRONTEND).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path, *, everywhere: bool) -> set[str]:
    """Frontend modules `path` imports: at module level only, or also inside functions."""
    tree = ast.parse(path.read_text())
    package = _module_name(path).split(".") if path.name == "__init__.py" else _module_name(path).split(".")[:-1]
    nodes = ast.walk(tree) if everywhere else iter(tree.body)
    found: set[str] = set()
    for node in nodes:
        if not isinstance(node, ast.ImportFrom) or node.level == 0:
            continue
        base = package[: len(package) - (node.level - 1)] if node.level > 1 else package
        if node.level - 1 > len(package):
            continue  # above the frontend (pipec.ir ...)
        if node.module:
            found.add(".".join([*base, *node.module.split(".")]))
        else:
            found.update(".".join([*base, alias.name]) for alias in node.names)
    return {name for name in found if (FRONTEND / name.replace(".", "/")).with_suffix(".py").exists()
            or (FRONTEND / name.replace(".", "/") / "__init__.py").exists()}


def _graph(*, everywhere: bool) -> dict[str, set[str]]:
    return {_module_name(p): _imports(p, everywhere=everywhere) for p in sorted(FRONTEND.rglob("*.py"))}


def test_module_level_imports_of_the_frontend_have_no_circle():
    graph = _graph(everywhere=False)
    state: dict[str, int] = {}

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph.get(node, ())):
            assert state.get(nxt) != 1, f"import circle: {' -> '.join([*path, nxt])}"
            if nxt not in state:
                visit(nxt, [*path, nxt])
        state[node] = 2

    for module in sorted(graph):
        if module not in state:
            visit(module, [module])


def test_the_interpreter_knows_nothing_of_steps_pipelines_or_parameter_classes():
    graph = _graph(everywhere=True)
    calls_layer = {"calls", "stepdefs", "pipelines", "settings", "nested"}
    for module, imported in graph.items():
        if module.startswith("interp") or module == "modules":
            assert not imported & calls_layer, f"{module} imports {sorted(imported & calls_layer)}"


def test_no_frontend_module_imports_a_private_name_of_another():
    for path in FRONTEND.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.level:
                private = [a.name for a in node.names if a.name.startswith("_") and a.name != "_constant"]
                assert not private, f"{path.name} imports {private} from {node.module}"
