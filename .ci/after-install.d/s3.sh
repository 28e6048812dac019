#!/usr/bin/env bash
# Side environment .venvs/s3: pipec (editable, with the runtime extra) plus s3fs, for the
# real s3:// artifact-store test against moto's S3 server (tests/runtime/test_s3_store.py).
# s3fs -> aiobotocore pins botocore 1.43.x, which clashes with the main environment's
# boto3/botocore 1.44.5 (sagemaker tests); the test runs pipec with this interpreter as a subprocess.
set -euo pipefail
SIDE=.venvs/s3
if [ ! -x "$SIDE/bin/python" ]; then
    .venv/bin/uv venv -q --python .venv/bin/python "$SIDE"
fi
.venv/bin/uv pip install --python "$SIDE/bin/python" -q --compile-bytecode -e '.[runtime]' 's3fs==2026.9.0'
