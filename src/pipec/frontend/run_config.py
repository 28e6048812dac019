"""ZenML-style YAML run configurations (`--config run.yaml`).

Recognised keys (as in ZenML)::

    parameters: {lr: 0.1}            # pipeline parameters
    enable_cache: false
    schedule: {cron_expression: "0 3 * * *"}
    settings: {docker: {...}, resources: {...}, "orchestrator.kubeflow": {...}}
    model: {name: iris, version: production}   # ZenML's Model: updates the code's model field by field
    steps:
      trainer:
        parameters: {gamma: 0.01}    # step parameters (literal inputs / BaseParameters fields)
        enable_cache: false
        settings: {resources: {cpu_count: 4}}
        retry: {max_retries: 2}
        model: {name: other}         # the step's own model (model_control.py)

Every error points at the offending key with its line and column. Keys ZenML ignores
(unknown ones, sections of steps the pipeline does not invoke) are warnings (PC116).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipec.compiler import deps
from pipec.ir import Retry, Schedule, Span
from pipec.ir.diagnostics import Diagnostics, did_you_mean

#: Top-level keys the settings reader turns into pipeline settings (`retry` is read as a step default).
PIPELINE_SETTING_KEYS = ("settings", "enable_cache", Schedule.key, "extra")
#: Keys of `steps.<id>` the settings reader turns into step settings.
STEP_SETTING_KEYS = ("settings", "enable_cache", Retry.key, "step_operator", "extra", "experiment_tracker")
#: Keys whose value must be a mapping, at the top level and in `steps.<id>`.
TOP_MAPPINGS = ("parameters", "settings", "steps", "extra", Retry.key)
STEP_MAPPINGS = ("parameters", "settings", Retry.key, "extra")

TOP_KEYS = {*PIPELINE_SETTING_KEYS, *TOP_MAPPINGS,
            # accepted for ZenML compatibility, no effect on compiled artifacts
            "run_name", "model", "enable_artifact_metadata", "enable_artifact_visualization", "enable_step_logs",
            "enable_pipeline_logs", "build", "tags", "config_version", "substitutions", "cache_policy"}
STEP_KEYS = {*STEP_SETTING_KEYS, *STEP_MAPPINGS,
             "enable_artifact_metadata", "enable_artifact_visualization", "enable_step_logs", "name",
             "outputs", "model", "substitutions", "cache_policy"}


@dataclass
class RunConfig:
    """A parsed run configuration; spans point into the YAML file."""

    # The file's path as spans show it.
    path: str
    # The whole document.
    data: dict[str, Any]
    # Key path -> span, for pointed errors.
    spans: dict[tuple, Span] = field(default_factory=dict)

    def span(self, *keys: Any) -> Span:
        """Span of the entry at `keys` (falls back to its nearest ancestor)."""
        for cut in range(len(keys), -1, -1):
            span = self.spans.get(tuple(keys[:cut]))
            if span is not None:
                return span
        return Span(self.path, 1, 1)

    @property
    def parameters(self) -> dict[str, Any]:
        """Pipeline parameters."""
        value = self.data.get("parameters") or {}
        return value if isinstance(value, dict) else {}

    def unknown_step_keys(self, step_id: str) -> list[str]:
        """Keys of `steps.<step_id>` that ZenML does not read (it ignores them)."""
        return [key for key in self.step(step_id) if key not in STEP_KEYS]

    def step(self, step_id: str) -> dict[str, Any]:
        """The `steps.<id>` section, without a `parameters`/`settings`/... entry that is not a
        mapping (validation reported it; the rest of the section still applies)."""
        steps = self.data.get("steps") or {}
        value = steps.get(step_id) if isinstance(steps, dict) else None
        if not isinstance(value, dict):
            return {}
        return {key: item for key, item in value.items()
                if key not in STEP_MAPPINGS or item is None or isinstance(item, dict)}


def _spans(node, path: str, prefix: tuple, out: dict[tuple, Span]) -> None:
    import yaml

    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else None
            mark = key_node.start_mark
            out[(*prefix, key)] = Span(path, mark.line + 1, mark.column + 1, mark.line + 1,
                                       mark.column + 1 + len(str(key)))
            _spans(value_node, path, (*prefix, key), out)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            mark = item.start_mark
            out[(*prefix, index)] = Span(path, mark.line + 1, mark.column + 1)
            _spans(item, path, (*prefix, index), out)


#: Most values a configuration may hold once its aliases are expanded: far above any real run
#: configuration, far below what a "billion laughs" file of a few hundred bytes expands to.
MAX_EXPANDED_VALUES = 100_000


def _alias_problem(root) -> tuple[str, object] | None:
    """(message, node to point at) when the composed YAML refers to itself through an alias, or
    would expand beyond :data:`MAX_EXPANDED_VALUES` values; None when it is fine. Each node is
    visited once (PyYAML shares aliased nodes), so a bomb is measured without expanding it."""
    import yaml

    sizes: dict[int, int] = {}
    open_nodes: set[int] = set()

    def size(node) -> int:
        if id(node) in sizes:
            return sizes[id(node)]
        if id(node) in open_nodes:
            raise _SelfReference(node)
        open_nodes.add(id(node))
        if isinstance(node, yaml.MappingNode):
            total = 1 + sum(size(key) + size(value) for key, value in node.value)
        elif isinstance(node, yaml.SequenceNode):
            total = 1 + sum(size(item) for item in node.value)
        else:
            total = 1
        open_nodes.discard(id(node))
        sizes[id(node)] = total
        return total

    try:
        if size(root) <= MAX_EXPANDED_VALUES:
            return None
    except _SelfReference as ref:
        return "an alias refers to the value that contains it, so it never ends", ref.node
    except RecursionError:
        return "values nest too deeply", root
    biggest = root
    while isinstance(biggest, (yaml.MappingNode, yaml.SequenceNode)) and biggest.value:
        children = [v for _, v in biggest.value] if isinstance(biggest, yaml.MappingNode) else biggest.value
        child = max(children, key=lambda c: sizes[id(c)])
        if sizes[id(child)] <= MAX_EXPANDED_VALUES:
            break
        biggest = child
    return (f"its aliases expand to {sizes[id(root)]:,} values, more than the {MAX_EXPANDED_VALUES:,} a run "
            "configuration may hold"), biggest


class _SelfReference(Exception):
    def __init__(self, node) -> None:
        super().__init__()
        self.node = node


def load_run_config(path: Path, shown: str, diags: Diagnostics) -> RunConfig | None:
    """Read and validate a run configuration; report PC002/PC110 and return None when unusable."""
    import yaml  # imported here: most compiles have no config, and yaml costs ~12 ms to import

    try:
        text = deps.read_text(path)
    except (OSError, UnicodeDecodeError) as exc:
        diags.error("PC002", f"cannot read config `{shown}`: {getattr(exc, 'strerror', None) or exc}",
                    Span(shown, 0, 0))
        return None
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        problem = _alias_problem(node) if node is not None else None
        if problem is not None:
            mark = problem[1].start_mark
            diags.error("PC110", f"the run configuration cannot be used: {problem[0]}",
                        Span(shown, mark.line + 1, mark.column + 1, mark.line + 1, mark.column + 2),
                        help="write the values out, or use fewer levels of `&anchor`/`*alias`")
            return None
        data = yaml.load(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        diags.error("PC110", f"invalid YAML: {problem}", Span(shown, line, col, line, col + 1))
        return None
    except (RecursionError, ValueError) as exc:
        diags.error("PC110", f"invalid YAML: {type(exc).__name__}", Span(shown, 1, 1))
        return None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        diags.error("PC110", "a run configuration must be a mapping of keys such as `parameters` and `steps`",
                    Span(shown, 1, 1))
        return None
    spans: dict[tuple, Span] = {}
    if node is not None:
        _spans(node, shown, (), spans)
    config = RunConfig(shown, data, spans)
    _validate(config, diags)  # keep going after key errors so parameters are still checked
    return config


def _validate(config: RunConfig, diags: Diagnostics) -> bool:
    before = sum(d.is_error for d in diags)
    for key, value in config.data.items():
        if key not in TOP_KEYS:
            # ZenML's run configuration ignores extra keys, and projects keep their own there.
            diags.warning("PC116", f"unknown run configuration key `{key}` is ignored", config.span(key),
                          help=did_you_mean(str(key), TOP_KEYS))
        elif key in TOP_MAPPINGS and value is not None \
                and not isinstance(value, dict):
            diags.error("PC110", f"`{key}` must be a mapping", config.span(key))
        elif key == "enable_cache" and not isinstance(value, bool):
            diags.error("PC110", "`enable_cache` must be true or false", config.span(key))
    steps = config.data.get("steps")
    if isinstance(steps, dict):
        for step_id, section in steps.items():
            if not isinstance(section, dict):
                diags.error("PC110", f"`steps.{step_id}` must be a mapping", config.span("steps", step_id))
                continue
            for key, value in section.items():
                # Unknown keys are warned about with the pipeline, which knows the step's parameters.
                if key in STEP_MAPPINGS and value is not None \
                        and not isinstance(value, dict):
                    diags.error("PC110", f"`steps.{step_id}.{key}` must be a mapping",
                                config.span("steps", step_id, key))
    return sum(d.is_error for d in diags) == before
