from enum import StrEnum

__all__ = ["Pipelines"]


class Pipelines(StrEnum):
    TRAINING = "credit_training"


TIMEOUT = 30
