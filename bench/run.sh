#!/usr/bin/env bash
# `make bench`: every figure beside a baseline measured in the same run on the same machine,
# because shared machines are noisy and only the ratio is comparable:
#  1. bench_notarize: tp_notarize and tp_proof_verify against the same TLS session alone.
#  2. one proof (teeproof prove) against a plain `curl` of the same URL.
#  3. bench/load at concurrency 1, 16, 64, 256: proofs/s, p50/p99, notary CPU per proof and
#     RSS per session for a small JSON response from nginx (TLS 1.3, a static file on
#     loopback), against the same threads doing the TLS GET alone from the same nginx.
#  3b. idle sessions: BENCH_IDLE (10000, fewer if the descriptor limit cannot hold them)
#     sessions attested with a tunnel open to nginx, then idle, held by bench/load on a
#     fresh notary: its RSS per idle session (goal <= 64 KiB), and active proofs' p50/p99 at
#     concurrency 1 and 16 with them held, as a ratio to without.
#  3c. when the descriptor limit caps 3b below BENCH_IDLE: BENCH_IDLE sessions attested
#     without a tunnel (one descriptor each in the notary), the same figures.
#  4. response size 1 KiB .. 10 MiB: prove against curl.
#  5. replay isolation (bench/isolation.sh): a small proof's latency alone, and while 12 MB
#     proofs are replayed on the same notary (the replay runs on worker threads, not the event
#     loop), the 12 MB responses from a second target; per round, with the replays signed
#     meanwhile, the large-replay threads' busy fraction and each notary thread's CPU.
# Charts (gnuplot SVG, when gnuplot is installed: `make bench` installs gnuplot-nox) and the
# raw data go to build/bench/ (latency-vs-concurrency.svg, latency-vs-size.svg).
#   BENCH_N (default 30) runs per single figure; BENCH_N_BIG (default 5) for 1 MiB and up;
#   BENCH_LEVELS (default 1,16,64,256); BENCH_PROOFS (default 64) proofs per level at least;
#   BENCH_IDLE (default 10000) idle sessions for 3b, 0 to skip it; BENCH_IDLE_PROOFS (default
#   200) proofs per level there (enough for a p99 that is not just the slowest one).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD="$ROOT/${1:-build}"
BIN="$BUILD/bin"
OUT="$BUILD/bench"
N=${BENCH_N:-30}
N_BIG=${BENCH_N_BIG:-5}
LEVELS=${BENCH_LEVELS:-1,16,64,256}
PROOFS=${BENCH_PROOFS:-64}
IDLE=${BENCH_IDLE:-10000}
IDLE_PROOFS=${BENCH_IDLE_PROOFS:-200}
source "$ROOT/scripts/lib/servers.sh"
source "$ROOT/bench/lib.sh"
mkdir -p "$OUT"

row() { printf '%-48s %10s ms  %6sx baseline\n' "$1" "$2" "$(ratio "$2" "$3")"; }

bash "$ROOT/scripts/mkcerts.sh" "$WORK/certs" >/dev/null
TOKEN=bench-token
start_server api "$BIN/tp-demo-api" --listen 127.0.0.1:0 --cert "$WORK/certs/server.pem" --key "$WORK/certs/server.key" --token "$TOKEN"
start_server notary "$BIN/teeproof-notary" --listen 127.0.0.1:0 --allow-port any --tee sim --ca-file "$WORK/certs/ca.pem" \
  --allow-private --max-sessions 4096
api=$PORT_api notary=$PORT_notary
sed "s/localhost:8443/localhost:$api/" "$ROOT/docs/examples/account.manifest.json" >"$WORK/m.json"
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

echo "== 3. load: bench/load, concurrency $LEVELS, small JSON from nginx (baseline: the same threads, TLS GET alone)"
# nginx serves the demo account document as a static file; the manifest's bearer token is
# checked by the location, so a request without it is refused as by tp-demo-api.
mkdir -p "$WORK/www/api"
printf '%s' '{"account":{"id":"acct-1","owner":"Ada Lovelace","balance":1234.56,"currency":"USD","verified":true},"history":[{"amount":-20.5,"to":"shop"},{"amount":100,"from":"salary"}]}' >"$WORK/www/api/account"
NGINX_LOC="location = /api/account { default_type application/json; if (\$http_authorization != \"Bearer $TOKEN\") { return 401; } }"
NGINX_CONNECTIONS=$((IDLE + 1024)) start_nginx web "$WORK/www" "$WORK/certs/server.pem" "$WORK/certs/server.key" "$NGINX_LOC"
web=$PORT_web
sed "s/localhost:8443/localhost:$web/" "$ROOT/docs/examples/account.manifest.json" >"$WORK/m-nginx.json"
: >"$OUT/load-proof.dat"; : >"$OUT/load-tls.dat"
"$BUILD/bench/load" --notary "127.0.0.1:$notary" --manifest "$WORK/m-nginx.json" --var "token=$TOKEN" \
  --ca-file "$WORK/certs/ca.pem" --notary-pid "$PID_notary" --levels "$LEVELS" --proofs "$PROOFS" \
  --data "$OUT/load-proof.dat" 2>"$WORK/load.err" || { cat "$WORK/load.err" >&2; exit 1; }
"$BUILD/bench/load" --baseline "https://localhost:$web/api/account" --header "Authorization: Bearer $TOKEN" \
  --ca-file "$WORK/certs/ca.pem" --notary-pid "$PID_web" --levels "$LEVELS" --proofs "$PROOFS" \
  --data "$OUT/load-tls.dat"
echo "(proof rows: cpu is the notary's per proof; tls-get rows: nginx's per request)"
paste "$OUT/load-proof.dat" "$OUT/load-tls.dat" | awk '{
  printf "  c=%-4d proofs/s %7.1f = %5.2fx of TLS GETs/s; p50 %7.2f ms = %6.2fx; p99 %7.2f ms = %6.2fx; notary cpu %.3f ms/proof = %5.2fx nginx'"'"'s per GET; rss %.1f KiB/session\n",
    $1, $2, $2/$8, $3, $3/$9, $4, $4/$10, $5, ($11 > 0) ? $5/$11 : 0, $6 }'
echo

if ((IDLE > 0)); then
  # The notary holds two descriptors per idle session (prover and target), nginx and
  # bench/load one each: the hard limit (which nothing here may raise) caps N.
  fd_hard=$(ulimit -Hn); [[ $fd_hard == unlimited ]] && fd_hard=1048576
  idle_n=$(( IDLE < (fd_hard - 160) / 2 ? IDLE : (fd_hard - 160) / 2 ))
  # idle_run N [--idle-target HOST:PORT]: N idle sessions held on a fresh notary.
  idle_run() {
    local n=$1; shift
    start_server notary_idle "$BIN/teeproof-notary" --listen 127.0.0.1:0 --allow-port any --tee sim \
      --ca-file "$WORK/certs/ca.pem" --allow-private --max-sessions $((n + 256)) --idle-timeout 900
    "$BUILD/bench/load" --notary "127.0.0.1:$PORT_notary_idle" --manifest "$WORK/m-nginx.json" --var "token=$TOKEN" \
      --ca-file "$WORK/certs/ca.pem" --notary-pid "$PID_notary_idle" --levels 1,16 --proofs "$IDLE_PROOFS" \
      --idle "$n" "$@" 2>"$WORK/load-idle.err" || { cat "$WORK/load-idle.err" >&2; exit 1; }
    grep -m1 'descriptors' "$WORK/notary_idle.err" | sed 's/^/  notary: /' || true
    kill "$PID_notary_idle"; wait "$PID_notary_idle" 2>/dev/null || true
  }
  echo "== 3b. idle sessions: $idle_n held (attested, tunnel to nginx open, no traffic) on a fresh notary"
  ((idle_n < IDLE)) && echo "  ($IDLE asked; the descriptor hard limit here, $fd_hard, holds $idle_n: 2 per session in the notary)"
  idle_run "$idle_n" --idle-target "localhost:$web"
  if ((idle_n < IDLE && IDLE + 160 <= fd_hard)); then
    # The full count still fits with one descriptor per session: attested, no tunnel yet.
    echo "== 3c. idle sessions: $IDLE held (attested, no tunnel: one descriptor each) on a fresh notary"
    idle_run "$IDLE"
  fi
  echo
fi

echo "== 4. response size (prove vs curl; $N_BIG runs from 1 MiB up)"
: >"$OUT/size.dat"
for kb in 1 64 1024 10240; do
  big_manifest "$api" "$kb" "$WORK/big-$kb.json"
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
