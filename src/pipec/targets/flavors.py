"""ZenML's orchestrator flavors and the pipec target each one becomes (`pipec targets --flavors`).

The table is ZenML's own list of orchestrator flavors (its docs' "Orchestrator flavors" table).
Whether a row is available is read from the target registry when the table is shown, never
written here: a flavor whose target is not registered shows as not available, and is available
as soon as a built-in folder or a plug-in registers that name.
"""

from __future__ import annotations

from dataclasses import dataclass

from . import BUILTIN

#: The target of ZenML's ``custom`` flavor: any target another distribution registers.
CUSTOM = "custom"


@dataclass(frozen=True)
class Flavor:
    """One row of ZenML's orchestrator flavor table."""

    #: The flavor name ZenML stacks use (``zenml orchestrator register -f <flavor>``).
    flavor: str
    #: ZenML's orchestrator class.
    orchestrator: str
    #: The ZenML integration that provides it ("built-in" for ZenML's own).
    integration: str
    #: The pipec target that compiles for it (`CUSTOM`: a plug-in target).
    target: str


#: ZenML's orchestrator flavors, in the order its docs list them.
FLAVORS: tuple[Flavor, ...] = (
    Flavor("local", "LocalOrchestrator", "built-in", "local"),
    Flavor("local_docker", "LocalDockerOrchestrator", "built-in", "local_docker"),
    Flavor("kubernetes", "KubernetesOrchestrator", "kubernetes", "kubernetes"),
    Flavor("kubeflow", "KubeflowOrchestrator", "kubeflow", "kubeflow"),
    Flavor("vertex", "VertexOrchestrator", "gcp", "vertex"),
    Flavor("sagemaker", "SagemakerOrchestrator", "aws", "sagemaker"),
    Flavor("azureml", "AzureMLOrchestrator", "azure", "azureml"),
    Flavor("tekton", "TektonOrchestrator", "tekton", "tekton"),
    Flavor("airflow", "AirflowOrchestrator", "airflow", "airflow"),
    Flavor("vm_aws", "SkypilotAWSOrchestrator", "skypilot[aws]", "vm_aws"),
    Flavor("vm_gcp", "SkypilotGCPOrchestrator", "skypilot[gcp]", "vm_gcp"),
    Flavor("vm_azure", "SkypilotAzureOrchestrator", "skypilot[azure]", "vm_azure"),
    Flavor("hyperai", "HyperAIOrchestrator", "hyperai", "hyperai"),
    Flavor(CUSTOM, "your own BaseOrchestrator", "custom", CUSTOM),
)


@dataclass(frozen=True)
class FlavorRow:
    """A flavor and what this installation of pipec offers for it."""

    #: The flavor.
    flavor: Flavor
    #: The targets that compile for it (plug-in names for `CUSTOM`); empty when none is registered.
    targets: tuple[str, ...]

    @property
    def available(self) -> bool:
        """Whether a registered target compiles (or, for ``local``, runs) this flavor's pipelines."""
        return bool(self.targets)


def flavor_rows(registered: dict[str, str], always: frozenset[str] = frozenset()) -> list[FlavorRow]:
    """Every flavor with its targets among `registered` (name -> origin, `BUILTIN` for pipec's
    own) and `always` (names that exist without registering, as ``local``, `pipec run`)."""
    plugins = tuple(sorted(name for name, origin in registered.items() if origin != BUILTIN))
    rows = []
    for flavor in FLAVORS:
        if flavor.target == CUSTOM:
            rows.append(FlavorRow(flavor, plugins))
        else:
            present = flavor.target in registered or flavor.target in always
            rows.append(FlavorRow(flavor, (flavor.target,) if present else ()))
    return rows
