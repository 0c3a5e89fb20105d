# Lying provers against a TLS 1.3 target that accepts only P-256, so that the session has a
# HelloRetryRequest (our first ClientHello carries an X25519 share): a key for the first
# ClientHello's share group instead of the second's, and a fresh P-256 key that is not the
# second ClientHello's share. Both refused by name, nothing signed; the honest prover gets a
# proof in one session whose claims say secp256r1.
source "$(dirname "$0")/lib/common.sh"
make_certs
mkdir -p "$WORK/www"
printf '{"data":{"user":{"id":"u-42"}}}' >"$WORK/www/data.json"
: >"$WORK/s_server.out"
(cd "$WORK/www" && exec openssl s_server -accept 127.0.0.1:0 -WWW -tls1_3 -groups P-256 \
  -cert "$CERTS/server.pem" -key "$CERTS/server.key") >"$WORK/s_server.out" 2>&1 &
PIDS+=("$!")
port=
for i in $(seq 1 100); do
  port=$(sed -n 's/^ACCEPT .*:\([0-9]*\)$/\1/p' "$WORK/s_server.out")
  [[ -n $port ]] && break
  sleep 0.05
done
[[ -n $port ]] || fail "s_server did not start"
cat >"$WORK/m.json" <<JSON
{"manifestVersion":"2","id":"hrr","title":"hrr","description":"HelloRetryRequest target",
 "request":{"method":"GET","url":"https://localhost:$port/data.json","headers":{},"body":""},
 "response":{"status":"200","headers":{},"body":{"format":"json","extractors":[
  {"id":"user","description":"user id","selector":["data","user","id"],"type":"string"}]}}}
JSON
start_server notary "$BIN/teeproof-notary" --listen 127.0.0.1:0 --allow-port any --tee sim --ca-file "$CERTS/ca.pem" --allow-private
N="127.0.0.1:$PORT_notary"

lie() { # NAME PATTERN MODE
  expect_fail "$1" "$2" "$BIN/tp-lying-prover" --notary "$N" --manifest "$WORK/m.json" \
    --ca-file "$CERTS/ca.pem" --lie "$3"
  [[ ! -s "$WORK/$1.stdout" ]] || fail "$1: the notary signed something"
}

lie hrr-first-share-key '\[tls-key-mismatch\]' first-share
lie hrr-wrong-key '\[tls-key-mismatch\]' wrong-key

"$BIN/teeproof" prove --allow-insecure-sim --notary "$N" --manifest "$WORK/m.json" \
  --ca-file "$CERTS/ca.pem" --out "$WORK/ok.proof" || fail "honest prove after HelloRetryRequest"
"$BIN/teeproof" verify "$WORK/ok.proof" --allow-insecure-sim | grep -q '"group": "secp256r1"' \
  || fail "honest HRR proof does not say secp256r1"
note "ok honest proof after a HelloRetryRequest"
