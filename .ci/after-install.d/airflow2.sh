#!/usr/bin/env bash
# Side environment .venvs/airflow2 with Airflow 2.10 and the Kubernetes and Docker providers:
# tests/airflow/test_airflow2_compat.py parses, serializes and renders the airflow target's DAG
# files with it (Airflow 2 needs SQLAlchemy<2; the main environment has Airflow 3 and SQLAlchemy 2).
set -euo pipefail
SIDE=.venvs/airflow2
if [ ! -x "$SIDE/bin/python" ]; then
    .venv/bin/uv venv -q --python .venv/bin/python "$SIDE"
fi
.venv/bin/uv pip install --python "$SIDE/bin/python" -q --compile-bytecode -r tests/airflow/airflow2-requirements.txt
