"""Artifact and pipeline names, kept in one place as ZenML project templates do."""

__all__ = ["ArtifactNames", "PipelineNames", "LABEL_COLUMN"]

LABEL_COLUMN = "label"


class ArtifactNames:
    """Names of the artifacts the pipelines produce."""

    RAW_ROWS = "raw_rows"
    TRAIN_SET = "train_set"
    TEST_SET = "test_set"


class PipelineNames:
    """Names of the pipelines."""

    TRAINING = "zenml_project_training"


_HELPER_ONLY = "not exported: absent from __all__"
