"""Runs INSIDE the side environment .venvs/kfp (kfp, kfp-pipeline-spec, kfp-kubernetes,
google-cloud-aiplatform): the checks only the engines' own libraries can make.

Reads a JSON request on stdin, ``{"files": [{"kind": ..., "path": ...}, ...]}`` with kinds
``kubeflow`` (a package YAML), ``vertex`` (a PipelineJob JSON), ``recurring-run`` and
``vertex-schedule``, and writes ``{"results": {path: {check: null | "error text"}},
"accelerator_types": [...]}`` on stdout. It never raises for a bad file: every failure is
reported as that check's error text, so the calling test decides.
"""

from __future__ import annotations

import inspect
import json
import sys
import tempfile
import traceback
import warnings
from pathlib import Path

warnings.simplefilter("ignore")

import yaml  # noqa: E402
from google.protobuf import json_format  # noqa: E402
from kfp.kubernetes import kubernetes_executor_config_pb2  # noqa: E402
from kfp.pipeline_spec import pipeline_spec_pb2  # noqa: E402

PROJECT = "pipec-proofs"
LOCATION = "us-central1"


def _strict(document: dict, message) -> None:
    json_format.ParseDict(document, message, ignore_unknown_fields=False)


def check_spec(spec: dict) -> dict:
    """The PipelineSpec strictly, then each executor of its free-form deploymentSpec."""
    out = {}
    out["PipelineSpec"] = _run(lambda: _strict(spec, pipeline_spec_pb2.PipelineSpec()))

    def deployment() -> None:
        _strict(spec["deploymentSpec"], pipeline_spec_pb2.PipelineDeploymentConfig())
        for label, executor in spec["deploymentSpec"]["executors"].items():
            try:
                _strict({"executors": {label: executor}}, pipeline_spec_pb2.PipelineDeploymentConfig())
            except Exception as exc:
                raise ValueError(f"executor {label}: {exc}") from exc

    out["PipelineDeploymentConfig"] = _run(deployment)
    return out


def check_kubeflow(path: Path) -> dict:
    """A KFP package: spec, platform spec, load as a component, recompile in a wrapper pipeline."""
    documents = list(yaml.safe_load_all(path.read_text(encoding="utf-8")))
    out = check_spec(documents[0])
    if len(documents) > 1:
        def platform() -> None:
            _strict(documents[1], pipeline_spec_pb2.PlatformSpec())
            executors = documents[1]["platforms"]["kubernetes"]["deploymentSpec"]["executors"]
            for label, config in executors.items():
                try:
                    _strict(config, kubernetes_executor_config_pb2.KubernetesExecutorConfig())
                except Exception as exc:
                    raise ValueError(f"executor {label}: {exc}") from exc

        out["PlatformSpec"] = _run(platform)
    out["load_component_from_file"] = _run(lambda: _load_and_recompile(path))
    return out


def _load_and_recompile(path: Path) -> None:
    from kfp import compiler, components, dsl

    component = components.load_component_from_file(str(path))
    inputs = component.component_spec.inputs or {}
    arguments = {name: _dummy(spec.type) for name, spec in inputs.items() if not spec.optional}

    @dsl.pipeline(name="pipec-wrapper")
    def wrapper():  # no return annotation: kfp would read a string "None" as an output type
        component(**arguments)

    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "wrapper.yaml"
        compiler.Compiler().compile(wrapper, str(out))
        recompiled = list(yaml.safe_load_all(out.read_text(encoding="utf-8")))
    original = yaml.safe_load_all(path.read_text(encoding="utf-8"))
    inner = next(original)
    tasks = recompiled[0]["components"][f"comp-{inner['pipelineInfo']['name']}"]["dag"]["tasks"]
    if set(tasks) != set(inner["root"]["dag"]["tasks"]):
        raise ValueError(f"recompiled DAG has tasks {sorted(tasks)}, not {sorted(inner['root']['dag']['tasks'])}")
    for label in inner["deploymentSpec"]["executors"]:
        if label not in recompiled[0]["deploymentSpec"]["executors"]:
            raise ValueError(f"executor {label} lost in the recompile")


def _dummy(kind: str):
    return {"Integer": 1, "Float": 1.0, "Boolean": True, "String": "x", "List": [], "Dict": {}}.get(kind, "x")


def check_vertex(path: Path) -> dict:
    """A PipelineJob JSON: its spec, the PipelineJob message strictly, and aiplatform's loader."""
    job = json.loads(path.read_text(encoding="utf-8"))
    out = check_spec(job["pipelineSpec"])

    def gca_message() -> None:
        from google.cloud.aiplatform_v1.types import pipeline_job

        _strict(job, pipeline_job.PipelineJob()._pb)

    out["aiplatform_v1.PipelineJob"] = _run(gca_message)

    def sdk() -> None:
        from google.auth.credentials import AnonymousCredentials
        from google.cloud import aiplatform

        # The SDK takes labels as an argument (it ignores the file's): pass them as a user would.
        loaded = aiplatform.PipelineJob(display_name=job["displayName"], template_path=str(path),
                                        labels=job.get("labels"), project=PROJECT, location=LOCATION,
                                        credentials=AnonymousCredentials())
        resource = loaded._gca_resource
        expected_root = job["runtimeConfig"].get("gcsOutputDirectory")
        if expected_root and resource.runtime_config.gcs_output_directory != expected_root:
            raise ValueError(f"gcsOutputDirectory became {resource.runtime_config.gcs_output_directory!r}")
        if dict(resource.labels) != job.get("labels", {}):
            raise ValueError(f"labels became {dict(resource.labels)}")
        if resource.display_name != job["displayName"]:
            raise ValueError(f"displayName became {resource.display_name!r}")
        for name, value in job["runtimeConfig"].get("parameterValues", {}).items():
            got = json_format.MessageToDict(resource.runtime_config._pb.parameter_values[name])
            if got != value:
                raise ValueError(f"parameter {name} became {got!r}, not {value!r}")

    out["aiplatform.PipelineJob"] = _run(sdk)

    def as_component() -> None:
        with tempfile.TemporaryDirectory() as tmp:
            spec_file = Path(tmp) / "spec.yaml"
            spec_file.write_text(yaml.safe_dump(job["pipelineSpec"]), encoding="utf-8")
            _load_and_recompile(spec_file)

    out["load_component_from_file"] = _run(as_component)
    return out


def check_recurring_run(path: Path) -> dict:
    """The recurring-run file binds to `kfp.Client.create_recurring_run` and names its package."""
    import kfp

    config = json.loads(path.read_text(encoding="utf-8"))

    def bind() -> None:
        inspect.signature(kfp.Client.create_recurring_run).bind(None, experiment_id="e", **config)
        if not (path.parent / config["pipeline_package_path"]).is_file():
            raise ValueError(f"pipeline_package_path {config['pipeline_package_path']!r} is not next to it")
        cron = config.get("cron_expression")
        if cron is not None and not cron.startswith("@") and len(cron.split()) != 6:
            raise ValueError(f"KFP cron needs 6 fields: {cron!r}")

    return {"create_recurring_run": _run(bind)}


def check_vertex_schedule(path: Path) -> dict:
    """The schedule file binds to `PipelineJob.create_schedule` with a five-field cron."""
    from google.cloud import aiplatform

    config = json.loads(path.read_text(encoding="utf-8"))

    def bind() -> None:
        inspect.signature(aiplatform.PipelineJob.create_schedule).bind(None, **config)
        if len(config["cron"].split()) != 5:
            raise ValueError(f"Vertex cron needs 5 fields: {config['cron']!r}")

    return {"create_schedule": _run(bind)}


def _run(check) -> str | None:
    try:
        check()
    except Exception as exc:  # reported, never raised: the test decides
        return f"{type(exc).__name__}: {exc}\n{traceback.format_exc(limit=3)}"
    return None


CHECKS = {"kubeflow": check_kubeflow, "vertex": check_vertex, "recurring-run": check_recurring_run,
          "vertex-schedule": check_vertex_schedule}


def main() -> None:
    request = json.load(sys.stdin)
    results = {}
    for item in request.get("files", []):
        path = Path(item["path"])
        try:
            results[item["path"]] = CHECKS[item["kind"]](path)
        except Exception as exc:
            results[item["path"]] = {"read": f"{type(exc).__name__}: {exc}"}
    from google.cloud.aiplatform_v1.types import AcceleratorType

    accelerators = [m.name for m in AcceleratorType if m.name != "ACCELERATOR_TYPE_UNSPECIFIED"]
    json.dump({"results": results, "accelerator_types": accelerators}, sys.stdout, indent=1, sort_keys=True)


if __name__ == "__main__":
    main()
