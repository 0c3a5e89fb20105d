# Direct mode end to end on loopback (tp-demo-api <- sim notary as the TLS client <- prover):
# `prove --direct` and a mode "Proxy" manifest give direct-mode proofs that verify, carry the
# values and no secret, over TLS 1.3 and 1.2, every group tunnel mode replays, large responses
# included, concurrently with tunnel-mode proofs; and every refusal names
# its error and signs nothing: the notary's certificate checks (wrong host, untrusted CA), its
# target policy (private address, port), the protocol (DIRECT_REQ before attestation, after a
# tunnel, anything after it, a short seed), the response checks (predicate), the transcript
# cap, and a tunnel-mode proof of a Proxy manifest.
source "$(dirname "$0")/lib/common.sh"
make_certs
api() { # NAME CERT-BASENAME [extra args]
  local name=$1 cert=$2; shift 2
  start_server "$name" "$BIN/tp-demo-api" --listen 127.0.0.1:0 --cert "$CERTS/$cert.pem" --key "$CERTS/$cert.key" --token "$TOKEN" "$@"
}
api good server
api tls12 server --tls-max 1.2
api wrongname wrong
api untrusted untrusted
api chunked server --chunked
api noclose server --no-close-notify
api p521 server --groups P-521
api x448 server --groups X448
api ffdhe server --groups ffdhe2048
start_server notary "$BIN/teeproof-notary" --listen 127.0.0.1:0 --allow-port any --tee sim --ca-file "$CERTS/ca.pem" --allow-private
start_server strict "$BIN/teeproof-notary" --listen 127.0.0.1:0 --allow-port any --tee sim --ca-file "$CERTS/ca.pem"
start_server ports "$BIN/teeproof-notary" --listen 127.0.0.1:0 --tee sim --ca-file "$CERTS/ca.pem" --allow-private
start_server small "$BIN/teeproof-notary" --listen 127.0.0.1:0 --allow-port any --tee sim --ca-file "$CERTS/ca.pem" \
  --allow-private --max-transcript 16384
N="127.0.0.1:$PORT_notary"
manifest_for "$PORT_good" >"$WORK/good.json"
manifest_for "$PORT_good" -e '0,/{/s//{"mode": "Proxy",/' >"$WORK/proxy.json"
grep -q '"mode": "Proxy"' "$WORK/proxy.json" || fail "no Proxy manifest made"

prove() { # NAME PATTERN NOTARY MANIFEST [prove args...]
  local name=$1 pattern=$2 notary=$3 manifest=$4; shift 4
  rm -f "$WORK/$name.proof"
  expect_fail "$name" "$pattern" "$BIN/teeproof" prove --allow-insecure-sim --direct --notary "$notary" \
    --manifest "$manifest" --var "token=$TOKEN" --out "$WORK/$name.proof" "$@"
  [[ ! -s "$WORK/$name.proof" ]] || fail "$name: a proof was written"
}
lie() { # NAME PATTERN MODE [MANIFEST]
  expect_fail "$1" "$2" "$BIN/tp-lying-prover" --notary "$N" --manifest "${4:-$WORK/good.json}" \
    --ca-file "$CERTS/ca.pem" --var "token=$TOKEN" --lie "$3"
  [[ ! -s "$WORK/$1.stdout" ]] || fail "$1: the notary signed something"
}
direct_ok() { # NAME MANIFEST [prove args...] : a direct proof that verifies with the manifest
  local name=$1 manifest=$2; shift 2
  "$BIN/teeproof" prove --allow-insecure-sim --notary "$N" --manifest "$manifest" --var "token=$TOKEN" \
    --out "$WORK/$name.proof" --openings "$WORK/$name.openings" "$@" 2>"$WORK/$name.err" \
    || { cat "$WORK/$name.err" >&2; fail "$name: prove failed"; }
  "$BIN/teeproof" verify "$WORK/$name.proof" --allow-insecure-sim --manifest "$manifest" >"$WORK/$name.claims" \
    || fail "$name: verify failed"
  grep -q '"mode": "direct"' "$WORK/$name.claims" || fail "$name: not a direct-mode proof"
  if grep -q "$TOKEN" "$WORK/$name.proof" "$WORK/$name.claims" "$WORK/notary.out" "$WORK/notary.err"; then
    fail "$name: secret token leaked into a proof or log"
  fi
}

# 1. --direct with an ordinary manifest: the notary fetched; values, TLS facts of its session.
direct_ok direct "$WORK/good.json" --direct
grep -q '"owner": "Ada Lovelace"' "$WORK/direct.claims" || fail "owner not extracted"
grep -q '"balance": "1234.56"' "$WORK/direct.claims" || fail "balance not extracted"
grep -q '"version": "1.3"' "$WORK/direct.claims" || fail "not TLS 1.3"
leaf=$(openssl x509 -in "$CERTS/server.pem" -outform DER | sha256sum | cut -d' ' -f1)
grep -q "\"leaf_cert_sha256\": \"$leaf\"" "$WORK/direct.claims" || fail "leaf certificate hash not the server's"
grep -q '"trust_store": "sha256:' "$WORK/direct.claims" || fail "trust store not named"
grep -q 'signed direct proof for localhost' "$WORK/notary.err" || fail "notary did not log the direct proof"
# The openings open the commitments: the response the notary sent back is what it signed.
[[ -s "$WORK/direct.openings" ]] || fail "no openings"
note "ok --direct"

# 2. A mode "Proxy" manifest is proven in direct mode without being asked.
direct_ok proxy "$WORK/proxy.json"
note "ok mode Proxy"

# 3. TLS 1.2 target: the same AEAD-only ECDHE suites as the prover offers.
manifest_for "$PORT_tls12" >"$WORK/tls12.json"
direct_ok tls12 "$WORK/tls12.json" --direct
grep -q '"version": "1.2"' "$WORK/tls12.claims" || fail "tls12: not TLS 1.2"
grep -q '"cipher_suite": "TLS_ECDHE_ECDSA_WITH_AES_' "$WORK/tls12.claims" || fail "tls12: suite not ECDHE+AEAD"
note "ok TLS 1.2"

# 4. A large response (1 MiB): read within the cap, sent back in DATA frames, committed.
big_manifest_for "$PORT_good" 1024 >"$WORK/big.json"
direct_ok big "$WORK/big.json" --direct
note "ok 1 MiB response"

# direct_target NAME: a direct-mode proof of the account manifest against server NAME.
direct_target() {
  local port_var="PORT_$1"
  manifest_for "${!port_var}" >"$WORK/$1.json"
  direct_ok "$1" "$WORK/$1.json" --direct
}

# 5. Chunked bodies, and a target that closes without close_notify.
for t in chunked noclose; do
  direct_target "$t"
  grep -q '"owner": "Ada Lovelace"' "$WORK/$t.claims" || fail "$t: owner not extracted"
done
note "ok chunked, no close_notify"

# 6. Every group tunnel mode replays is offered (a HelloRetryRequest for the ones that get no
#    key share in the first ClientHello) and named in the claims.
for t in p521:secp521r1 x448:x448 ffdhe:ffdhe2048; do
  direct_target "${t%%:*}"
  grep -q "\"group\": \"${t##*:}\"" "$WORK/${t%%:*}.claims" || fail "${t%%:*}: group ${t##*:} not named"
done
note "ok groups P-521, X448, ffdhe2048"

# 7. Direct and tunnel proofs at once, small and large (2 MiB: the large-replay queue): the
#    checks and signatures of both modes run on the replay workers, none waits for another.
big_manifest_for "$PORT_good" 2048 >"$WORK/big2m.json"
pids=()
for job in direct:big2m tunnel:big2m direct:good tunnel:good direct:good tunnel:good; do
  mode=${job%%:*} m=${job##*:} name="mix-$((${#pids[@]} + 1))"
  args=(); [[ $mode == direct ]] && args=(--direct)
  "$BIN/teeproof" prove --allow-insecure-sim --notary "$N" --manifest "$WORK/$m.json" --var "token=$TOKEN" \
    --ca-file "$CERTS/ca.pem" --out "$WORK/$name.proof" "${args[@]}" 2>"$WORK/$name.err" &
  pids+=("$!")
done
i=0
for job in direct:big2m tunnel:big2m direct:good tunnel:good direct:good tunnel:good; do
  i=$((i + 1))
  wait "${pids[$((i - 1))]}" || { cat "$WORK/mix-$i.err" >&2; fail "mix-$i ($job): prove failed"; }
  "$BIN/teeproof" verify "$WORK/mix-$i.proof" --allow-insecure-sim --manifest "$WORK/${job##*:}.json" \
    >"$WORK/mix-$i.claims" || fail "mix-$i ($job): verify failed"
  grep -q "\"mode\": \"${job%%:*}\"" "$WORK/mix-$i.claims" || fail "mix-$i: not a ${job%%:*}-mode proof"
done
note "ok direct and tunnel proofs at once (2 MiB and small)"

# Refusals: nothing signed, the error named.
manifest_for "$PORT_wrongname" >"$WORK/wrongname.json"
prove direct-wrong-host '\[tls-hostname\]' "$N" "$WORK/wrongname.json"
manifest_for "$PORT_untrusted" >"$WORK/untrusted.json"
prove direct-untrusted '\[tls-cert-untrusted\]' "$N" "$WORK/untrusted.json"
prove direct-private '\[forbidden-target\]' "127.0.0.1:$PORT_strict" "$WORK/good.json"
prove direct-port '\[forbidden-port\]' "127.0.0.1:$PORT_ports" "$WORK/good.json"
manifest_for "$PORT_good" -e 's/"greaterThan"/"lessThan"/' >"$WORK/pred.json"
prove direct-predicate '\[predicate\]' "$N" "$WORK/pred.json"
big_manifest_for "$PORT_good" 64 >"$WORK/big64.json"
prove direct-cap '\[limit\]' "127.0.0.1:$PORT_small" "$WORK/big64.json"
grep -q 'refused direct localhost' "$WORK/notary.err" || fail "notary did not log its refusals"

lie direct-no-attest '\[protocol\]' direct-no-attest
lie direct-then-prove '\[protocol\]' direct-then-prove
lie direct-after-tunnel '\[protocol\]' direct-after-tunnel
lie direct-short-seed '\[protocol\]' direct-short-seed
lie tunnel-proxy '\[manifest\]' tunnel-proxy "$WORK/proxy.json"
# The notary still serves after all of that.
direct_ok again "$WORK/good.json" --direct
note "ok all direct-mode refusals"
