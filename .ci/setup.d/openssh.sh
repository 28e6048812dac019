#!/usr/bin/env bash
# The hyperai target's submit tests start a throw-away OpenSSH server on 127.0.0.1 (their own
# sshd_config, host key, user key and port); they need Debian's sshd and ssh-keygen.
set -euo pipefail
if [ ! -x /usr/sbin/sshd ] || ! command -v ssh-keygen >/dev/null; then
    if command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
        apt-get update -qq
        # policy-rc.d 101: do not start the packaged service (the tests run their own server).
        policy=/usr/sbin/policy-rc.d
        created=0
        if [ ! -e "$policy" ]; then printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod +x "$policy" && created=1; fi
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends openssh-server >/dev/null
        if [ "$created" = 1 ]; then rm -f "$policy"; fi
    else
        echo "openssh.sh: cannot install openssh-server (not root or no apt-get); its tests will skip" >&2
    fi
fi
