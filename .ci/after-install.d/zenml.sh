#!/usr/bin/env bash
# Side environment .venvs/zenml: pipec (editable) plus the zenml wheel installed without its
# dependencies. pipec never imports zenml; it only reads the source of ZenML's integration steps
# (zenml/integrations/*/steps) where zenml is installed, so the files are all that is needed.
# tests/test_zenml_integration_steps.py runs pipec with this interpreter as a subprocess.
set -euo pipefail
SIDE=.venvs/zenml
if [ ! -x "$SIDE/bin/python" ]; then
    .venv/bin/uv venv -q --python .venv/bin/python "$SIDE"
fi
.venv/bin/uv pip install --python "$SIDE/bin/python" -q -e .
.venv/bin/uv pip install --python "$SIDE/bin/python" -q --no-deps 'zenml==0.98.0'
