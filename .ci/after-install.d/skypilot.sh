#!/usr/bin/env bash
# Side environment .venvs/skypilot with SkyPilot, for the vm_aws / vm_gcp / vm_azure proofs
# (tests/skypilot/). SkyPilot pins many libraries in ranges that clash with the main test
# environment; the tests run tests/skypilot/skypilot_proofs.py with this interpreter as a
# subprocess (offline, HOME in a temporary folder, no cloud credentials).
set -euo pipefail
SIDE=.venvs/skypilot
if [ ! -x "$SIDE/bin/python" ]; then
    .venv/bin/uv venv -q --python .venv/bin/python "$SIDE"
fi
.venv/bin/uv pip install --python "$SIDE/bin/python" -q --compile-bytecode -r tests/skypilot/requirements.txt
