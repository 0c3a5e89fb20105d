#!/usr/bin/env bash
# Replay isolation (bench/run.sh section 5, or alone: bash bench/isolation.sh BUILD): a small
# proof's latency on a notary otherwise idle, against the same while 12 MB proofs are proven
# and replayed on that notary (goal: <= 1.5x). The 12 MB responses come from a second
# tp-demo-api instance, so the small proof's target is not the one serving 12 MB; that
# instance and the 12 MB clients are niced (they stand for other machines), so what is
# measured is the notary: its loop relaying 12 MB sessions and its workers replaying them.
# A second baseline runs the same 12 MB load with curl instead of proofs (the machine's
# share, without the notary). Each round measures alone, under curl, under proofs, in that
# order; the ratios are per round, then their median over ISO_ROUNDS rounds.
# For each proof-load window it reports how many 12 MB proofs were signed, how busy the
# large-replay threads were (teeproof_replay_busy_seconds_total over the window and the
# thread count, from --metrics) and the CPU each notary thread used (/proc/PID/task, by
# thread name: the loop, tp-replay-small, tp-replay-large).
#   ISO_ROUNDS (3), ISO_N (40) small proofs per figure, ISO_LOOPS (2) concurrent 12 MB
#   clients, ISO_KB (12288), ISO_NOTARY: another notary binary (e.g. a build before a change).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD="$ROOT/${1:-build}"
BIN="$BUILD/bin"
ROUNDS=${ISO_ROUNDS:-3}
N=${ISO_N:-40}
LOOPS=${ISO_LOOPS:-2}
KB=${ISO_KB:-12288}
NOTARY=${ISO_NOTARY:-$BIN/teeproof-notary}
TP_WORK_PREFIX=tp-iso
source "$ROOT/scripts/lib/servers.sh"
HZ=$(getconf CLK_TCK)

bash "$ROOT/scripts/mkcerts.sh" "$WORK/certs" >/dev/null
TOKEN=bench-token
api_args=(--cert "$WORK/certs/server.pem" --key "$WORK/certs/server.key" --token "$TOKEN")
start_server api "$BIN/tp-demo-api" --listen 127.0.0.1:0 "${api_args[@]}"
start_server bigapi nice -n 19 "$BIN/tp-demo-api" --listen 127.0.0.1:0 "${api_args[@]}"
metrics=(--metrics 127.0.0.1:0)
"$NOTARY" --help 2>&1 | grep -q -- '--metrics' || metrics=()
start_server notary "$NOTARY" --listen 127.0.0.1:0 --allow-port any --tee sim --ca-file "$WORK/certs/ca.pem" \
  --allow-private --max-sessions 4096 "${metrics[@]}"
M=$(sed -n 's/^metrics on //p' "$WORK/notary.out")
sed "s/localhost:8443/localhost:$PORT_api/" "$ROOT/docs/examples/account.manifest.json" >"$WORK/m.json"
cat >"$WORK/big.json" <<JSON
{"manifestVersion":"2","id":"big","title":"$KB KiB","description":"bench",
 "request":{"method":"GET","url":"https://localhost:$PORT_bigapi/api/big?kb=$KB",
   "headers":{"Authorization":"Bearer <% token %>"},"body":"","vars":{"token":{}}},
 "response":{"status":"200","headers":{},"body":{"format":"json","extractors":[
   {"id":"kb","description":"size","selector":["kb"],"type":"number","required":true}]}}}
JSON

prove() { "$BIN/teeproof" prove --notary "127.0.0.1:$PORT_notary" --manifest "$1" --var "token=$TOKEN" \
  --ca-file "$WORK/certs/ca.pem" --allow-insecure-sim --out "$2"; }
# median_ms N CMD...: the median wall time of N runs of CMD, in ms.
median_ms() {
  local i t0 t1 runs=$1; shift
  : >"$WORK/times"
  for i in $(seq 1 "$runs"); do
    t0=$(date +%s%N); "$@" >/dev/null 2>&1 || { echo "error: benchmark command failed: $*" >&2; exit 1; }; t1=$(date +%s%N)
    echo $(( t1 - t0 )) >>"$WORK/times"
  done
  sort -n "$WORK/times" | awk '{a[NR]=$1} END {m = (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2; printf "%.3f\n", m / 1e6}'
}
median() { sort -n | awk '{a[NR]=$1} END {printf "%.2f", (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
ratio() { echo "$1 $2" | awk '{ printf "%.2f", ($2 > 0) ? $1 / $2 : 0 }'; }
# metric NAME: a sample of the notary's metrics (0 without --metrics).
metric() { [[ -n $M ]] && curl -s --max-time 5 "http://$M/metrics" | awk -v n="$1" '$1 == n {print $2; f=1} END {if (!f) print 0}' || echo 0; }
# big_signed: 12 MB proofs the notary signed so far (log lines of more than 1 MiB recorded).
big_signed() { sed -n 's/.*signed proof for .* (\([0-9]*\)+\([0-9]*\) bytes.*/\1 \2/p' "$WORK/notary.err" | awk '$1 + $2 >= 1048576' | wc -l; }
# thread_cpu: "NAME TICKS" per notary thread (the loop is the thread whose TID is the PID).
thread_cpu() {
  local t
  for t in /proc/"$PID_notary"/task/*; do
    awk -v loop="$([[ ${t##*/} == "$PID_notary" ]] && echo 1 || echo 0)" \
      '{sub(/^[^(]*\(/, ""); name = $0; sub(/\).*/, "", name); sub(/^[^)]*\) /, "");
        print (loop ? "loop" : name), $12 + $13}' "$t/stat" 2>/dev/null || true
  done | awk '{a[$1] += $2} END {for (k in a) print k, a[k]}' | sort
}

big_loop() {
  while [[ ! -e $WORK/stop-big ]]; do
    if [[ $1 == curl ]]; then
      nice -n 19 curl -sf --cacert "$WORK/certs/ca.pem" -H "Authorization: Bearer $TOKEN" -o /dev/null \
        "https://localhost:$PORT_bigapi/api/big?kb=$KB" || true
    else
      nice -n 19 "$BIN/teeproof" prove --notary "127.0.0.1:$PORT_notary" --manifest "$WORK/big.json" \
        --var "token=$TOKEN" --ca-file "$WORK/certs/ca.pem" --allow-insecure-sim --out "$WORK/p-big-$2.json" \
        >/dev/null 2>&1 || true
    fi
  done
}
# small_under KIND: the small proof's median latency while ISO_LOOPS KIND loops run; for
# proofs, the window's figures go to $WORK/window.
small_under() {
  local i pids=() b0 c0 w0 t0 b1 c1 w1 t1
  rm -f "$WORK/stop-big"
  for i in $(seq 1 "$LOOPS"); do big_loop "$1" "$i" & pids+=("$!"); done
  if [[ $1 == prove ]]; then # steady state: the first 12 MB replay has been signed
    b0=$(big_signed)
    for i in $(seq 1 200); do (( $(big_signed) > b0 )) && break; sleep 0.05; done
  else
    sleep 1
  fi
  b0=$(big_signed) w0=$(metric 'teeproof_replay_busy_seconds_total{queue="large"}') t0=$(date +%s%N)
  thread_cpu >"$WORK/cpu0"
  median_ms "$N" prove "$WORK/m.json" "$WORK/p.json"
  b1=$(big_signed) w1=$(metric 'teeproof_replay_busy_seconds_total{queue="large"}') t1=$(date +%s%N)
  thread_cpu >"$WORK/cpu1"
  touch "$WORK/stop-big"; wait "${pids[@]}" || true
  local threads; threads=$(metric 'teeproof_replay_threads{queue="large"}')
  join -a2 -e 0 -o 0,1.2,2.2 "$WORK/cpu0" "$WORK/cpu1" | awk -v hz="$HZ" -v secs="$(( (t1 - t0) / 1000000 ))" \
    -v big="$((b1 - b0))" -v busy="$(echo "$w0 $w1 $threads $t0 $t1" | awk '{ printf "%.2f", ($3 > 0) ? ($2 - $1) / $3 / (($5 - $4) / 1e9) : -1 }')" '
    BEGIN { printf "window %.2f s: %d %s KiB proofs signed; large-replay threads busy %s of the window; CPU %% of one core:", secs / 1000, big, "'"$KB"'", (busy < 0) ? "n/a" : sprintf("%.0f%%", busy * 100) }
    { printf " %s %.0f%%", $1, ($3 - $2) * 100 / hz / (secs / 1000) }
    END { printf "\n" }' >"$WORK/window"
}

echo "== replay isolation: a small proof alone, and while ${KB} KiB proofs are replayed ($ROUNDS rounds of $N, $LOOPS clients)"
"$BIN/teeproof" prove --notary "127.0.0.1:$PORT_notary" --manifest "$WORK/m.json" --var "token=$TOKEN" \
  --ca-file "$WORK/certs/ca.pem" --allow-insecure-sim --out "$WORK/p.json" >/dev/null # warm up
: >"$WORK/r-curl"; : >"$WORK/r-prove"; : >"$WORK/r-share"
for r in $(seq 1 "$ROUNDS"); do
  alone=$(median_ms "$N" prove "$WORK/m.json" "$WORK/p.json")
  under_curl=$(small_under curl)
  under=$(small_under prove)
  printf 'round %d: alone %8.3f ms | under 12 MB curls %8.3f ms = %5sx | under 12 MB proofs %8.3f ms = %5sx (vs curls %sx)\n' \
    "$r" "$alone" "$under_curl" "$(ratio "$under_curl" "$alone")" "$under" "$(ratio "$under" "$alone")" "$(ratio "$under" "$under_curl")"
  echo "         $(cat "$WORK/window")"
  ratio "$under_curl" "$alone" >>"$WORK/r-curl"; echo >>"$WORK/r-curl"
  ratio "$under" "$alone" >>"$WORK/r-prove"; echo >>"$WORK/r-prove"
  ratio "$under" "$under_curl" >>"$WORK/r-share"; echo >>"$WORK/r-share"
done
printf '%-48s %6sx baseline (median of %d rounds; goal <= 1.5x)\n' "small proof while 12 MB proofs are replayed" "$(median <"$WORK/r-prove")" "$ROUNDS"
printf '%-48s %6sx baseline\n' "small proof while 12 MB curls run (machine)" "$(median <"$WORK/r-curl")"
printf '%-48s %6sx (the notary'"'"'s own share)\n' "  ... proofs against the same load by curl" "$(median <"$WORK/r-share")"
