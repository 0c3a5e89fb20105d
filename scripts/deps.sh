#!/usr/bin/env bash
# Installs the Debian 12 packages teeproof needs to build, test, fuzz and demo;
# `deps.sh interop` installs, in addition, the web servers `make interop` proves against
# (nginx, apache2, lighttpd, gnutls-serv, python3), with no service started by the install.
# Idempotent and silent when everything is present.
set -euo pipefail

packages=(
  build-essential pkg-config
  libssl-dev openssl ca-certificates
  libjansson-dev libcbor-dev libcmocka-dev
  zlib1g-dev libbrotli-dev libzstd-dev
  clang libclang-rt-14-dev
  curl procps iproute2
)
case ${1:-} in
  "") ;;
  interop) packages+=(nginx apache2 lighttpd lighttpd-mod-openssl gnutls-bin python3) ;;
  *) echo "error: usage: deps.sh [interop]" >&2; exit 2 ;;
esac

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$p")
done
((${#missing[@]} == 0)) && exit 0

echo "deps: installing ${missing[*]}" >&2
if [[ $(id -u) -ne 0 ]]; then
  if command -v sudo >/dev/null 2>&1; then SUDO=sudo; else
    echo "error: missing packages (${missing[*]}) and not root; install them with apt-get" >&2
    exit 1
  fi
else
  SUDO=
fi
export DEBIAN_FRONTEND=noninteractive
# Packaged servers (nginx, apache2, lighttpd) would start as system services on port 80 when
# installed; a policy-rc.d that refuses every start prevents it (Docker images have one).
policy=/usr/sbin/policy-rc.d
if [[ ! -e $policy ]]; then
  printf '#!/bin/sh\n# teeproof deps.sh: no service starts during this install\nexit 101\n' | $SUDO tee "$policy" >/dev/null
  $SUDO chmod 755 "$policy"
  trap '$SUDO rm -f "$policy"' EXIT
fi
log=$(mktemp)
if ! { $SUDO apt-get update -qq && $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"; } >"$log" 2>&1; then
  cat "$log" >&2
  rm -f "$log"
  echo "error: apt-get could not install ${missing[*]}" >&2
  exit 1
fi
rm -f "$log"
