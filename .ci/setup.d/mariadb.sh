#!/usr/bin/env bash
# The runtime's MySQL metadata-store tests start a throw-away MariaDB server on 127.0.0.1
# (their own datadir and port); they need Debian's server binaries (mariadbd, mariadb-install-db).
set -euo pipefail
if ! command -v mariadbd >/dev/null && [ ! -x /usr/sbin/mariadbd ]; then
    if command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
        apt-get update -qq
        # policy-rc.d 101: do not start the packaged service (the tests run their own server).
        policy=/usr/sbin/policy-rc.d
        created=0
        if [ ! -e "$policy" ]; then printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod +x "$policy" && created=1; fi
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends mariadb-server >/dev/null
        if [ "$created" = 1 ]; then rm -f "$policy"; fi
    else
        echo "mariadb.sh: cannot install MariaDB (not root or no apt-get); its tests will skip" >&2
    fi
fi
