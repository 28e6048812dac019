#!/usr/bin/env bash
# The runtime's MySQL metadata-store tests start a throw-away MariaDB server on 127.0.0.1
# (their own datadir and port); they need Debian's server binaries (mariadbd, mariadb-install-db).
set -euo pipefail
if ! command -v mariadbd >/dev/null && [ ! -x /usr/sbin/mariadbd ]; then
    bash "$(dirname "$0")/../lib/install-server-package.sh" mariadb-server mariadb.sh
fi
