# Attack class 4, unbounded memory: provers that send requests and never read the answers
# must not grow the notary (per-session queue cap), and a whole-process memory budget
# refuses, with memory-budget and no proof, what would exceed it.
source "$(dirname "$0")/lib/common.sh"
make_certs
# Few sessions: each one's kernel socket buffers (up to 4 MB) absorb answers before the
# notary's own queue grows, so fewer sessions reach that point sooner.
FLOOD_SESSIONS=4
FLOOD_SECONDS=8
RSS_GROWTH_MAX_KB=$((32 * 1024)) # the notary before the queue cap grew by 34-80 MB here
# ASan's quarantine keeps freed blocks resident (256 MB by default): keep it small here so
# that RSS measures what the notary holds.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=4"

rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }
status_line() { # PID NAME : asks the notary for its status line (SIGUSR1), prints it
  local before; before=$(grep -c ' status: ' "$WORK/$2.err" || true)
  kill -USR1 "$1"
  for _ in $(seq 1 50); do
    [[ $(grep -c ' status: ' "$WORK/$2.err" || true) -gt $before ]] && break
    sleep 0.05
  done
  grep ' status: ' "$WORK/$2.err" | tail -n1
}
prove() { # NOTARY-PORT MANIFEST OUT
  "$BIN/teeproof" prove --allow-insecure-sim --notary "127.0.0.1:$1" --manifest "$2" --var "token=$TOKEN" \
    --ca-file "$CERTS/ca.pem" --out "$3"
}
# refused NAME NOTARY-PORT MANIFEST : the prove fails with memory-budget and writes no proof.
refused() {
  rm -f "$WORK/$1.proof"
  expect_fail "$1" '\[memory-budget\]' prove "$2" "$3" "$WORK/$1.proof"
  [[ ! -s "$WORK/$1.proof" ]] || fail "$1: a proof was written"
}

NOTARY_ARGS=(--tee sim --ca-file "$CERTS/ca.pem" --allow-private)
# The target is on an ephemeral port: allow it where the notary has a port allow-list.
"$BIN/teeproof-notary" --help | grep -q -- '--allow-port' && NOTARY_ARGS+=(--allow-port any)
start_server api "$BIN/tp-demo-api" --listen 127.0.0.1:0 --cert "$CERTS/server.pem" --key "$CERTS/server.key" --token "$TOKEN"
start_server notary "$BIN/teeproof-notary" --listen 127.0.0.1:0 "${NOTARY_ARGS[@]}"
manifest_for "$PORT_api" >"$WORK/m.json"
# A 4 MiB response, with a claim that holds: a proof wherever memory allows it.
sed -e 's|/api/account|/api/big?kb=4096|' "$WORK/m.json" |
  python3 -c '
import json, sys
m = json.load(sys.stdin)
m["id"] = "big"
m["response"]["body"]["extractors"] = [{"id": "kb", "description": "size", "selector": ["kb"],
    "type": "number", "predicates": [{"type": "value", "comparison": "equal", "value": 4096}]}]
json.dump(m, sys.stdout)' >"$WORK/big.json"

# Warm-up: one proof, so that RSS includes what any first session loads.
prove "$PORT_notary" "$WORK/m.json" "$WORK/warm.proof" || fail "warm-up proof"
rss0=$(rss_kb "$PID_notary")

# The flood: ATTEST_REQ frames as fast as possible, answers never read.
"$BIN/tp-flood" --notary "127.0.0.1:$PORT_notary" --sessions "$FLOOD_SESSIONS" --seconds "$FLOOD_SECONDS" \
  >"$WORK/flood.out" 2>"$WORK/flood.err" &
flood_pid=$!
peak=$rss0 paused=0
while kill -0 "$flood_pid" 2>/dev/null; do
  r=$(rss_kb "$PID_notary"); ((r > peak)) && peak=$r
  p=$(status_line "$PID_notary" notary | sed -n 's/.* paused=\([0-9]*\).*/\1/p')
  ((${p:-0} > paused)) && paused=$p
  sleep 0.2
done
wait "$flood_pid" || { cat "$WORK/flood.err" >&2; fail "flood tool failed"; }
r=$(rss_kb "$PID_notary"); ((r > peak)) && peak=$r
note "$(cat "$WORK/flood.out")"
note "notary RSS: ${rss0} kB before, ${peak} kB peak during the flood (bound: +${RSS_GROWTH_MAX_KB} kB);" \
  "at most $paused sessions seen paused at the queue cap"
((peak - rss0 < RSS_GROWTH_MAX_KB)) || fail "notary RSS grew by $((peak - rss0)) kB under the flood"
grep -q 'frames sent' "$WORK/flood.out" || fail "the flood did not run"
# The flooders' sessions are gone once they hang up; the notary still serves.
for _ in $(seq 1 50); do
  [[ $(status_line "$PID_notary" notary) == *' sessions=0 '* ]] && break
  sleep 0.1
done
note "$(status_line "$PID_notary" notary)"
[[ $(status_line "$PID_notary" notary) == *' sessions=0 memory=0 '* ]] || fail "sessions or memory left after the flood"
prove "$PORT_notary" "$WORK/m.json" "$WORK/after.proof" || fail "proof after the flood"

# Memory budget: 2 MiB. A recording that would grow past it is refused (the same manifest
# is proved by the notary with the default budget).
start_server small "$BIN/teeproof-notary" --listen 127.0.0.1:0 "${NOTARY_ARGS[@]}" --memory-budget $((2 << 20))
prove "$PORT_notary" "$WORK/big.json" "$WORK/big.proof" || fail "4 MiB proof within the default budget"
refused budget-recording "$PORT_small" "$WORK/big.json"
grep -q 'signed proof' "$WORK/small.err" && fail "budget-recording: the notary signed something"

# Idle sessions fill the budget: the sessions past it, and then a prover, are refused.
"$BIN/tp-flood" --notary "127.0.0.1:$PORT_small" --hold --sessions 80 --seconds 20 >"$WORK/hold.out" 2>"$WORK/hold.err" &
hold_pid=$!
for _ in $(seq 1 200); do grep -q '^holding:' "$WORK/hold.out" && break; sleep 0.1; done
grep -q '^holding:' "$WORK/hold.out" || { cat "$WORK/hold.err" >&2; fail "hold: sessions not opened"; }
note "$(grep '^holding:' "$WORK/hold.out")"
grep -q '^refused: memory-budget$' "$WORK/hold.out" || fail "hold: no session refused with memory-budget"
grep -v -e '^holding:' -e '^refused: memory-budget$' "$WORK/hold.out" && fail "hold: refused with another error"
refused budget-new-session "$PORT_small" "$WORK/m.json"
grep -q 'signed proof' "$WORK/small.err" && fail "budget-new-session: the notary signed something"
note "$(status_line "$PID_small" small)"
# Connections that never start TLS cost memory too: past 64 refusals pending at once
# (TP_MAX_REFUSING), the notary closes new connections without a TLS state.
"$BIN/tp-flood" --notary "127.0.0.1:$PORT_small" --raw --sessions 200 --seconds 3 >"$WORK/raw.out" 2>&1 &
raw_pid=$!
for _ in $(seq 1 100); do grep -q '^raw:' "$WORK/raw.out" && break; sleep 0.1; done
note "$(cat "$WORK/raw.out")"
closed=$(sed -n 's/^raw: 200 connections, \([0-9]*\) closed.*/\1/p' "$WORK/raw.out")
((${closed:-0} >= 200 - 64)) || fail "connections past the refusal cap were kept"
held=$(sed -n 's/^holding: \([0-9]*\) sessions.*/\1/p' "$WORK/hold.out")
st=$(status_line "$PID_small" small)
note "$st"
n=$(sed -n 's/.* sessions=\([0-9]*\) .*/\1/p' <<<"$st")
((n <= held + 64)) || fail "$n sessions open: more than the $held held and 64 refusals"
wait "$raw_pid" || true
kill "$hold_pid"; wait "$hold_pid" 2>/dev/null || true
# Once they are gone, the budget is free again.
ok=0
for _ in $(seq 1 50); do
  if prove "$PORT_small" "$WORK/m.json" "$WORK/freed.proof" 2>/dev/null; then ok=1; break; fi
  sleep 0.1
done
((ok)) || fail "no proof after the held sessions ended"
note "$(status_line "$PID_small" small)"
