"""Steps with SkyPilot settings of their own (tests/skypilot/test_skypilot_chain.py): the vm_*
targets write a chain, one task per run of consecutive steps with equal settings.

    load ──> stats ─────────────────┐
       └───> train (GPU VM) ──> evaluate (GPU VM) ──> report

Topological order load, stats, train, evaluate, report: three tasks, [load, stats] on the
pipeline's VM (8 CPUs for stats), [train, evaluate] on a T4 VM, [report] on the pipeline's VM.
"""

from pipec import Resources, pipeline, step

CLOUDS = ("vm_aws", "vm_gcp", "vm_azure")
#: The GPU steps' own settings, for each of the three targets.
GPU_VM = {f"orchestrator.{key}": {"accelerators": "T4:1", "use_spot": False} for key in CLOUDS}


@step
def load(n: int = 5) -> list:
    """The first `n` squares."""
    return [i * i for i in range(n)]


@step(resources=Resources(cpu=8))
def stats(values: list) -> dict:
    """Count and sum."""
    return {"count": len(values), "sum": sum(values)}


@step(settings=GPU_VM)
def train(values: list, rate: float = 0.5) -> float:
    """A "model": the values' mean, scaled by `rate`."""
    return sum(values) / len(values) * rate


@step(settings=GPU_VM)
def evaluate(model: float, values: list) -> float:
    """The mean distance of the values to the model."""
    return sum(abs(v - model) for v in values) / len(values)


@step
def report(summary: dict, model: float, score: float) -> str:
    """One line of everything."""
    return f"{summary['count']} values, sum {summary['sum']}, model {model:g}, score {score:g}"


@pipeline(settings={f"orchestrator.{key}": {"use_spot": True} for key in CLOUDS})
def sky_chain(n: int = 5, rate: float = 0.5):
    """load -> (stats, train -> evaluate) -> report."""
    values = load(n=n)
    summary = stats(values)
    model = train(values, rate=rate)
    score = evaluate(model, values)
    report(summary, model, score)
