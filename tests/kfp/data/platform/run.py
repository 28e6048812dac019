"""Every setting the kubeflow/vertex targets map, on a small pipeline (tests/kfp).

Compiled for kubeflow with the Kubernetes settings below, for vertex with the labels;
the tests hand both outputs to the engines' own validators.
"""

from pipec import Docker, Resources, Retry, Schedule, pipeline, step

KUBEFLOW = {
    "node_selectors": {"pool": "gpu"},
    "tolerations": [{"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule",
                     "toleration_seconds": 30}],
    "secrets": {"db-credentials": {"password": "DB_PASSWORD", "user": "DB_USER"}},
    "pod_settings": {"annotations": {"team": "ml"}, "labels": {"app": "pipec"}},
    "image_pull_secrets": ["regcred"],
    "image_pull_policy": "IfNotPresent",
}


@step
def load(n: int, names: list, config: dict, verbose: bool) -> list:
    """Some rows."""
    return [{"name": name, "n": n, **config} for name in names] if verbose else []


@step(
    resources=Resources(cpu=0.5, memory="1536MiB", gpu=2, gpu_type="nvidia-l4"),
    retry=Retry(max_retries=3, delay=2.5, backoff=3),
    settings={"orchestrator.kubeflow": KUBEFLOW},
    docker=Docker(image="registry.example.com/train:2", environment={"MODE": "fast"}),
)
def train(rows: list, lr: float, label: str) -> dict:
    """A model."""
    return {"rows": len(rows), "lr": lr, "label": label}


@step(resources=Resources(cpu=2, memory="3GB", gpu=1, gpu_type="nvidia-tesla-a100"), enable_cache=False)
def report(model: dict) -> str:
    """A line."""
    return str(model)


@pipeline(
    name="Platform Settings",
    schedule=Schedule(cron="@daily", start_time="2025-01-31T06:00:00", end_time="2026-01-31T06:00:00+02:00"),
    settings={"orchestrator.vertex": {"labels": {"team": "ml", "cost-centre": "r-and-d"}}},
)
def platform(n: int = 3, names: list = ["a", "b"], config: dict = {"k": 1.5}, verbose: bool = True,  # noqa: B006
             lr: float = 0.01, label: str = "x"):
    """load -> train -> report, every parameter a run-time input."""
    model = train(load(n=n, names=names, config=config, verbose=verbose), lr=lr, label=label)
    report(model)
