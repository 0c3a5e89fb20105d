# End to end with large responses through the tunnel: the recording moves to a huge-page
# region past 1 MiB, the relay reads into it and writes to the prover from it, and a freed
# recording's pages serve the next one (base/region.h). Every proof must verify, also when
# the prover stops reading for a while (its socket fills; the rest goes through the queue),
# and a recording over --max-transcript is still refused.
source "$(dirname "$0")/lib/common.sh"
make_certs
start_server api "$BIN/tp-demo-api" --listen 127.0.0.1:0 --cert "$CERTS/server.pem" --key "$CERTS/server.key" --token "$TOKEN"
start_server notary "$BIN/teeproof-notary" --listen 127.0.0.1:0 --allow-port any --tee sim --ca-file "$CERTS/ca.pem" \
  --allow-private --max-transcript $((12 << 20))

# manifest KB : the account manifest on /api/big?kb=KB, with a claim on the size.
manifest() { big_manifest_for "$PORT_api" "$1"; }
prove() { # MANIFEST OUT
  "$BIN/teeproof" prove --allow-insecure-sim --notary "127.0.0.1:$PORT_notary" --manifest "$1" \
    --var "token=$TOKEN" --ca-file "$CERTS/ca.pem" --out "$2"
}
verify() { # PROOF MANIFEST KB
  "$BIN/teeproof" verify "$1" --allow-insecure-sim --manifest "$2" >"$WORK/claims.json" || fail "verify $1"
  grep -q "\"kb\": \"\?$3\"\?" "$WORK/claims.json" || { cat "$WORK/claims.json" >&2; fail "$1: size claim missing"; }
}

manifest 8192 >"$WORK/m8.json"
for i in 1 2 3; do # the second and third reuse the first's pages
  prove "$WORK/m8.json" "$WORK/p$i.json" || fail "8 MiB proof $i"
  verify "$WORK/p$i.json" "$WORK/m8.json" 8192
  note "8 MiB proof $i verifies"
done

# A prover that stops reading now and then: the notary's writes to it block, what it
# relays meanwhile waits in the session's queue, in order.
"$BIN/teeproof" prove --allow-insecure-sim --notary "127.0.0.1:$PORT_notary" --manifest "$WORK/m8.json" \
  --var "token=$TOKEN" --ca-file "$CERTS/ca.pem" --out "$WORK/stalled.json" &
prover=$!
for _ in $(seq 1 20); do
  sleep 0.02
  kill -STOP "$prover" 2>/dev/null || break
  sleep 0.05
  kill -CONT "$prover" 2>/dev/null || break
done
wait "$prover" || { tail -5 "$WORK/notary.err" >&2; fail "8 MiB proof with a stalling prover"; }
verify "$WORK/stalled.json" "$WORK/m8.json" 8192
note "8 MiB proof with a stalling prover verifies"

# Past --max-transcript (12 MiB): refused with limit, nothing signed for it.
manifest 16000 >"$WORK/m16.json"
signed=$(grep -c 'signed proof' "$WORK/notary.err" || true)
expect_fail over-transcript '\[limit\]' prove "$WORK/m16.json" "$WORK/over.json"
[[ $(grep -c 'signed proof' "$WORK/notary.err" || true) -eq $signed ]] || fail "a proof was signed past the limit"
