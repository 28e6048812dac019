"""The SkyPilot targets vm_aws, vm_gcp and vm_azure (see `target`)."""

from .target import VM_AWS, VM_AZURE, VM_GCP

__all__ = ["VM_AWS", "VM_AZURE", "VM_GCP"]
