#!/usr/bin/env bash
# The hyperai target's submit tests start a throw-away OpenSSH server on 127.0.0.1 (their own
# sshd_config, host key, user key and port); they need Debian's sshd and ssh-keygen.
set -euo pipefail
if [ ! -x /usr/sbin/sshd ] || ! command -v ssh-keygen >/dev/null; then
    bash "$(dirname "$0")/../lib/install-server-package.sh" openssh-server openssh.sh
fi
