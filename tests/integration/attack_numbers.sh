# Attack class 6, numbers as doubles. The target answers
# {"amount": 999.99999999999999999, "id": 12345678901234567890123} (tp-demo-api /api/exact).
# A ">= 1000" predicate must not hold (a double rounds the amount to 1000) and nothing is
# signed; a "< 1000" proof must carry both numbers exactly as the site wrote them; and a proof
# edited to another spelling of a signed number must fail verify as noncanonical.
source "$(dirname "$0")/lib/common.sh"
make_certs
start_server api "$BIN/tp-demo-api" --listen 127.0.0.1:0 --cert "$CERTS/server.pem" --key "$CERTS/server.key"
start_server notary "$BIN/teeproof-notary" --listen 127.0.0.1:0 --allow-port any --tee sim --ca-file "$CERTS/ca.pem" --allow-private
N="127.0.0.1:$PORT_notary"

exact_manifest() { # COMPARISON VALUE > file
  cat <<JSON
{"manifestVersion": "2", "id": "exact", "title": "exact numbers", "description": "class 6",
 "request": {"method": "GET", "url": "https://localhost:$PORT_api/api/exact"},
 "response": {"status": "200", "body": {"format": "json", "extractors": [
   {"id": "amount", "selector": ["amount"], "type": "number",
    "predicates": [{"type": "value", "comparison": "$1", "value": $2}]},
   {"id": "id", "selector": ["id"], "type": "number"}]}}}
JSON
}
prove() { # NAME MANIFEST : prove, expecting success
  "$BIN/teeproof" prove --allow-insecure-sim --notary "$N" --manifest "$2" --ca-file "$CERTS/ca.pem" \
    --out "$WORK/$1.proof" >"$WORK/$1.stdout" 2>"$WORK/$1.stderr" || { cat "$WORK/$1.stderr" >&2; fail "$1: prove failed"; }
}

# 1. 999.99999999999999999 >= 1000 does not hold: [predicate], no proof.
exact_manifest greaterThanOrEqual 1000 >"$WORK/ge.json"
rm -f "$WORK/ge.proof"
expect_fail numbers-ge-1000 '\[predicate\]' "$BIN/teeproof" prove --allow-insecure-sim --notary "$N" \
  --manifest "$WORK/ge.json" --ca-file "$CERTS/ca.pem" --out "$WORK/ge.proof"
[[ ! -s "$WORK/ge.proof" ]] || fail "numbers-ge-1000: a proof was written"

# 2. < 1000 holds, and the proof carries both numbers exactly (as strings of the tokens).
exact_manifest lessThan 1000 >"$WORK/lt.json"
prove lt "$WORK/lt.json"
"$BIN/teeproof" verify "$WORK/lt.proof" --allow-insecure-sim --manifest "$WORK/lt.json" >"$WORK/lt.claims" \
  || fail "numbers-lt-1000: the proof does not verify"
grep -q '"amount": "999.99999999999999999"' "$WORK/lt.proof" || { cat "$WORK/lt.proof" >&2; fail "numbers-exact: amount not carried exactly"; }
grep -q '"id": "12345678901234567890123"' "$WORK/lt.proof" || fail "numbers-exact: id not carried exactly"
grep -q '"amount": "999.99999999999999999"' "$WORK/lt.claims" || fail "numbers-exact: verify does not print the exact amount"
note "numbers-exact: the proof carries amount 999.99999999999999999 and id 12345678901234567890123"

# 3. Another spelling of a signed number: refused as noncanonical (not normalised back).
tamper() { # NAME SED-EXPR
  sed "$2" "$WORK/lt.proof" >"$WORK/$1.proof"
  ! cmp -s "$WORK/lt.proof" "$WORK/$1.proof" || fail "$1: the edit did not apply"
  expect_fail "$1" '\[noncanonical\]' "$BIN/teeproof" verify "$WORK/$1.proof" --allow-insecure-sim --manifest "$WORK/lt.json"
  [[ ! -s "$WORK/$1.stdout" ]] || fail "$1: verify printed claims"
}
tamper numbers-edit-status 's/"status": 200/"status": 200.000000000000000001/'
tamper numbers-edit-version 's/"version": \([0-9][0-9]*\)/"version": \1.0/'
tamper numbers-edit-time 's/"time": \([0-9]\)\([0-9]*\)/"time": \1.\2E9/'
exit 0
