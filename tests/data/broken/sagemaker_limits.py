# pipec-args: --target sagemaker --option sagemaker.role_arn=arn:aws:iam::123456789012:role/pipec
"""What SageMaker cannot take: a day rule EventBridge cannot say, a parameter name SageMaker
rejects, an argument with a line break, too many GPUs, a mistyped setting."""

from pipec import Resources, Schedule, pipeline, step


@step(resources=Resources(gpu=16), settings={"orchestrator.sagemaker": {"volume_size_in_gb": "big"}})
def train(text: str, rate: float) -> int:
    return len(text)


@pipeline(schedule=Schedule(cron="0 6 1 * 1"))
def limits(taux_d_apprentissage_é: float = 0.1):
    train(text="one\u2028two", rate=taux_d_apprentissage_é)
