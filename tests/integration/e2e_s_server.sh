# End to end against a real `openssl s_server -WWW` target (not our code), every suite and
# both key share groups, RSA and ECDSA server keys.
source "$(dirname "$0")/lib/common.sh"
make_certs
mkdir -p "$WORK/www"
printf '{"data":{"user":{"id":"u-42","score":97}}}' >"$WORK/www/data.json"
cat >"$WORK/m.json.in" <<'JSON'
{"manifestVersion":"2","id":"s-server","title":"s_server","description":"openssl s_server -WWW",
 "request":{"method":"GET","url":"https://localhost:PORT/data.json","headers":{},"body":""},
 "response":{"status":"200","headers":{},"body":{"format":"json","extractors":[
  {"id":"user","description":"user id","selector":["data","user","id"],"type":"string","required":true,
   "predicates":[{"type":"value","comparison":"equal","value":"u-42","caseSensitive":true}]},
  {"id":"score","description":"score","selector":["data","user","score"],"type":"number",
   "predicates":[{"type":"value","comparison":"greaterThan","value":90}]}]}}}
JSON
start_server notary "$BIN/teeproof-notary" --listen 127.0.0.1:0 --allow-port any --tee sim --ca-file "$CERTS/ca.pem" --allow-private

# start_s_server NAME ARGS... : openssl s_server -WWW in $WORK/www on a free port (it prints
# "ACCEPT 127.0.0.1:PORT" once listening); sets $port.
start_s_server() {
  local name=$1; shift
  (cd "$WORK/www" && exec openssl s_server -accept 127.0.0.1:0 -WWW -tls1_3 "$@") >"$WORK/s_server-$name.out" 2>&1 &
  PIDS+=("$!")
  port=
  for i in $(seq 1 100); do
    port=$(sed -n 's/^ACCEPT .*:\([0-9]*\)$/\1/p' "$WORK/s_server-$name.out")
    [[ -n $port ]] && return 0
    sleep 0.05
  done
  fail "s_server $name did not start"
}

for key in server server-rsa; do
  start_s_server "$key" -cert "$CERTS/$key.pem" -key "$CERTS/$key.key" -groups X25519:P-256 \
    -ciphersuites TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256
  sed "s/PORT/$port/" "$WORK/m.json.in" >"$WORK/m.json"
  for suite in TLS_AES_128_GCM_SHA256 TLS_AES_256_GCM_SHA384 TLS_CHACHA20_POLY1305_SHA256; do
    for group in X25519 P-256; do
      "$BIN/teeproof" prove --notary "127.0.0.1:$PORT_notary" --manifest "$WORK/m.json" \
        --ca-file "$CERTS/ca.pem" --allow-insecure-sim --tls-ciphersuites "$suite" \
        --tls-groups "$group" --out "$WORK/p.json" || fail "prove $key $suite $group"
      "$BIN/teeproof" verify "$WORK/p.json" --allow-insecure-sim --manifest "$WORK/m.json" >"$WORK/c.json" \
        || fail "verify $key $suite $group"
      grep -q '"user": "u-42"' "$WORK/c.json" || fail "value not extracted ($key $suite $group)"
      note "ok s_server $key $suite $group"
    done
  done
done

# A target that only accepts P-256 answers our default X25519 share with a HelloRetryRequest;
# the prover starts a new session offering P-256 and the proof says secp256r1.
start_s_server p256 -cert "$CERTS/server.pem" -key "$CERTS/server.key" -groups P-256
sed "s/PORT/$port/" "$WORK/m.json.in" >"$WORK/m.json"
"$BIN/teeproof" prove --notary "127.0.0.1:$PORT_notary" --manifest "$WORK/m.json" --ca-file "$CERTS/ca.pem" \
  --allow-insecure-sim --out "$WORK/p.json" || fail "prove after HelloRetryRequest"
"$BIN/teeproof" verify "$WORK/p.json" --allow-insecure-sim | grep -q '"group": "secp256r1"' || fail "group after HRR"
note "ok HelloRetryRequest -> new session with P-256"
