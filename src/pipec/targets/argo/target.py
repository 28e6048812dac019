"""The `argo` target: an Argo Workflows ``Workflow`` (plus a ``CronWorkflow`` when scheduled).

``<pipeline>.yaml`` holds the Workflow and, when the pipeline has a schedule, a second
document with the CronWorkflow (``argo submit`` and ``argo cron create`` each take the
documents of their kind from the file). The entry template is a DAG with one task per
step, ``dependencies`` from the DAG (data edges and ``after=``); each task runs a container
template with the runtime shim, its ``retryStrategy`` and its resources (quantities as
strings). Pipeline parameters that a step binds are ``spec.arguments.parameters`` with the
compile-time values, handed to the tasks as ``{{workflow.parameters.x}}`` and used in the
containers as ``{{inputs.parameters.x}}`` (non-``str`` values as JSON text). Run id:
``{{workflow.uid}}``. When the artifact store is a folder, a volume claim template is
mounted there in every step so the steps share it.

How literal text survives. Argo substitutes ``{{...}}`` tags in the JSON of a template in
several passes (globals, inputs, then the whole pod), evaluates ``{{=expr}}``, fails on a
``{{`` without ``}}``, and has no escape; unknown simple tags are written back unchanged.
Kubernetes then expands ``$(VAR)`` and ``$$`` in command, args and env values. So:

- ``--param`` JSON literals are re-encoded with every ``{`` inside a string written as
  ``\\u007b`` (same value, and no ``{{`` is left anywhere in them);
- every other literal text must be *inert* for Argo (`template_problem`): each ``{{`` closed,
  no expression, no tag whose root Argo knows (``workflow``, ``inputs``, ``tasks``, ...);
  otherwise compile error PC332, since no encoding survives an unknown number of passes;
- ``$`` is doubled in every literal of command, args and env values (Kubernetes' escape);
- a pipeline parameter whose value or default is not inert, or holds ``$(`` or ``$$``, is
  baked into the steps as a literal instead (warning PC330); values given at run time
  (``argo submit -p``) must keep to the same rule (in JSON values of non-``str``
  parameters, ``{`` and ``$`` can be written ``\\u007b`` and ``\\u0024``).

Steps share a folder artifact store through one ReadWriteOnce volume claim: steps that run
at the same time must then land on one node (or use a ReadWriteMany storage class, or an
object store URL as ``artifact_store``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from pipec.compiler.writer import safe_name
from pipec.ir import Pipeline, StepInvocation
from pipec.ir.diagnostics import Diagnostics
from pipec.runtime.command import EngineText, encode_json, render
from pipec.targets.base import CompileContext, OptionSpec
from pipec.targets.common import CONTAINER_OPTIONS, step_call, step_environment, step_image
from pipec.targets.kit.capabilities import Capabilities
from pipec.targets.kit.retry import WHOLE, RetrySupport, lower_retry
from pipec.targets.kit.timeout import seconds_unit, step_timeout
from pipec.targets.kube import (
    KUBE_OPTIONS,
    MAX_OBJECT_NAME,
    artifact_volume,
    dns_label,
    dump_documents,
    resources,
    unique_labels,
    volume_claim_spec,
)
from pipec.targets.kube_text import (
    EngineParameter,
    bound_parameters,
    engine_parameters,
    json_text,
    report_baked,
)

from .schedule import cron_schedule

API_VERSION = "argoproj.io/v1alpha1"
#: A step's timeout: its template's activeDeadlineSeconds (per attempt: each is a pod).
TIMEOUT = seconds_unit("Argo's activeDeadlineSeconds")

#: Argo's retryStrategy: a limit, a first delay and a whole growth factor.
RETRY = RetrySupport("Argo", backoff=WHOLE)
#: The run id every step records: one per Workflow (each CronWorkflow run is a new Workflow).
RUN_ID = "{{workflow.uid}}"
#: Volume (claim template) shared by the steps when the artifact store is a folder.
VOLUME = "pipec-artifacts"
#: First names of the variables Argo fills in (`util/variables/keys`, and the roots its
#: validator checks); a tag starting with one of them may be substituted.
RESERVED_ROOTS = frozenset({
    "workflow", "cronworkflow", "inputs", "outputs", "steps", "tasks", "item", "pod", "node",
    "retries", "lastRetry", "status", "duration", "exitCode", "resourcesDuration",
})


def template_problem(text: str) -> str | None:
    """Why Argo's templating could change `text`, None when every pass leaves it as is.

    Argo (fasttemplate with ``{{``/``}}``) reads a tag from each ``{{`` to the next ``}}``
    and fails when there is none; a tag starting with ``=`` is an expression; a simple tag
    is replaced when its trimmed text is a known variable (all start with a root in
    `RESERVED_ROOTS`), or, holding a second ``{{``, when its inner part is; any other tag is
    written back exactly, so the text comes out of every pass unchanged.
    """
    start = 0
    while (opening := text.find("{{", start)) != -1:
        closing = text.find("}}", opening + 2)
        if closing == -1:
            return "has a `{{` without a closing `}}`, which Argo rejects"
        tag = text[opening + 2:closing]
        key = tag.strip()
        if "{{" in tag:
            return f"nests `{{{{` in the tag `{{{{{tag}}}}}`"
        if key.startswith("="):
            return f"holds the expression `{{{{{tag}}}}}`, which Argo evaluates"
        if re.split(r"[.\[]", key, maxsplit=1)[0].strip() in RESERVED_ROOTS:
            return f"holds `{{{{{tag}}}}}`, which Argo substitutes"
        start = closing + 2
    return None


def unsafe_text(text: str) -> str | None:
    """Why `text`, passed as a parameter, would not reach the container unchanged, or None."""
    problem = template_problem(text)
    if problem:
        return problem
    if "$(" in text or "$$" in text:
        return "contains `$(` or `$$`, which Kubernetes expands"
    return None


def duration(seconds: float) -> str:
    """An Argo/Go duration: whole seconds as "10s", anything finer in milliseconds."""
    return f"{int(seconds)}s" if float(seconds).is_integer() else f"{round(seconds * 1000)}ms"


class ArgoTarget:
    """Writes ``{safe pipeline name}.yaml``: a Workflow, and a CronWorkflow when scheduled."""

    name = "argo"
    description = "Argo Workflows: a Workflow with a DAG of container steps (plus a CronWorkflow)"
    options: tuple[OptionSpec, ...] = CONTAINER_OPTIONS + KUBE_OPTIONS
    capabilities = Capabilities(
        "Argo Workflows", schedule_noun="Argo CronWorkflows", catchup=False, retry=RETRY, gpu_types=False,
        gpu_type_help="add a nodeSelector to the step template or the workflow's podSpecPatch")

    def compile(self, pipeline: Pipeline, context: CompileContext) -> dict[str, str]:
        """``{"<pipeline>.yaml": the Workflow [and CronWorkflow] as YAML documents}``."""
        builder = _Builder(pipeline, context)
        documents = [builder.workflow()]
        cron = builder.cron_workflow()
        if cron is not None:
            documents.append(cron)
        return {f"{safe_name(pipeline.name)}.yaml": dump_documents(documents)}


class _Builder:
    """Builds the documents of one pipeline; reports problems as it goes."""

    def __init__(self, pipeline: Pipeline, context: CompileContext) -> None:
        self.pipeline_ir = pipeline
        self.context = context
        self.diags: Diagnostics = context.diagnostics
        self.name = dns_label(pipeline.name, MAX_OBJECT_NAME)
        self.tasks = unique_labels([s.id for s in pipeline.steps])
        self.entry = "pipeline"
        while self.entry in self.tasks.values():
            self.entry = "pipec-" + self.entry
        self.params, baked = engine_parameters(pipeline, escape="{$", unsafe=unsafe_text)
        report_baked(baked, self.diags, "argo", "`argo submit -p`")
        self.volume = artifact_volume(context, self.diags)
        self._spec: dict | None = None
        # Texts already reported as not inert (the pipeline name and options recur in every step).
        self._reported: set[str] = set()
        problem = template_problem(pipeline.name)
        if problem:
            self.diags.error("PC332", f"pipeline name `{pipeline.name}` {problem}", pipeline.span,
                             help="Argo Workflows has no escape for `{{`; rename the pipeline")
            self._reported.add(pipeline.name)

    # ------------------------------------------------------------------ documents

    def workflow(self) -> dict:
        """The Workflow object."""
        return {"apiVersion": API_VERSION, "kind": "Workflow", "metadata": {"generateName": f"{self.name}-"},
                "spec": self.spec()}

    def cron_workflow(self) -> dict | None:
        """The CronWorkflow running the same spec on the pipeline's schedule, None without one."""
        schedule = self.pipeline_ir.schedule
        if schedule is None:
            return None
        return {"apiVersion": API_VERSION, "kind": "CronWorkflow", "metadata": {"name": self.name},
                "spec": {"schedules": [cron_schedule(schedule, self.diags)], "workflowSpec": self.spec()}}

    def spec(self) -> dict:
        """The WorkflowSpec, shared by the Workflow and the CronWorkflow (built once)."""
        if self._spec is not None:
            return self._spec
        spec: dict = {"entrypoint": self.entry}
        if self.params:
            spec["arguments"] = {"parameters": [self._argument(p) for p in self.params.values()]}
        account = self.context.options.get("service_account")
        if account:
            spec["serviceAccountName"] = account
        if self.volume is not None:
            spec["volumeClaimTemplates"] = [{"metadata": {"name": VOLUME}, "spec": volume_claim_spec(self.volume)}]
        spec["templates"] = [{"name": self.entry, "dag": {"tasks": [self._task(s) for s in self.pipeline_ir.steps]}},
                             *(self._template(s) for s in self.pipeline_ir.steps)]
        self._spec = spec
        return spec

    # ------------------------------------------------------------------ pieces

    def _argument(self, param: EngineParameter) -> dict:
        kind = "text" if param.parameter.type == "str" else "JSON"
        argument: dict = {"name": param.name}
        if param.value is not None:
            argument["value"] = param.value
        else:
            self.diags.warning("PC331", f"pipeline parameter `{param.parameter.name}` has no value, so the "
                                        "Workflow does not set it", param.parameter.span,
                               help=f"compile with --param {param.parameter.name}=... or submit with "
                                    f"`argo submit -p {param.name}=...`")
        argument["description"] = f"pipeline parameter {param.parameter.name} ({param.parameter.type}) as {kind}"
        return argument

    def _task(self, step: StepInvocation) -> dict:
        name = self.tasks[step.id]
        task: dict = {"name": name, "template": name}
        after = [self.tasks[dep] for dep in step.upstream if dep in self.tasks]
        if after:
            task["dependencies"] = after
        bound = bound_parameters(step, self.params)
        if bound:
            task["arguments"] = {"parameters": [
                {"name": p.name, "value": f"{{{{workflow.parameters.{p.name}}}}}"} for p in bound]}
        return task

    def _template(self, step: StepInvocation) -> dict:
        bound = bound_parameters(step, self.params)
        template: dict = {"name": self.tasks[step.id]}
        if bound:
            template["inputs"] = {"parameters": [{"name": p.name} for p in bound]}
        retry = self._retry(step)
        if retry:
            template["retryStrategy"] = retry
        deadline = step_timeout(step, TIMEOUT, self.diags)
        if deadline is not None:
            template["activeDeadlineSeconds"] = str(deadline)  # an IntOrString, a string in Argo's schema
        template["container"] = self._container(step, bound)
        return template

    def _literal(self, step: StepInvocation, what: str, text: str) -> str:
        """`text` checked to be inert for Argo (PC332 otherwise, once per text); returned as is."""
        problem = template_problem(text)
        if problem and text not in self._reported:
            self._reported.add(text)
            self.diags.error("PC332", f"step `{step.id}`: {what} `{text}` {problem}", step.span,
                             help="Argo Workflows has no escape for `{{`; remove the tag from this value "
                                  "(literal step arguments are not affected: they are passed as JSON)")
        return text

    def _container(self, step: StepInvocation, bound: list[EngineParameter]) -> dict:
        placeholders = {p.parameter.name: f"{{{{inputs.parameters.{p.name}}}}}" for p in bound}
        call = step_call(self.pipeline_ir, step, self.context, runtime_params=placeholders,
                         placeholder_encoding="text")
        argv = render(call, ArgoText(self, step, placeholders)).argv
        image = self._literal(step, "image", step_image(self.pipeline_ir, step, self.context))
        container: dict = {"image": image, "command": argv[:1], "args": argv[1:]}
        env = [{"name": self._literal(step, "environment variable name", name),
                "value": self._literal(step, "environment value", value).replace("$", "$$")}
               for name, value in step_environment(step)]
        if env:
            container["env"] = env
        compute = resources(step)
        if compute:
            container["resources"] = compute
        if self.volume is not None:
            container["volumeMounts"] = [{"name": VOLUME, "mountPath": self.volume.path}]
        return container

    def _retry(self, step: StepInvocation) -> dict | None:
        retry = lower_retry(step.settings.retry, RETRY, self.diags, step.span, f"step `{step.id}`")
        if retry is None:
            return None
        strategy: dict = {"limit": str(retry.max_retries)}
        if retry.delay > 0:
            backoff = {"duration": duration(retry.delay)}
            if retry.backoff != 1:
                backoff["factor"] = str(int(retry.backoff))
            strategy["backoff"] = backoff
        return strategy


@dataclass
class ArgoText(EngineText[str]):
    """Shim argv items for Argo: literals inert for Argo (PC332) with ``$`` doubled for
    Kubernetes, JSON literals re-encoded without ``{{``, placeholders as they are."""

    #: The builder of the workflow (it reports each problem text once).
    builder: _Builder
    #: The step whose call is rendered.
    step: StepInvocation
    #: ``{{inputs.parameters.x}}`` per run-time pipeline parameter.
    placeholders: Mapping[str, str]

    def literal(self, text: str) -> str:
        """`text` checked to be inert, ``$`` doubled."""
        return self.builder._literal(self.step, "argument", text).replace("$", "$$")

    def json_literal(self, name: str, value: object) -> str:
        """``NAME=JSON``; with ``{{`` in it, re-encoded to the same value without ``{``."""
        text = f"{name}={encode_json(value)}"
        if "{{" not in text:
            return self.literal(text)
        return f"{name}={json_text(value, '{')}".replace("$", "$$")

    def run_id(self) -> str:
        """Argo's run id."""
        return RUN_ID

    def param(self, name: str, encoding: str) -> str:
        """The template input of the parameter."""
        return self.placeholders[name]

    def concat(self, parts: list[str]) -> str:
        """The parts joined."""
        return "".join(parts)


#: The registered target object (see `pipec.targets.BUILTINS`).
TARGET = ArgoTarget()
