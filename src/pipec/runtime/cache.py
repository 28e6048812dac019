"""Step cache keys.

A key covers everything that decides a step's outputs, as far as pipec can see:

* the step function's source text, read statically from its file (decorators
  included; the whole file when the function is not a top-level definition),
* its module and function name,
* the JSON parameters, canonicalised (key order does not matter),
* each input artifact's content hash and materializer,
* each output's name, declared type and static materializer,
* the artifact store URI (a hit must point at payloads that store can read).

The shim (with a metadata store) and the local orchestrator compute the same key,
so a run on either reuses the other's results.
"""

from __future__ import annotations

import ast
import hashlib
import json
import os
from collections.abc import Iterable, Mapping
from functools import lru_cache

from . import materializers

_KEY_VERSION = 1


def module_file(root: str, module: str) -> str | None:
    """The file defining dotted `module` under `root`, or None."""
    base = os.path.join(root, *module.split("."))
    for candidate in (base + ".py", os.path.join(base, "__init__.py")):
        if os.path.isfile(candidate):
            return candidate
    return None


def step_source(root: str, module: str, function: str) -> str:
    """The source text of `function` in `module` (from the file, never by importing it).

    Returns "" when the module file cannot be found (the key then still covers the names).
    """
    path = module_file(root, module)
    if path is None:
        return ""
    stat = os.stat(path)
    return _source_of(path, stat.st_mtime_ns, stat.st_size, function)


@lru_cache(maxsize=256)
def _source_of(path: str, _mtime: int, _size: int, function: str) -> str:
    with open(path, encoding="utf-8", errors="replace") as handle:
        text = handle.read()
    try:
        tree = ast.parse(text)
    except SyntaxError:
        return text
    lines = text.splitlines()
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and node.name == function:
            first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
            return "\n".join(lines[first - 1:node.end_lineno])
    return text


def canonical_json(text: str) -> str:
    """JSON text re-encoded with sorted keys (so `{"a":1,"b":2}` == `{"b": 2, "a": 1}`)."""
    try:
        return json.dumps(json.loads(text), sort_keys=True, separators=(",", ":"))
    except ValueError:
        return text


def cache_key(*, source: str, module: str, function: str, params: Mapping[str, str],
              inputs: Mapping[str, tuple[str, str]], outputs: Iterable[tuple[str, str]],
              artifact_store: str) -> str:
    """The hex sha256 cache key of one step execution.

    `params` maps names to JSON text; `inputs` maps names to (content hash,
    materializer); `outputs` are (name, declared type) pairs.
    """
    document = {
        "version": _KEY_VERSION,
        "module": module,
        "function": function,
        "source": hashlib.sha256(source.encode("utf-8")).hexdigest(),
        "params": {name: canonical_json(text) for name, text in sorted(params.items())},
        "inputs": {name: list(value) for name, value in sorted(inputs.items())},
        "outputs": [[name, type_str, materializers.static_name(type_str)] for name, type_str in outputs],
        "artifact_store": artifact_store,
    }
    return hashlib.sha256(json.dumps(document, sort_keys=True).encode("utf-8")).hexdigest()
