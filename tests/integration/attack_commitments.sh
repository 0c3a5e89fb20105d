#!/usr/bin/env bash
# Attack class 3, secrets recoverable from the proof: a proof made with a 6-digit secret must
# not let anyone find it by trying all 10^6 values (tp-guess-secret), nor carry an unsalted
# hash of the true request or response. Then selective disclosure: the prover's openings
# reveal one variable (or the request) to a verifier, `verify --disclosure` accepts it, and a
# tampered disclosure (value, salt, label, item not committed) fails with [disclosure].
source "$(dirname "$0")/lib/common.sh"
make_certs
SECRET=$(printf '%06d' $(( (RANDOM * 32768 + RANDOM) % 1000000 )))
start_server api "$BIN/tp-demo-api" --listen 127.0.0.1:0 --cert "$CERTS/server.pem" --key "$CERTS/server.key" --token "$SECRET"
start_server notary "$BIN/teeproof-notary" --listen 127.0.0.1:0 --allow-port any --tee sim --ca-file "$CERTS/ca.pem" --allow-private
manifest_for "$PORT_api" >"$WORK/m.json"
PROOF=$WORK/proof.json OPEN=$WORK/openings.json
VERIFY=("$BIN/teeproof" verify --allow-insecure-sim --manifest "$WORK/m.json")

# A plain proof (no openings kept: nothing of it can be disclosed later).
"$BIN/teeproof" prove --notary "127.0.0.1:$PORT_notary" --manifest "$WORK/m.json" --var "token=$SECRET" \
  --ca-file "$CERTS/ca.pem" --allow-insecure-sim --out "$PROOF" || fail "prove"
! grep -q "$SECRET" "$PROOF" || fail "the secret is in the proof"
"${VERIFY[@]}" "$PROOF" >"$WORK/v.out" || fail "verify"
note "proof made with a 6-digit secret verifies"

# The attack: every 6-digit value, its request built from the public manifest, hashed.
rc=0
"$BIN/tp-guess-secret" --manifest "$WORK/m.json" --proof "$PROOF" --var token --digits 6 >"$WORK/guess.out" || rc=$?
[[ $rc -eq 1 ]] || fail "brute force: $(cat "$WORK/guess.out")"
"$BIN/tp-guess-secret" --manifest "$WORK/m.json" --proof "$PROOF" --var token --candidate "$SECRET" >/dev/null \
  && fail "the true value's request hash is in the proof"
note "brute force over 10^6 values finds nothing: $(cat "$WORK/guess.out")"

# The same with the openings kept: the openings file is private.
"$BIN/teeproof" prove --notary "127.0.0.1:$PORT_notary" --manifest "$WORK/m.json" --var "token=$SECRET" \
  --ca-file "$CERTS/ca.pem" --allow-insecure-sim --out "$PROOF" --openings "$OPEN" || fail "prove --openings"
[[ $(stat -c %a "$OPEN") == 600 ]] || fail "openings mode is $(stat -c %a "$OPEN"), want 600"
"${VERIFY[@]}" "$PROOF" >/dev/null || fail "verify proof with openings"

# No unsalted hash of the true request or response anywhere; claims v2 with commitments.
python3 - "$PROOF" "$OPEN" <<'PY' || fail "proof contents"
import base64, hashlib, json, sys
proof_text = open(sys.argv[1]).read()
proof, op = json.loads(proof_text), json.load(open(sys.argv[2]))
c = proof["claims"]
assert c["version"] == 2, c["version"]
assert "sha256" not in c["request"] and "sha256" not in c["response"], "unsalted hash fields"
assert set(c["vars"]) == {"token"}, c["vars"]
for item in ("request", "response"):
    raw = base64.b64decode(op[item])
    assert raw and hashlib.sha256(raw).hexdigest() not in proof_text.lower(), item + " hash in proof"
assert hashlib.sha256(op["vars"]["token"].encode()).hexdigest() not in proof_text.lower()
assert op["commit_seed"] not in proof_text, "seed in proof"
PY
note "no unsalted hash of the request, response or value in the proof; version 2"

# Selective disclosure of the variable to one verifier.
"$BIN/teeproof" disclose --openings "$OPEN" --var token --out "$WORK/d.json" || fail "disclose"
[[ $(stat -c %a "$WORK/d.json") == 600 ]] || fail "disclosure mode"
python3 - "$WORK/d.json" "$OPEN" <<'PY' || fail "disclosure contents"
import base64, json, sys
d, op = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
assert [i["label"] for i in d["items"]] == ["var:token"], d
text = open(sys.argv[1]).read()
assert op["commit_seed"] not in text and op["request"] not in text, "seed or request disclosed"
PY
"${VERIFY[@]}" "$PROOF" --disclosure "$WORK/d.json" >"$WORK/vd.out" || fail "verify --disclosure"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1]))["disclosed"]; assert d=={"vars":{"token":sys.argv[2]}}, d' \
  "$WORK/vd.out" "$SECRET" || fail "verify output: $(cat "$WORK/vd.out")"
note "disclosed token verifies and is printed"

"$BIN/teeproof" disclose --openings "$OPEN" --request --response --out "$WORK/dr.json" || fail "disclose request"
"${VERIFY[@]}" "$PROOF" --disclosure "$WORK/dr.json" >"$WORK/vr.out" || fail "verify request disclosure"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1]))["disclosed"]; assert "Bearer "+sys.argv[2] in d["request"]["text"] and d["response"]["text"].startswith("HTTP/1.1 200"), d' \
  "$WORK/vr.out" "$SECRET" || fail "request disclosure output"
note "disclosed request and response verify"

# Tampered disclosures: each fails with [disclosure].
tamper() { # name python-expression-on-item0
  python3 - "$WORK/d.json" "$WORK/$1.json" "$2" <<'PY'
import base64, json, sys
d = json.load(open(sys.argv[1])); item = d["items"][0]
exec(sys.argv[3])
json.dump(d, open(sys.argv[2], "w"))
PY
  expect_fail "$1" '\[disclosure\]' "${VERIFY[@]}" "$PROOF" --disclosure "$WORK/$1.json"
}
other=$(printf '%06d' $(( (10#$SECRET + 1) % 1000000 )))
tamper wrong-value "item['value'] = '$other'"
tamper wrong-salt "item['salt'] = ('0' if item['salt'][0] != '0' else '1') + item['salt'][1:]"
tamper wrong-label "item['label'] = 'request'; item['base64'] = base64.b64encode(item.pop('value').encode()).decode()"
tamper not-committed "item['label'] = 'var:other'"
tamper twice "d['items'].append(dict(item))"
tamper empty "d['items'] = []"
grep -q "$other" "$WORK/wrong-value.stderr" && fail "the error message quotes the disclosed value"
expect_fail unknown-var '\[var\]' "$BIN/teeproof" disclose --openings "$OPEN" --var nosuch
expect_fail nothing-chosen 'nothing to disclose' "$BIN/teeproof" disclose --openings "$OPEN"

# A disclosure of another proof's openings does not open this proof.
"$BIN/teeproof" prove --notary "127.0.0.1:$PORT_notary" --manifest "$WORK/m.json" --var "token=$SECRET" \
  --ca-file "$CERTS/ca.pem" --allow-insecure-sim --out "$WORK/proof2.json" --openings "$WORK/open2.json" || fail "prove 2"
"$BIN/teeproof" disclose --openings "$WORK/open2.json" --var token --out "$WORK/d2.json" || fail "disclose 2"
expect_fail other-proof '\[disclosure\]' "${VERIFY[@]}" "$PROOF" --disclosure "$WORK/d2.json"
python3 -c 'import json,sys; a,b=(json.load(open(f))["claims"]["vars"]["token"] for f in sys.argv[1:]); assert a!=b' \
  "$PROOF" "$WORK/proof2.json" || fail "two proofs of the same value carry the same commitment"
note "same value, two proofs: different commitments"

# A prover that sends a short or no commitment seed gets nothing signed.
for mode in short-seed no-seed; do
  expect_fail "$mode" '\[protocol\]' "$BIN/tp-lying-prover" --notary "127.0.0.1:$PORT_notary" \
    --manifest "$WORK/m.json" --ca-file "$CERTS/ca.pem" --var "token=$SECRET" --lie "$mode"
  [[ ! -s "$WORK/$mode.stdout" ]] || fail "$mode: the notary signed something"
done

! grep -qi "$SECRET" "$WORK"/notary.err || fail "the notary logged the secret"
echo "attack_commitments: ok"
