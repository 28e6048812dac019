"""Vertex AI's accelerator names (the `AcceleratorType` enum) and the spellings mapped to them."""

from __future__ import annotations

#: Every `google.cloud.aiplatform_v1.types.AcceleratorType` but UNSPECIFIED (aiplatform 2.7.0;
#: a test compares this with the installed enum).
ACCELERATOR_TYPES: tuple[str, ...] = (
    "NVIDIA_TESLA_K80", "NVIDIA_TESLA_P100", "NVIDIA_TESLA_V100", "NVIDIA_TESLA_P4", "NVIDIA_TESLA_T4",
    "NVIDIA_TESLA_A100", "NVIDIA_A100_80GB", "NVIDIA_L4", "NVIDIA_H100_80GB", "NVIDIA_H100_MEGA_80GB",
    "NVIDIA_H200_141GB", "NVIDIA_B200", "NVIDIA_GB200", "NVIDIA_RTX_PRO_6000",
    "TPU_V2", "TPU_V3", "TPU_V4_POD", "TPU_V5_LITEPOD",
)

#: Short model names people write -> the enum value.
ALIASES: dict[str, str] = {
    "K80": "NVIDIA_TESLA_K80", "P100": "NVIDIA_TESLA_P100", "V100": "NVIDIA_TESLA_V100",
    "P4": "NVIDIA_TESLA_P4", "T4": "NVIDIA_TESLA_T4", "A100": "NVIDIA_TESLA_A100",
    "A100_80GB": "NVIDIA_A100_80GB", "L4": "NVIDIA_L4", "H100": "NVIDIA_H100_80GB",
    "H100_80GB": "NVIDIA_H100_80GB", "H100_MEGA": "NVIDIA_H100_MEGA_80GB", "H200": "NVIDIA_H200_141GB",
    "B200": "NVIDIA_B200", "GB200": "NVIDIA_GB200",
}


def vertex_accelerator(name: str) -> str | None:
    """The AcceleratorType for `name`, None when unknown.

    Accepts the enum value, GKE's node-label spelling (``nvidia-tesla-t4``, ``nvidia-l4``,
    ``nvidia-h100-80gb``), and a short model name (``t4``, ``a100``), in any case.
    """
    key = name.strip().upper().replace("-", "_").replace(" ", "_")
    if key in ACCELERATOR_TYPES:
        return key
    if key in ALIASES:
        return ALIASES[key]
    if key.startswith("NVIDIA_") and key[len("NVIDIA_"):] in ALIASES:
        return ALIASES[key[len("NVIDIA_"):]]
    if key.startswith("NVIDIA_") and f"NVIDIA_TESLA_{key[len('NVIDIA_'):]}" in ACCELERATOR_TYPES:
        return f"NVIDIA_TESLA_{key[len('NVIDIA_'):]}"
    return None
