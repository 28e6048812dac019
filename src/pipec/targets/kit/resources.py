"""Container resources in the forms engines want: quantities, one Kubernetes requirements
builder with a per-target request/limit policy, one GPU resource name, one `gpu_type` rule.

Kubernetes targets differ only in where each quantity goes (requests, limits or both), so
each declares a :class:`KubePolicy`; the quantities themselves are written one way.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pipec.ir import Resources, StepInvocation

#: The extended resource GPUs are requested under (NVIDIA device plugin).
GPU_RESOURCE = "nvidia.com/gpu"

#: Where a quantity goes: the requests, the limits, or both.
REQUEST, LIMIT, BOTH = "request", "limit", "both"

_MEMORY = re.compile(r"^([0-9]+(?:\.[0-9]+)?)([KMGTPE]i?)?B$")
_FACTORS = {None: 1, "K": 10**3, "M": 10**6, "G": 10**9, "T": 10**12, "P": 10**15, "E": 10**18,
            "Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "Pi": 2**50, "Ei": 2**60}


@dataclass(frozen=True)
class KubePolicy:
    """Where one target puts each quantity of a container's resources."""

    #: CPU: `REQUEST`, `LIMIT` or `BOTH`.
    cpu: str = REQUEST
    #: Memory: `REQUEST`, `LIMIT` or `BOTH`.
    memory: str = REQUEST
    #: GPUs (an extended resource: a limit is required, a request must equal it): `LIMIT` or `BOTH`.
    gpu: str = LIMIT


#: Argo and Tekton: cpu and memory requested, GPUs limited.
REQUESTS_ONLY = KubePolicy()
#: Airflow's KubernetesPodOperator: cpu requested, memory requested and limited, GPUs both.
MEMORY_LIMITED = KubePolicy(memory=BOTH, gpu=BOTH)


def step_resources(step: StepInvocation) -> Resources:
    """The step's resources (all None when unset)."""
    return step.settings.resources or Resources()


def gpu_resource(gpu_type: str | None) -> str:
    """The extended resource a GPU of `gpu_type` is requested under: the type itself when it
    names one (``amd.com/gpu``), else :data:`GPU_RESOURCE` (a model such as ``nvidia-tesla-t4``
    is selected by a node label, not a resource)."""
    return gpu_type if gpu_type and "/" in gpu_type else GPU_RESOURCE


def memory_bytes(memory: str) -> int:
    """Bytes in a canonical IR memory quantity ("4GiB", "512MB", "100B")."""
    match = _MEMORY.match(memory)
    if not match:
        raise ValueError(f"not a canonical memory quantity: {memory!r}")
    return int(float(match.group(1)) * _FACTORS[match.group(2)])


def k8s_memory(memory: str) -> str:
    """A Kubernetes quantity for an IR memory quantity: "4GiB" -> "4Gi", "512MB" -> "512M"."""
    match = _MEMORY.match(memory)
    if not match:
        raise ValueError(f"not a canonical memory quantity: {memory!r}")
    number, unit = match.groups()
    if "." in number:  # Kubernetes accepts decimals, but whole bytes are unambiguous
        return str(memory_bytes(memory))
    return number + (unit or "")


def k8s_cpu(cpu: float) -> str:
    """A Kubernetes CPU quantity: 2 -> "2", 0.5 -> "500m", 1.25 -> "1250m"."""
    if float(cpu).is_integer():
        return str(int(cpu))
    return f"{round(cpu * 1000)}m"


def kube_requirements(resources: Resources, policy: KubePolicy = REQUESTS_ONLY,
                      gpu_name: str = GPU_RESOURCE) -> tuple[dict[str, str], dict[str, str]]:
    """``(requests, limits)`` for `resources` as Kubernetes quantity strings, placed by `policy`."""
    requests: dict[str, str] = {}
    limits: dict[str, str] = {}

    def place(where: str, key: str, value: str) -> None:
        if where in (REQUEST, BOTH):
            requests[key] = value
        if where in (LIMIT, BOTH):
            limits[key] = value

    if resources.cpu is not None:
        place(policy.cpu, "cpu", k8s_cpu(resources.cpu))
    if resources.memory is not None:
        place(policy.memory, "memory", k8s_memory(resources.memory))
    if resources.gpu:
        place(policy.gpu, gpu_name, str(resources.gpu))
    return requests, limits


def kube_resources(step: StepInvocation, policy: KubePolicy = REQUESTS_ONLY) -> dict[str, dict[str, str]]:
    """A container's ``resources`` object for `step` (``requests``/``limits``, each only when set)."""
    requests, limits = kube_requirements(step_resources(step), policy)
    result: dict[str, dict[str, str]] = {}
    if requests:
        result["requests"] = requests
    if limits:
        result["limits"] = limits
    return result
