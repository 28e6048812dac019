"""The `airflow` target: one DAG file per pipeline (see :mod:`pipec.targets.airflow.target`)."""

from __future__ import annotations

from .target import TARGET, AirflowTarget

__all__ = ["TARGET", "AirflowTarget"]
