#!/usr/bin/env bash
# Installs the Debian packages overlap needs to build and run (once; quiet when
# present). With --test, also what the tests use: promtool (package prometheus)
# checks the /metrics exposition.
set -euo pipefail
pkgs=(liburing-dev libncurses-dev tmux)
[ "${1:-}" = "--test" ] && pkgs+=(prometheus)
need=()
for p in "${pkgs[@]}"; do
    dpkg -s "$p" >/dev/null 2>&1 || need+=("$p")
done
[ ${#need[@]} -eq 0 ] && exit 0
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO=sudo
echo "installing ${need[*]}" >&2
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
