#!/usr/bin/env bash
# Installs the Debian packages homesec's tests use as real peers (flow exporters and
# collectors, network namespaces). Idempotent; needs root (or sudo). Debian 12.
set -euo pipefail
PKGS=(softflowd nfdump iproute2 tcpreplay)
missing=()
for p in "${PKGS[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -eq 0 ]; then exit 0; fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "installed: ${missing[*]}"
