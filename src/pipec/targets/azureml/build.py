"""IR -> an Azure ML CLI v2 pipeline job, as plain data.

One ``command`` job per step (keyed by its node name, in DAG order) runs the shim in the
step's image (``environment.image``) on the step's compute: serverless by default, with
``resources.instance_type`` from the step's resources, or a named compute cluster or
instance. Azure ML orders jobs only by their data bindings, so each job that another one
waits for (a data edge or ``after=``; the data itself goes through pipec's artifact store)
declares a small ``uri_folder`` output `DONE`, and the waiting job binds it as an input
(as ZenML's Azure ML orchestrator does). Pipeline parameters a step binds are the pipeline
job's ``inputs`` (the shim's text: the string itself for ``str``, JSON otherwise), bound
to each job with ``${{parent.inputs.x}}``; ``az ml job create --set inputs.x=...`` changes
them per run. A pipeline job cannot declare an input without a value, so a pipeline with a
parameter that has none (its run script computes it) is a pipeline *component* instead:
the same jobs, typed inputs, the required ones without a default; ``az ml component
create`` registers it and a job runs it with the values (`pipec submit` builds that job). ``settings.force_rerun`` turns off Azure ML's reuse of an earlier job with the
same command and inputs (every step's command is the same in every run: the run id comes
from the environment), so pipec's own cache decides what is reused.
"""

from __future__ import annotations

from dataclasses import dataclass

from pipec.ir import Pipeline, StepInvocation
from pipec.runtime.command import render
from pipec.targets.base import CompileContext
from pipec.targets.common import step_call, step_environment, step_image, step_resources
from pipec.targets.kit.params import (
    bound_parameters,
    compile_time_value,
    has_value,
    parameter_text,
    step_parameters,
)
from pipec.targets.kit.retry import step_retry
from pipec.targets.kit.stores import report_unshared_store, unshared_folder
from pipec.targets.kit.timeout import seconds_unit, step_timeout
from pipec.targets.kit.unsupported import unsupported

from .instances import instance_type
from .names import component_name, node_names
from .settings import StepSettings, step_settings
from .text import OPEN, AzureMLText, command_line, parent_input, parent_output

SCHEMA = "https://azuremlschemas.azureedge.net/latest/pipelineJob.schema.json"
COMPONENT_SCHEMA = "https://azuremlschemas.azureedge.net/latest/pipelineComponent.schema.json"
#: The marker output a job declares when another job waits for it.
DONE = "pipec_done"
#: Prefix of the input that binds an upstream job's marker.
AFTER = "pipec_after_"
#: Prefix of the job input that carries a pipeline parameter.
PARAM = "pipec_param_"


@dataclass(frozen=True)
class Compute:
    """Where the jobs run, from the target's options."""

    #: Compute cluster or instance name; None: serverless.
    name: str | None
    #: VM size of serverless jobs; None: from each step's resources.
    instance_type: str | None
    #: Nodes per job.
    instance_count: int


#: A step's timeout: its command job's limits.timeout.
TIMEOUT = seconds_unit("Azure ML's limits.timeout")

class JobBuilder:
    """Builds the pipeline job of one pipeline."""

    def __init__(self, pipeline: Pipeline, context: CompileContext, compute: Compute) -> None:
        self.pipeline = pipeline
        self.context = context
        self.diags = context.diagnostics
        self.compute = compute
        self.nodes = node_names([step.id for step in pipeline.steps])
        self.awaited = {dep for step in pipeline.steps for dep in step.upstream}
        self.params = self._runtime_parameters()

    # ------------------------------------------------------------------ parameters

    def _runtime_parameters(self) -> dict[str, str | None]:
        """``{name: default text}`` of the parameters a run can change (None: it has no value,
        a run must give one); others are baked in."""
        params: dict[str, str | None] = {}
        for param in bound_parameters(self.pipeline):
            if not has_value(param):
                self._report_required(param)
                params[param.name] = None
                continue
            text = parameter_text(param, compile_time_value(param))
            problem = _unsafe(text)
            if problem:
                self.diags.warning("PC330", f"pipeline parameter `{param.name}` is fixed at compile time: its "
                                   f"value {problem}", param.span,
                                   help="Azure ML writes an input's value into the command as it is")
                continue
            params[param.name] = text
        return params

    def _report_required(self, param) -> None:
        if self.pipeline.schedule is not None:
            self.diags.error("PC331", f"pipeline parameter `{param.name}` has no value for the scheduled "
                             "pipeline job", param.span, help="give it a default, or a value with --param / --config")
        else:
            self.diags.warning("PC331", f"pipeline parameter `{param.name}` has no value, so the Azure ML file is "
                               "a pipeline component a run gives it to, not a pipeline job", param.span,
                               help=f"`pipec submit --target azureml --param {param.name}=...`, or compile with "
                                    "--param / --config for a pipeline job")

    @property
    def required(self) -> list[str]:
        """The run-time parameters without a value: the file is a pipeline component."""
        return [name for name, text in self.params.items() if text is None]

    def inputs(self) -> dict[str, str]:
        """The pipeline job's inputs: one string per run-time parameter."""
        return {name: text for name, text in self.params.items() if text is not None}

    # ------------------------------------------------------------------ jobs

    def document(self) -> dict:
        """The pipeline job, or the pipeline component when a parameter has no value."""
        return self.component() if self.required else self.job()

    def job(self) -> dict:
        """The whole pipeline job."""
        self._check_artifact_store()
        out: dict = {"$schema": SCHEMA, "type": "pipeline"}
        if OPEN not in self.pipeline.name:
            out["display_name"] = self.pipeline.name
        if self.params:
            out["inputs"] = self.inputs()
        out["settings"] = job_settings(self.compute.name)
        out["jobs"] = self._jobs()
        return out

    def component(self) -> dict:
        """The pipeline as a pipeline component: string inputs, a default where there is a value."""
        self._check_artifact_store()
        out: dict = {"$schema": COMPONENT_SCHEMA, "type": "pipeline", "name": component_name(self.pipeline.name)}
        if OPEN not in self.pipeline.name:
            out["display_name"] = self.pipeline.name
        out["inputs"] = {name: {"type": "string"} if text is None else {"type": "string", "default": text}
                         for name, text in self.params.items()}
        out["jobs"] = self._jobs()
        return out

    def _jobs(self) -> dict:
        return {self.nodes[step_id]: self._command(self.pipeline.step(step_id))
                for step_id in self.pipeline.topological_order()}

    def _check_artifact_store(self) -> None:
        store = self.context.options.get("artifact_store") or ""
        if unshared_folder(self.pipeline, store):
            report_unshared_store(self.context, f"artifact store `{store}` is a local folder: Azure ML runs every "
                                  "job on its own node, so steps cannot read their inputs", self.pipeline.span,
                                  help="use a shared store, e.g. --option artifact_store=az://container/prefix")

    def _command(self, step: StepInvocation) -> dict:
        settings = step_settings(step, self.diags)
        used = [name for name in step_parameters(step) if name in self.params]
        try:
            call = step_call(self.pipeline, step, self.context, runtime_params=used, placeholder_encoding="text")
        except ValueError:  # not reached: every bound parameter is a run-time one here
            return {"type": "command", "command": ""}
        text = AzureMLText({name: PARAM + name for name in used})
        job: dict = {"type": "command"}
        if self.nodes[step.id] != step.id and OPEN not in step.id:
            job["display_name"] = step.id
        job["command"] = command_line(render(call, text).argv)
        job["environment"] = {"image": step_image(self.pipeline, step, self.context)}
        compute = self._compute(step, settings)
        if compute:
            job["compute"] = compute
        inputs = {PARAM + name: parent_input(name) for name in used}
        inputs.update({AFTER + self.nodes[dep]: parent_output(self.nodes[dep], DONE)
                       for dep in step.upstream if dep in self.nodes})
        if inputs:
            job["inputs"] = inputs
        if step.id in self.awaited:
            job["outputs"] = {DONE: {"type": "uri_folder"}}
        env = self._environment(step)
        if env:
            job["environment_variables"] = env
        job["resources"] = self._resources(step, settings)
        seconds = step_timeout(step, TIMEOUT, self.diags)
        if seconds is not None:
            job["limits"] = {"timeout": seconds}
        if step_retry(step) is not None:
            unsupported(self.diags, f"step `{step.id}` retries, but Azure ML pipeline command jobs have no retry "
                                    "policy; it runs once", step.span)
        return job

    def _compute(self, step: StepInvocation, settings: StepSettings) -> str | None:
        name = settings.compute_name or self.compute.name
        if settings.mode == "serverless" or name is None:
            return "azureml:serverless" if self.compute.name else None
        return f"azureml:{name}"

    def _resources(self, step: StepInvocation, settings: StepSettings) -> dict:
        resources: dict = {"instance_count": settings.instance_count or self.compute.instance_count}
        if self._compute(step, settings) not in (None, "azureml:serverless"):
            return resources
        size = settings.instance_type or self.compute.instance_type or instance_type(step_resources(step))
        if size is None:
            self.diags.error("PC398", f"no Azure ML VM size fits the resources of step `{step.id}`", step.span,
                             help="name one: settings={'orchestrator.azureml': {'instance_type': ...}}")
        else:
            resources["instance_type"] = size
        return resources

    def _environment(self, step: StepInvocation) -> dict[str, str]:
        env: dict[str, str] = {}
        for name, value in step_environment(step):
            if OPEN in name or OPEN in value:
                self.diags.error("PC396", f"environment variable `{name}` of step `{step.id}` holds `{OPEN}`, "
                                 "which Azure ML reads as an expression", step.span,
                                 help="Azure ML has no escape for it in environment variables")
                continue
            env[name] = value
        return env


def job_settings(compute: str | None) -> dict:
    """A pipeline job's ``settings``: its default compute, stop at the first failure, no reuse."""
    return {"default_compute": f"azureml:{compute or 'serverless'}", "continue_on_step_failure": False,
            "force_rerun": True}


def _unsafe(text: str | None) -> str | None:
    """Why a parameter's text cannot be a pipeline input written into the command, or None."""
    if text is None:
        return "is not a string, which only a compile-time value can carry"
    if "'" in text:
        return "holds a single quote, which would end the command's quoting"
    if OPEN in text:
        return f"holds `{OPEN}`, which Azure ML would expand"
    return None
