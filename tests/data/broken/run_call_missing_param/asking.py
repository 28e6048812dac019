"""A pipeline with two parameters that have no default."""

from typing import List

from zenml import pipeline, step


@step
def answer(query: str, tables: List[str]) -> str:
    return query


@pipeline
def ask(query: str, include_tables: List[str], limit: int = 5):
    answer(query=query, tables=include_tables)
