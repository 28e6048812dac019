"""A toy target written only against the public kit, `pipec.targets.kit`: one YAML file with a job per step.

It declares what its (imaginary) engine can do and inherits the rest: retry lowering and its
warnings, Kubernetes-style resources, a name policy, the shared-store test, the YAML
emitter, and the unsupported-setting policy (``--unsupported=error``), which the driver
applies to its capabilities. tests/test_target_kit.py proves each.
"""

from __future__ import annotations

from pipec.targets.kit import (
    BOTH,
    CRON,
    INDEX,
    NEVER,
    WHOLE,
    Capabilities,
    CompileContext,
    KubePolicy,
    Namer,
    OptionSpec,
    Pipeline,
    RetrySupport,
    YamlStyle,
    artifact_store,
    dump_yaml,
    kube_requirements,
    lower_retry,
    report_unshared_store,
    step_resources,
    unshared_folder,
)

#: The engine retries at most 3 times, growing the delay by whole factors.
RETRY = RetrySupport("Toy", backoff=WHOLE, max_retries=3)
#: Every quantity is both requested and limited.
RESOURCES = KubePolicy(cpu=BOTH, memory=BOTH, gpu=BOTH)
#: Job names: lower-case words joined by "-", at most 20 characters, clashes numbered.
NAMES = Namer(r"[^a-z0-9]+", "-", max_len=20, case_fold=True, trim="-", digest=NEVER, clash=INDEX,
              fallback="job")
#: Keys in the order built, a comment line on top.
YAML = YamlStyle(sort_keys=False, header="# toy engine job file\n")


class ToyTarget:
    """Writes ``<pipeline>.yaml``: the pipeline's jobs, in topological order."""

    name = "toy"
    description = "A toy engine built from the target kit alone"
    options = (OptionSpec("artifact_store", "artifact store URI", default="/toy/artifacts"),)
    capabilities = Capabilities(
        "Toy Engine", schedules=frozenset({CRON}), schedule_noun="Toy schedules", catchup=False, retry=RETRY,
        gpu_types=False, gpu_type_help="label the GPU nodes yourself", settings_key="toy",
        settings_schema=frozenset({"queue"}))

    def compile(self, pipeline: Pipeline, context: CompileContext) -> dict[str, str]:
        """``{"<pipeline>.yaml": the jobs}``."""
        store = artifact_store(context.options)
        if unshared_folder(pipeline, store):
            report_unshared_store(context, f"artifact store `{store}` is a folder on each toy worker",
                                  pipeline.span, help="use an object store")
        names = NAMES.unique(step.id for step in pipeline.steps)
        jobs = []
        for step_id in pipeline.topological_order():
            step = pipeline.step(step_id)
            job: dict = {"name": names[step_id], "after": sorted(names[d] for d in step.upstream)}
            retry = lower_retry(step.settings.retry, RETRY, context.diagnostics, step.span, f"step `{step_id}`")
            if retry is not None:
                job["retry"] = {"limit": retry.max_retries, "delay": retry.delay, "factor": retry.backoff}
            requests, limits = kube_requirements(step_resources(step), RESOURCES)
            if requests or limits:
                job["resources"] = {"requests": requests, "limits": limits}
            jobs.append(job)
        document = {"pipeline": pipeline.name, "store": store, "jobs": jobs}
        return {f"{NAMES.name(pipeline.name)}.yaml": dump_yaml([document], YAML)}


#: The target object, as a registry entry names it.
TARGET = ToyTarget()
