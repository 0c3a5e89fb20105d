# Lying provers against a TLS 1.2 target (the demo API with --tls-max 1.2): a revealed key
# that is not the session's ClientKeyExchange key, a truncated and a garbled transcript, a
# variable other than the one sent. Each must be refused with its error name and nothing
# signed; an honest prover against the same target gets a TLS 1.2 proof.
source "$(dirname "$0")/lib/common.sh"
make_certs
start_server api12 "$BIN/tp-demo-api" --listen 127.0.0.1:0 --cert "$CERTS/server.pem" --key "$CERTS/server.key" --token "$TOKEN" --tls-max 1.2
start_server notary "$BIN/teeproof-notary" --listen 127.0.0.1:0 --allow-port any --tee sim --ca-file "$CERTS/ca.pem" --allow-private
N="127.0.0.1:$PORT_notary"
manifest_for "$PORT_api12" >"$WORK/m.json"

lie() { # NAME PATTERN MODE
  expect_fail "$1" "$2" "$BIN/tp-lying-prover" --notary "$N" --manifest "$WORK/m.json" \
    --ca-file "$CERTS/ca.pem" --var "token=$TOKEN" --lie "$3"
  [[ ! -s "$WORK/$1.stdout" ]] || fail "$1: the notary signed something"
}

lie tls12-wrong-key '\[tls-key-mismatch\]' wrong-key
lie tls12-truncated '\[(truncated|tls-record|tunnel-not-tls)\]' truncate
lie tls12-garbled '\[tunnel-not-tls\]' garble
lie tls12-wrong-var '\[manifest-request\]' wrong-var

"$BIN/teeproof" prove --allow-insecure-sim --notary "$N" --manifest "$WORK/m.json" --var "token=$TOKEN" \
  --ca-file "$CERTS/ca.pem" --out "$WORK/ok.proof" || fail "honest TLS 1.2 prove"
"$BIN/teeproof" verify "$WORK/ok.proof" --allow-insecure-sim | grep -q '"version": "1.2"' || fail "honest proof is not TLS 1.2"
note "ok honest TLS 1.2 proof"
