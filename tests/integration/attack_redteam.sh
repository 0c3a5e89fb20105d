# Attack suite from the red-team review after issue 6: seams between the parts built
# separately. Each attack drives a real notary and a real target (tp-demo-api) with
# tp-lying-prover and asserts the error name and that nothing was signed.
# TP_ATTACK_EXPECT_PROOF=1 inverts the assertion, to show each attack was signed by a
# notary from before the fix (run with a TP_BUILD whose teeproof-notary is the old one).
source "$(dirname "$0")/lib/common.sh"
make_certs
start_server api "$BIN/tp-demo-api" --listen 127.0.0.1:0 --cert "$CERTS/server.pem" --key "$CERTS/server.key"
start_server notary "$BIN/teeproof-notary" --listen 127.0.0.1:0 --allow-port any --tee sim --ca-file "$CERTS/ca.pem" --allow-private
N="127.0.0.1:$PORT_notary"
AUTH="localhost:$PORT_api"
TAIL=$'Accept-Encoding: identity\r\nConnection: close\r\n\r\n'

# manifest NAME METHOD PATH HEADERS-JSON BODY-JSON VARS-JSON > $WORK/NAME.json
manifest() {
  cat >"$WORK/$1.json" <<EOM
{"manifestVersion": "2", "id": "redteam-$1", "title": "redteam $1", "description": "echo",
 "request": {"method": "$2", "url": "https://$AUTH$3", "headers": $4, "body": $5, "vars": $6},
 "response": {"status": "200", "body": {"format": "json", "extractors": [
   {"id": "target", "selector": ["target"], "type": "string"}]}}}
EOM
}

source "$(dirname "$0")/lib/attack.sh"

# (1) Dot segments. "." is RFC 3986 unreserved, so percent-encoding leaves it as is: a
# value ".." in a path segment makes /users/<% u %>/balance into /users/../balance, which
# every server normalises (RFC 3986 5.2.4) to /balance, another resource; "." and ""
# (/users//balance, merged by nginx) change the path the same way. The notary must refuse
# the value ([var]), as the request it would build is not the structure the manifest
# allows.
manifest dots GET '/echo/users/<% u %>/balance' '{}' null '{}'
req_head "GET /echo/users/../balance HTTP/1.1"
attack dot-dot-segment dots '\[var\]' "$REQ" --var 'u=..'
req_head "GET /echo/users/./balance HTTP/1.1"
attack dot-segment dots '\[var\]' "$REQ" --var 'u=.'
req_head "GET /echo/users//balance HTTP/1.1"
attack empty-segment dots '\[var\]' "$REQ" --var 'u='
# "x/../admin" is sent as x%2F..%2Fadmin: a server that decodes %2F before resolving dot
# segments (nginx proxy_pass with a URI part) serves /echo/users/admin/balance.
req_head "GET /echo/users/x%2F..%2Fadmin/balance HTTP/1.1"
attack encoded-dot-dot dots '\[var\]' "$REQ" --var 'u=x/../admin'
# Two placeholders, or a literal dot next to one, make ".." together.
manifest dots2 GET '/echo/a/<% x %><% y %>/b/.<% z %>/c' '{}' null '{}'
req_head "GET /echo/a/../b/.x/c HTTP/1.1"
attack dot-dot-two-vars dots2 '\[var\]' "$REQ" --var 'x=.' --var 'y=.' --var 'z=x'
req_head "GET /echo/a/xy/b/../c HTTP/1.1"
attack dot-dot-literal-dot dots2 '\[var\]' "$REQ" --var 'x=x' --var 'y=y' --var 'z=.'


# (2) The notary's event loop stalled by regex predicates. tp_notarize runs on the loop,
# and glibc's unanchored regexec retries the pattern from every start position: for
# "(a|aa)*b" over a 15 KB string of "a" that is quadratic (6 s per predicate for 64 KiB), during
# which no other session is served (a site that echoes, or the prover's own site, gives
# the string). Searching with "^.*(p)" is the same search in one linear pass.
manifest_regex() { # NAME N-PREDICATES
  local preds="" i
  for ((i = 0; i < $2; i++)); do
    preds+="${preds:+,}{\"type\": \"regex\", \"comparison\": \"notContains\", \"value\": \"(a|aa)*b$i\"}"
  done
  preds+=",{\"type\": \"regex\", \"comparison\": \"contains\", \"value\": \"^b\"}" # fails last
  cat >"$WORK/$1.json" <<EOM
{"manifestVersion": "2", "id": "redteam-$1", "title": "redteam $1", "description": "echo",
 "request": {"method": "POST", "url": "https://$AUTH/echo/r", "headers": {"Content-Type": "text/plain"},
             "body": "<% b %>", "vars": {}},
 "response": {"status": "200", "body": {"format": "json", "extractors": [
   {"id": "body", "selector": ["body"], "type": "string", "predicates": [$preds]}]}}}
EOM
}
manifest_regex regex-stall 20
big=$(head -c 15000 /dev/zero | tr '\0' a)
t0=$(date +%s)
expect_fail regex-stall '\[predicate\]' "$BIN/teeproof" prove --allow-insecure-sim --notary "$N" \
  --manifest "$WORK/regex-stall.json" --ca-file "$CERTS/ca.pem" --out "$WORK/regex-stall.proof" --var "b=$big"
t1=$(date +%s)
[[ ! -e "$WORK/regex-stall.proof" ]] || fail "regex-stall: a proof was written"
if [[ ${TP_ATTACK_EXPECT_PROOF:-0} = 1 ]]; then
  (( t1 - t0 > 6 )) || fail "regex-stall: the old notary was fast ($((t1 - t0)) s)"
  note "regex-stall: the old notary's loop stalled $((t1 - t0)) s"
else
  (( t1 - t0 <= 6 )) || fail "regex-stall: the notary needed $((t1 - t0)) s for 20 regex predicates"
  note "regex-stall: refused in $((t1 - t0)) s"
fi

# (3) Extracted values without a size bound. Every extractor's value is decoded into two
# jansson trees, kept in the claims, and walked by its predicates, on the notary's event
# loop: 256 extractors on the root of a 16 MiB array of numbers (from a site the prover
# runs) would cost gigabytes and minutes. The values together are capped at 1 MiB of the
# body ([limit]); here 80 extractors on one 15 KB string.
exts=""
for ((i = 0; i < 80; i++)); do exts+="${exts:+,}{\"id\": \"v$i\", \"selector\": [\"body\"], \"type\": \"string\"}"; done
cat >"$WORK/values-size.json" <<EOM
{"manifestVersion": "2", "id": "redteam-values-size", "title": "redteam", "description": "echo",
 "request": {"method": "POST", "url": "https://$AUTH/echo/r", "headers": {"Content-Type": "text/plain"},
             "body": "<% b %>", "vars": {}},
 "response": {"status": "200", "body": {"format": "json", "extractors": [$exts]}}}
EOM
if [[ ${TP_ATTACK_EXPECT_PROOF:-0} = 1 ]]; then
  "$BIN/teeproof" prove --allow-insecure-sim --notary "$N" --manifest "$WORK/values-size.json" \
    --ca-file "$CERTS/ca.pem" --out "$WORK/values-size.proof" --var "b=$big" || fail "values-size: not signed"
  note "values-size signed (as expected of the old notary)"
else
  expect_fail values-size '\[limit\]' "$BIN/teeproof" prove --allow-insecure-sim --notary "$N" \
    --manifest "$WORK/values-size.json" --ca-file "$CERTS/ca.pem" --out "$WORK/values-size.proof" --var "b=$big"
  [[ ! -e "$WORK/values-size.proof" ]] || fail "values-size: a proof was written"
fi

# (4) Regex state explosion: glibc's matcher builds a DFA state per input byte for
# "(a|b)*a.{900}c" (each a set of ~900 positions) and keeps them all in the compiled
# regex: a 32 KiB value of random a/b costs 5 s and 700 MB, a 64 KiB one 22 s. Variables
# are checked first, before the TLS replay, on the event loop: a prover with any tunnel
# stalled the notary for minutes and could exhaust its memory with 60 such variables.
# Each manifest now has a matching budget (subject bytes x pattern size, all its
# regexes together); past it the proof is refused ([limit]).
vals=()
for v in v1 v2 v3; do
  vals+=(--var "$v=$(python3 -c 'import random; random.seed(1); print("".join(random.choice("ab") for _ in range(32768)) + "c")')")
done
cat >"$WORK/regex-dfa.json" <<EOM
{"manifestVersion": "2", "id": "redteam-regex-dfa", "title": "redteam", "description": "echo",
 "request": {"method": "GET", "url": "https://$AUTH/echo/<% v1 %>/<% v2 %>/<% v3 %>", "vars": {
   "v1": {"regex": "(a|b)*a.{900}c"}, "v2": {"regex": "(a|b)*a.{900}c"}, "v3": {"regex": "(a|b)*a.{900}c"}}},
 "response": {"status": "200", "body": {"format": "json", "extractors": []}}}
EOM
req_head "GET /echo/x HTTP/1.1"
t0=$(date +%s)
if [[ ${TP_ATTACK_EXPECT_PROOF:-0} = 1 ]]; then
  printf '%s' "$REQ" >"$WORK/regex-dfa.req"
  "$BIN/tp-lying-prover" --notary "$N" --manifest "$WORK/regex-dfa.json" --ca-file "$CERTS/ca.pem" \
    --lie raw-request --request "$WORK/regex-dfa.req" "${vals[@]}" >/dev/null 2>&1 || true
  t1=$(date +%s)
  (( t1 - t0 > 6 )) || fail "regex-dfa: the old notary was fast ($((t1 - t0)) s)"
  note "regex-dfa: the old notary's loop stalled $((t1 - t0)) s"
else
  attack regex-dfa regex-dfa '\[limit\]' "$REQ" "${vals[@]}"
  t1=$(date +%s)
  (( t1 - t0 <= 4 )) || fail "regex-dfa: the notary needed $((t1 - t0)) s"
fi

# (5) Proof documents edited after signing (held): duplicate "claims" (also spelled with
# an escape), a duplicate member inside the claims, a re-spelled number, the claims moved
# under another member. jansson (JSON_REJECT_DUPLICATES) and the strict span parser must
# agree on the one "claims" they read, so verify refuses rather than chooses.
if [[ ${TP_ATTACK_EXPECT_PROOF:-0} != 1 ]]; then
  "$BIN/teeproof" prove --allow-insecure-sim --notary "$N" --manifest "$WORK/dots.json" \
    --ca-file "$CERTS/ca.pem" --out "$WORK/honest.proof" --var u=alice || fail "honest prove"
  "$BIN/teeproof" verify "$WORK/honest.proof" --allow-insecure-sim --manifest "$WORK/dots.json" >/dev/null ||
    fail "honest proof does not verify"
  edit() { # NAME PYTHON-EXPR-ON-s -> $WORK/NAME.proof
    python3 -c 'import sys; s=open(sys.argv[1]).read(); print(eval(sys.argv[2]), end="")' \
      "$WORK/honest.proof" "$2" >"$WORK/$1.proof"
  }
  forged='{"version": 2, "values": {"target": "/echo/users/admin/balance"}}'
  edit dup-claims "s.replace('\"claims\":', '\"claims\": $forged, \"claims\":', 1)"
  edit dup-claims-last "s[:s.rindex('}')] + ', \"claims\": $forged}'"
  edit dup-claims-escaped "s[:s.rindex('}')] + ', \"cl\\\\u0061ims\": $forged}'"
  edit dup-inner "s.replace('\"values\":', '\"values\": {\"target\": \"/admin\"}, \"values\":', 1)"
  edit respelled-time "__import__('re').sub(r'\"time\": ([0-9]+)', lambda m: '\"time\": %s.0' % m.group(1), s, 1)"
  for f in dup-claims dup-claims-last dup-claims-escaped dup-inner; do
    expect_fail "verify-$f" '\[proof\]' "$BIN/teeproof" verify "$WORK/$f.proof" --allow-insecure-sim --manifest "$WORK/dots.json"
  done
  expect_fail verify-respelled-time '\[noncanonical\]' "$BIN/teeproof" verify "$WORK/respelled-time.proof" --allow-insecure-sim --manifest "$WORK/dots.json"
fi
[[ ${TP_ATTACK_EXPECT_PROOF:-0} = 1 ]] && note "every attack signed or stalled the old notary" || note "all red-team attacks refused"
