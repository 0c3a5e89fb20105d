#!/usr/bin/env bash
# `make demo`: a local HTTPS JSON API (throw-away CA, bearer token), a notary in the sim
# TEE, a proof of the account owner and balance, its verification; then stops everything.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN="$ROOT/${1:-build}/bin"
source "$ROOT/scripts/lib/servers.sh"

if [[ -t 1 ]]; then bold=$'\033[1m' plain=$'\033[0m'; else bold= plain=; fi
step() { printf '\n%s==> %s%s\n' "$bold" "$*" "$plain"; }

step "making a throw-away CA and a certificate for localhost"
bash "$ROOT/scripts/mkcerts.sh" "$WORK/certs" >/dev/null
TOKEN="demo-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"

start_server api "$BIN/tp-demo-api" --listen 127.0.0.1:0 --cert "$WORK/certs/server.pem" \
  --key "$WORK/certs/server.key" --token "$TOKEN"
api_port=$PORT_api
echo "demo API on https://localhost:$api_port/api/account (needs a bearer token)"

start_server notary "$BIN/teeproof-notary" --listen 127.0.0.1:0 --allow-port any --tee sim \
  --ca-file "$WORK/certs/ca.pem" --allow-private
notary_port=$PORT_notary
echo "notary (sim TEE) on 127.0.0.1:$notary_port"

sed "s/localhost:8443/localhost:$api_port/" "$ROOT/docs/examples/account.manifest.json" >"$WORK/manifest.json"
step "the manifest: what will be proven"
cat "$WORK/manifest.json"

step "teeproof prove  (token passed as a secret variable; it never appears in the proof)"
echo "$TOKEN" >"$WORK/token"
t0=$(date +%s%N)
"$BIN/teeproof" prove --notary "127.0.0.1:$notary_port" --manifest "$WORK/manifest.json" \
  --var "token=@$WORK/token" --ca-file "$WORK/certs/ca.pem" --allow-insecure-sim --out "$WORK/proof.json"
t1=$(date +%s%N)
echo "proof written ($(wc -c <"$WORK/proof.json") bytes) in $(( (t1 - t0) / 1000000 )) ms"

step "teeproof verify  (signature, evidence, key binding, manifest)"
"$BIN/teeproof" verify "$WORK/proof.json" --allow-insecure-sim --manifest "$WORK/manifest.json"

if grep -q "$TOKEN" "$WORK/proof.json"; then echo "error: the secret leaked into the proof" >&2; exit 1; fi
step "done: the proof verified; the token is not in it. (sim TEE: for development only)"
