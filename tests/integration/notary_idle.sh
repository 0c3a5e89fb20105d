#!/usr/bin/env bash
# Many idle sessions and the notary's limits (no timing asserted):
#  - 500 sessions attested with a tunnel open and then idle (bench/load --idle-only) are all
#    held, and a proof still succeeds and verifies meanwhile;
#  - beyond --max-sessions further sessions are refused with `limit` (each one by name), a
#    proof too; once the idle sessions leave, proofs succeed again;
#  - out of file descriptors (a notary whose hard RLIMIT_NOFILE is tiny) accept() fails with
#    EMFILE: the notary logs it, pauses accepting instead of spinning on the listener (its
#    CPU time stays far below the wall time), and serves again once descriptors are free;
#  - the notary logs its descriptor capacity at start and warns when --max-sessions exceeds it.
source "$(dirname "$0")/lib/common.sh"
IDLE=500
MAX=$((IDLE + 3))
make_certs
start_server api "$BIN/tp-demo-api" --listen 127.0.0.1:0 --cert "$CERTS/server.pem" --key "$CERTS/server.key" --token "$TOKEN"
start_server notary "$BIN/teeproof-notary" --listen 127.0.0.1:0 --allow-port any --tee sim --ca-file "$CERTS/ca.pem" \
  --allow-private --max-sessions "$MAX"
N="127.0.0.1:$PORT_notary"
manifest_for "$PORT_api" >"$WORK/m.json"
grep -q 'file descriptors (soft limit raised from' "$WORK/notary.err" || fail "no descriptor capacity logged"
prove() { # NAME: a proof into $WORK/NAME.json
  "$BIN/teeproof" prove --notary "$1" --manifest "$WORK/m.json" --var "token=$TOKEN" --ca-file "$CERTS/ca.pem" \
    --allow-insecure-sim --out "$WORK/$2.json"
}
# hold NAME COUNT: bench/load holding COUNT idle sessions in the background (pid in HOLD_PID).
hold() {
  "$BUILD/bench/load" --notary "$N" --idle "$2" --idle-target "localhost:$PORT_api" --idle-only >"$WORK/$1.out" 2>"$WORK/$1.err" &
  HOLD_PID=$!
  PIDS+=("$HOLD_PID")
  for _ in $(seq 1 600); do
    grep -q '^holding:' "$WORK/$1.out" && return 0
    kill -0 "$HOLD_PID" 2>/dev/null || break
    sleep 0.05
  done
  cat "$WORK/$1.err" >&2
  fail "$1: the idle sessions were not opened"
}
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

# 500 idle sessions, then a proof beside them.
hold idle "$IDLE"
idle_pid=$HOLD_PID
grep -qx "holding: $IDLE sessions, 0 refused" "$WORK/idle.out" || { cat "$WORK/idle.out" >&2; fail "not all $IDLE idle sessions held"; }
prove "$N" p1 || fail "proof beside $IDLE idle sessions"
"$BIN/teeproof" verify "$WORK/p1.json" --allow-insecure-sim >/dev/null || fail "verify p1"
note "$IDLE idle sessions held; a proof beside them verified"

# Beyond --max-sessions: 3 more fit, the other 7 are refused with limit.
hold over 10
grep -qx 'holding: 3 sessions, 7 refused' "$WORK/over.out" || { cat "$WORK/over.out" >&2; fail "over the limit: want 3 held, 7 refused"; }
[[ $(grep -c '^refused: limit$' "$WORK/over.out") -eq 7 ]] || { cat "$WORK/over.out" >&2; fail "refusals not named limit"; }
expect_fail full '\[limit\]' prove "$N" full
note "beyond --max-sessions $MAX: refused with limit"

# The holders leave: the notary serves again.
kill "$idle_pid" "$HOLD_PID"
wait "$idle_pid" "$HOLD_PID" 2>/dev/null || true
for _ in $(seq 1 100); do prove "$N" p2 2>/dev/null && break; sleep 0.1; done
[[ -s $WORK/p2.json ]] || fail "no proof after the idle sessions left"

# Out of descriptors: a notary with a hard limit of FDS descriptors. Startup takes a couple
# dozen; 60 silent connections exhaust the rest and accept() fails with EMFILE.
FDS=48
start_server tight prlimit --nofile="$FDS:$FDS" "$BIN/teeproof-notary" --listen 127.0.0.1:0 --allow-port any \
  --tee sim --ca-file "$CERTS/ca.pem" --allow-private
grep -q "^teeproof-notary: $FDS file descriptors" "$WORK/tight.err" || { cat "$WORK/tight.err" >&2; fail "capacity not logged"; }
grep -q 'needs about .* file descriptors, the hard limit is' "$WORK/tight.err" || fail "no warning for --max-sessions over capacity"
"$BIN/tp-flood" --notary "127.0.0.1:$PORT_tight" --raw --sessions 60 --seconds 3 >"$WORK/raw.out" 2>&1 &
raw_pid=$!
PIDS+=("$raw_pid")
for _ in $(seq 1 100); do grep -q 'accept-paused\|cannot accept' "$WORK/tight.err" && break; sleep 0.05; done
grep -q 'cannot accept: Too many open files' "$WORK/tight.err" || { cat "$WORK/tight.err" >&2; fail "EMFILE not logged"; }
t0=$(cpu_ticks "$PID_tight")
sleep 1
t1=$(cpu_ticks "$PID_tight")
hz=$(getconf CLK_TCK)
# A loop spinning on the listener would use the whole second; a paused one next to nothing.
(( (t1 - t0) * 4 < hz )) || fail "notary used $((t1 - t0)) of $hz ticks in 1 s while out of descriptors (spinning?)"
note "out of descriptors: accept paused, $((t1 - t0))/$hz CPU ticks in 1 s"
wait "$raw_pid" || fail "raw connections"
for _ in $(seq 1 100); do prove "127.0.0.1:$PORT_tight" p3 2>/dev/null && break; sleep 0.1; done
[[ -s $WORK/p3.json ]] || { cat "$WORK/tight.err" >&2; fail "no proof once descriptors were free again"; }
note "descriptors free again: proof signed"
echo "notary_idle: OK"
