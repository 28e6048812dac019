"""The Azure VM size (``resources.instance_type``) a step runs on in serverless compute.

The smallest size in `SIZES` with at least the step's CPUs, memory and GPUs; without
resources, `DEFAULT`. Sizes are Azure ML's general-purpose (DSv2), memory-optimised (Esv3)
and GPU (NCasT4_v3, NCv3, NDasrA100_v4) series.
"""

from __future__ import annotations

from dataclasses import dataclass

from pipec.ir import Resources
from pipec.targets.kit.resources import memory_bytes

GIB = 2**30


@dataclass(frozen=True)
class Size:
    """One VM size."""

    #: Azure's name, e.g. "Standard_DS3_v2".
    name: str
    #: Virtual CPUs.
    cpus: int
    #: Memory in GiB.
    memory_gib: int
    #: GPUs (0: none).
    gpus: int = 0


#: Sizes from small to large (GPU sizes last, so a CPU step never gets one).
SIZES: tuple[Size, ...] = (
    Size("Standard_DS2_v2", 2, 7), Size("Standard_DS3_v2", 4, 14), Size("Standard_DS4_v2", 8, 28),
    Size("Standard_DS5_v2", 16, 56), Size("Standard_E16s_v3", 16, 128), Size("Standard_E32s_v3", 32, 256),
    Size("Standard_E64s_v3", 64, 432),
    Size("Standard_NC4as_T4_v3", 4, 28, 1), Size("Standard_NC6s_v3", 6, 112, 1),
    Size("Standard_NC12s_v3", 12, 224, 2), Size("Standard_NC24s_v3", 24, 448, 4),
    Size("Standard_ND96asr_v4", 96, 900, 8),
)
#: The size of a step that asks for no resources.
DEFAULT = "Standard_DS3_v2"


def instance_type(resources: Resources) -> str | None:
    """The smallest size that fits `resources`, `DEFAULT` when none is asked, None when none fits."""
    cpus = resources.cpu or 0
    memory = memory_bytes(resources.memory) if resources.memory else 0
    gpus = resources.gpu or 0
    if not (cpus or memory or gpus):
        return DEFAULT
    for size in SIZES:
        if size.cpus >= cpus and size.memory_gib * GIB >= memory and size.gpus >= gpus and (size.gpus > 0) == (gpus > 0):
            return size.name
    return None
