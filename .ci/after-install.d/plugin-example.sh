#!/usr/bin/env bash
# The example third-party target (examples/plugins/pipec-target-example), installed into the main
# test environment the way a user installs a plug-in: its entry point registers `--target example`,
# and its own tests (collected through pyproject.toml's testpaths) compile and run through it.
set -euo pipefail
.venv/bin/uv pip install --python .venv/bin/python -q --no-deps -e examples/plugins/pipec-target-example
