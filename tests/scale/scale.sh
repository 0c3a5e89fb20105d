#!/usr/bin/env bash
# `make scale-test`: scale-out behind HAProxy (TCP mode) in front of three sim notaries, each
# with its own attested key. SCALE_PROOFS (1000) proofs are driven through HAProxy by
# SCALE_PARALLEL (8) `teeproof prove` processes while one notary is killed (SIGKILL) and
# restarted midway. Every proof must either verify under one policy (--allow-insecure-sim),
# with the expected manifest hash and values, or fail with one clear line
# `error: ... [name]`. None may be lost (one outcome per proof), none signed wrongly, and at
# most SCALE_MAX_FAILED (2 x SCALE_PARALLEL: those in flight at the kill) may fail.
# Not part of `make test` (about a minute on 2 busy cores). Needs haproxy (deps.sh scale).
source "$(dirname "$0")/../integration/lib/common.sh"
PROOFS=${SCALE_PROOFS:-1000}
PAR=${SCALE_PARALLEL:-8}
MAX_FAILED=${SCALE_MAX_FAILED:-$((2 * PAR))}
KILL_AT=${SCALE_KILL_AT:-$((PROOFS * 3 / 10))}
# HAProxy's client/server timeouts must outlast the notary's whole session (--session-timeout).
SESSION_TIMEOUT_S=60
bash "$ROOT/scripts/deps.sh" scale
HAPROXY=$(command -v haproxy || echo /usr/sbin/haproxy)

make_certs
start_server api "$BIN/tp-demo-api" --listen 127.0.0.1:0 --cert "$CERTS/server.pem" --key "$CERTS/server.key" --token "$TOKEN"
notary_args=(--allow-port any --allow-private --tee sim --ca-file "$CERTS/ca.pem" --session-timeout "$SESSION_TIMEOUT_S")
for i in 1 2 3; do
  start_server "n$i" "$BIN/teeproof-notary" --listen 127.0.0.1:0 "${notary_args[@]}"
done
manifest_for "$PORT_api" >"$WORK/m.json"

HPORT=$(free_port)
# TCP mode: HAProxy sees only bytes; one prover session is one TCP connection to one notary,
# so no stickiness is needed. A connect that fails (a dead notary not yet marked down) is
# retried and redispatched to another server.
cat >"$WORK/haproxy.cfg" <<CFG
global
    maxconn 4096
    log stderr format short local0 notice

defaults
    mode tcp
    log global
    option tcplog
    option redispatch
    retries 3
    timeout connect 2s
    timeout client $((SESSION_TIMEOUT_S + 30))s
    timeout server $((SESSION_TIMEOUT_S + 30))s

frontend notaries
    bind 127.0.0.1:$HPORT
    default_backend notary_pool

backend notary_pool
    balance leastconn
    default-server check inter 500ms fall 2 rise 2 observe layer4 error-limit 1 on-error mark-down
    server n1 127.0.0.1:$PORT_n1
    server n2 127.0.0.1:$PORT_n2
    server n3 127.0.0.1:$PORT_n3
CFG
"$HAPROXY" -c -q -f "$WORK/haproxy.cfg" || fail "haproxy rejects its configuration"
"$HAPROXY" -db -f "$WORK/haproxy.cfg" >"$WORK/haproxy.out" 2>"$WORK/haproxy.err" &
PIDS+=("$!")
wait_port "$HPORT"
note "haproxy on $HPORT -> notaries $PORT_n1 $PORT_n2 $PORT_n3"

# A reference proof straight from one notary: the manifest hash every proof must carry.
"$BIN/teeproof" prove --notary "127.0.0.1:$PORT_n1" --manifest "$WORK/m.json" --var "token=$TOKEN" \
  --ca-file "$CERTS/ca.pem" --allow-insecure-sim --out "$WORK/ref.json" || fail "reference proof"
want_hash=$(sed -n 's/.*"manifest_sha256": "\([0-9a-f]*\)".*/\1/p' "$WORK/ref.json" | head -n1)
[[ ${#want_hash} -eq 64 ]] || fail "no manifest hash in the reference proof"

# One job: prove through HAProxy; its outcome is exactly one of out/N.json or out/N.err.
mkdir -p "$WORK/out"
cat >"$WORK/one.sh" <<'JOB'
#!/usr/bin/env bash
i=$1
if "$BIN/teeproof" prove --notary "127.0.0.1:$HPORT" --manifest "$WORK/m.json" --var "token=$TOKEN" \
     --ca-file "$CERTS/ca.pem" --allow-insecure-sim --out "$WORK/out/$i.tmp" 2>"$WORK/out/$i.stderr"; then
  # Verified here, in parallel too; judged below.
  "$BIN/teeproof" verify "$WORK/out/$i.tmp" --allow-insecure-sim --manifest "$WORK/m.json" \
    >"$WORK/out/$i.claims" 2>"$WORK/out/$i.verify" || echo "verify exit $?" >>"$WORK/out/$i.verify"
  mv "$WORK/out/$i.tmp" "$WORK/out/$i.json"
else
  rm -f "$WORK/out/$i.tmp"; mv "$WORK/out/$i.stderr" "$WORK/out/$i.err"
fi
JOB
export BIN WORK HPORT TOKEN CERTS
t0=$(date +%s%N)
seq 1 "$PROOFS" | xargs -P "$PAR" -n 1 bash "$WORK/one.sh" &
driver=$!

# Midway: SIGKILL notary 2, then restart it on the same port (a new key: a sim notary draws
# one at start, as a restarted TEE would).
done_count() { find "$WORK/out" -name '*.json' -o -name '*.err' | wc -l; }
while (( $(done_count) < KILL_AT )); do
  kill -0 "$driver" 2>/dev/null || break
  sleep 0.05
done
kill -KILL "$PID_n2"
wait "$PID_n2" 2>/dev/null || true
note "killed notary n2 (pid $PID_n2) after $(done_count) outcomes"
sleep 1
start_server n2b "$BIN/teeproof-notary" --listen "127.0.0.1:$PORT_n2" "${notary_args[@]}"
note "restarted n2 on $PORT_n2 after $(done_count) outcomes"
wait "$driver" || fail "the driver failed"
t1=$(date +%s%N)

# Every outcome: a proof that verifies with the expected hash and values, or one error line.
ok=0 failed=0 lost=0 wrong=0
declare -A errors=() example=() keys=()
for i in $(seq 1 "$PROOFS"); do
  p="$WORK/out/$i.json" e="$WORK/out/$i.err"
  if [[ -f $p && -f $e ]]; then
    wrong=$((wrong + 1)); echo "proof $i: both a proof and an error" >&2
  elif [[ -f $p ]]; then
    c="$WORK/out/$i.claims"
    if [[ -s $WORK/out/$i.verify ]] || ! grep -q "\"manifest_sha256\": \"$want_hash\"" "$c" ||
       ! grep -q '"owner": "Ada Lovelace"' "$c" || ! grep -q '"balance": "1234.56"' "$c"; then
      wrong=$((wrong + 1)); echo "proof $i: does not verify as expected: $(cat "$WORK/out/$i.verify")" >&2
    else
      ok=$((ok + 1))
      k=$(grep -o '"public_key": "[^"]*"' "$p" | head -n1)
      keys[$k]=$(( ${keys[$k]:-0} + 1 ))
    fi
  elif [[ -f $e ]]; then
    if [[ $(wc -l <"$e") -ne 1 ]] || ! grep -qE '^error: .+ \[[a-z0-9-]+\]$' "$e"; then
      wrong=$((wrong + 1)); echo "proof $i: unclear failure: $(head -c 300 "$e")" >&2
    else
      failed=$((failed + 1))
      name=$(sed -n 's/.*\[\([a-z0-9-]*\)\]$/\1/p' "$e")
      errors[$name]=$(( ${errors[$name]:-0} + 1 ))
      [[ -n ${example[$name]:-} ]] || example[$name]=$(cat "$e")
    fi
  else
    lost=$((lost + 1)); echo "proof $i: no outcome" >&2
  fi
done

secs=$(awk -v n=$((t1 - t0)) 'BEGIN {printf "%.1f", n / 1e9}')
echo "scale-test: $PROOFS proofs through haproxy, $PAR at a time, in $secs s"
printf '  %-28s %6d\n' "verified" "$ok" "failed with a clear error" "$failed" "lost" "$lost" "wrong" "$wrong"
for n in "${!errors[@]}"; do printf '    %-26s %6d  e.g. %s\n' "$n" "${errors[$n]}" "${example[$n]}"; done
echo "  distinct notary keys that signed: ${#keys[@]}"
for k in "${!keys[@]}"; do printf '    %s %6d\n' "${k#*: }" "${keys[$k]}"; done
# The HAProxy log lines of server state changes (health checks), for the record.
grep -E '\[WARNING\].*is (DOWN|UP)' "$WORK/haproxy.err" | sed 's/^/  haproxy: /' || true

# Negative control: the same check refuses a proof with one signed value changed.
any=$(find "$WORK/out" -name "*.json" -print -quit) # (ls | head: SIGPIPE under pipefail)
sed 's/"balance": "1234.56"/"balance": "9234.56"/' "$any" >"$WORK/tampered.json"
cmp -s "$any" "$WORK/tampered.json" && fail "negative control: no value to change"
if "$BIN/teeproof" verify "$WORK/tampered.json" --allow-insecure-sim --manifest "$WORK/m.json" >/dev/null 2>&1; then
  fail "negative control: a tampered proof verified"
fi

(( ok + failed + lost + wrong == PROOFS )) || fail "outcomes do not add up"
(( lost == 0 )) || fail "$lost proofs lost"
(( wrong == 0 )) || fail "$wrong proofs wrong"
(( failed <= MAX_FAILED )) || fail "$failed proofs failed (at most $MAX_FAILED may: those in flight at the kill)"
(( ${#keys[@]} >= 3 )) || fail "proofs came from ${#keys[@]} notary keys, want at least 3"
note "scale-test passed"
