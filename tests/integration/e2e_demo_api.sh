# End to end on loopback: demo API <- prover -> sim notary, every TLS 1.3 suite with both
# key share groups; each proof verifies and carries the extracted values, and no secret.
source "$(dirname "$0")/lib/common.sh"
make_certs
start_server api "$BIN/tp-demo-api" --listen 127.0.0.1:0 --cert "$CERTS/server.pem" --key "$CERTS/server.key" --token "$TOKEN"
start_server notary "$BIN/teeproof-notary" --listen 127.0.0.1:0 --allow-port any --tee sim --ca-file "$CERTS/ca.pem" --allow-private
manifest_for "$PORT_api" >"$WORK/m.json"

for suite in TLS_AES_128_GCM_SHA256 TLS_AES_256_GCM_SHA384 TLS_CHACHA20_POLY1305_SHA256; do
  for group in X25519 P-256; do
    out="$WORK/proof-$suite-$group.json"
    "$BIN/teeproof" prove --notary "127.0.0.1:$PORT_notary" --manifest "$WORK/m.json" \
      --var "token=$TOKEN" --ca-file "$CERTS/ca.pem" --allow-insecure-sim \
      --tls-ciphersuites "$suite" --tls-groups "$group" --out "$out" \
      || fail "prove $suite $group"
    "$BIN/teeproof" verify "$out" --allow-insecure-sim --manifest "$WORK/m.json" >"$WORK/claims.json" \
      || fail "verify $suite $group"
    grep -q "\"cipher_suite\": \"$suite\"" "$WORK/claims.json" || fail "suite $suite not in claims"
    want_group=$([[ $group = X25519 ]] && echo x25519 || echo secp256r1)
    grep -q "\"group\": \"$want_group\"" "$WORK/claims.json" || fail "group $group not in claims"
    grep -q '"owner": "Ada Lovelace"' "$WORK/claims.json" || fail "owner not extracted"
    grep -q '"balance": "1234.56"' "$WORK/claims.json" || fail "balance not extracted"
    grep -q '"trust_store": "sha256:' "$WORK/claims.json" || fail "trust store not named"
    if grep -q "$TOKEN" "$out" "$WORK/claims.json" "$WORK/notary.out" "$WORK/notary.err"; then
      fail "secret token leaked into a proof or log"
    fi
    note "ok $suite $group"
  done
done

# The proof verifies from stdin too, and the claims carry the redacted URL template.
"$BIN/teeproof" verify - --allow-insecure-sim <"$out" | grep -q '"url": "https://localhost:' || fail "verify from stdin"
# --collateral DIR reaches the policy (TDX collateral; a sim proof is not judged by it), and
# a directory that is not one is only an error for TDX evidence.
"$BIN/teeproof" verify "$out" --allow-insecure-sim --collateral "$ROOT/tests/data/testvectors/tdx_collateral" \
  >/dev/null || fail "verify --collateral"

# Chunked responses from the same API.
start_server chunked "$BIN/tp-demo-api" --listen 127.0.0.1:0 --cert "$CERTS/server.pem" --key "$CERTS/server.key" --token "$TOKEN" --chunked
manifest_for "$PORT_chunked" >"$WORK/mc.json"
"$BIN/teeproof" prove --notary "127.0.0.1:$PORT_notary" --manifest "$WORK/mc.json" --var "token=$TOKEN" \
  --ca-file "$CERTS/ca.pem" --allow-insecure-sim --out "$WORK/pc.json" || fail "prove chunked"
"$BIN/teeproof" verify "$WORK/pc.json" --allow-insecure-sim | grep -q '"owner": "Ada Lovelace"' || fail "verify chunked"
note "ok chunked"

# A target that closes without close_notify (Content-Length body: complete all the same).
start_server noclose "$BIN/tp-demo-api" --listen 127.0.0.1:0 --cert "$CERTS/server.pem" --key "$CERTS/server.key" --token "$TOKEN" --no-close-notify
manifest_for "$PORT_noclose" >"$WORK/mn.json"
"$BIN/teeproof" prove --notary "127.0.0.1:$PORT_notary" --manifest "$WORK/mn.json" --var "token=$TOKEN" \
  --ca-file "$CERTS/ca.pem" --allow-insecure-sim --out "$WORK/pn.json" || fail "prove without close_notify"
"$BIN/teeproof" verify "$WORK/pn.json" --allow-insecure-sim >/dev/null || fail "verify without close_notify"
note "ok no close_notify"

# gzip-encoded responses are decoded before extraction.
start_server gz "$BIN/tp-demo-api" --listen 127.0.0.1:0 --cert "$CERTS/server.pem" --key "$CERTS/server.key" --token "$TOKEN" --gzip
manifest_for "$PORT_gz" >"$WORK/mg.json"
if "$BIN/teeproof" prove --notary "127.0.0.1:$PORT_notary" --manifest "$WORK/mg.json" --var "token=$TOKEN" \
  --ca-file "$CERTS/ca.pem" --allow-insecure-sim --out "$WORK/pg.json" 2>"$WORK/pg.err"; then
  "$BIN/teeproof" verify "$WORK/pg.json" --allow-insecure-sim | grep -q '"owner": "Ada Lovelace"' || fail "verify gzip"
  note "ok gzip"
else
  # The prover asks for identity encoding; a server that sends gzip anyway must still work.
  cat "$WORK/pg.err" >&2; fail "prove gzip"
fi

grep -q 'signed proof for localhost' "$WORK/notary.err" || fail "notary did not log its decisions"

# A policy file that allows sim works like --allow-insecure-sim, for prove and verify.
printf '{"version":1,"platforms":{"sim":{"allow":true}}}' >"$WORK/sim-policy.json"
"$BIN/teeproof" prove --notary "127.0.0.1:$PORT_notary" --manifest "$WORK/m.json" --var "token=$TOKEN" \
  --ca-file "$CERTS/ca.pem" --policy "$WORK/sim-policy.json" --out "$WORK/pp.json" || fail "prove with policy file"
"$BIN/teeproof" verify "$WORK/pp.json" --policy "$WORK/sim-policy.json" >/dev/null || fail "verify with policy file"
note "ok policy file"
