# The notary's cache of parsed manifests (src/manifest/manifest_cache.c) must not let a
# prover pile up memory across proofs. glibc keeps the DFA states regexec builds inside a
# compiled pattern until regfree: a manifest whose variable pattern is (a|b)*a.{900}c, sent
# again and again with new 4000-byte values (checked before any TLS replay, so any tunnel
# will do), grew a cached manifest by ~70 MB per attempt, never given back, outside
# --memory-budget. Each attempt is refused with [var] and signs nothing; the notary's RSS
# after ten attempts must stay near what one attempt leaves (one replay thread: one malloc
# arena keeps what the first attempt freed for the next).
source "$(dirname "$0")/lib/common.sh"
make_certs
ATTEMPTS=10
RSS_GROWTH_MAX_KB=$((160 * 1024)) # main before the fix: +658 MB over attempts 2..10 (~73 MB each)
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=4"
rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }

start_server api "$BIN/tp-demo-api" --listen 127.0.0.1:0 --cert "$CERTS/server.pem" --key "$CERTS/server.key"
start_server notary "$BIN/teeproof-notary" --listen 127.0.0.1:0 --allow-port any --tee sim --ca-file "$CERTS/ca.pem" --allow-private --workers 1
N="127.0.0.1:$PORT_notary"
AUTH="localhost:$PORT_api"
TAIL=$'Accept-Encoding: identity\r\nConnection: close\r\n\r\n'
source "$(dirname "$0")/lib/attack.sh"

cat >"$WORK/dfa.json" <<EOM
{"manifestVersion": "2", "id": "cache-regex-dfa", "title": "cache", "description": "echo",
 "request": {"method": "GET", "url": "https://$AUTH/echo/<% v %>", "vars": {
   "v": {"regex": "(a|b)*a.{900}c"}}},
 "response": {"status": "200", "body": {"format": "json", "extractors": []}}}
EOM
req_head "GET /echo/x HTTP/1.1"
value() { python3 -c 'import random, sys; random.seed(int(sys.argv[1])); print("".join(random.choice("ab") for _ in range(4000)))' "$1"; }

rss1=0
for i in $(seq 1 "$ATTEMPTS"); do
  attack "dfa-$i" dfa '\[var\]' "$REQ" --var "v=$(value "$i")"
  ((i == 1)) && rss1=$(rss_kb "$PID_notary")
done
rss=$(rss_kb "$PID_notary")
note "notary RSS: ${rss1} kB after one attempt, ${rss} kB after $ATTEMPTS (bound: +${RSS_GROWTH_MAX_KB} kB)"
((rss - rss1 < RSS_GROWTH_MAX_KB)) || fail "notary RSS grew by $((rss - rss1)) kB over $ATTEMPTS refused attempts"
note "cached manifests hold no regex state across proofs"
