#!/usr/bin/env bash
# `make bench`: proof latency against a baseline measured in the same run on the same
# machine: a plain `curl` of the same URL (a fresh TLS connection per request). Figures are
# medians over N runs; the ratio is what to compare, since shared machines are noisy.
#   BENCH_N (default 30) runs per figure.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN="$ROOT/${1:-build}/bin"
N=${BENCH_N:-30}
source "$ROOT/scripts/lib/servers.sh"

# median_ms CMD... : runs CMD N times, prints the median wall time in milliseconds (3 decimals).
median_ms() {
  local i t0 t1
  : >"$WORK/times"
  for i in $(seq 1 "$N"); do
    t0=$(date +%s%N); "$@" >/dev/null 2>&1 || { echo "error: benchmark command failed: $*" >&2; exit 1; }; t1=$(date +%s%N)
    echo $(( t1 - t0 )) >>"$WORK/times"
  done
  sort -n "$WORK/times" | awk '{a[NR]=$1} END {m = (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2; printf "%.3f\n", m / 1e6}'
}

bash "$ROOT/scripts/mkcerts.sh" "$WORK/certs" >/dev/null
TOKEN=bench-token
start_server api "$BIN/tp-demo-api" --listen 127.0.0.1:0 --cert "$WORK/certs/server.pem" --key "$WORK/certs/server.key" --token "$TOKEN"
start_server notary "$BIN/teeproof-notary" --listen 127.0.0.1:0 --allow-port any --tee sim --ca-file "$WORK/certs/ca.pem" --allow-private
api=$PORT_api notary=$PORT_notary
sed "s/localhost:8443/localhost:$api/" "$ROOT/docs/examples/account.manifest.json" >"$WORK/m.json"
cat >"$WORK/big.json" <<JSON
{"manifestVersion":"2","id":"big","title":"1 MiB","description":"bench",
 "request":{"method":"GET","url":"https://localhost:$api/api/big?kb=1024",
   "headers":{"Authorization":"Bearer <% token %>"},"body":"","vars":{"token":{}}},
 "response":{"status":"200","headers":{},"body":{"format":"json","extractors":[
   {"id":"kb","description":"size","selector":["kb"],"type":"number","required":true}]}}}
JSON

prove() { "$BIN/teeproof" prove --notary "127.0.0.1:$notary" --manifest "$1" --var "token=$TOKEN" \
  --ca-file "$WORK/certs/ca.pem" --allow-insecure-sim --out "$WORK/p.json"; }
curl_get() { curl -sf --cacert "$WORK/certs/ca.pem" -H "Authorization: Bearer $TOKEN" -o /dev/null "https://localhost:$api$1"; }

"$ROOT/${1:-build}/bench/bench_notarize" "${BENCH_ITERATIONS:-200}"
echo
prove "$WORK/m.json"   # warm up, and a proof to verify
echo "teeproof bench: $N runs per figure, medians, $(nproc) cores"
base=$(median_ms curl_get /api/account)
p=$(median_ms prove "$WORK/m.json")
v=$(median_ms "$BIN/teeproof" verify "$WORK/p.json" --allow-insecure-sim)
att=$(median_ms "$BIN/teeproof" attestation --notary "127.0.0.1:$notary" --allow-insecure-sim)
printf '%-44s %10s ms\n' "baseline: curl GET /api/account" "$base"
printf '%-44s %10s ms  %6.2fx baseline\n' "teeproof prove (attest+tunnel+TLS+proof)" "$p" "$(echo "$p $base" | awk '{print $1/$2}')"
printf '%-44s %10s ms  %6.2fx baseline\n' "teeproof verify (offline)" "$v" "$(echo "$v $base" | awk '{print $1/$2}')"
printf '%-44s %10s ms  %6.2fx baseline\n' "teeproof attestation" "$att" "$(echo "$att $base" | awk '{print $1/$2}')"
if prove "$WORK/big.json"; then
  bbase=$(median_ms curl_get "/api/big?kb=1024")
  bp=$(median_ms prove "$WORK/big.json")
  printf '%-44s %10s ms\n' "baseline: curl GET 1 MiB" "$bbase"
  printf '%-44s %10s ms  %6.2fx baseline\n' "teeproof prove, 1 MiB response" "$bp" "$(echo "$bp $bbase" | awk '{print $1/$2}')"
fi
bash "$ROOT/bench/relay.sh" "${1:-build}" # relay throughput vs HAProxy (TCP mode), 100 MiB
