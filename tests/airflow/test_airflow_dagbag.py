"""Every golden DAG file, of every example in every operator mode, imports into a real DagBag.

No import errors, no deprecation warnings, and the tasks and their dependencies are the
pipeline's steps and edges (the goldens are what `pipec compile` writes: tests/test_golden.py).
"""

from __future__ import annotations

import datetime

import pytest

from pipec.targets.airflow import naming
from pipec.targets.airflow.build import runtime_parameters
from tests.helpers.airflow_dags import DEPRECATIONS, MODES, example_cases, load_pipelines

CASES = example_cases()


@pytest.mark.parametrize("mode", sorted(MODES))
def test_dags_import_without_errors_or_deprecations(golden_bags: dict, mode: str) -> None:
    """Zero import errors and zero deprecation warnings, captured or raised, for every example."""
    bag, caught = golden_bags[mode]
    assert bag.import_errors == {}
    assert not getattr(bag, "captured_warnings", {}), bag.captured_warnings
    deprecations = [f"{w.category.__name__}: {w.message} ({w.filename}:{w.lineno})"
                    for w in caught if issubclass(w.category, DEPRECATIONS) or "deprecat" in str(w.message).lower()]
    assert deprecations == []
    assert sorted(bag.dags) == sorted(naming.dag_id(p) for case in CASES for p in load_pipelines(case))


@pytest.mark.parametrize("mode", sorted(MODES))
@pytest.mark.parametrize("case", CASES)
def test_tasks_and_dependencies_are_the_pipelines(golden_bags: dict, mode: str, case: str) -> None:
    """Task ids are the step ids (sanitized), each task's upstream tasks are its step's upstream steps."""
    bag, _ = golden_bags[mode]
    for pipeline in load_pipelines(case):
        dag = bag.dags[naming.dag_id(pipeline)]
        expected = {naming.task_id(step): {naming.task_id(pipeline.step(u)) for u in step.upstream}
                    for step in pipeline.steps}
        assert {task.task_id: set(task.upstream_task_ids) for task in dag.tasks} == expected
        assert dag.catchup is False
        assert dag.start_date is not None and dag.start_date.tzinfo is not None
        assert set(dag.params.keys()) == set(runtime_parameters(pipeline))
        defaults = {p.name: p.value if p.known else p.default for p in pipeline.parameters}
        assert dag.params.validate() == {name: defaults[name] for name in dag.params.keys()}


def test_schedules_retries_and_resources(golden_bags: dict) -> None:
    """The settings the examples use reach Airflow: cron schedules, per-task retries with backoff,
    GPU requests in every container mode."""
    bags = {mode: bag for mode, (bag, _) in golden_bags.items()}
    for bag in bags.values():
        selection, weekly = bag.dags["model_selection"], bag.dags["weekly_training"]
        assert selection.timetable.expression == "0 3 * * *"
        assert weekly.timetable.expression == "0 6 * * 1"
        assert not bag.dags["diamond"].timetable.can_be_scheduled
        assert bag.dags["diamond"].max_active_runs == 1
        assert bag.dags["diamond"].tags in ({"pipec"}, ["pipec"])
        fit = weekly.get_task("fit_0")
        assert (fit.retries, fit.retry_delay, bool(fit.retry_exponential_backoff)) == (
            3, datetime.timedelta(seconds=5), True)
        scale = bag.dags["diamond"].get_task("scale")
        assert (scale.retries, scale.retry_delay, bool(scale.retry_exponential_backoff)) == (
            1, datetime.timedelta(seconds=1), False)
        assert bag.dags["diamond"].get_task("load").retries == 0
    pod = bags["kubernetes"].dags["weekly_training"].get_task("fit_0").container_resources
    assert pod.requests == {"cpu": "2", "memory": "4Gi", "nvidia.com/gpu": "1"}
    assert pod.limits == {"memory": "4Gi", "nvidia.com/gpu": "1"}
    docker = bags["docker"].dags["weekly_training"].get_task("fit_0")
    assert (docker.cpus, docker.mem_limit) == (2.0, 4 * 2**30)
    assert [(r["Count"], r["Capabilities"]) for r in docker.device_requests] == [(1, [["gpu"]])]
    assert bags["local"].dags["weekly_training"].get_task("fit_0").append_env is True
