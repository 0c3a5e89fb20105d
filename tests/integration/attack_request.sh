# Attack suite, issue 6 holes 1 and 2: a lying prover sends, over an honest TLS session,
# a request whose structure a variable value changed, or with headers the manifest did not
# name, and reveals honestly. The site (tp-demo-api's /echo) answers 200 to every one of
# them; the notary must refuse ([manifest-request] or [var]) and sign nothing.
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
  cat >"$WORK/$1.json" <<EOF
{"manifestVersion": "2", "id": "attack-$1", "title": "attack $1", "description": "echo",
 "request": {"method": "$2", "url": "https://$AUTH$3", "headers": $4, "body": $5, "vars": $6},
 "response": {"status": "200", "body": {"format": "json", "extractors": [
   {"id": "target", "selector": ["target"], "type": "string"},
   {"id": "body", "selector": ["body"], "type": "string"}]}}}
EOF
}

source "$(dirname "$0")/lib/attack.sh"
ATTACK_SECRET=admin

# The honest request for each manifest is signed (the site answers all of them).
honest() { # NAME [--var N=V...]
  local name=$1; shift
  [[ ${TP_ATTACK_EXPECT_PROOF:-0} = 1 ]] && return
  "$BIN/teeproof" prove --allow-insecure-sim --notary "$N" --manifest "$WORK/$name.json" \
    --ca-file "$CERTS/ca.pem" --out "$WORK/$name.honest.proof" "$@" || fail "$name: honest prove"
  note "$name: honest request signed"
}

# (a) Path injection (the issue's example): the site would serve admin's path.
manifest path GET '/echo/s/<% token %>/api/users/alice/balance' '{}' null '{}'
req_head "GET /echo/s/abc123/api/users/admin/balance?/api/users/alice/balance HTTP/1.1"
attack path-injection path '\[(var|manifest-request)\]' "$REQ" --var 'token=abc123/api/users/admin/balance?'
# A value in the URL path may not hold / \ ? # or % at all (percent-encoded it would stay in
# its segment, but a server that decodes the path before routing would see it again): the
# prover's own library refuses it too, and a path-safe value is signed.
if [[ ${TP_ATTACK_EXPECT_PROOF:-0} != 1 ]]; then
  expect_fail path-value-refused '\[var\]' "$BIN/teeproof" prove --allow-insecure-sim --notary "$N" \
    --manifest "$WORK/path.json" --ca-file "$CERTS/ca.pem" --out "$WORK/path-value.proof" \
    --var 'token=abc123/api/users/admin/balance?'
  [[ ! -e $WORK/path-value.proof ]] || fail "path-value-refused: a proof was written"
fi
honest path --var 'token=abc123'

# (b) Query injection: a second user parameter.
manifest query GET '/echo/q?user=<% u %>&scope=read' '{}' null '{}'
req_head "GET /echo/q?user=alice&user=admin&scope=read HTTP/1.1"
attack query-injection query '\[manifest-request\]' "$REQ" --var 'u=alice&user=admin'
honest query --var 'u=alice&user=admin'

# (c) Form body: "&to=" added through the amount.
manifest form POST /echo/pay '{"Content-Type": "application/x-www-form-urlencoded"}' '"amount=<% amt %>&to=alice"' '{}'
body='amount=5&to=admin&to=alice'
req_head "POST /echo/pay HTTP/1.1" "Content-Type: application/x-www-form-urlencoded" "Content-Length: ${#body}"
attack form-injection form '\[manifest-request\]' "$REQ$body" --var 'amt=5&to=admin'
honest form --var 'amt=5&to=admin'

# (d) JSON string body: a member added through a string value.
manifest json POST /echo/pay '{"Content-Type": "application/json"}' '"{\"memo\":\"<% memo %>\",\"to\":\"alice\"}"' '{}'
body='{"memo":"x","to":"admin","to":"alice"}'
req_head "POST /echo/pay HTTP/1.1" "Content-Type: application/json" "Content-Length: ${#body}"
attack json-injection json '\[manifest-request\]' "$REQ$body" --var 'memo=x","to":"admin'
honest json --var 'memo=x","to":"admin'

# (e) Header value: a second cookie through the session value.
manifest cookie GET /echo/me '{"Cookie": "session=<% sid %>"}' null '{}'
req_head "GET /echo/me HTTP/1.1" "Cookie: session=abc; admin=1"
attack cookie-injection cookie '\[var\]' "$REQ" --var 'sid=abc; admin=1'

# (f) Connection naming a manifest header (an intermediary would drop it).
manifest conn GET /echo/me '{"X-Api-Version": "2"}' null '{}'
attack connection-drops-header conn '\[manifest-request\]' \
  "GET /echo/me HTTP/1.1"$'\r\n'"Host: $AUTH"$'\r\n'"X-Api-Version: 2"$'\r\n'"Accept-Encoding: identity"$'\r\n'"Connection: close, X-Api-Version"$'\r\n\r\n'
honest conn

# (g) Headers the manifest did not name: User-Agent and Accept.
req_head "GET /echo/me HTTP/1.1" "X-Api-Version: 2" "User-Agent: admin-tool/1" "Accept: */*"
attack extra-headers conn '\[manifest-request\]' "$REQ"

# (h) A Content-Length other than the one teeproof computes (same body, other spelling).
manifest cl POST /echo/pay '{"Content-Type": "application/x-www-form-urlencoded"}' '"a=1"' '{}'
req_head "POST /echo/pay HTTP/1.1" "Content-Type: application/x-www-form-urlencoded" "Content-Length: 0003"
attack wrong-content-length cl '\[manifest-request\]' "${REQ}a=1"
honest cl
[[ ${TP_ATTACK_EXPECT_PROOF:-0} = 1 ]] && note "every attack signed" || note "all request attacks refused"
