"""Pieces every Kubernetes-based target shares: names, containers, quantities, YAML.

Kubernetes expands ``$(VAR)`` in a container's ``command``, ``args`` and ``env[].value``
(``$$`` is its escape); engines on top of it add their own templating. The targets
decide how each string reaches the container; this module holds what does not depend
on the engine: DNS-label names, resource quantities, the shim argv with the engine's
placeholders marked, JSON texts without chosen characters, and the YAML dump.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

import yaml

from pipec.compiler.ir import ParameterRef, Pipeline, PipelineParameter, StepInvocation

from .base import CompileContext
from .common import DEFAULT_ARTIFACT_STORE, k8s_cpu, k8s_memory, step_argv, step_resources

#: The extended resource GPUs are requested under (NVIDIA device plugin).
GPU_RESOURCE = "nvidia.com/gpu"
#: Longest object name that still leaves room for the suffixes Kubernetes and the engines
#: add (generateName's 5 characters, Argo's CronWorkflow timestamp: 52 is Argo's limit).
MAX_OBJECT_NAME = 52

_NON_LABEL = re.compile(r"[^a-z0-9]+")
_ASCII_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:8]


def _with_suffix(label: str, suffix: str, max_length: int) -> str:
    return (label[:max_length - len(suffix)].rstrip("-") + suffix).lstrip("-")


def dns_label(text: str, max_length: int = 63) -> str:
    """`text` as an RFC 1123 label (``[a-z0-9-]``, alphanumeric at both ends), at most
    `max_length` long; a hash of `text` is appended when it had to be cut or was empty."""
    label = _NON_LABEL.sub("-", text.lower()).strip("-")
    if not label or len(label) > max_length:
        return _with_suffix(label, "-" + _digest(text), max_length)
    return label


def unique_labels(names: Iterable[str], max_length: int = 63) -> dict[str, str]:
    """``{name: label}`` with pairwise distinct DNS labels; names whose labels would clash
    get a hash of the original name appended (deterministic for a given set of names)."""
    names = list(dict.fromkeys(names))
    base = {name: dns_label(name, max_length) for name in names}
    counts = Counter(base.values())
    labels: dict[str, str] = {}
    taken: set[str] = set()
    for name in names:
        label = base[name]
        if counts[label] > 1:
            label = _with_suffix(label, "-" + _digest(name), max_length)
        index = 2
        while label in taken:  # only if a hashed label met another name's plain label
            label = _with_suffix(base[name], f"-{_digest(name)}-{index}", max_length)
            index += 1
        taken.add(label)
        labels[name] = label
    return labels


def parameter_names(names: Iterable[str]) -> dict[str, str]:
    """``{pipeline parameter: engine parameter name}``: ASCII identifiers stay as they are
    (valid for Tekton and Argo alike); anything else becomes ``_``-cleaned text plus a hash
    after a ``-``, which no Python identifier contains, so the names never clash."""
    result: dict[str, str] = {}
    for name in names:
        if _ASCII_IDENTIFIER.fullmatch(name):
            result[name] = name
        else:
            cleaned = re.sub(r"[^A-Za-z0-9_]", "_", name)
            result[name] = f"{cleaned if cleaned[:1].isalpha() else 'p' + cleaned}-{_digest(name)}"
    return result


@dataclass(frozen=True)
class EngineParameter:
    """A pipeline parameter the engine takes at run time (a step binds it directly)."""

    # The pipeline parameter.
    parameter: PipelineParameter
    # Its name in the engine (see `parameter_names`).
    name: str
    # The text the engine passes for the compile-time value, None when it is unknown.
    value: str | None
    # The text of the source default, None when there is none.
    default: str | None


def parameter_text(param: PipelineParameter, value: object, escape: str = "") -> str | None:
    """The text an engine parameter carries for `value`: the string itself for a ``str``
    parameter (the shim takes it with ``--param-text``), compact JSON otherwise (with the
    `escape` characters escaped, see `json_text`); None for a ``str`` parameter whose value
    is not a string, which only a ``--param`` with JSON can carry."""
    if param.type == "str":
        return value if isinstance(value, str) else None
    return json_text(value, escape)


def engine_parameters(pipeline: Pipeline, *, escape: str, unsafe: Callable[[str], str | None]
                      ) -> tuple[dict[str, EngineParameter], list[tuple[PipelineParameter, str]]]:
    """Split the parameters that steps bind into those the engine may pass at run time,
    ``{pipeline parameter name: EngineParameter}``, and those whose compile-time value is
    baked into the steps instead, ``[(parameter, reason)]``.

    `unsafe(text)` says why the engine (or Kubernetes) would not hand `text` to the
    container unchanged, None when it would; a parameter is baked when its value or default
    is such a text, or when a ``str`` parameter's value is not a string.
    """
    bound = {b.source.name for s in pipeline.steps for b in s.inputs if isinstance(b.source, ParameterRef)}
    params = [p for p in pipeline.parameters if p.name in bound]
    names = parameter_names(p.name for p in params)
    passed: dict[str, EngineParameter] = {}
    baked: list[tuple[PipelineParameter, str]] = []
    for param in params:
        texts = {}
        for kind, present, raw in (("value", param.known, param.value), ("default", param.has_default, param.default)):
            if present:
                texts[kind] = parameter_text(param, raw, escape)
        reason = None
        for kind, text in texts.items():
            if text is None:
                reason = f"its {kind} is not a string"
            elif (why := unsafe(text)) is not None:
                reason = f"its {kind} {why}"
            if reason:
                break
        if reason:
            baked.append((param, reason))
        else:
            passed[param.name] = EngineParameter(param, names[param.name], texts.get("value"), texts.get("default"))
    return passed, baked


def resources(step: StepInvocation) -> dict[str, dict[str, str]]:
    """Container resources of `step` as Kubernetes quantity strings: cpu and memory as
    requests, GPUs as a limit (extended resources are requested through limits)."""
    res = step_resources(step)
    requests: dict[str, str] = {}
    if res.cpu is not None:
        requests["cpu"] = k8s_cpu(res.cpu)
    if res.memory is not None:
        requests["memory"] = k8s_memory(res.memory)
    result: dict[str, dict[str, str]] = {}
    if requests:
        result["requests"] = requests
    if res.gpu:
        result["limits"] = {GPU_RESOURCE: str(res.gpu)}
    return result


def marked_argv(pipeline: Pipeline, step: StepInvocation, context: CompileContext, *, run_id: str,
                placeholders: Mapping[str, str]) -> list[tuple[str, bool]]:
    """The shim argv of `step` (``placeholder_encoding="text"``), each item paired with
    True when it carries `run_id` or one of `placeholders` (the engine must expand it)
    and False when it is literal text that must reach the container unchanged.

    The argv is built twice with different placeholder texts; exactly the items that
    differ hold a placeholder, whatever the flags look like.
    """
    argv = step_argv(pipeline, step, context, run_id=run_id, parameter_placeholders=placeholders,
                     placeholder_encoding="text")
    probe = step_argv(pipeline, step, context, run_id=run_id + "\0",
                      parameter_placeholders={k: v + "\0" for k, v in placeholders.items()},
                      placeholder_encoding="text")
    return [(item, item != other) for item, other in zip(argv, probe, strict=True)]


def json_text(value: object, escape: str = "") -> str:
    """Compact JSON of `value` (as the shim's ``--param`` carries it) in which every
    character of `escape` inside a string is written as a ``\\uXXXX`` escape, so the text
    holds none of them except JSON's own brackets; it decodes to the same value."""
    if isinstance(value, str):
        text = json.dumps(value, ensure_ascii=False)
        for char in escape:  # JSON's own escapes never contain these characters
            text = text.replace(char, f"\\u{ord(char):04x}")
        return text
    if isinstance(value, dict):
        return "{" + ",".join(f"{json_text(k, escape)}:{json_text(v, escape)}" for k, v in value.items()) + "}"
    if isinstance(value, list | tuple):
        return "[" + ",".join(json_text(v, escape) for v in value) + "]"
    return json.dumps(value, allow_nan=False)


def local_artifact_path(context: CompileContext) -> str | None:
    """The artifact store when it is a folder inside the container (no URL scheme), else None."""
    store = context.options.get("artifact_store") or DEFAULT_ARTIFACT_STORE
    return None if "://" in store else store


#: Plain scalars some YAML reader takes for a bool or null (YAML 1.1 as in go-yaml v2,
#: which Kubernetes clients use, knows ``y``/``n``/``on``/``off``).
_NOT_STRING_WORDS = frozenset({"", "~", "null", "y", "yes", "n", "no", "true", "false", "on", "off"})
_NUMBER_LIKE = re.compile(r"[-+]?\.?[0-9]")


def _may_be_retyped(text: str) -> bool:
    """True when a YAML reader (1.1 or 1.2, Python or Go) might not read plain `text` as a
    string: bool/null words, anything starting like a number (``1e3``, ``0o17``, ``12:30``,
    ``2001-12-14``) and what Python's float() accepts (``inf``, ``NaN``)."""
    lowered = text.strip().lower()
    if lowered in _NOT_STRING_WORDS or _NUMBER_LIKE.match(lowered):
        return True
    try:
        float(lowered)
    except ValueError:
        return False
    return True


class _Dumper(yaml.SafeDumper):
    """SafeDumper that also quotes the strings PyYAML's YAML 1.1 resolver would leave plain
    although another reader would retype them (``1e3``, ``0o17``, ``y``)."""


def _represent_str(dumper: yaml.SafeDumper, data: str) -> yaml.ScalarNode:
    style = "'" if _may_be_retyped(data) else None  # the emitter falls back to "..." when needed
    return dumper.represent_scalar("tag:yaml.org,2002:str", data, style=style)


_Dumper.add_representer(str, _represent_str)


def dump_documents(documents: Iterable[object]) -> str:
    """Multi-document YAML (``---`` before each): keys in the order built (``sort_keys``
    off on purpose: the builders insert them in a fixed order), strings that any YAML
    reader might retype quoted, unicode kept, lines never wrapped."""
    return yaml.dump_all(list(documents), Dumper=_Dumper, sort_keys=False, allow_unicode=True,
                         width=2**31 - 1, default_flow_style=False, explicit_start=True)
