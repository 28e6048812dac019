"""Steps of the weekly training project."""

from .ops import clean, load_raw, shard

__all__ = ["clean", "load_raw", "shard"]
