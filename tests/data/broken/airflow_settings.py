# pipec-args: --target airflow
"""What the airflow target reports: a mistyped and an unknown Airflow setting, a step operator,
a backoff Airflow cannot follow, a scheduled pipeline with a parameter nobody gives a value,
a schedule start that is no date, an environment variable named like a template."""

from pipec import Docker, Retry, Schedule, pipeline, step


@step(retry=Retry(max_retries=2, delay=5, backoff=3),
      settings={"orchestrator.airflow": {"node_selector": "gpu", "sla": 60}}, step_operator="sagemaker",
      docker=Docker(environment={"{{ NAME }}": "x"}))
def train(rate: float) -> float:
    return rate


@pipeline(schedule=Schedule(cron="0 6 * * *", start_time="next monday"))
def nightly(rate: float):
    train(rate=rate)
