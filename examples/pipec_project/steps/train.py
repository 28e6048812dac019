"""Model steps: fit one ridge regression per shard, average them, score the result."""

from pipec import Docker, Resources, Retry, step

FEATURES = ("x1", "x2")


@step(
    resources=Resources(cpu=2, memory="4GiB", gpu=1, gpu_type="nvidia-tesla-t4"),
    retry=Retry(max_retries=3, delay=5, backoff=2),
    docker=Docker(requirements=["scikit-learn==1.5.2"]),
    enable_cache=False,
)
def fit(rows: list, alpha: float = 1.0) -> dict:
    """Coefficients of a ridge regression of y on the features."""
    from sklearn.linear_model import Ridge

    X = [[row[name] for name in FEATURES] for row in rows]
    y = [row["y"] for row in rows]
    model = Ridge(alpha=alpha).fit(X, y)
    return {"coef": [float(c) for c in model.coef_], "intercept": float(model.intercept_), "n": len(rows)}


@step
def merge(first: dict, second: dict, third: dict) -> dict:
    """Average the shard models, weighted by their number of records."""
    parts = [first, second, third]
    total = sum(part["n"] for part in parts)
    coef = [sum(part["coef"][i] * part["n"] for part in parts) / total for i in range(len(FEATURES))]
    intercept = sum(part["intercept"] * part["n"] for part in parts) / total
    return {"coef": coef, "intercept": intercept, "n": total}


@step
def score(model: dict, rows: list) -> float:
    """R² of the merged model on all records."""
    predictions = [
        model["intercept"] + sum(c * row[name] for c, name in zip(model["coef"], FEATURES)) for row in rows
    ]
    mean = sum(row["y"] for row in rows) / len(rows)
    residual = sum((row["y"] - p) ** 2 for row, p in zip(rows, predictions))
    spread = sum((row["y"] - mean) ** 2 for row in rows)
    return 1.0 - residual / spread if spread else 0.0
