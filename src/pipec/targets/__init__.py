"""Target registry: built-ins load lazily; third parties register via entry points.

A third-party package adds a target with an entry point in the ``pipec.targets``
group whose object satisfies :class:`pipec.targets.base.Target`.
"""

from __future__ import annotations

from dataclasses import dataclass

#: Built-in targets: name -> (module, attribute, one-line description). Importing a
#: target module happens only when that target is used, so `pipec --help` stays fast.
BUILTINS: dict[str, tuple[str, str, str]] = {
    "ir": ("pipec.targets.ir", "TARGET", "The checked IR as JSON (reference target)"),
    "airflow": ("pipec.targets.airflow", "TARGET", "Apache Airflow DAG files (Kubernetes, Docker or local tasks)"),
    "github": ("pipec.targets.github", "TARGET", "GitHub Actions workflow, one job per step"),
    "kubeflow": ("pipec.targets.kubeflow.target", "TARGET", "Kubeflow Pipelines v2 package (PipelineSpec YAML)"),
    "vertex": ("pipec.targets.vertex.target", "TARGET", "Vertex AI PipelineJob JSON"),
    "tekton": ("pipec.targets.tekton", "TARGET", "Tekton Pipelines v1: a Pipeline with one task per step and a PipelineRun"),
    "argo": ("pipec.targets.argo", "TARGET", "Argo Workflows: a Workflow with a DAG of container steps (plus a CronWorkflow)"),
    "sagemaker": ("pipec.targets.sagemaker", "TARGET", "Amazon SageMaker Pipelines definition JSON"),
}

ENTRY_POINT_GROUP = "pipec.targets"


class UnknownTarget(LookupError):
    """Raised for a target name nobody registered; carries a suggestion."""

    def __init__(self, name: str, suggestion: str | None) -> None:
        super().__init__(name)
        self.name = name
        self.suggestion = suggestion


class TargetLoadError(RuntimeError):
    """Raised when a registered target cannot be imported."""


@dataclass(frozen=True)
class TargetInfo:
    """A registered target, before it is imported."""

    # Name used with --target.
    name: str
    # One-line description.
    description: str
    # "module:attribute" to load it from.
    location: str


def _entry_points() -> dict[str, TargetInfo]:
    from importlib.metadata import entry_points

    found: dict[str, TargetInfo] = {}
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        if ep.name not in BUILTINS:
            found[ep.name] = TargetInfo(ep.name, "", ep.value)
    return found


def available() -> list[TargetInfo]:
    """Every registered target, sorted by name (third-party ones load to describe themselves)."""
    infos = {name: TargetInfo(name, desc, f"{mod}:{attr}") for name, (mod, attr, desc) in BUILTINS.items()}
    for name, info in _entry_points().items():
        try:
            desc = getattr(_load(info.location), "description", "")
        except TargetLoadError as exc:
            desc = f"(failed to load: {exc})"
        infos[name] = TargetInfo(name, desc, info.location)
    return [infos[n] for n in sorted(infos)]


def names() -> list[str]:
    """Names of every registered target, sorted."""
    return sorted(set(BUILTINS) | set(_entry_points()))


def _load(location: str):
    import importlib

    module_name, _, attr = location.partition(":")
    try:
        obj = importlib.import_module(module_name)
        for part in attr.split(".") if attr else ():
            obj = getattr(obj, part)
    except Exception as exc:  # a broken plug-in must not crash the CLI with a traceback
        raise TargetLoadError(f"{location}: {type(exc).__name__}: {exc}") from exc
    return obj


def get(name: str):
    """The target called `name`; raises UnknownTarget (with a "did you mean") or TargetLoadError."""
    if name in BUILTINS:
        mod, attr, _ = BUILTINS[name]
        return _load(f"{mod}:{attr}")
    eps = _entry_points()
    if name in eps:
        return _load(eps[name].location)
    from pipec.ir.diagnostics import did_you_mean

    raise UnknownTarget(name, did_you_mean(name, names()))
