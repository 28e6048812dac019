#!/usr/bin/env bash
# The runtime's metadata-store tests start a throw-away PostgreSQL server on 127.0.0.1;
# they need Debian's server binaries (pg_ctl, initdb).
set -euo pipefail
if ! ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1; then
    if command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
    else
        echo "postgresql.sh: cannot install PostgreSQL (not root or no apt-get); its tests will skip" >&2
    fi
fi
