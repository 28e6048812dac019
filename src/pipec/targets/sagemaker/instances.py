"""SageMaker instance types for a step's resources (cpu, memory, gpu, gpu type).

The table lists general-purpose (m5), compute (c5), memory (r5) and GPU (g4dn, g5,
g6, p3) instance types that both processing and training jobs accept (the test
checks each against botocore's enums), with their vCPUs, memory and GPUs. A step
gets the cheapest type that has at least what it asks for; `COST` is the
approximate on-demand price per hour (USD, us-east-1, EC2 list prices) and serves
only to order the candidates.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pipec.ir import Resources
from pipec.targets.common import memory_bytes

#: Used when a step asks for nothing.
DEFAULT_INSTANCE_TYPE = "ml.m5.large"


@dataclass(frozen=True)
class InstanceType:
    """One SageMaker instance type."""

    # The API name, e.g. "ml.m5.xlarge".
    name: str
    # Virtual CPUs.
    vcpus: int
    # Memory in GiB.
    memory_gib: float
    # GPUs (0 for CPU-only types).
    gpus: int
    # Approximate on-demand USD per hour: only orders candidates.
    cost: float


def _family(family: str, rows: list[tuple[str, int, float, int, float]]) -> list[InstanceType]:
    return [InstanceType(f"ml.{family}.{size}", cpu, mem, gpu, cost) for size, cpu, mem, gpu, cost in rows]


#: Every type the mapping may choose, by family.
TABLE: dict[str, list[InstanceType]] = {
    "m5": _family("m5", [("large", 2, 8, 0, 0.096), ("xlarge", 4, 16, 0, 0.192), ("2xlarge", 8, 32, 0, 0.384),
                         ("4xlarge", 16, 64, 0, 0.768), ("12xlarge", 48, 192, 0, 2.304),
                         ("24xlarge", 96, 384, 0, 4.608)]),
    "c5": _family("c5", [("xlarge", 4, 8, 0, 0.17), ("2xlarge", 8, 16, 0, 0.34), ("4xlarge", 16, 32, 0, 0.68),
                         ("9xlarge", 36, 72, 0, 1.53), ("18xlarge", 72, 144, 0, 3.06)]),
    "r5": _family("r5", [("large", 2, 16, 0, 0.126), ("xlarge", 4, 32, 0, 0.252), ("2xlarge", 8, 64, 0, 0.504),
                         ("4xlarge", 16, 128, 0, 1.008), ("8xlarge", 32, 256, 0, 2.016),
                         ("12xlarge", 48, 384, 0, 3.024), ("16xlarge", 64, 512, 0, 4.032),
                         ("24xlarge", 96, 768, 0, 6.048)]),
    "g4dn": _family("g4dn", [("xlarge", 4, 16, 1, 0.526), ("2xlarge", 8, 32, 1, 0.752),
                             ("4xlarge", 16, 64, 1, 1.204), ("8xlarge", 32, 128, 1, 2.176),
                             ("16xlarge", 64, 256, 1, 4.352), ("12xlarge", 48, 192, 4, 3.912)]),
    "g5": _family("g5", [("xlarge", 4, 16, 1, 1.006), ("2xlarge", 8, 32, 1, 1.212), ("4xlarge", 16, 64, 1, 1.624),
                         ("8xlarge", 32, 128, 1, 2.448), ("16xlarge", 64, 256, 1, 4.096),
                         ("12xlarge", 48, 192, 4, 5.672), ("24xlarge", 96, 384, 4, 8.144),
                         ("48xlarge", 192, 768, 8, 16.288)]),
    "g6": _family("g6", [("xlarge", 4, 16, 1, 0.805), ("2xlarge", 8, 32, 1, 0.978), ("4xlarge", 16, 64, 1, 1.323),
                         ("8xlarge", 32, 128, 1, 2.014), ("16xlarge", 64, 256, 1, 3.397),
                         ("12xlarge", 48, 192, 4, 4.602), ("24xlarge", 96, 384, 4, 6.675),
                         ("48xlarge", 192, 768, 8, 13.35)]),
    "p3": _family("p3", [("2xlarge", 8, 61, 1, 3.06), ("8xlarge", 32, 244, 4, 12.24),
                         ("16xlarge", 64, 488, 8, 24.48)]),
}
_CPU_FAMILIES = ("m5", "c5", "r5")
_GPU_FAMILIES = ("g4dn", "g5", "g6", "p3")
#: GPU model names (one token of a `gpu_type` such as "nvidia-tesla-t4") -> family.
GPU_MODELS = {"t4": "g4dn", "a10g": "g5", "l4": "g6", "v100": "p3"}


class NoInstanceType(ValueError):
    """No type in the table has what the step asks for (the message says what)."""


def gpu_family(gpu_type: str) -> str | None:
    """The instance family for a GPU type name, None when the table has none."""
    tokens = re.split(r"[^a-z0-9]+", gpu_type.lower())
    for token in tokens:
        if token in GPU_MODELS:
            return GPU_MODELS[token]
    return None


def choose(resources: Resources) -> str:
    """The cheapest instance type with at least `resources` (DEFAULT_INSTANCE_TYPE for none).

    A `gpu_type` the table does not know is ignored (the caller warns); GPUs are chosen
    from GPU families only, CPU-only steps from m5/c5/r5. Raises NoInstanceType.
    """
    cpu, gpu = resources.cpu or 0, resources.gpu or 0
    memory = memory_bytes(resources.memory) / 2**30 if resources.memory else 0
    if not (cpu or gpu or memory):
        return DEFAULT_INSTANCE_TYPE
    if gpu:
        family = gpu_family(resources.gpu_type) if resources.gpu_type else None
        families = (family,) if family else _GPU_FAMILIES
    else:
        families = _CPU_FAMILIES
    fits = [t for f in families for t in TABLE[f] if t.vcpus >= cpu and t.memory_gib >= memory and t.gpus >= gpu]
    if not fits:
        wanted = ", ".join(part for part in (
            f"{cpu:g} CPUs" if cpu else "", f"{resources.memory} memory" if memory else "",
            f"{gpu} GPUs" if gpu else "", f"GPU type {resources.gpu_type}" if gpu and resources.gpu_type else "")
            if part)
        raise NoInstanceType(f"no SageMaker instance type in pipec's table has {wanted}")
    return min(fits, key=lambda t: (t.cost, t.name)).name
