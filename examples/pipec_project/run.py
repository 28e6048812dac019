"""Weekly training: shard the data, fit a model per shard, merge and score.

Steps live in the `steps` package next to this file; pipec reads them statically
from the source root (the folder with pyproject.toml):

    pipec compile examples/pipec_project/run.py --target all --out out
"""

from pipec import Schedule, pipeline
from steps import load_raw, train
from steps.ops import clean, shard


@pipeline(name="weekly_training", schedule=Schedule(cron="0 6 * * 1"))
def training(source: str = "data/events.jsonl", alpha: float = 0.5, shards: int = 3):
    """Fan out over `shards` shards, fan in to one merged model."""
    rows = clean(load_raw(source))
    models = []
    for i in range(shards):
        part = shard(rows, index=i, count=shards, id=f"shard_{i}")
        models.append(train.fit(part, alpha=alpha, id=f"fit_{i}"))
    merged = train.merge(first=models[0], second=models[1], third=models[2])
    train.score(merged, rows)


if __name__ == "__main__":
    training()
