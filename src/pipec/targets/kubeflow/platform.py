"""The Kubernetes platform spec (kfp-kubernetes' `KubernetesExecutorConfig` per executor).

Filled from the step's ``orchestrator.kubeflow`` / ``target.kubeflow`` settings (ZenML's
`KubeflowOrchestratorSettings` names, `pod_settings` included), the node label that
selects a named GPU type, and the PersistentVolumeClaim mounted at a local artifact
store (`pvc` option). KFP reads it from a second YAML document after the PipelineSpec.
"""

from __future__ import annotations

from pipec.ir import JSONValue, Pipeline, StepInvocation
from pipec.targets.base import CompileContext
from pipec.targets.common import step_resources
from pipec.targets.kfp_spec.names import StepNames
from pipec.targets.kfp_spec.settings import engine_settings, invalid, report_unsupported, string_map

ENGINE = "kubeflow"
#: Keys read from `pod_settings` and, with the same meaning, from the top level (which wins).
POD_KEYS = ("node_selectors", "tolerations", "annotations", "labels", "image_pull_secrets")
#: Every top-level key this target reads.
SUPPORTED = (*POD_KEYS, "pod_settings", "secrets", "image_pull_policy")
_TOLERATION_KEYS = {"key": "key", "operator": "operator", "value": "value", "effect": "effect",
                    "toleration_seconds": "tolerationSeconds", "tolerationSeconds": "tolerationSeconds"}
_OPERATORS = ("Equal", "Exists")
_EFFECTS = ("NoExecute", "NoSchedule", "PreferNoSchedule")
_PULL_POLICIES = ("Always", "IfNotPresent", "Never")


def build_platform(pipeline: Pipeline, names: dict[str, StepNames], context: CompileContext, *,
                   accelerator_label: str, pvc: str | None, mount_path: str) -> dict[str, dict]:
    """``{executor label: KubernetesExecutorConfig}`` for the steps that need one."""
    executors: dict[str, dict] = {}
    for step in pipeline.steps:
        config = build_executor_config(pipeline, step, context, accelerator_label)
        if pvc:
            config["pvcMount"] = [{"constant": pvc, "mountPath": mount_path,
                                   "pvcNameParameter": _constant(pvc)}]
        if config:
            executors[names[step.id].executor] = config
    return executors


def build_executor_config(pipeline: Pipeline, step: StepInvocation, context: CompileContext,
                          accelerator_label: str) -> dict:
    """One step's `KubernetesExecutorConfig` from its settings and GPU type."""
    settings = engine_settings(step.settings, ENGINE)
    report_unsupported(pipeline, context, "kubeflow", settings, SUPPORTED)
    pod = settings.get("pod_settings", {})
    if not isinstance(pod, dict):
        invalid(pipeline, context, "kubeflow", "pod_settings", "a dict")
        pod = {}
    report_unsupported(pipeline, context, "kubeflow", pod, POD_KEYS, where="pod_settings.")
    merged = {**{k: pod[k] for k in POD_KEYS if k in pod}, **{k: settings[k] for k in POD_KEYS if k in settings}}
    config: dict = {}
    selectors = _accelerator_selector(step, accelerator_label)
    selectors.update(_strings(pipeline, context, merged, "node_selectors"))
    if selectors:
        config["nodeSelector"] = {"labels": selectors}
    tolerations = [t for t in (_toleration(pipeline, context, raw) for raw in _list(pipeline, context, merged,
                                                                                       "tolerations")) if t]
    if tolerations:
        config["tolerations"] = tolerations
    metadata = {field: values for field, values in (
        ("annotations", _strings(pipeline, context, merged, "annotations")),
        ("labels", _strings(pipeline, context, merged, "labels"))) if values}
    if metadata:
        config["podMetadata"] = metadata
    secrets = _secrets(pipeline, context, settings.get("secrets"))
    if secrets:
        config["secretAsEnv"] = secrets
    pull_secrets = _list(pipeline, context, merged, "image_pull_secrets")
    if pull_secrets and all(isinstance(name, str) and name for name in pull_secrets):
        config["imagePullSecret"] = [{"secretName": name, "secretNameParameter": _constant(name)}
                                     for name in pull_secrets]
    elif pull_secrets:
        invalid(pipeline, context, "kubeflow", "image_pull_secrets", "a list of secret names")
    policy = settings.get("image_pull_policy")
    if policy is not None:
        if policy in _PULL_POLICIES:
            config["imagePullPolicy"] = policy
        else:
            invalid(pipeline, context, "kubeflow", "image_pull_policy", f"one of {', '.join(_PULL_POLICIES)}")
    return config


def _constant(value: str) -> dict:
    # Newer backends read the `...Parameter` form, older ones the plain field: KFP writes both.
    return {"runtimeValue": {"constant": value}}


def _accelerator_selector(step: StepInvocation, label: str) -> dict[str, str]:
    resources = step_resources(step)
    if label and resources.gpu and resources.gpu_type and "/" not in resources.gpu_type:
        return {label: resources.gpu_type}
    return {}


def _strings(pipeline: Pipeline, context: CompileContext, settings: dict, key: str) -> dict[str, str]:
    value = settings.get(key)
    if value is None:
        return {}
    mapping = string_map(value)
    if mapping is None:
        invalid(pipeline, context, "kubeflow", key, "a dict of strings to strings")
        return {}
    return mapping


def _list(pipeline: Pipeline, context: CompileContext, settings: dict, key: str) -> list:
    value = settings.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        invalid(pipeline, context, "kubeflow", key, "a list")
        return []
    return value


def _toleration(pipeline: Pipeline, context: CompileContext, raw: JSONValue) -> dict | None:
    expected = ("a dict with `key`, `operator` (Equal/Exists), `value`, `effect` "
                "(NoSchedule/PreferNoSchedule/NoExecute) and `toleration_seconds`")
    if not isinstance(raw, dict) or not set(raw) <= set(_TOLERATION_KEYS):
        invalid(pipeline, context, "kubeflow", "tolerations[]", expected)
        return None
    out = {_TOLERATION_KEYS[k]: v for k, v in raw.items() if v is not None}
    seconds = out.get("tolerationSeconds")
    if (any(not isinstance(out.get(k, ""), str) for k in ("key", "operator", "value", "effect"))
            or out.get("operator", "Equal") not in _OPERATORS or out.get("effect", "NoSchedule") not in _EFFECTS
            or (seconds is not None and (isinstance(seconds, bool) or not isinstance(seconds, int)))):
        invalid(pipeline, context, "kubeflow", "tolerations[]", expected)
        return None
    if seconds is not None:
        out["tolerationSeconds"] = str(seconds)  # int64 in proto JSON
    return out


def _secrets(pipeline: Pipeline, context: CompileContext, value: JSONValue) -> list[dict]:
    # {"secret-name": {"secret-key": "ENV_VAR", ...}, ...}, like kfp-kubernetes' use_secret_as_env.
    if value is None:
        return []
    if not isinstance(value, dict) or not all(string_map(keys) is not None for keys in value.values()):
        invalid(pipeline, context, "kubeflow", "secrets",
                'a dict of secret names to {secret key: environment variable} dicts')
        return []
    return [{"secretName": name, "secretNameParameter": _constant(name), "optional": False,
             "keyToEnv": [{"secretKey": key, "envVar": env} for key, env in sorted(keys.items())]}
            for name, keys in sorted(value.items())]
