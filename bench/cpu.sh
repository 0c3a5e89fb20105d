#!/usr/bin/env bash
# The notary's CPU cost per small proof, counted rather than timed (issue 8: <= 1.0 ms):
# a notary and tp-demo-api on loopback, bench/load runs PROOFS sequential small proofs
# (concurrency 1) while the notary is watched by
#   perf stat   task-clock and syscalls (raw and per name) per proof,
#   perf record a call-graph profile (cpu-clock) -> $OUT/cpu-perf.txt (top symbols),
#   callgrind   instructions per proof (a second notary under valgrind, counters zeroed
#               after a warm-up and dumped after the run), by function -> $OUT/cpu-ir.txt.
# Usage: bash bench/cpu.sh [BUILD]    (CPU_PROOFS, default 300; CPU_IR_PROOFS, default 40;
# CPU_IR=0 skips callgrind; CPU_OUT, default BUILD/bench; CPU_HOST, default localhost: the
# target host the manifest names, 127.0.0.1 for an IP literal). Needs perf and valgrind:
# `scripts/deps.sh cpu`.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
B=${1:-build}; [[ "$B" = /* ]] && BUILD=$B || BUILD="$ROOT/$B"
BIN="$BUILD/bin"
OUT=${CPU_OUT:-$BUILD/bench}
PROOFS=${CPU_PROOFS:-300}
IR_PROOFS=${CPU_IR_PROOFS:-40}
source "$ROOT/scripts/lib/servers.sh"
mkdir -p "$OUT"

bash "$ROOT/scripts/mkcerts.sh" "$WORK/certs" >/dev/null
TOKEN=bench-token
start_server api "$BIN/tp-demo-api" --listen 127.0.0.1:0 --cert "$WORK/certs/server.pem" --key "$WORK/certs/server.key" --token "$TOKEN"
sed "s/localhost:8443/${CPU_HOST:-localhost}:$PORT_api/" "$ROOT/docs/examples/account.manifest.json" >"$WORK/m.json"
notary_args=(--listen 127.0.0.1:0 --allow-port any --tee sim --ca-file "$WORK/certs/ca.pem" --allow-private --max-sessions 4096)
load() { "$BUILD/bench/load" --notary "127.0.0.1:$1" --manifest "$WORK/m.json" --var "token=$TOKEN" \
  --ca-file "$WORK/certs/ca.pem" --notary-pid "$2" --levels "${CPU_LEVEL:-1}" --proofs "$3" 2>"$WORK/load.err" \
  || { cat "$WORK/load.err" >&2; exit 1; }; }

start_server notary "$BIN/teeproof-notary" "${notary_args[@]}"
load "$PORT_notary" "$PID_notary" 20 >/dev/null   # warm-up: first-use caches, page faults
# watch CMD...: runs CMD in the background attached to the notary during one load run.
watch() {
  "$@" &
  local w=$!
  sleep 0.5
  load "$PORT_notary" "$PID_notary" "$PROOFS"
  kill -INT "$w"; wait "$w" 2>/dev/null || true
}
watch perf stat -x, -e task-clock,raw_syscalls:sys_enter -p "$PID_notary" -o "$WORK/stat"
watch perf trace -s -p "$PID_notary" -o "$WORK/trace"
awk -F, -v n="$PROOFS" '/task-clock/ { printf "notary task-clock      %8.3f ms/proof\n", $1 / n }
  /raw_syscalls/ { printf "notary syscalls        %8.1f /proof\n", $1 / n }' "$WORK/stat"
echo "syscalls by name (per proof, perf trace -s):"
awk -v n="$PROOFS" '$1 ~ /^[a-z_0-9]+$/ && $2 ~ /^[0-9]+$/ { c[$1] += $2 }
  END { for (s in c) printf "  %-16s %6.2f\n", s, c[s] / n }' "$WORK/trace" | sort -k2 -nr | head -20

watch perf record -q -g -F 4999 -p "$PID_notary" -o "$OUT/cpu-perf.data"
{ perf report -i "$OUT/cpu-perf.data" --no-children --sort symbol --stdio 2>/dev/null \
  | grep -E '^ +[0-9.]+%' || true; } | head -40 >"$OUT/cpu-perf.txt"
{ perf report -i "$OUT/cpu-perf.data" --no-children --sort dso --stdio 2>/dev/null \
  | grep -E '^ +[0-9.]+%' || true; } | head -12 >"$OUT/cpu-perf-dso.txt"
echo "profile (self, cpu-clock): $OUT/cpu-perf.txt; by library: $OUT/cpu-perf-dso.txt"
head -15 "$OUT/cpu-perf.txt"
cat "$OUT/cpu-perf-dso.txt"

if [[ "${CPU_IR:-1}" != 0 ]]; then
  start_server vg valgrind --tool=callgrind --callgrind-out-file="$WORK/cg.out" "$BIN/teeproof-notary" "${notary_args[@]}"
  load "$PORT_vg" "$PID_vg" 5 >/dev/null
  callgrind_control -z "$PID_vg" >/dev/null 2>&1
  load "$PORT_vg" "$PID_vg" "$IR_PROOFS" >/dev/null
  callgrind_control -d "$PID_vg" >/dev/null 2>&1
  f="$OUT/cpu-callgrind.out"
  cp "$(ls -t "$WORK"/cg.out* | head -1)" "$f"
  ir=$(sed -n 's/^summary: *//p;s/^totals: *//p' "$f" | head -1 | awk '{print $1}')
  echo "notary instructions    $(awk -v i="$ir" -v n="$IR_PROOFS" 'BEGIN { printf "%8.2f M/proof", i / n / 1e6 }')"
  # inclusive instructions of the notary's own functions and the library calls they make
  { callgrind_annotate --inclusive=yes --threshold=100 "$f" 2>/dev/null \
      | grep -E '^ *[0-9,]+ .*(src/|\?\?\?:(SSL_|EVP_|X509|json_|secp256k1))' | grep -v '^ *[0-9,]* *([0-9. %]*) */' || true; } \
    | head -60 >"$OUT/cpu-ir.txt"
  echo "instructions by function (inclusive): $OUT/cpu-ir.txt"
  head -15 "$OUT/cpu-ir.txt"
fi
