"""The one place that builds the shim's command line from the IR.

Every target (and the local orchestrator) calls :func:`shim_command`, passing its
engine's run-id placeholder, and puts the returned argv into its artifact as a list
(never a shell string). The flags are documented in ``runtime/README.md`` and in
:mod:`pipec.runtime.shim`; they are a stable contract.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from pipec.ir import LiteralValue, OutputRef, ParameterRef, Pipeline, StepInvocation

#: The subcommand of `python -m pipec.runtime` that runs one step.
RUN_STEP = "run-step"


def encode_json(value: object) -> str:
    """The compact JSON text a `--param` carries (insertion order kept: it is the source's)."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def step_params(pipeline: Pipeline, step: StepInvocation,
                placeholders: Mapping[str, str] | None = None,
                placeholder_encoding: str = "json") -> dict[str, tuple[str, str]]:
    """Bound non-artifact arguments of `step` as ``{input name: (flag, text)}``, in binding order.

    `flag` is ``--param`` (text is JSON) or ``--param-text`` (text is a string taken as is).
    A binding to a pipeline parameter uses `placeholders[name]` verbatim when given (a
    target's run-time template), else the value this compile used, else the parameter's
    default; ValueError when none is known. With ``placeholder_encoding="json"`` every
    placeholder must expand to JSON; with ``"text"`` a placeholder for a ``str`` parameter
    expands to the raw string (``--param-text``) and any other to JSON-compatible text.
    """
    if placeholder_encoding not in ("json", "text"):
        raise ValueError(f"placeholder_encoding must be 'json' or 'text', not {placeholder_encoding!r}")
    params: dict[str, tuple[str, str]] = {}
    for binding in step.inputs:
        source = binding.source
        if isinstance(source, LiteralValue):
            params[binding.name] = ("--param", encode_json(source.value))
        elif isinstance(source, ParameterRef):
            if placeholders is not None and source.name in placeholders:
                param = pipeline.parameter(source.name)
                textual = placeholder_encoding == "text" and param is not None and param.type == "str"
                params[binding.name] = ("--param-text" if textual else "--param", placeholders[source.name])
                continue
            param = pipeline.parameter(source.name)
            if param is None:
                raise ValueError(f"step `{step.id}` binds unknown pipeline parameter `{source.name}`")
            if param.known:
                params[binding.name] = ("--param", encode_json(param.value))
            elif param.has_default:
                params[binding.name] = ("--param", encode_json(param.default))
            else:
                raise ValueError(
                    f"pipeline parameter `{source.name}` (bound by step `{step.id}`) has no value: "
                    "pass it with --param or give the target a run-time placeholder")
    return params


def shim_command(pipeline: Pipeline, step: StepInvocation, *, run_id: str, artifact_store: str,
                 metadata_store: str | None, python: str = "python", source_root: str = ".",
                 parameter_placeholders: Mapping[str, str] | None = None,
                 placeholder_encoding: str = "json", input_refs: Mapping[str, str] | None = None,
                 output_refs: Mapping[str, str] | None = None) -> list[str]:
    """The argv that runs `step` of `pipeline` through the runtime shim.

    `run_id` is usually the engine's placeholder (``"{{ run_id }}"`` for Airflow,
    ``"{{$.pipeline_job_uuid}}"`` for KFP); every value is a separate argv item and
    the result is deterministic for a given IR. `source_root` is where the user's
    source tree is inside the container ("." = the working directory).
    `parameter_placeholders` maps pipeline parameter names to run-time templates;
    `placeholder_encoding` says what they expand to (see :func:`step_params`).
    `input_refs` maps data-input names to pointer-file paths (an engine's artifact-path
    placeholder): such an input becomes ``--input-ref NAME=PATH`` instead of ``--input``.
    `output_refs` maps output names to the paths where the shim writes their pointers
    (``--output-ref``, after the ``--output`` flags). Both default to none, which leaves
    the argv exactly as before they existed.
    """
    argv = [python, "-m", "pipec.runtime", RUN_STEP,
            "--source-root", source_root,
            "--module", step.module,
            "--function", step.function,
            "--pipeline", pipeline.name,
            "--step-id", step.id,
            "--run-id", run_id,
            "--artifact-store", artifact_store]
    if metadata_store is not None:
        argv += ["--metadata-store", metadata_store, "--num-steps", str(len(pipeline.steps))]
    input_refs = input_refs or {}
    for binding in step.inputs:
        if isinstance(binding.source, OutputRef):
            if binding.name in input_refs:
                argv += ["--input-ref", f"{binding.name}={input_refs[binding.name]}"]
            else:
                argv += ["--input", f"{binding.name}={binding.source.step}/{binding.source.output}"]
    for name, (flag, text) in step_params(pipeline, step, parameter_placeholders,
                                          placeholder_encoding).items():
        argv += [flag, f"{name}={text}"]
    for output in step.outputs:
        argv += ["--output", f"{output.name}={output.type}"]
    for output in step.outputs:
        if output_refs and output.name in output_refs:
            argv += ["--output-ref", f"{output.name}={output_refs[output.name]}"]
    if step.settings.enable_cache is False:
        argv.append("--no-cache")
    return argv
