"""Training: feature engineering (a pipeline called inside this one), training, evaluation."""

import logging
from typing import Optional

from zenml import get_pipeline_context, pipeline

from constants import PipelineNames
from pipelines.feature_engineering import feature_engineering
from steps import evaluate, notify, train_threshold

logger = logging.getLogger(__name__)


@pipeline(name=PipelineNames.TRAINING, extra={"notify_channel": None}, enable_cache=False)
def training(n_rows: int = 100, learning_rate: Optional[float] = 0.1, evaluate_after: Optional[str] = None):
    """Split the rows, train on one part, evaluate on the other, notify when configured."""
    logger.info("composing %s", PipelineNames.TRAINING)
    train_set, test_set = feature_engineering(n_rows=n_rows)
    try:
        model = train_threshold(train_set, learning_rate=learning_rate)
    except Exception:
        logger.exception("the training step could not be added")
        raise
    accuracy = evaluate(model, test_set, after=evaluate_after)
    channel = get_pipeline_context().extra["notify_channel"]
    if channel is not None:
        notify(accuracy, channel=channel)
