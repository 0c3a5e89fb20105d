# End to end over TLS 1.2: `openssl s_server -tls1_2` (not our code) with ECDSA and RSA keys,
# every accepted suite, X25519/P-256/P-384, with and without extended master secret, and the
# demo API limited to TLS 1.2; each proof verifies and says tls.version "1.2". Refusals by a
# TLS 1.2 server that the notary cannot replay (CBC only, TLS 1.1 only) name the cause, and
# nothing is signed.
source "$(dirname "$0")/lib/common.sh"
make_certs
mkdir -p "$WORK/www"
printf '{"data":{"user":{"id":"u-42","score":97}}}' >"$WORK/www/data.json"
cat >"$WORK/m.json.in" <<'JSON'
{"manifestVersion":"2","id":"s-server","title":"s_server","description":"openssl s_server -WWW",
 "request":{"method":"GET","url":"https://localhost:PORT/data.json","headers":{},"body":""},
 "response":{"status":"200","headers":{},"body":{"format":"json","extractors":[
  {"id":"user","description":"user id","selector":["data","user","id"],"type":"string","required":true,
   "predicates":[{"type":"value","comparison":"equal","value":"u-42","caseSensitive":true}]}]}}}
JSON
start_server notary "$BIN/teeproof-notary" --listen 127.0.0.1:0 --allow-port any --tee sim --ca-file "$CERTS/ca.pem" --allow-private

# An OpenSSL configuration that turns extended master secret off (s_server has no flag).
cat >"$WORK/no_ems.cnf" <<'CNF'
openssl_conf = conf
[conf]
ssl_conf = ssl
[ssl]
system_default = sys
[sys]
Options = -ExtendedMasterSecret
CNF

# start_s_server NAME ARGS... : openssl s_server -WWW on a free port; sets $port.
# S_SERVER_CONF: an OpenSSL configuration file for it.
start_s_server() {
  local name=$1; shift
  : >"$WORK/s_server-$name.out" # exists before the server opens it (no race with sed)
  (cd "$WORK/www" && OPENSSL_CONF=${S_SERVER_CONF:-/dev/null} exec openssl s_server -accept 127.0.0.1:0 -WWW "$@") >"$WORK/s_server-$name.out" 2>&1 &
  PIDS+=("$!")
  port=
  for i in $(seq 1 100); do
    port=$(sed -n 's/^ACCEPT .*:\([0-9]*\)$/\1/p' "$WORK/s_server-$name.out")
    [[ -n $port ]] && return 0
    sleep 0.05
  done
  fail "s_server $name did not start"
}

prove_ok() { # LABEL [prove args...]
  local label=$1; shift
  "$BIN/teeproof" prove --notary "127.0.0.1:$PORT_notary" --manifest "$WORK/m.json" \
    --ca-file "$CERTS/ca.pem" --allow-insecure-sim --out "$WORK/p.json" "$@" || fail "prove $label"
  "$BIN/teeproof" verify "$WORK/p.json" --allow-insecure-sim --manifest "$WORK/m.json" >"$WORK/c.json" \
    || fail "verify $label"
  grep -q '"version": "1.2"' "$WORK/c.json" || fail "tls.version 1.2 not in claims ($label)"
  grep -q '"user": "u-42"' "$WORK/c.json" || fail "value not extracted ($label)"
  note "ok $label"
}

for key in server server-rsa; do
  kind=$([[ $key = server ]] && echo ECDSA || echo RSA)
  for ems in ems no_ems; do
    S_SERVER_CONF=$([[ $ems = no_ems ]] && echo "$WORK/no_ems.cnf" || echo /dev/null) \
      start_s_server "$key-$ems" -tls1_2 -cert "$CERTS/$key.pem" -key "$CERTS/$key.key"
    sed "s/PORT/$port/" "$WORK/m.json.in" >"$WORK/m.json"
    for group in X25519 P-256 P-384; do
      groups=$([[ $group = P-256 ]] && echo P-256 || echo "$group:P-256") # P-256 for the ECDSA cert
      prove_ok "s_server $kind $ems $group" --tls-groups "$groups"
    done
  done
  for suite in AES128-GCM-SHA256 AES256-GCM-SHA384 CHACHA20-POLY1305; do
    start_s_server "$key-$suite" -tls1_2 -cert "$CERTS/$key.pem" -key "$CERTS/$key.key" \
      -cipher "ECDHE-$kind-$suite"
    sed "s/PORT/$port/" "$WORK/m.json.in" >"$WORK/m.json"
    prove_ok "s_server $kind ECDHE-$kind-$suite"
    grep -q "\"cipher_suite\": \"TLS_ECDHE_${kind}_WITH_" "$WORK/c.json" || fail "suite not in claims"
  done
done

# RSA PKCS#1 v1.5 signature on the ServerKeyExchange.
start_s_server pkcs1 -tls1_2 -cert "$CERTS/server-rsa.pem" -key "$CERTS/server-rsa.key" -sigalgs RSA+SHA256
sed "s/PORT/$port/" "$WORK/m.json.in" >"$WORK/m.json"
prove_ok "s_server RSA PKCS#1 v1.5"

# The demo API limited to TLS 1.2.
start_server api12 "$BIN/tp-demo-api" --listen 127.0.0.1:0 --cert "$CERTS/server.pem" --key "$CERTS/server.key" --token "$TOKEN" --tls-max 1.2
manifest_for "$PORT_api12" >"$WORK/ma.json"
"$BIN/teeproof" prove --notary "127.0.0.1:$PORT_notary" --manifest "$WORK/ma.json" --var "token=$TOKEN" \
  --ca-file "$CERTS/ca.pem" --allow-insecure-sim --out "$WORK/pa.json" || fail "prove demo API 1.2"
"$BIN/teeproof" verify "$WORK/pa.json" --allow-insecure-sim --manifest "$WORK/ma.json" >"$WORK/ca.json" || fail "verify demo API 1.2"
grep -q '"version": "1.2"' "$WORK/ca.json" || fail "demo API: not TLS 1.2"
grep -q '"owner": "Ada Lovelace"' "$WORK/ca.json" || fail "demo API: owner not extracted"
if grep -q "$TOKEN" "$WORK/pa.json" "$WORK/ca.json" "$WORK/notary.out" "$WORK/notary.err"; then
  fail "secret token leaked into a proof or log"
fi
note "ok demo API --tls-max 1.2"

# Servers the notary cannot replay: the prover names the cause, no proof is written.
start_s_server cbc -tls1_2 -cert "$CERTS/server.pem" -key "$CERTS/server.key" -cipher ECDHE-ECDSA-AES128-SHA256
sed "s/PORT/$port/" "$WORK/m.json.in" >"$WORK/m.json"
rm -f "$WORK/p.json"
expect_fail cbc-only 'none of the offered suites.*CBC.*groups' "$BIN/teeproof" prove --notary "127.0.0.1:$PORT_notary" \
  --manifest "$WORK/m.json" --ca-file "$CERTS/ca.pem" --allow-insecure-sim --out "$WORK/p.json"
[[ ! -e $WORK/p.json ]] || fail "a proof was written for a CBC-only server"

start_s_server tls11 -tls1_1 -cert "$CERTS/server.pem" -key "$CERTS/server.key" -cipher 'DEFAULT:@SECLEVEL=0'
sed "s/PORT/$port/" "$WORK/m.json.in" >"$WORK/m.json"
expect_fail tls11-only 'only TLS 1.0/1.1.*\[tls-unsupported\]' "$BIN/teeproof" prove --notary "127.0.0.1:$PORT_notary" \
  --manifest "$WORK/m.json" --ca-file "$CERTS/ca.pem" --allow-insecure-sim --out "$WORK/p.json"
[[ ! -e $WORK/p.json ]] || fail "a proof was written for a TLS 1.1 server"
