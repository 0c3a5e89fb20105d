# The notary as a service: concurrent sessions on one event loop, the transcript cap,
# the idle timeout, the session limit, attestation over the channel, and a clean SIGTERM.
source "$(dirname "$0")/lib/common.sh"
make_certs
start_server api "$BIN/tp-demo-api" --listen 127.0.0.1:0 --cert "$CERTS/server.pem" --key "$CERTS/server.key" --token "$TOKEN"
start_server notary "$BIN/teeproof-notary" --listen 127.0.0.1:0 --allow-port any --tee sim --ca-file "$CERTS/ca.pem" --allow-private --idle-timeout 2
N="127.0.0.1:$PORT_notary"
manifest_for "$PORT_api" >"$WORK/m.json"

# attestation: the notary's evidence and channel binding check out.
"$BIN/teeproof" attestation --notary "$N" --allow-insecure-sim >"$WORK/att.json" || fail "attestation"
grep -q '"platform": "sim"' "$WORK/att.json" || fail "attestation platform"
printf '{"platforms":{"tdx":{"mrtd":["%096d"]}}}' 0 >"$WORK/tdx-policy.json"
expect_fail attestation-policy '\[(insecure-sim|policy)\]' "$BIN/teeproof" attestation --notary "$N" --policy "$WORK/tdx-policy.json"

# Eight provers at once.
pids=()
for i in $(seq 1 8); do
  "$BIN/teeproof" prove --notary "$N" --manifest "$WORK/m.json" --var "token=$TOKEN" \
    --ca-file "$CERTS/ca.pem" --allow-insecure-sim --out "$WORK/p$i.json" 2>"$WORK/p$i.err" &
  pids+=("$!")
done
for i in "${!pids[@]}"; do wait "${pids[$i]}" || { cat "$WORK/p$((i + 1)).err" >&2; fail "concurrent prover $((i + 1))"; }; done
for i in $(seq 1 8); do "$BIN/teeproof" verify "$WORK/p$i.json" --allow-insecure-sim >/dev/null || fail "verify p$i"; done
note "8 concurrent proofs verified"

# A large response over the transcript cap.
start_server capped "$BIN/teeproof-notary" --listen 127.0.0.1:0 --allow-port any --tee sim --ca-file "$CERTS/ca.pem" --allow-private --max-transcript 8192
sed -e 's|/api/account|/api/big?kb=64|' "$WORK/m.json" >"$WORK/big.json"
expect_fail transcript-cap '\[limit\]' "$BIN/teeproof" prove --notary "127.0.0.1:$PORT_capped" --manifest "$WORK/big.json" \
  --var "token=$TOKEN" --ca-file "$CERTS/ca.pem" --allow-insecure-sim

# A silent client is dropped after the idle timeout; the notary keeps serving.
exec 5<>"/dev/tcp/127.0.0.1/$PORT_notary"
sleep 3.5
if timeout 2 cat <&5 >/dev/null; then note "idle connection closed by the notary"; else fail "idle connection not closed"; fi
exec 5<&-
"$BIN/teeproof" attestation --notary "$N" --allow-insecure-sim >/dev/null || fail "notary alive after idle drop"

# Session limit: with --max-sessions 1 and one idle session open, the next is refused clearly.
start_server one "$BIN/teeproof-notary" --listen 127.0.0.1:0 --allow-port any --tee sim --ca-file "$CERTS/ca.pem" --allow-private --max-sessions 1
exec 6<>"/dev/tcp/127.0.0.1/$PORT_one"
sleep 0.2
expect_fail busy '\[limit\]' "$BIN/teeproof" attestation --notary "127.0.0.1:$PORT_one" --allow-insecure-sim
exec 6<&-

# SIGTERM: exits 0 promptly.
kill -TERM "$PID_notary"
for i in $(seq 1 50); do kill -0 "$PID_notary" 2>/dev/null || break; sleep 0.1; done
kill -0 "$PID_notary" 2>/dev/null && fail "notary still running after SIGTERM"
wait "$PID_notary" || fail "notary exit status non-zero after SIGTERM"
note "SIGTERM: clean exit"
