# pipec-args: --target argo --target tekton
from pipec import Docker, Schedule, pipeline, step


@step(docker=Docker(environment={"GREETING": "hello {{workflow.name}}"}))
def greet(name: str, count: int) -> str:
    return name * count


@pipeline(schedule=Schedule(interval_seconds=90.5))
def templated(name: str = "$(context.pipelineRun.name)", count: int = 2):
    greet(name=name, count=count)


@pipeline
def needs_value(name: str):
    greet(name=name, count=1)
