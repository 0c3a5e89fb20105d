#!/usr/bin/env bash
# `make bench`: every figure beside a baseline measured in the same run on the same machine,
# because shared machines are noisy and only the ratio is comparable:
#  1. bench_notarize: tp_notarize and tp_proof_verify against the same TLS session alone.
#  2. one proof (teeproof prove) against a plain `curl` of the same URL.
#  3. bench/load at concurrency 1, 16, 64, 256: proofs/s, p50/p99, notary CPU per proof and
#     RSS per session, against the same threads doing the TLS GET alone (tp-demo-api's CPU).
#  4. response size 1 KiB .. 10 MiB: prove against curl.
#  5. replay isolation (bench/isolation.sh): a small proof's latency alone, and while 12 MB
#     proofs are replayed on the same notary (the replay runs on worker threads, not the event
#     loop), the 12 MB responses from a second target; per round, with the replays signed
#     meanwhile, the large-replay threads' busy fraction and each notary thread's CPU.
# Charts (gnuplot SVG, when gnuplot is installed: `make bench` installs gnuplot-nox) and the
# raw data go to build/bench/ (latency-vs-concurrency.svg, latency-vs-size.svg).
#   BENCH_N (default 30) runs per single figure; BENCH_N_BIG (default 5) for 1 MiB and up;
#   BENCH_LEVELS (default 1,16,64,256); BENCH_PROOFS (default 64) proofs per level at least.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD="$ROOT/${1:-build}"
BIN="$BUILD/bin"
OUT="$BUILD/bench"
N=${BENCH_N:-30}
N_BIG=${BENCH_N_BIG:-5}
LEVELS=${BENCH_LEVELS:-1,16,64,256}
PROOFS=${BENCH_PROOFS:-64}
source "$ROOT/scripts/lib/servers.sh"
mkdir -p "$OUT"

# median_ms CMD... : runs CMD $RUNS (default N) times, prints the median wall time in ms.
median_ms() {
  local i t0 t1 runs=${RUNS:-$N}
  : >"$WORK/times"
  for i in $(seq 1 "$runs"); do
    t0=$(date +%s%N); "$@" >/dev/null 2>&1 || { echo "error: benchmark command failed: $*" >&2; exit 1; }; t1=$(date +%s%N)
    echo $(( t1 - t0 )) >>"$WORK/times"
  done
  sort -n "$WORK/times" | awk '{a[NR]=$1} END {m = (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2; printf "%.3f\n", m / 1e6}'
}
ratio() { echo "$1 $2" | awk '{ printf "%.2f", ($2 > 0) ? $1 / $2 : 0 }'; }
row() { printf '%-48s %10s ms  %6sx baseline\n' "$1" "$2" "$(ratio "$2" "$3")"; }

bash "$ROOT/scripts/mkcerts.sh" "$WORK/certs" >/dev/null
TOKEN=bench-token
start_server api "$BIN/tp-demo-api" --listen 127.0.0.1:0 --cert "$WORK/certs/server.pem" --key "$WORK/certs/server.key" --token "$TOKEN"
start_server notary "$BIN/teeproof-notary" --listen 127.0.0.1:0 --allow-port any --tee sim --ca-file "$WORK/certs/ca.pem" \
  --allow-private --max-sessions 4096
api=$PORT_api notary=$PORT_notary
sed "s/localhost:8443/localhost:$api/" "$ROOT/docs/examples/account.manifest.json" >"$WORK/m.json"
# big_manifest KB FILE: a manifest for /api/big?kb=KB (a JSON document of exactly KB KiB).
big_manifest() {
  cat >"$2" <<JSON
{"manifestVersion":"2","id":"big","title":"$1 KiB","description":"bench",
 "request":{"method":"GET","url":"https://localhost:$api/api/big?kb=$1",
   "headers":{"Authorization":"Bearer <% token %>"},"body":"","vars":{"token":{}}},
 "response":{"status":"200","headers":{},"body":{"format":"json","extractors":[
   {"id":"kb","description":"size","selector":["kb"],"type":"number","required":true}]}}}
JSON
}

prove() { "$BIN/teeproof" prove --notary "127.0.0.1:$notary" --manifest "$1" --var "token=$TOKEN" \
  --ca-file "$WORK/certs/ca.pem" --allow-insecure-sim --out "${PROOF_OUT:-$WORK/p.json}"; }
curl_get() { curl -sf --cacert "$WORK/certs/ca.pem" -H "Authorization: Bearer $TOKEN" -o /dev/null "https://localhost:$api$1"; }

echo "== 1. the notary's decision in process (against the TLS session alone)"
"$BUILD/bench/bench_notarize" "${BENCH_ITERATIONS:-200}"
echo

echo "== 2. one proof, $N runs per figure, medians, $(nproc) cores"
prove "$WORK/m.json"   # warm up, and a proof to verify
base=$(median_ms curl_get /api/account)
p=$(median_ms prove "$WORK/m.json")
v=$(median_ms "$BIN/teeproof" verify "$WORK/p.json" --allow-insecure-sim)
att=$(median_ms "$BIN/teeproof" attestation --notary "127.0.0.1:$notary" --allow-insecure-sim)
printf '%-48s %10s ms\n' "baseline: curl GET /api/account" "$base"
row "teeproof prove (attest+tunnel+TLS+proof)" "$p" "$base"
row "teeproof verify (offline)" "$v" "$base"
row "teeproof attestation" "$att" "$base"
echo

echo "== 3. load: bench/load, concurrency $LEVELS (baseline: the same threads, TLS GET alone)"
: >"$OUT/load-proof.dat"; : >"$OUT/load-tls.dat"
"$BUILD/bench/load" --notary "127.0.0.1:$notary" --manifest "$WORK/m.json" --var "token=$TOKEN" \
  --ca-file "$WORK/certs/ca.pem" --notary-pid "$PID_notary" --levels "$LEVELS" --proofs "$PROOFS" \
  --data "$OUT/load-proof.dat" 2>"$WORK/load.err" || { cat "$WORK/load.err" >&2; exit 1; }
"$BUILD/bench/load" --baseline "https://localhost:$api/api/account" --header "Authorization: Bearer $TOKEN" \
  --ca-file "$WORK/certs/ca.pem" --notary-pid "$PID_api" --levels "$LEVELS" --proofs "$PROOFS" \
  --data "$OUT/load-tls.dat"
echo "(proof rows: cpu is the notary's per proof; tls-get rows: the target's per request)"
paste "$OUT/load-proof.dat" "$OUT/load-tls.dat" | awk '{
  printf "  c=%-4d proofs/s %7.1f = %5.2fx of TLS GETs/s; p50 %7.2f ms = %6.2fx; p99 %7.2f ms = %6.2fx; notary cpu %.3f ms/proof = %5.2fx the target'"'"'s per GET; rss %.1f KiB/session\n",
    $1, $2, $2/$8, $3, $3/$9, $4, $4/$10, $5, ($11 > 0) ? $5/$11 : 0, $6 }'
echo

echo "== 4. response size (prove vs curl; $N_BIG runs from 1 MiB up)"
: >"$OUT/size.dat"
for kb in 1 64 1024 10240; do
  big_manifest "$kb" "$WORK/big-$kb.json"
  runs=$N; ((kb >= 1024)) && runs=$N_BIG
  prove "$WORK/big-$kb.json" >/dev/null
  c=$(RUNS=$runs median_ms curl_get "/api/big?kb=$kb")
  pp=$(RUNS=$runs median_ms prove "$WORK/big-$kb.json")
  printf '%-48s %10s ms\n' "baseline: curl GET $kb KiB" "$c"
  row "teeproof prove, $kb KiB response" "$pp" "$c"
  echo "$kb $c $pp" >>"$OUT/size.dat"
done
echo

echo "== 5. replay isolation (bench/isolation.sh: its own notary and targets, ISO_ROUNDS rounds)"
bash "$ROOT/bench/isolation.sh" "${1:-build}"
echo

if command -v gnuplot >/dev/null 2>&1; then
  gnuplot <<GP
set terminal svg size 720,440 dynamic font "sans,11"
set grid
set key top left
set output "$OUT/latency-vs-concurrency.svg"
set title "p50 latency vs concurrent sessions (teeproof prove vs the TLS GET alone, same run)"
set xlabel "concurrent sessions"; set ylabel "p50 latency (ms)"
set logscale x 2; set logscale y 10
plot "$OUT/load-proof.dat" using 1:3 with linespoints title "teeproof proof (p50)", \
     "$OUT/load-proof.dat" using 1:4 with linespoints title "teeproof proof (p99)", \
     "$OUT/load-tls.dat" using 1:3 with linespoints title "TLS GET alone, like curl (p50)"
set output "$OUT/latency-vs-size.svg"
set title "latency vs response size (median; teeproof prove vs curl, same run)"
set xlabel "response size (KiB)"; set ylabel "latency (ms)"
set logscale x 2; set logscale y 10
plot "$OUT/size.dat" using 1:3 with linespoints title "teeproof prove", \
     "$OUT/size.dat" using 1:2 with linespoints title "curl"
GP
  echo "charts: $OUT/latency-vs-concurrency.svg $OUT/latency-vs-size.svg"
else
  echo "charts: skipped (no gnuplot; \`make bench\` installs gnuplot-nox through scripts/deps.sh bench)"
fi
bash "$ROOT/bench/relay.sh" "${1:-build}" # relay throughput vs HAProxy (TCP mode), 100 MiB
