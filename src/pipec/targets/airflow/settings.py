"""Airflow-specific settings: ``settings={"orchestrator.airflow": {...}}`` or ``options={"airflow": {...}}``.

Recognised keys (ZenML's ``pod_settings`` spelling is accepted too)::

    node_selector / node_selectors  {label: value}  pods' node selector (kubernetes mode)
    labels                          {key: value}    extra pod labels (kubernetes mode)
    annotations                     {key: value}    pod annotations (kubernetes mode)
    namespace                       str             the step's namespace (kubernetes mode)
    pool, queue                     str             Airflow pool and executor queue of the task
    dag_tags                        [str]           extra DAG tags (pipeline level)
    pod_settings                    {node_selectors, labels, annotations}

Any other key is reported (PC304), never silently dropped; a value of the wrong type is an
error (PC310).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pipec.ir import Settings, Span
from pipec.ir.diagnostics import Diagnostics
from pipec.targets.kit.unsupported import unsupported

from .escape import Code, py

#: Settings keys read by this target, in the order they are merged (later wins).
KEYS = ("orchestrator.airflow", "target.airflow")

_MAPS = ("node_selector", "labels", "annotations")
_STRINGS = ("namespace", "pool", "queue")


@dataclass(frozen=True)
class AirflowSettings:
    """The recognised Airflow settings of a step or pipeline."""

    # Node selector of the step's pod.
    node_selector: dict[str, str] = field(default_factory=dict)
    # Extra labels of the step's pod.
    labels: dict[str, str] = field(default_factory=dict)
    # Annotations of the step's pod.
    annotations: dict[str, str] = field(default_factory=dict)
    # Kubernetes namespace overriding the `namespace` option.
    namespace: str | None = None
    # Airflow pool of the task.
    pool: str | None = None
    # Executor queue of the task.
    queue: str | None = None
    # Extra DAG tags.
    dag_tags: tuple[str, ...] = ()

    def task_kwargs(self) -> dict[str, Code]:
        """`pool` / `queue` operator arguments (not templated by Airflow)."""
        out: dict[str, Code] = {}
        if self.pool:
            out["pool"] = py(self.pool)
        if self.queue:
            out["queue"] = py(self.queue)
        return out


def _string_map(value: object) -> dict[str, str] | None:
    if isinstance(value, dict) and all(isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
        return dict(value)
    return None


def read_settings(settings: Settings, diags: Diagnostics, span: Span, seen: set[str]) -> AirflowSettings:
    """The Airflow settings in `settings.extra`; each problem is reported once (`seen` holds the
    messages already reported, as pipeline settings repeat in every step)."""
    def report(error: bool, code: str, message: str, help: str) -> None:
        if message not in seen:
            seen.add(message)
            if error:
                diags.error(code, message, span, help=help or None)
            else:
                unsupported(diags, message, span, help=help or None, code=code)

    merged: dict[str, object] = {}
    extra = settings.extra_dict()
    for key in KEYS:
        value = extra.get(key)
        if value is None:
            continue
        if not isinstance(value, dict):
            report(True, "PC310", f"settings `{key}` must be a dict", "e.g. {'node_selector': {'pool': 'gpu'}}")
            continue
        for name, item in value.items():
            if name == "pod_settings" and isinstance(item, dict):
                for sub, sub_item in item.items():
                    merged["node_selector" if sub == "node_selectors" else sub] = sub_item
            else:
                merged["node_selector" if name == "node_selectors" else name] = item

    fields: dict[str, object] = {}
    for name, value in merged.items():
        if name in _MAPS:
            mapping = _string_map(value)
            if mapping is None:
                report(True, "PC310", f"airflow setting `{name}` must map strings to strings",
                       f"e.g. {{'{name}': {{'disktype': 'ssd'}}}}")
            else:
                fields[name] = mapping
        elif name in _STRINGS:
            if isinstance(value, str) and value:
                fields[name] = value
            else:
                report(True, "PC310", f"airflow setting `{name}` must be a non-empty string", "")
        elif name == "dag_tags":
            if isinstance(value, list) and all(isinstance(t, str) for t in value):
                fields[name] = tuple(value)
            else:
                report(True, "PC310", "airflow setting `dag_tags` must be a list of strings", "")
        else:
            report(False, "PC304", f"airflow setting `{name}` is not supported by the airflow target; ignored",
                   "supported: node_selector, labels, annotations, namespace, pool, queue, dag_tags")
    return AirflowSettings(**fields)
