#!/usr/bin/env bash
# Side environment .venvs/kfp with kfp, kfp-pipeline-spec, kfp-kubernetes and
# google-cloud-aiplatform, for the kubeflow/vertex proofs (tests/kfp/) and bench/kfp_compare.py.
# kfp pins kubernetes<31, requests==2.33.0, urllib3==2.7.0 and protobuf<7, which clash with
# Airflow's cncf-kubernetes provider (kubernetes>=36) in the main test environment; the tests
# run tests/kfp/kfp_proofs.py with this interpreter as a subprocess.
set -euo pipefail
SIDE=.venvs/kfp
if [ ! -x "$SIDE/bin/python" ]; then
    .venv/bin/uv venv -q --python .venv/bin/python "$SIDE"
fi
.venv/bin/uv pip install --python "$SIDE/bin/python" -q --compile-bytecode -r tests/kfp/requirements.txt
