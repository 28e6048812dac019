"""SkyPilot's accelerator names, so an unknown one is caught at compile time (SkyPilot accepts
any name offline and fails only at launch, when no cloud offers it).

A step's ``gpu_type`` may use a cloud's own name (``nvidia-tesla-t4``, as Vertex AI and GKE
spell it): `skypilot_accelerator` maps those to SkyPilot's name (``T4``).
"""

from __future__ import annotations

import re

#: SkyPilot's canonical GPU and accelerator names (`sky show-gpus --all` of the public clouds).
NAMES = ("A10", "A10G", "A100", "A100-80GB", "A100-80GB-SXM", "A40", "A4000", "A5000", "A6000", "B200",
         "GB200", "Gaudi HL-205", "H100", "H100-80GB", "H100-MEGA", "H100-SXM", "H200", "Inferentia",
         "Inferentia2", "K520", "K80", "L4", "L40", "L40S", "M60", "MI100", "MI210", "MI250X", "MI300X",
         "P100", "P4", "P40", "RTX3090", "RTX4090", "RTX6000", "RTXPro6000", "Radeon Pro V520", "T4", "T4g",
         "Trainium", "Trainium2", "V100", "V100-32GB")
#: Google Cloud's accelerator names -> SkyPilot's.
CLOUD_NAMES = {"nvidia-tesla-t4": "T4", "nvidia-tesla-v100": "V100", "nvidia-tesla-p100": "P100",
               "nvidia-tesla-p4": "P4", "nvidia-tesla-k80": "K80", "nvidia-tesla-a100": "A100",
               "nvidia-a100-80gb": "A100-80GB", "nvidia-l4": "L4", "nvidia-h100-80gb": "H100",
               "nvidia-h100-mega-80gb": "H100-MEGA", "nvidia-h200-141gb": "H200", "nvidia-b200": "B200"}
#: TPU names (``tpu-v4-8``), which SkyPilot passes through lowercased.
TPU = re.compile(r"^tpu-v[0-9]+[a-z]*(-[a-z]+)?-[0-9]+$")

_BY_LOWER = {name.lower(): name for name in NAMES}


def skypilot_accelerator(name: str) -> str | None:
    """SkyPilot's name for accelerator `name` (any letter case, or a cloud's own name), None
    when SkyPilot knows no such accelerator."""
    lower = name.strip().lower()
    if TPU.match(lower):
        return lower
    return _BY_LOWER.get(lower) or CLOUD_NAMES.get(lower)
