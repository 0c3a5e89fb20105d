#!/usr/bin/env bash
# Installs the Debian 12 packages teeproof needs to build, test, fuzz and demo.
# Idempotent and silent when everything is present.
# `deps.sh node`: what the contract tests need instead (tests/integration/evm.sh): node and
# npm (Debian's nodejs/npm unless some node is already installed), and contracts/node_modules
# from the pinned contracts/package-lock.json (`npm ci`, again only when missing or stale).
# `deps.sh bench`: gnuplot-nox, which `make bench` draws its SVG charts with.
set -euo pipefail

as_root() {
  if [[ $(id -u) -eq 0 ]]; then "$@"
  elif command -v sudo >/dev/null 2>&1; then sudo "$@"
  else echo "error: not root; run as root: $*" >&2; exit 1
  fi
}

if [[ ${1:-} == node ]]; then
  if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    echo "deps: installing nodejs npm" >&2
    export DEBIAN_FRONTEND=noninteractive
    as_root apt-get update -qq >/dev/null
    as_root apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null
  fi
  contracts="$(cd "$(dirname "$0")/.." && pwd)/contracts"
  stamp="$contracts/node_modules/.package-lock.json" # written by npm ci
  if [[ ! -f $stamp || $contracts/package-lock.json -nt $stamp ]]; then
    echo "deps: npm ci in contracts/" >&2
    (cd "$contracts" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
  fi
  exit 0
fi

if [[ ${1:-} == bench ]]; then
  if ! command -v gnuplot >/dev/null 2>&1; then
    echo "deps: installing gnuplot-nox" >&2
    export DEBIAN_FRONTEND=noninteractive
    as_root apt-get update -qq >/dev/null
    as_root apt-get install -y -qq --no-install-recommends gnuplot-nox >/dev/null
  fi
  exit 0
fi

packages=(
  build-essential pkg-config
  libssl-dev openssl ca-certificates
  libjansson-dev libcbor-dev libcmocka-dev libsecp256k1-dev
  zlib1g-dev libbrotli-dev libzstd-dev
  libgumbo-dev
  clang libclang-rt-14-dev
  curl procps iproute2
)

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$p")
done
((${#missing[@]} == 0)) && exit 0

echo "deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
as_root apt-get update -qq >/dev/null
as_root apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
