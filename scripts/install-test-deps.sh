#!/usr/bin/env bash
# Installs the Debian packages homesec's tests use as real peers: flow exporters and
# collectors; network namespaces and nftables for the scanner lab; the lab's real services
# (sshd, nginx, lighttpd, vsftpd, mosquitto); nmap and whatweb as oracles; ping; Chromium
# for the dashboard browser tests (driven by playwright-core).
# Idempotent; needs root (or sudo). Debian 12. Services are started only by the tests, in
# their own namespaces.
set -euo pipefail
PKGS=(softflowd nfdump iproute2 tcpreplay nftables iputils-ping nmap whatweb openssh-server nginx-light lighttpd vsftpd mosquitto chromium)
missing=()
for p in "${PKGS[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -eq 0 ]; then exit 0; fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "installed: ${missing[*]}"
