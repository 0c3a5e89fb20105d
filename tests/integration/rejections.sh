# Everything that must NOT produce a proof: each case asserts the error and that no proof
# file was written.
source "$(dirname "$0")/lib/common.sh"
make_certs
api() { # NAME CERT-BASENAME [extra args]
  local name=$1 cert=$2; shift 2
  start_server "$name" "$BIN/tp-demo-api" --listen 127.0.0.1:0 --cert "$CERTS/$cert.pem" --key "$CERTS/$cert.key" --token "$TOKEN" "$@"
}
api good server
api wrongname wrong
api untrusted untrusted
api nosan nosan
start_server notary "$BIN/teeproof-notary" --listen 127.0.0.1:0 --allow-port any --tee sim --ca-file "$CERTS/ca.pem" --allow-private
start_server strict "$BIN/teeproof-notary" --listen 127.0.0.1:0 --allow-port any --tee sim --ca-file "$CERTS/ca.pem"
N="127.0.0.1:$PORT_notary"
manifest_for "$PORT_good" >"$WORK/good.json"

prove() { # NAME PATTERN [prove args...]
  local name=$1 pattern=$2; shift 2
  rm -f "$WORK/$name.proof"
  expect_fail "$name" "$pattern" "$BIN/teeproof" prove --allow-insecure-sim --out "$WORK/$name.proof" "$@"
  [[ ! -s "$WORK/$name.proof" ]] || fail "$name: a proof was written"
}
lie() { # NAME PATTERN MODE
  expect_fail "$1" "$2" "$BIN/tp-lying-prover" --notary "$N" --manifest "$WORK/good.json" \
    --ca-file "$CERTS/ca.pem" --var "token=$TOKEN" --lie "$3"
  [[ ! -s "$WORK/$1.stdout" ]] || fail "$1: the notary signed something"
}

# A good proof to tamper with.
"$BIN/teeproof" prove --allow-insecure-sim --notary "$N" --manifest "$WORK/good.json" --var "token=$TOKEN" \
  --ca-file "$CERTS/ca.pem" --out "$WORK/good.proof" || fail "baseline prove"
"$BIN/teeproof" verify "$WORK/good.proof" --allow-insecure-sim >/dev/null || fail "baseline verify"

# Tampered proof: a claim changed, a signature byte changed.
sed 's/"owner": "Ada Lovelace"/"owner": "Eve"/' "$WORK/good.proof" >"$WORK/t1.proof"
expect_fail tampered-claim '\[signature\]' "$BIN/teeproof" verify "$WORK/t1.proof" --allow-insecure-sim
sed 's/1234.56/9234.56/' "$WORK/good.proof" >"$WORK/t2.proof"
expect_fail tampered-value '\[signature\]' "$BIN/teeproof" verify "$WORK/t2.proof" --allow-insecure-sim
sig=$(grep -o '"value": "[^"]*"' "$WORK/good.proof" | head -n1 | cut -d'"' -f4)
flipped=$(printf '%s' "$sig" | sed 's/^./A/;t;s/^/A/'); [[ $flipped != "$sig" ]] || flipped=$(printf '%s' "$sig" | sed 's/^./B/')
sed "s|$sig|$flipped|" "$WORK/good.proof" >"$WORK/t3.proof"
expect_fail tampered-signature '\[(signature|proof)\]' "$BIN/teeproof" verify "$WORK/t3.proof" --allow-insecure-sim
head -c 200 "$WORK/good.proof" >"$WORK/t4.proof"
expect_fail truncated-proof '\[proof\]' "$BIN/teeproof" verify "$WORK/t4.proof" --allow-insecure-sim

# Verifier policy: sim refused unless allowed; a manifest other than the proof's.
printf '{"platforms":{"tdx":{"mrtd":["%096d"]}}}' 0 >"$WORK/tdx-policy.json"
expect_fail sim-refused '\[(insecure-sim|policy)\]' "$BIN/teeproof" verify "$WORK/good.proof" --policy "$WORK/tdx-policy.json"
manifest_for "$PORT_good" -e 's/"greaterThan"/"lessThan"/' >"$WORK/other.json"
expect_fail other-manifest '\[manifest-hash\]' "$BIN/teeproof" verify "$WORK/good.proof" --allow-insecure-sim --manifest "$WORK/other.json"

# Wrong host: certificate for wrong.example. The prover's own check, then the notary's.
manifest_for "$PORT_wrongname" >"$WORK/wrongname.json"
prove wrong-host-prover '\[tls-hostname\]' --notary "$N" --manifest "$WORK/wrongname.json" --var "token=$TOKEN" --ca-file "$CERTS/ca.pem"
prove wrong-host-notary '\[tls-hostname\]' --notary "$N" --manifest "$WORK/wrongname.json" --var "token=$TOKEN" --insecure-skip-target-verify

# Class 7: a certificate with no subjectAltName, only CN=localhost, from the trusted CA.
# Browsers never match the CN; neither may the prover nor the notary.
manifest_for "$PORT_nosan" >"$WORK/nosan.json"
prove no-san-prover '\[tls-hostname\]' --notary "$N" --manifest "$WORK/nosan.json" --var "token=$TOKEN" --ca-file "$CERTS/ca.pem"
prove no-san-notary '\[tls-hostname\]' --notary "$N" --manifest "$WORK/nosan.json" --var "token=$TOKEN" --insecure-skip-target-verify

# Untrusted certificate (another CA): the notary's trust store refuses it.
manifest_for "$PORT_untrusted" >"$WORK/untrusted.json"
prove untrusted-notary '\[tls-cert-untrusted\]' --notary "$N" --manifest "$WORK/untrusted.json" --var "token=$TOKEN" --insecure-skip-target-verify

# The manifest does not hold: predicate not met; wrong token -> 401.
manifest_for "$PORT_good" -e 's/"value": 1000/"value": 99999/' >"$WORK/rich.json"
grep -q 99999 "$WORK/rich.json" || fail "test manifest edit did not apply"
prove predicate '\[predicate\]' --notary "$N" --manifest "$WORK/rich.json" --var "token=$TOKEN" --ca-file "$CERTS/ca.pem"
prove bad-token '\[manifest-response\]' --notary "$N" --manifest "$WORK/good.json" --var "token=wrong" --ca-file "$CERTS/ca.pem"
grep -q "$TOKEN" "$WORK"/*.stderr && fail "secret token in an error message"

# Lying provers: a key that is not the session's, a truncated and a garbled transcript, a
# variable value other than the one sent.
lie wrong-key '\[tls-key-mismatch\]' wrong-key
lie truncated '\[(truncated|tls-record|tunnel-not-tls)\]' truncate
lie garbled '\[tunnel-not-tls\]' garble
lie wrong-var '\[manifest-request\]' wrong-var
lie two-requests 'only one request.*\[manifest-request\]' two-requests

# Unreachable target; private target without --allow-private.
closed_port=1
manifest_for "$closed_port" >"$WORK/closed.json"
prove unreachable '\[connect\]' --notary "$N" --manifest "$WORK/closed.json" --var "token=$TOKEN" --ca-file "$CERTS/ca.pem"
prove private-target '\[forbidden-target\]' --notary "127.0.0.1:$PORT_strict" --manifest "$WORK/good.json" --var "token=$TOKEN" --ca-file "$CERTS/ca.pem"
# A target name that does not resolve (.invalid never does, RFC 6761): refused by the
# notary's resolver threads, or by its lookup deadline where DNS is unreachable.
sed -e "s/localhost:$PORT_good/no-such-host.invalid:443/" "$WORK/good.json" >"$WORK/nxdomain.json"
prove nxdomain '\[(resolve|timeout)\]' --notary "$N" --manifest "$WORK/nxdomain.json" --var "token=$TOKEN" --ca-file "$CERTS/ca.pem"
# Missing secret variable: refused before anything is sent.
prove missing-var '\[var\]' --notary "$N" --manifest "$WORK/good.json" --ca-file "$CERTS/ca.pem"
# Nobody listening where the notary should be.
prove no-notary '\[(connect|channel)\]' --notary "127.0.0.1:1" --manifest "$WORK/good.json" --var "token=$TOKEN"
