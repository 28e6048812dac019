#!/usr/bin/env bash
# Side environment .venvs/sagemaker with the SageMaker Python SDK, for the test that builds one
# example with the SDK and compares its definition with pipec's (tests/targets/test_sagemaker.py).
# sagemaker 3.x pins versions that clash with the main test environment (mlflow, pyarrow,
# importlib-metadata), so it lives apart; the test runs it as a subprocess.
set -euo pipefail
SIDE=.venvs/sagemaker
if [ ! -x "$SIDE/bin/python" ]; then
    .venv/bin/uv venv -q --python .venv/bin/python "$SIDE"
fi
.venv/bin/uv pip install --python "$SIDE/bin/python" -q --compile-bytecode 'sagemaker==3.27.0'
