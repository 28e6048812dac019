#!/usr/bin/env bash
# Side environment .venvs/zenml: pipec (editable) plus the zenml wheel installed without its
# dependencies. pipec never imports zenml; it only reads the source of ZenML's integration steps
# (zenml/integrations/*/steps) where zenml is installed, so the files are all that is needed.
# tests/test_zenml_integration_steps.py runs pipec with this interpreter as a subprocess.
# Run from the repository root, after .venv exists.
set -euo pipefail
SIDE=.venvs/zenml
UV=.venv/bin/uv
[ -x "$UV" ] || UV="$(command -v uv || true)"
if [ -n "$UV" ]; then
    [ -x "$SIDE/bin/python" ] || "$UV" venv -q --python .venv/bin/python "$SIDE"
    "$UV" pip install --python "$SIDE/bin/python" -q -e .
    "$UV" pip install --python "$SIDE/bin/python" -q --no-deps 'zenml==0.98.0'
else
    [ -x "$SIDE/bin/python" ] || .venv/bin/python -m venv "$SIDE"
    "$SIDE/bin/python" -m pip install -q --disable-pip-version-check -e .
    "$SIDE/bin/python" -m pip install -q --disable-pip-version-check --no-deps 'zenml==0.98.0'
fi
