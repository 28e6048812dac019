"""The typed intermediate representation every target consumes.

The IR is plain, frozen data. It knows nothing of syntax trees: a source position is a
:class:`Span` of (path, line, column), and every literal is a JSON-compatible value
(``None``, ``bool``, ``int``, ``float``, ``str``, ``list``, ``dict`` with ``str`` keys).

Targets read a :class:`Pipeline` and must not mutate it. Paths inside spans are
relative to the source root (POSIX separators), so nothing machine-specific leaks
into an artifact.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any, ClassVar

from . import setting_fields as sf
from .json_hints import json_field
from .setting_fields import setting

if TYPE_CHECKING:  # networkx is imported lazily: it costs ~0.1 s at start-up.
    import networkx

#: A JSON-compatible literal value.
JSONValue = Any


@dataclass(frozen=True)
class Span:
    """Where a node came from in the user's source."""

    # Path of the file, relative to the source root, with "/" separators.
    path: str
    # 1-based line of the first character.
    line: int
    # 1-based column of the first character.
    column: int
    # 1-based line of the last character (inclusive); equals `line` for one-line spans.
    end_line: int = 0
    # 1-based column just past the last character; 0 when unknown.
    end_column: int = 0

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.column}"


#: The span used for nodes synthesised without a source (e.g. loaded from JSON without one).
NO_SPAN = Span("<unknown>", 0, 0)


# --------------------------------------------------------------------------- bindings


@dataclass(frozen=True)
class OutputRef:
    """An input bound to an output of an upstream step invocation."""

    # Id of the producing step invocation.
    step: str
    # Name of the producing output (ZenML naming: `output`, `output_0..n`, or an Annotated name).
    output: str


@dataclass(frozen=True)
class LiteralValue:
    """An input bound to a value known at compile time."""

    # The JSON-compatible value.
    value: JSONValue


@dataclass(frozen=True)
class ParameterRef:
    """An input bound directly to a pipeline parameter (overridable at run time)."""

    # Name of the pipeline parameter.
    name: str


@dataclass(frozen=True)
class ArtifactLookup:
    """An input the shim resolves from the metadata store when the step starts.

    ZenML's ``Client().get_artifact_version(name, version)``, ``Client().get_artifact(...)``,
    ``ExternalArtifact(name=, version=)`` or ``ExternalArtifact(id=)`` (scope "store"), and
    ``get_pipeline_context().model.get_artifact(name)`` (scope "model").
    """

    #: Where to look: "store" (any artifact version the metadata store holds) or "model"
    #: (the artifacts linked to the run's model version).
    scope: str = "store"
    #: Artifact name; None when looked up by id.
    name: str | None = None
    #: Version name or number, as text; None for the latest.
    version: str | None = None
    #: Artifact version id; None when looked up by name.
    id: str | None = None
    #: Pipeline parameter whose value, when the step starts, is the name (or the id, when it
    #: parses as a UUID): a lookup a run script decides (`get_artifact_version(dataset_id)`).
    parameter: str | None = None
    #: Pipeline parameter whose value, when the step starts, is the version (None or "" for the
    #: latest): `get_artifact_version("data", version=data_version)` follows a run-time change.
    version_parameter: str | None = None


@dataclass(frozen=True)
class ExternalValue:
    """A value known at compile time that the run stores as an artifact once, before the
    first step that reads it (ZenML's ``ExternalArtifact(value=)`` and ``save_artifact``)."""

    #: The JSON-compatible value.
    value: JSONValue
    #: Name of the artifact it is saved as (``save_artifact``'s name); None when unnamed.
    name: str | None = None


@dataclass(frozen=True)
class OutputList:
    """A list input whose elements are upstream outputs, in order (a fan-in)."""

    #: One reference per element.
    items: tuple[OutputRef, ...]


Source = OutputRef | LiteralValue | ParameterRef | ArtifactLookup | ExternalValue | OutputList


@dataclass(frozen=True)
class InputBinding:
    """One argument of a step invocation and where its value comes from."""

    #: How the JSON codec names one in error messages: (noun, naming field).
    json_label: ClassVar[tuple[str, str]] = ("input", "name")

    # Name of the step function's parameter this binds (may be unknown to the signature;
    # the `unknown-keyword` check reports that).
    name: str
    # Where the value comes from.
    source: Source
    # Where the argument was written.
    span: Span = NO_SPAN

    @property
    def upstream_outputs(self) -> tuple[OutputRef, ...]:
        """The upstream outputs the value comes from: one, the elements of a list, or none."""
        if isinstance(self.source, OutputRef):
            return (self.source,)
        if isinstance(self.source, OutputList):
            return self.source.items
        return ()


# --------------------------------------------------------------------------- signatures


@dataclass(frozen=True)
class Param:
    """One parameter of a step function's signature."""

    #: How the JSON codec names one in error messages: (noun, naming field).
    json_label: ClassVar[tuple[str, str]] = ("parameter", "name")

    # Parameter name.
    name: str
    # Normalised type annotation (see `pipec.ir.types`), "Any" when absent.
    type: str = "Any"
    # True when the parameter has no default, so every invocation must bind it.
    required: bool = True
    # The default value when it is a JSON-compatible literal, else None.
    default: JSONValue = json_field(None, omit="none")
    # "artifact" for ordinary inputs, "parameters" for an old-API BaseParameters config class.
    kind: str = "artifact"


@dataclass(frozen=True)
class Output:
    """One typed output of a step."""

    # Output name.
    name: str
    # Normalised type annotation, "Any" when unknown.
    type: str = "Any"
    #: How ZenML's Model Control Plane files it when linked to a model version: None for a
    #: data artifact, "model" (`ArtifactConfig(is_model_artifact=True)`, `ModelArtifactConfig`,
    #: `artifact_type=ArtifactType.MODEL`) or "deployment" (`is_deployment_artifact=True`,
    #: `DeploymentArtifactConfig`, `ArtifactType.SERVICE`).
    kind: str | None = json_field(None, omit="none")


# --------------------------------------------------------------------------- model control plane

#: The stages a model version can be in (ZenML's ModelStages), besides none.
MODEL_STAGES = ("staging", "production", "archived")
#: The version text that means the highest numbered version.
LATEST = "latest"


@dataclass(frozen=True)
class ModelSpec:
    """ZenML's ``Model(...)`` of a pipeline or step: the model version a run links its outputs to."""

    #: Model name.
    name: str
    #: Which version: None for a new numbered version per run; else a version name, a number
    #: as text, "latest" (the highest number) or a stage in MODEL_STAGES (the version in it).
    version: str | None = json_field(None, omit="none")
    #: The model's license.
    license: str | None = json_field(None, omit="none")
    #: The model's (or the new version's) description.
    description: str | None = json_field(None, omit="none")
    #: Who the model is for.
    audience: str | None = json_field(None, omit="none")
    #: What the model is for.
    use_cases: str | None = json_field(None, omit="none")
    #: What it cannot do.
    limitations: str | None = json_field(None, omit="none")
    #: Its trade-offs.
    trade_offs: str | None = json_field(None, omit="none")
    #: Ethical considerations.
    ethics: str | None = json_field(None, omit="none")
    #: Tags of the model and of the versions the run creates, in the order written.
    tags: tuple[str, ...] = json_field((), omit="empty")
    #: ZenML's switch for copying model artifacts into a model registry (kept; pipec's store
    #: links them either way).
    save_models_to_registry: bool = json_field(True, omit="never")

    @property
    def spec_json(self) -> dict[str, JSONValue]:
        """The fields besides the name, unset ones left out (what the shim's ``--model`` carries)."""
        out: dict[str, JSONValue] = {}
        for key in ("version", "license", "description", "audience", "use_cases", "limitations", "trade_offs",
                    "ethics"):
            if getattr(self, key) is not None:
                out[key] = getattr(self, key)
        if self.tags:
            out["tags"] = list(self.tags)
        if not self.save_models_to_registry:
            out["save_models_to_registry"] = False
        return out


# --------------------------------------------------------------------------- settings


@dataclass(frozen=True)
class Resources:
    """Compute resources of a step (after ZenML's ResourceSettings)."""

    #: The section's key in settings dicts, run configurations and the JSON form.
    key: ClassVar[str] = "resources"

    #: CPU cores (fractions allowed).
    cpu: float | None = setting(None, aliases=("cpu_count",), parse=sf.cpu_cores)
    #: Memory as a quantity string with a unit, e.g. "512MiB", "4GB".
    memory: str | None = setting(None, parse=sf.memory)
    #: Number of GPUs.
    gpu: int | None = setting(None, aliases=("gpu_count",), parse=sf.gpu_count)
    #: Accelerator type name, e.g. "nvidia-tesla-t4".
    gpu_type: str | None = setting(None, aliases=("accelerator",), parse=sf.accelerator)


@dataclass(frozen=True)
class Docker:
    """How the step's container image is built (after ZenML's DockerSettings)."""

    #: The section's key in settings dicts, run configurations and the JSON form.
    key: ClassVar[str] = "docker"

    #: Prebuilt image to run as is; when set, nothing is built.
    image: str | None = setting(None, parse=sf.docker_text, omit="empty")
    #: Base image to build on.
    parent_image: str | None = setting(None, parse=sf.docker_text, omit="empty")
    #: pip requirement specifiers (ZenML's `requirements` may also name a file: see requirements_file).
    requirements: tuple[str, ...] = setting((), parse=sf.requirements, omit="empty")
    #: A requirements file, relative to the source root.
    requirements_file: str | None = setting(None, parse=sf.docker_text, omit="empty")
    #: Debian packages to install.
    apt_packages: tuple[str, ...] = setting((), parse=sf.apt_packages, omit="empty")
    #: Environment variables set in the image, sorted by name.
    environment: tuple[tuple[str, str], ...] = setting((), parse=sf.environment, omit="empty",
                                                       noun="docker environment variable")
    #: A dockerignore file, relative to the source root.
    dockerignore: str | None = setting(None, parse=sf.docker_text, omit="empty")


@dataclass(frozen=True)
class Retry:
    """Retry policy of a step (after ZenML's StepRetryConfig)."""

    #: The section's key in settings dicts, run configurations and the JSON form.
    key: ClassVar[str] = "retry"

    #: Retries after the first attempt.
    max_retries: int = setting(0, parse=sf.retry_count, omit="never")
    #: Seconds to wait before the first retry.
    delay: float = setting(0, parse=sf.retry_seconds, omit="never")
    #: Multiplier applied to the delay after each retry (1 = constant).
    backoff: float = setting(1, parse=sf.retry_seconds, omit="never")


#: The settings sections (dataclass-valued fields of :class:`Settings`), by key.
SECTIONS: dict[str, type[Resources] | type[Docker] | type[Retry]] = {
    cls.key: cls for cls in (Resources, Docker, Retry)}


@dataclass(frozen=True)
class Settings:
    """Execution settings; on a step they are already merged with the pipeline's."""

    #: Compute resources, None when unset.
    resources: Resources | None = json_field(None, omit="none")
    #: Image settings, None when unset.
    docker: Docker | None = json_field(None, omit="none")
    #: Retry policy, None when unset.
    retry: Retry | None = json_field(None, omit="none")
    #: False disables caching; None leaves the orchestrator's default.
    enable_cache: bool | None = json_field(None, omit="none")
    #: Name of a step operator from the stack, e.g. "sagemaker".
    step_operator: str | None = json_field(None, omit="none")
    #: Target-specific options, keyed by a settings key such as "orchestrator.kubeflow",
    #: sorted by key; values are JSON-compatible.
    extra: tuple[tuple[str, JSONValue], ...] = json_field((), omit="empty", noun="extra setting",
                                                          item_label="setting")
    #: Seconds one attempt of the step may run before it is stopped and failed (``settings=
    #: {"timeout": 600}``), None for no limit.
    timeout: float | None = json_field(None, omit="none")

    def extra_dict(self) -> dict[str, JSONValue]:
        """The target-specific options as a dict."""
        return dict(self.extra)


@dataclass(frozen=True)
class Schedule:
    """When an orchestrator should run the pipeline (after ZenML's Schedule)."""

    #: The option's key in decorators and run configurations.
    key: ClassVar[str] = "schedule"

    #: Five-field cron expression.
    cron: str | None = setting(None, aliases=("cron_expression",), parse=sf.cron)
    #: Fixed interval in seconds, used when there is no cron expression.
    interval_seconds: float | None = setting(None, aliases=("interval_second",), parse=sf.interval)
    #: ISO-8601 start, naive or with offset.
    start_time: str | None = setting(None, parse=sf.timestamp)
    #: ISO-8601 end.
    end_time: str | None = setting(None, parse=sf.timestamp)
    #: Whether missed intervals are run.
    catchup: bool = setting(False, parse=sf.flag, omit="never")
    #: Where the schedule was given.
    span: Span = NO_SPAN


# --------------------------------------------------------------------------- pipeline


@dataclass(frozen=True)
class PipelineParameter:
    """A parameter of the pipeline function."""

    #: How the JSON codec names one in error messages: (noun, naming field).
    json_label: ClassVar[tuple[str, str]] = ("parameter", "name")

    # Parameter name.
    name: str
    # Normalised type annotation, "Any" when absent.
    type: str = "Any"
    # True when the parameter has a default in the source.
    has_default: bool = False
    # The default from the source (JSON-compatible), None when absent.
    default: JSONValue = None
    # The value this compile used (default, --param or --config); None with `known` False
    # means it is only known at run time.
    value: JSONValue = None
    # Whether `value` is known at compile time.
    known: bool = False
    # Where the parameter is declared.
    span: Span = NO_SPAN


@dataclass(frozen=True)
class StepInvocation:
    """One call of a step inside a pipeline: a node of the DAG."""

    #: JSON keys in order; `upstream` is derived (written for readers, ignored when loading).
    json_keys: ClassVar[tuple[str, ...]] = ("id", "function", "module", "inputs", "outputs", "upstream", "after",
                                            "signature", "settings", "model", "definition_span", "span")
    #: How the JSON codec names one in error messages: (noun, naming field).
    json_label: ClassVar[tuple[str, str]] = ("step", "id")

    # Unique id within the pipeline (ZenML rules: the step name, then name_2, name_3, ...).
    id: str
    # Name of the step function.
    function: str
    # Dotted module of the step function, relative to the source root.
    module: str
    # The step function's signature.
    signature: tuple[Param, ...] = json_field(optional=True)
    # Bound arguments, in the order they were written.
    inputs: tuple[InputBinding, ...] = json_field(keyed_by="name", noun="input")
    # Typed outputs.
    outputs: tuple[Output, ...] = json_field(keyed_by="name", scalar="type", noun="output")
    # Ids of invocations that must finish first without passing data (`after=`).
    after: tuple[str, ...] = ()
    # Effective settings (pipeline defaults merged with step and invocation settings).
    settings: Settings = field(default_factory=Settings)
    #: The effective model (the step's own, else the pipeline's); None without one.
    model: ModelSpec | None = json_field(None, omit="none")
    # Where the step function is defined.
    definition_span: Span = NO_SPAN
    # Where the invocation is written.
    span: Span = NO_SPAN

    def input(self, name: str) -> InputBinding | None:
        """The binding of input `name`, or None."""
        for binding in self.inputs:
            if binding.name == name:
                return binding
        return None

    def output_type(self, name: str) -> str | None:
        """The type of output `name`, or None when the step has no such output."""
        for out in self.outputs:
            if out.name == name:
                return out.type
        return None

    @property
    def upstream(self) -> tuple[str, ...]:
        """Ids this invocation depends on (data edges first, then `after`), without repeats."""
        seen: dict[str, None] = {}
        for binding in self.inputs:
            for ref in binding.upstream_outputs:
                seen.setdefault(ref.step, None)
        for dep in self.after:
            seen.setdefault(dep, None)
        return tuple(seen)


@dataclass(frozen=True)
class Pipeline:
    """One compiled pipeline."""

    #: JSON keys in order.
    json_keys: ClassVar[tuple[str, ...]] = ("name", "function", "module", "parameters", "schedule", "settings",
                                            "model", "span", "steps")
    #: How the JSON codec names one in error messages: (noun, naming field).
    json_label: ClassVar[tuple[str, str]] = ("pipeline", "name")

    # Pipeline name (the `name=` argument, else the function name).
    name: str
    # Name of the pipeline function.
    function: str
    # Dotted module that defines it, relative to the source root.
    module: str
    # Parameters of the pipeline function.
    parameters: tuple[PipelineParameter, ...] = json_field(keyed_by="name", noun="parameter")
    # Step invocations in the order the body made them.
    steps: tuple[StepInvocation, ...]
    # Schedule, None when the pipeline runs on demand.
    schedule: Schedule | None = None
    # Pipeline-level settings (already folded into each step's settings).
    settings: Settings = field(default_factory=Settings)
    #: The pipeline's model (ZenML's `@pipeline(model=)`), None without one.
    model: ModelSpec | None = json_field(None, omit="none")
    # Where the pipeline function is defined.
    span: Span = NO_SPAN

    def step(self, step_id: str) -> StepInvocation | None:
        """The invocation with id `step_id`, or None."""
        return self._by_id.get(step_id)

    def parameter(self, name: str) -> PipelineParameter | None:
        """The pipeline parameter `name`, or None."""
        for param in self.parameters:
            if param.name == name:
                return param
        return None

    @cached_property
    def _by_id(self) -> dict[str, StepInvocation]:
        by_id: dict[str, StepInvocation] = {}
        for inv in self.steps:
            by_id.setdefault(inv.id, inv)
        return by_id

    @cached_property
    def graph(self) -> networkx.DiGraph:
        """The DAG: one node per invocation id, an edge upstream -> downstream.

        Edge attribute ``kind`` is ``"data"`` (with ``inputs``, the list of
        ``(output, input)`` pairs) or ``"order"`` for `after=` edges.
        """
        import networkx

        graph = networkx.DiGraph()
        for inv in self.steps:
            graph.add_node(inv.id)
        for inv in self.steps:
            for binding in inv.inputs:
                for ref in binding.upstream_outputs:
                    if graph.has_edge(ref.step, inv.id) and graph.edges[ref.step, inv.id]["kind"] == "data":
                        graph.edges[ref.step, inv.id]["inputs"].append((ref.output, binding.name))
                    else:
                        graph.add_edge(ref.step, inv.id, kind="data", inputs=[(ref.output, binding.name)])
            for dep in inv.after:
                if not graph.has_edge(dep, inv.id):
                    graph.add_edge(dep, inv.id, kind="order")
        return graph

    def topological_order(self) -> tuple[str, ...]:
        """Invocation ids in a deterministic topological order (ties broken by body order).

        Assumes the graph is acyclic (the `cycle` check guarantees it before targets run).
        """
        index = {inv.id: i for i, inv in reversed(list(enumerate(self.steps)))}
        import heapq

        indegree = {inv.id: 0 for inv in self.steps}
        children: dict[str, list[str]] = {inv.id: [] for inv in self.steps}
        for inv in self.steps:
            for dep in inv.upstream:
                if dep in indegree:
                    indegree[inv.id] += 1
                    children[dep].append(inv.id)
        ready = [(index[i], i) for i, d in indegree.items() if d == 0]
        heapq.heapify(ready)
        order: list[str] = []
        while ready:
            _, node = heapq.heappop(ready)
            order.append(node)
            for child in children[node]:
                indegree[child] -= 1
                if indegree[child] == 0:
                    heapq.heappush(ready, (index[child], child))
        return tuple(order)


@dataclass(frozen=True)
class Program:
    """Everything one compile produced: the pipelines of a module."""

    # Pipelines, in source order.
    pipelines: tuple[Pipeline, ...]

    def pipeline(self, name: str) -> Pipeline | None:
        """The pipeline called `name`, or None."""
        for pipe in self.pipelines:
            if pipe.name == name:
                return pipe
        return None
