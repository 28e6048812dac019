"""The airflow target against a real Airflow (DagBag parsing, rendering, local runs, submit)."""
