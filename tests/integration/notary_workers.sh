# Proof replay on worker threads (src/notary/workers.c): small and large proofs at once on a
# one-thread pool all verify, counted per queue in the metrics; the threads are named and
# the large one runs at SCHED_BATCH, nice 19, the loop and the small one at the process's
# priority; a prover that leaves right after PROVE_REQ (its replay finishes
# for a session that is gone) leaves the notary serving; --workers is validated; SIGTERM
# with jobs queued or running exits cleanly (under ASan: no leak, no use after free).
source "$(dirname "$0")/lib/common.sh"
make_certs
start_server api "$BIN/tp-demo-api" --listen 127.0.0.1:0 --cert "$CERTS/server.pem" --key "$CERTS/server.key" --token "$TOKEN"
start_server notary "$BIN/teeproof-notary" --listen 127.0.0.1:0 --allow-port any --tee sim --ca-file "$CERTS/ca.pem" \
  --allow-private --workers 1 --metrics 127.0.0.1:0
N="127.0.0.1:$PORT_notary"
M=$(sed -n 's/^metrics on //p' "$WORK/notary.out")
manifest_for "$PORT_api" >"$WORK/m.json"
big_manifest_for "$PORT_api" 2048 >"$WORK/big.json" # a large replay (>= 1 MiB)

expect_fail workers-zero 'workers wants 1-256' "$BIN/teeproof-notary" --listen 127.0.0.1:0 --tee sim --workers 0

# Two large and four small proofs at once.
pids=()
for i in 1 2 3 4 5 6; do
  m="$WORK/m.json"; ((i <= 2)) && m="$WORK/big.json"
  "$BIN/teeproof" prove --notary "$N" --manifest "$m" --var "token=$TOKEN" \
    --ca-file "$CERTS/ca.pem" --allow-insecure-sim --out "$WORK/p$i.json" 2>"$WORK/p$i.err" &
  pids+=("$!")
done
for i in "${!pids[@]}"; do wait "${pids[$i]}" || { cat "$WORK/p$((i + 1)).err" >&2; fail "prover $((i + 1))"; }; done
for i in 1 2 3 4 5 6; do "$BIN/teeproof" verify "$WORK/p$i.json" --allow-insecure-sim >/dev/null || fail "verify p$i"; done
note "2 large and 4 small concurrent proofs verified on one worker per queue"

curl -sS --max-time 5 "http://$M/metrics" >"$WORK/m.prom" || fail "scrape"
metric() { awk -v n="$1" '$1 == n {print $2}' "$WORK/m.prom"; }
[[ $(metric 'teeproof_replays_total{queue="large"}') == 2 ]] || fail "large replays not counted: $(grep replays_total "$WORK/m.prom")"
[[ $(metric 'teeproof_replays_total{queue="small"}') == 4 ]] || fail "small replays not counted: $(grep replays_total "$WORK/m.prom")"
[[ $(metric 'teeproof_replay_threads{queue="large"}') == 1 ]] || fail "large thread count"
awk '$1 ~ /^teeproof_replay_(busy|cpu)_seconds_total/ && !($2 > 0) {bad = 1} END {exit bad}' "$WORK/m.prom" \
  || fail "busy or CPU seconds not counted: $(grep _seconds_total "$WORK/m.prom")"
threads=$(ps -L -o comm=,ni=,cls= -p "$PID_notary")
base=$(ps -o ni= -p "$PID_notary" | tr -d ' ') # the loop's: the process's (the test may run niced)
grep -Eq '^tp-replay-large +19 +B$' <<<"$threads" || fail "large-replay thread not SCHED_BATCH nice 19: $threads"
grep -Eq "^tp-replay-small +$base +TS\$" <<<"$threads" || fail "small-replay thread not at the process's priority: $threads"
note "replays counted per queue; threads named, the large one SCHED_BATCH nice 19"

# Provers that leave as soon as PROVE_REQ is sent, a large one among them.
for m in "$WORK/big.json" "$WORK/m.json" "$WORK/big.json"; do
  "$BIN/tp-lying-prover" --notary "$N" --manifest "$m" --lie leave-proving --var "token=$TOKEN" \
    --ca-file "$CERTS/ca.pem" >/dev/null || fail "leave-proving prover"
done
"$BIN/teeproof" prove --notary "$N" --manifest "$WORK/m.json" --var "token=$TOKEN" --ca-file "$CERTS/ca.pem" \
  --allow-insecure-sim --out "$WORK/after.json" || fail "proof after provers left"
"$BIN/teeproof" verify "$WORK/after.json" --allow-insecure-sim >/dev/null || fail "verify after"
dropped=$(grep -c 'ended meanwhile dropped' "$WORK/notary.err" || true)
((dropped >= 1)) || fail "no replay result was dropped for a prover that left"
note "provers leaving during the replay: $dropped results dropped, notary still serving"

# SIGTERM while large replays are queued and running.
for i in 1 2 3; do
  "$BIN/tp-lying-prover" --notary "$N" --manifest "$WORK/big.json" --lie leave-proving --var "token=$TOKEN" \
    --ca-file "$CERTS/ca.pem" >/dev/null 2>&1 &
done
sleep 0.3
kill -TERM "$PID_notary"
for i in $(seq 1 100); do kill -0 "$PID_notary" 2>/dev/null || break; sleep 0.1; done
kill -0 "$PID_notary" 2>/dev/null && fail "notary still running after SIGTERM"
wait "$PID_notary" || { tail -20 "$WORK/notary.err" >&2; fail "notary exit status non-zero after SIGTERM"; }
note "SIGTERM with replays in flight: clean exit"
