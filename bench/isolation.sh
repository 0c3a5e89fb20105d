#!/usr/bin/env bash
# Replay isolation (bench/run.sh section 5, or alone: bash bench/isolation.sh BUILD): a small
# proof's latency on a notary otherwise idle, against the same while 12 MB proofs are proven
# and replayed on that notary (goal: <= 1.5x). The 12 MB responses come from a second
# tp-demo-api instance, so the small proof's target is not the one serving 12 MB; that
# instance and the 12 MB clients are niced (they stand for other machines), so what is
# measured is the notary: its loop relaying 12 MB sessions and its workers replaying them.
# A second baseline runs the same 12 MB load with curl instead of proofs (the machine's
# share, without the notary). The clients run in turns, paused in between until nothing is
# in flight; alone and loaded figures alternate, each loaded one against the mean of the
# alone ones just before and after it (the machine's other load drifts between figures);
# the ratios are per round, then their median over ISO_ROUNDS rounds.
# For each proof-load window it reports how many 12 MB proofs were signed, how busy the
# large-replay threads were (teeproof_replay_busy_seconds_total over the window and the
# thread count, from --metrics) and the CPU each notary thread used (/proc/PID/task, by
# thread name: the loop, tp-replay-small, tp-replay-large).
#   ISO_ROUNDS (3), ISO_N (40) small proofs per figure, ISO_LOOPS (3) concurrent 12 MB
#   clients, ISO_KB (12288), ISO_NOTARY: another notary binary (e.g. a build before a change),
#   ISO_BIG_MODE=direct: the 12 MB proofs in direct mode (the notary fetches; default tunnel).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD="$ROOT/${1:-build}"
BIN="$BUILD/bin"
ROUNDS=${ISO_ROUNDS:-3}
N=${ISO_N:-40}
LOOPS=${ISO_LOOPS:-3}
KB=${ISO_KB:-12288}
NOTARY=${ISO_NOTARY:-$BIN/teeproof-notary}
BIG_MODE=()
[[ ${ISO_BIG_MODE:-tunnel} == direct ]] && BIG_MODE=(--direct)
TP_WORK_PREFIX=tp-iso
source "$ROOT/scripts/lib/servers.sh"
source "$ROOT/bench/lib.sh"
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
big_manifest "$PORT_bigapi" "$KB" "$WORK/big.json"

prove() { "$BIN/teeproof" prove --notary "127.0.0.1:$PORT_notary" --manifest "$1" --var "token=$TOKEN" \
  --ca-file "$WORK/certs/ca.pem" --allow-insecure-sim --out "$2"; }
median() { sort -n | awk '{a[NR]=$1} END {printf "%.2f", (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
# metric NAME: a sample of the notary's metrics (0 without --metrics).
metric() { [[ -n $M ]] && curl -s --max-time 5 "http://$M/metrics" | awk -v n="$1" '$1 == n {print $2; f=1} END {if (!f) print 0}' || echo 0; }
# big_signed: 12 MB proofs the notary signed so far (log lines of more than 1 MiB recorded).
big_signed() { sed -n 's/.*signed \(direct \)\{0,1\}proof for .* (\([0-9]*\)+\([0-9]*\) bytes.*/\2 \3/p' "$WORK/notary.err" | awk '$1 + $2 >= 1048576' | wc -l; }
# thread_cpu: "NAME TICKS" per notary thread (the loop is the thread whose TID is the PID).
thread_cpu() {
  local t
  for t in /proc/"$PID_notary"/task/*; do
    awk -v loop="$([[ ${t##*/} == "$PID_notary" ]] && echo 1 || echo 0)" \
      '{sub(/^[^(]*\(/, ""); name = $0; sub(/\).*/, "", name); sub(/^[^)]*\) /, "");
        print (loop ? "loop" : name), $12 + $13}' "$t/stat" 2>/dev/null || true
  done | awk '{a[$1] += $2} END {for (k in a) print k, a[k]}' | sort
}

# big_loop KIND I: one 12 MB client (curl or prove), niced, running while $WORK/go-KIND
# exists; between fetches with go-KIND absent it marks itself idle-KIND-I (nothing in flight:
# for proofs, its last replay is done).
big_loop() {
  while [[ ! -e $WORK/stop-big ]]; do
    if [[ ! -e $WORK/go-$1 ]]; then touch "$WORK/idle-$1-$2"; sleep 0.02; continue; fi
    rm -f "$WORK/idle-$1-$2"
    if [[ $1 == curl ]]; then
      nice -n 19 curl -sf --cacert "$WORK/certs/ca.pem" -H "Authorization: Bearer $TOKEN" -o /dev/null \
        "https://localhost:$PORT_bigapi/api/big?kb=$KB" || true
    else
      nice -n 19 "$BIN/teeproof" prove --notary "127.0.0.1:$PORT_notary" --manifest "$WORK/big.json" \
        --var "token=$TOKEN" --ca-file "$WORK/certs/ca.pem" --allow-insecure-sim --out "$WORK/p-big-$2.json" \
        "${BIG_MODE[@]}" >/dev/null 2>&1 || true
    fi
  done
}
# pause KIND: stop the KIND clients and wait until none has a fetch (or a replay) in flight.
pause() {
  local i _
  rm -f "$WORK/go-$1"
  for i in $(seq 1 "$LOOPS"); do
    for _ in $(seq 1 1200); do [[ -e $WORK/idle-$1-$i ]] && break; sleep 0.05; done
  done
}
# loaded KIND: the small proof's median latency while the KIND clients run (from steady
# state: for proofs, a 12 MB proof signed since they started); for proofs, the window's
# figures go to $WORK/window.
loaded() {
  local i b0 w0 t0 b1 w1 t1 ms
  b0=$(big_signed)
  touch "$WORK/go-$1"
  if [[ $1 == prove ]]; then
    for i in $(seq 1 400); do (( $(big_signed) > b0 )) && break; sleep 0.05; done
  else
    sleep 1
  fi
  b0=$(big_signed) w0=$(metric 'teeproof_replay_busy_seconds_total{queue="large"}') t0=$(date +%s%N)
  thread_cpu >"$WORK/cpu0"
  ms=$(RUNS=$N median_ms prove "$WORK/m.json" "$WORK/p.json")
  b1=$(big_signed) w1=$(metric 'teeproof_replay_busy_seconds_total{queue="large"}') t1=$(date +%s%N)
  thread_cpu >"$WORK/cpu1"
  pause "$1"
  echo "$ms"
  [[ $1 == prove ]] || return 0
  local threads; threads=$(metric 'teeproof_replay_threads{queue="large"}')
  join -a2 -e 0 -o 0,1.2,2.2 "$WORK/cpu0" "$WORK/cpu1" | awk -v hz="$HZ" -v secs="$(( (t1 - t0) / 1000000 ))" \
    -v big="$((b1 - b0))" -v busy="$(echo "$w0 $w1 $threads $t0 $t1" | awk '{ printf "%.2f", ($3 > 0) ? ($2 - $1) / $3 / (($5 - $4) / 1e9) : -1 }')" '
    BEGIN { printf "window %.2f s: %d %s KiB proofs signed; large-replay threads busy %s of the window; CPU %% of one core:", secs / 1000, big, "'"$KB"'", (busy < 0) ? "n/a" : sprintf("%.0f%%", busy * 100) }
    { printf " %s %.0f%%", $1, ($3 - $2) * 100 / hz / (secs / 1000); if ($1 == "loop") loop = ($3 - $2) * 1000 / hz }
    END { printf "; loop CPU per 12 MB proof %s\n", big ? sprintf("%.0f ms", loop / big) : "n/a" }' >"$WORK/window"
}
alone() { RUNS=$N median_ms prove "$WORK/m.json" "$WORK/p.json"; }

echo "== replay isolation: a small proof alone, and while ${KB} KiB proofs are replayed ($ROUNDS rounds of $N, $LOOPS ${ISO_BIG_MODE:-tunnel}-mode clients)"
"$BIN/teeproof" prove --notary "127.0.0.1:$PORT_notary" --manifest "$WORK/m.json" --var "token=$TOKEN" \
  --ca-file "$WORK/certs/ca.pem" --allow-insecure-sim --out "$WORK/p.json" >/dev/null # warm up
pids=()
for kind in curl prove; do
  for i in $(seq 1 "$LOOPS"); do big_loop "$kind" "$i" & pids+=("$!"); done
done
: >"$WORK/r-curl"; : >"$WORK/r-prove"; : >"$WORK/r-share"
# Alone and loaded alternate (alone, curls, alone, proofs, alone, ...): each loaded figure is
# against the mean of the alone figures just before and after it, so drift in the machine's
# other load between figures cancels.
a0=$(alone)
for r in $(seq 1 "$ROUNDS"); do
  under_curl=$(loaded curl); a1=$(alone)
  under=$(loaded prove); a2=$(alone)
  base_c=$(echo "$a0 $a1" | awk '{printf "%.3f", ($1 + $2) / 2}')
  base_p=$(echo "$a1 $a2" | awk '{printf "%.3f", ($1 + $2) / 2}')
  printf 'round %d: 12 MB curls %8.3f ms = %5sx alone (%s, %s) | 12 MB proofs %8.3f ms = %5sx alone (%s, %s)\n' \
    "$r" "$under_curl" "$(ratio "$under_curl" "$base_c")" "$a0" "$a1" "$under" "$(ratio "$under" "$base_p")" "$a1" "$a2"
  echo "         $(cat "$WORK/window")"
  echo "$(ratio "$under_curl" "$base_c")" >>"$WORK/r-curl"
  echo "$(ratio "$under" "$base_p")" >>"$WORK/r-prove"
  echo "$(ratio "$(ratio "$under" "$base_p")" "$(ratio "$under_curl" "$base_c")")" >>"$WORK/r-share"
  a0=$a2
done
touch "$WORK/stop-big"; wait "${pids[@]}" || true
printf '%-48s %6sx alone (median of %d rounds; goal <= 1.5x)\n' "small proof while 12 MB proofs are replayed" "$(median <"$WORK/r-prove")" "$ROUNDS"
printf '%-48s %6sx alone\n' "small proof while 12 MB curls run (machine)" "$(median <"$WORK/r-curl")"
printf '%-48s %6sx (the notary'"'"'s own share)\n' "  ... proofs against the same load by curl" "$(median <"$WORK/r-share")"
