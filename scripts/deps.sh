#!/usr/bin/env bash
# Installs the Debian 12 packages teeproof needs to build, test, fuzz and demo.
# Idempotent and silent when everything is present.
set -euo pipefail

packages=(
  build-essential pkg-config
  libssl-dev openssl ca-certificates
  libjansson-dev libcbor-dev libcmocka-dev
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
if [[ $(id -u) -ne 0 ]]; then
  if command -v sudo >/dev/null 2>&1; then SUDO=sudo; else
    echo "error: missing packages (${missing[*]}) and not root; install them with apt-get" >&2
    exit 1
  fi
else
  SUDO=
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >/dev/null
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
