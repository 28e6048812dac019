#!/usr/bin/env bash
# Side environment .venvs/azureml with azure-ai-ml, for the azureml proofs (tests/azureml/).
# azure-ai-ml pins opentelemetry-sdk and friends below the versions Airflow installs in the
# main test environment; the tests run tests/azureml/azureml_proofs.py with this interpreter
# as a subprocess (offline, no credentials).
set -euo pipefail
SIDE=.venvs/azureml
if [ ! -x "$SIDE/bin/python" ]; then
    .venv/bin/uv venv -q --python .venv/bin/python "$SIDE"
fi
.venv/bin/uv pip install --python "$SIDE/bin/python" -q --compile-bytecode -r tests/azureml/requirements.txt
