#!/usr/bin/env bash
# Installs the Debian 12 packages teeproof needs to build, test, fuzz and demo;
# `deps.sh interop` installs, in addition, the web servers `make interop` proves against
# (nginx, apache2, lighttpd, gnutls-serv, python3), with no service started by the install.
# Idempotent and silent when everything is present.
# `deps.sh node`: what the contract tests need instead (tests/integration/evm.sh): node and
# npm (Debian's nodejs/npm unless some node is already installed), and contracts/node_modules
# from the pinned contracts/package-lock.json (`npm ci`, again only when missing or stale).
# `deps.sh scale`: what `make scale-test` and bench/relay.sh need: haproxy and nginx (only
# the binaries: the scripts write their own configs to a temp dir and run them in the
# foreground; no system service is started or configured).
# `deps.sh bench`: gnuplot-nox, which `make bench` draws its SVG charts with, and the nginx
# and haproxy its sections 3 and 6 measure against.
# `deps.sh cpu`: linux-perf and valgrind, which bench/cpu.sh counts the notary's CPU with.
set -euo pipefail

as_root() {
  if [[ $(id -u) -eq 0 ]]; then "$@"
  elif command -v sudo >/dev/null 2>&1; then sudo "$@"
  else echo "error: not root; run as root: $*" >&2; exit 1
  fi
}

# install_missing PKG...: apt-get installs those not installed yet; quiet when none is missing.
# Packaged servers (nginx, apache2, lighttpd, haproxy) would start as system services when
# installed; a policy-rc.d that refuses every start prevents it (Docker images have one).
install_missing() {
  local p status missing=()
  for p in "$@"; do
    status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
    [[ "$status" == "install ok installed" ]] || missing+=("$p")
  done
  ((${#missing[@]} == 0)) && return 0
  echo "deps: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  local policy=/usr/sbin/policy-rc.d placed=0 log
  if [[ ! -e $policy ]]; then
    printf '#!/bin/sh\n# teeproof deps.sh: no service starts during this install\nexit 101\n' | as_root tee "$policy" >/dev/null
    as_root chmod 755 "$policy"
    placed=1
  fi
  log=$(mktemp)
  if ! { as_root apt-get update -qq && as_root apt-get install -y -qq --no-install-recommends "${missing[@]}"; } >"$log" 2>&1; then
    cat "$log" >&2
    rm -f "$log"
    ((placed)) && as_root rm -f "$policy"
    echo "error: apt-get could not install ${missing[*]}" >&2
    exit 1
  fi
  rm -f "$log"
  ((placed)) && as_root rm -f "$policy"
  return 0
}

if [[ ${1:-} == node ]]; then
  # Debian's nodejs/npm unless some node is already installed.
  if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    install_missing nodejs npm
  fi
  contracts="$(cd "$(dirname "$0")/.." && pwd)/contracts"
  stamp="$contracts/node_modules/.package-lock.json" # written by npm ci
  if [[ ! -f $stamp || $contracts/package-lock.json -nt $stamp ]]; then
    echo "deps: npm ci in contracts/" >&2
    (cd "$contracts" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
  fi
  exit 0
fi

case ${1:-} in
  scale) install_missing haproxy nginx; exit 0 ;;
  cpu) install_missing linux-perf valgrind; exit 0 ;;
  # make bench: its charts (gnuplot), section 3's target (nginx), bench/relay.sh (haproxy).
  bench) install_missing gnuplot-nox nginx haproxy; exit 0 ;;
esac

packages=(
  build-essential pkg-config
  libssl-dev openssl ca-certificates
  libjansson-dev libcbor-dev libcmocka-dev libsecp256k1-dev
  zlib1g-dev libbrotli-dev libzstd-dev
  libgumbo-dev
  clang libclang-rt-14-dev
  curl procps iproute2
)
case ${1:-} in
  "") ;;
  interop) packages+=(nginx apache2 lighttpd lighttpd-mod-openssl gnutls-bin python3) ;;
  *) echo "error: usage: deps.sh [interop|node|scale|bench|cpu]" >&2; exit 2 ;;
esac

install_missing "${packages[@]}"
