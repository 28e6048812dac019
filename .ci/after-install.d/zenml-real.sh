#!/usr/bin/env bash
# Side environment .venvs/zenml-real: the zenml 0.98.0 release with all its dependencies and
# without pipec, so tests can ask ZenML itself how it reads a step (its output names, what it
# refuses) and compare with pipec, which never imports zenml.
# tests/test_zenml_output_names_real.py runs this interpreter as a subprocess.
# Run from the repository root, after .venv exists.
set -euo pipefail
SIDE=.venvs/zenml-real
UV=.venv/bin/uv
[ -x "$UV" ] || UV="$(command -v uv || true)"
if [ -n "$UV" ]; then
    [ -x "$SIDE/bin/python" ] || "$UV" venv -q --python .venv/bin/python "$SIDE"
    "$UV" pip install --python "$SIDE/bin/python" -q --compile-bytecode 'zenml==0.98.0'
else
    [ -x "$SIDE/bin/python" ] || .venv/bin/python -m venv "$SIDE"
    "$SIDE/bin/python" -m pip install -q --disable-pip-version-check 'zenml==0.98.0'
fi
