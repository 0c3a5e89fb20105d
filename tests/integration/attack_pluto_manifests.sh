# Pluto manifests of every generation, end to end (tp-demo-api <- prover -> sim notary):
# an html page proven with CSS selectors (the signed values are the page's text), a legacy
# body.json path, a mode "Proxy" manifest (proven in direct mode), and the refusals that
# must sign nothing: an html predicate that does not hold, a legacy `contains` the page
# lacks, an html selector that matches nothing.
source "$(dirname "$0")/lib/common.sh"
make_certs
start_server api "$BIN/tp-demo-api" --listen 127.0.0.1:0 --cert "$CERTS/server.pem" --key "$CERTS/server.key"
# A notary with a port allow-list needs to be told to tunnel to the test port.
ALLOW_PORT=()
"$BIN/teeproof-notary" --help 2>&1 | grep -q -- --allow-port && ALLOW_PORT=(--allow-port any)
start_server notary "$BIN/teeproof-notary" --listen 127.0.0.1:0 "${ALLOW_PORT[@]}" --tee sim --ca-file "$CERTS/ca.pem" --allow-private
N="127.0.0.1:$PORT_notary"

html_manifest() { # OWNER_VALUE [TOP-LEVEL MEMBERS] > file
  cat <<JSON
{"manifestVersion": "1", "id": "page", "title": "html page", "description": "html extractors",
 "prepareUrl": "https://localhost:$PORT_api/login", ${2:-}
 "request": {"method": "GET", "version": "HTTP/1.1", "url": "https://localhost:$PORT_api/page",
             "headers": {}},
 "response": {"status": "200", "version": "HTTP/1.1", "message": "OK",
  "headers": {"Content-Type": "text/html; charset=UTF-8"},
  "body": {"format": "html", "extractors": [
   {"id": "owner", "description": "owner", "selector": ["div#account", "p.owner"], "type": "string",
    "predicates": [{"type": "value", "comparison": "equal", "value": "$1", "case_sensitive": false}]},
   {"id": "balance", "description": "balance", "selector": ["td.balance"], "type": "number",
    "predicates": [{"type": "value", "comparison": "greaterThan", "value": 1000}]},
   {"id": "tags", "description": "tags", "selector": ["ul.tags > li"], "type": "array"},
   {"id": "profile", "description": "link", "selector": ["a.profile"], "type": "string",
    "attribute": "href"}]}}}
JSON
}
refused() { # NAME PATTERN MANIFEST : prove fails with PATTERN and writes no proof
  rm -f "$WORK/$1.proof"
  expect_fail "$1" "$2" "$BIN/teeproof" prove --allow-insecure-sim --notary "$N" --manifest "$3" \
    --ca-file "$CERTS/ca.pem" --out "$WORK/$1.proof"
  [[ ! -s "$WORK/$1.proof" ]] || fail "$1: a proof was written"
}

# 1. html: the proof carries the page's text, trimmed number exact, attribute value.
html_manifest "ada lovelace" '"mode": "TEE",' >"$WORK/html.json"
"$BIN/teeproof" prove --allow-insecure-sim --notary "$N" --manifest "$WORK/html.json" \
  --ca-file "$CERTS/ca.pem" --out "$WORK/html.proof" 2>"$WORK/html.err" || { cat "$WORK/html.err" >&2; fail "html: prove failed"; }
"$BIN/teeproof" verify "$WORK/html.proof" --allow-insecure-sim --manifest "$WORK/html.json" >"$WORK/html.claims" \
  || fail "html: the proof does not verify"
grep -q '"owner": "Ada Lovelace"' "$WORK/html.claims" || { cat "$WORK/html.claims" >&2; fail "html: owner"; }
grep -q '"balance": "1234.56"' "$WORK/html.claims" || fail "html: balance not exact"
tr -d ' \n' <"$WORK/html.claims" | grep -q '"tags":\["verified","premium"\]' || fail "html: tags"
grep -q '"profile": "/u/ada"' "$WORK/html.claims" || fail "html: attribute"
note "ok html proof"

# 2. An html predicate that does not hold: [predicate], nothing signed.
html_manifest "Charles Babbage" >"$WORK/html-pred.json"
refused pluto-html-predicate '\[predicate\]' "$WORK/html-pred.json"

# 3. An html selector that matches nothing: [selector], nothing signed.
sed 's/td.balance/td.missing/' "$WORK/html.json" >"$WORK/html-sel.json"
refused pluto-html-selector '\[selector\]' "$WORK/html-sel.json"

# 4. Legacy body {json, contains} on a JSON API (2024 shape, legacy variable form).
legacy_manifest() { # CONTAINS > file
  cat <<JSON
{"manifestVersion": "1", "id": "legacy", "title": "legacy", "description": "2024 shape",
 "request": {"method": "GET", "url": "https://localhost:$PORT_api/api/exact", "headers": {}},
 "response": {"status": "200", "body": {"json": ["amount"], "contains": "$1"}}}
JSON
}
legacy_manifest '12345678901234567890123' >"$WORK/legacy.json"
"$BIN/teeproof" prove --allow-insecure-sim --notary "$N" --manifest "$WORK/legacy.json" \
  --ca-file "$CERTS/ca.pem" --out "$WORK/legacy.proof" 2>"$WORK/legacy.err" || { cat "$WORK/legacy.err" >&2; fail "legacy: prove failed"; }
"$BIN/teeproof" verify "$WORK/legacy.proof" --allow-insecure-sim | grep -q '"json": "999.99999999999999999"' \
  || fail "legacy: the json path value is not signed exactly"
note "ok legacy json path + contains"
legacy_manifest '99999999999999999999999' >"$WORK/legacy-miss.json"
refused pluto-legacy-contains '\[predicate\]' "$WORK/legacy-miss.json"

# 5. mode Proxy asks for direct mode: the notary fetches the page and the proof says so.
html_manifest "ada lovelace" '"mode": "Proxy",' >"$WORK/proxy.json"
"$BIN/teeproof" prove --allow-insecure-sim --notary "$N" --manifest "$WORK/proxy.json" \
  --out "$WORK/proxy.proof" 2>"$WORK/proxy.err" || { cat "$WORK/proxy.err" >&2; fail "proxy: prove failed"; }
"$BIN/teeproof" verify "$WORK/proxy.proof" --allow-insecure-sim --manifest "$WORK/proxy.json" \
  | grep -q '"mode": "direct"' || fail "proxy: not a direct-mode proof"
note "ok mode Proxy proven in direct mode"
