"""Extra golden compiles per target: the same examples with other option values.

``golden/<case>/<target>@<variant>/`` holds what
``pipec compile examples/<case>/run.py --target <target> --option K=V ...`` writes under
``OUT/<target>/``. Add one entry per variant worth reviewing (an operator mode, a step
kind); keep the default compile in plain ``golden/<case>/<target>/``.
"""

from __future__ import annotations

#: target -> {variant name: ["key=value", ...] passed as --option}.
VARIANTS: dict[str, dict[str, list[str]]] = {
    "airflow": {"docker": ["operator=docker"], "local": ["operator=local"]},
    "github": {"setup-python": ["mode=setup-python"]},
    "sagemaker": {"training": ["step_kind=training", "artifact_store=s3://pipec-artifacts/runs",
                               "role_arn=arn:aws:iam::123456789012:role/pipec-sagemaker"]},
    "kubeflow": {"pvc": ["pvc=pipec-artifacts"]},
    "vertex": {"gcs": ["artifact_store=gs://pipec-example/artifacts", "kfp_cache=true"]},
    "tekton": {"s3": ["artifact_store=s3://pipec-example/artifacts", "service_account=pipec-runner"]},
    "argo": {"s3": ["artifact_store=s3://pipec-example/artifacts", "service_account=pipec-runner"]},
}
