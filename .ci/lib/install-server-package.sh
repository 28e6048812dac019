#!/usr/bin/env bash
# Install a Debian server package without starting its packaged service (the tests start their
# own server on 127.0.0.1): `install-server-package.sh PACKAGE CALLER`. Without root or apt-get it
# says the tests will skip and succeeds.
set -euo pipefail
package=$1
caller=$2
if command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
    apt-get update -qq
    # policy-rc.d 101: invoke-rc.d starts no service while the package installs.
    policy=/usr/sbin/policy-rc.d
    created=0
    if [ ! -e "$policy" ]; then printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod +x "$policy" && created=1; fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$package" >/dev/null
    if [ "$created" = 1 ]; then rm -f "$policy"; fi
else
    echo "$caller: cannot install $package (not root or no apt-get); its tests will skip" >&2
fi
