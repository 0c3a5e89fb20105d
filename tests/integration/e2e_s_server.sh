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
  : >"$WORK/s_server-$name.out" # exists before it is read (the server may not have opened it yet)
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

# A target that accepts only one group answers our default X25519 share with a
# HelloRetryRequest; OpenSSL sends a second ClientHello in the same session and the notary
# replays it (message_hash transcript): one session, the proof names the group.
for g in P-256:secp256r1 P-384:secp384r1 P-521:secp521r1 X448:x448 ffdhe2048:ffdhe2048 \
         ffdhe3072:ffdhe3072 ffdhe4096:ffdhe4096; do
  start_s_server "hrr-${g%%:*}" -cert "$CERTS/server.pem" -key "$CERTS/server.key" -groups "${g%%:*}"
  sed "s/PORT/$port/" "$WORK/m.json.in" >"$WORK/m.json"
  "$BIN/teeproof" prove --notary "127.0.0.1:$PORT_notary" --manifest "$WORK/m.json" --ca-file "$CERTS/ca.pem" \
    --allow-insecure-sim --out "$WORK/p.json" || fail "prove after HelloRetryRequest (${g%%:*})"
  "$BIN/teeproof" verify "$WORK/p.json" --allow-insecure-sim >"$WORK/c.json" || fail "verify ${g%%:*}"
  grep -q "\"group\": \"${g#*:}\"" "$WORK/c.json" || fail "group after HRR (${g%%:*})"
  note "ok HelloRetryRequest replayed in one session: ${g#*:}"
  # the same group offered first: no HelloRetryRequest
  "$BIN/teeproof" prove --notary "127.0.0.1:$PORT_notary" --manifest "$WORK/m.json" --ca-file "$CERTS/ca.pem" \
    --allow-insecure-sim --tls-groups "${g%%:*}" --out "$WORK/p.json" || fail "prove ${g%%:*} first"
  note "ok ${g#*:} as the first key share"
done

# Errors that name the cause: no common group, TLS 1.0/1.1 only, no acceptable suite.
start_s_server ffdhe8192 -cert "$CERTS/server.pem" -key "$CERTS/server.key" -groups ffdhe8192
sed "s/PORT/$port/" "$WORK/m.json.in" >"$WORK/m.json"
expect_fail no-common-group 'no common group or suite.*groups.*ffdhe2048.*\[tls-handshake\]' "$BIN/teeproof" prove --notary "127.0.0.1:$PORT_notary" \
  --manifest "$WORK/m.json" --ca-file "$CERTS/ca.pem" --allow-insecure-sim --out "$WORK/none.json"
[[ ! -e $WORK/none.json ]] || fail "a proof was written for a failed handshake"
