"""Feature engineering: load and split; run on its own or inside the training pipeline."""

from zenml import pipeline

from steps import load_rows, split_rows


@pipeline
def feature_engineering(n_rows: int = 100, test_fraction: float = 0.2):
    """Rows in, train and test sets out."""
    rows = load_rows(n_rows=n_rows)
    train_set, test_set = split_rows(rows, test_fraction=test_fraction)
    return train_set, test_set
