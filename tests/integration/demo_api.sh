#!/usr/bin/env bash
# tp-demo-api + scripts/mkcerts.sh: certificates, endpoints, token, chunked, gzip, keep-alive,
# Connection: close + close_notify, bad requests, several clients at once, TLS versions,
# --max-requests, clean exit on SIGTERM. Needs TP_BUILD (default build), curl, openssl.
set -euo pipefail
cd "$(dirname "$0")/../.."
BIN=${TP_BUILD:-build}/bin/tp-demo-api
[[ -x $BIN ]] || { echo "error: $BIN not built"; exit 1; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/tp-demo-api.XXXXXX")
declare -A job=() srv=() # per server: the `timeout` wrapper (our child), the server itself
cleanup() {
  local n
  for n in "${!srv[@]}"; do kill "${srv[$n]}" 2>/dev/null || true; done
  for n in "${!job[@]}"; do kill "${job[$n]}" 2>/dev/null || true; done
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' TERM INT

fail() { echo "FAIL: $*"; for f in "$tmp"/*.err; do [[ -s $f ]] && { echo "-- $f"; cat "$f"; }; done; exit 1; }
ok() { echo "ok: $*"; }

C=$tmp/certs
TOKEN=s3cret-token
ACCOUNT='{"account":{"id":"acct-1","owner":"Ada Lovelace","balance":1234.56,"currency":"USD","verified":true},"history":[{"amount":-20.5,"to":"shop"},{"amount":100,"from":"salary"}]}'

# ---- certificates
timeout 30 bash scripts/mkcerts.sh "$C" || fail "mkcerts.sh"
sums=$(cd "$C" && sha256sum ./*.pem ./*.key)
timeout 30 bash scripts/mkcerts.sh "$C" || fail "mkcerts.sh (second run)"
[[ $(cd "$C" && sha256sum ./*.pem ./*.key) == "$sums" ]] || fail "mkcerts.sh is not idempotent"
openssl verify -CAfile "$C/ca.pem" "$C/server.pem" "$C/server-rsa.pem" "$C/wrong.pem" >/dev/null \
  || fail "certs do not verify against ca.pem"
openssl verify -CAfile "$C/untrusted-ca.pem" "$C/untrusted.pem" >/dev/null || fail "untrusted chain"
! openssl verify -CAfile "$C/ca.pem" "$C/untrusted.pem" >/dev/null 2>&1 || fail "untrusted.pem verifies"
if [[ -f $C/expired.pem ]]; then
  v=$(openssl verify -CAfile "$C/ca.pem" "$C/expired.pem" 2>&1 || true)
  [[ $v == *"certificate has expired"* ]] || fail "expired.pem: $v"
fi
ok "certificates"

# ---- helpers
port=
# The server runs under `timeout` as a watchdog, but is signalled directly: signalling
# `timeout` makes it send the signal (and SIGCONT) to its whole process group, which can
# reach LeakSanitizer's at-exit helper process in an ASan build and hang the exit.
start() { # name args... ; sets port
  local name=$1 i; shift
  : >"$tmp/$name.out"
  # shellcheck disable=SC2016 # (expanded by the inner bash)
  timeout -k 10 120 bash -c 'echo $$ >"$0"; exec "$@"' "$tmp/$name.pid" \
    "$BIN" --listen 127.0.0.1:0 "$@" >"$tmp/$name.out" 2>"$tmp/$name.err" &
  job[$name]=$!
  for i in $(seq 200); do
    port=$(sed -n 's/^listening on 127\.0\.0\.1:\([0-9][0-9]*\)$/\1/p' "$tmp/$name.out")
    [[ -n $port ]] && { srv[$name]=$(cat "$tmp/$name.pid"); return 0; }
    kill -0 "${job[$name]}" 2>/dev/null || fail "$name: server exited early"
    sleep 0.05
  done
  fail "$name: no 'listening on' line"
}
stop() { # name: SIGTERM, expect exit 0 (ASan leak reports make it non-zero)
  local rc=0 t0=$SECONDS
  kill -TERM "${srv[$1]}"
  wait "${job[$1]}" || rc=$?
  unset "srv[$1]" "job[$1]"
  ((rc == 0)) || fail "$1: exit status $rc $((SECONDS - t0)) s after SIGTERM"
}
CURL=(curl -sS --max-time 20 --cacert "$C/ca.pem")
get() { # url [curl args...]: body in $tmp/body, headers in $tmp/hdr, prints status
  local url=$1; shift
  "${CURL[@]}" -o "$tmp/body" -D "$tmp/hdr" -w '%{http_code}' "$@" "$url"
}
hdr() { grep -i "^$1:" "$tmp/hdr" | head -n1 | cut -d: -f2- | tr -d '\r ' ; }
expect() { # what status [body]
  [[ $2 == "$3" ]] || fail "$1: status $2, want $3"
  if (($# > 3)); then [[ $(cat "$tmp/body") == "$4" ]] || fail "$1: body $(head -c 300 "$tmp/body")"; fi
  ok "$1"
}

# ---- command line
"$BIN" --help | grep -q '^usage: tp-demo-api' || fail "--help"
rc=0; "$BIN" --bogus 2>"$tmp/arg.txt" || rc=$?
{ [[ $rc == 2 && $(wc -l <"$tmp/arg.txt") == 1 ]] && grep -q '^error: ' "$tmp/arg.txt"; } || fail "bad option"
rc=0; "$BIN" --listen nope --cert x --key y 2>"$tmp/arg.txt" || rc=$?
{ [[ $rc == 2 ]] && grep -q '^error: ' "$tmp/arg.txt"; } || fail "bad --listen"
rc=0; "$BIN" --listen 127.0.0.1:0 --cert "$C/server.pem" --key "$C/server.key" --groups nope 2>"$tmp/arg.txt" || rc=$?
[[ $rc == 2 ]] || fail "bad --groups gives $rc"
ok "command line"

# ---- plain mode with a token
start plain --cert "$C/server.pem" --key "$C/server.key" --token "$TOKEN"
U=https://127.0.0.1:$port
s=$(get "$U/api/account" -H "Authorization: Bearer $TOKEN")
expect "account with token" "$s" 200 "$ACCOUNT"
[[ $(hdr content-type) == application/json ]] || fail "content-type $(hdr content-type)"
[[ $(hdr content-length) == "${#ACCOUNT}" ]] || fail "content-length"
s=$(get "https://localhost:$port/api/account" --resolve "localhost:$port:127.0.0.1" -H "Authorization: Bearer $TOKEN")
expect "account via DNS name localhost" "$s" 200 "$ACCOUNT"
s=$(get "$U/api/account"); expect "account without token" "$s" 401 '{"error":"unauthorized"}'
s=$(get "$U/api/account" -H "Authorization: Bearer wrong"); expect "account with a wrong token" "$s" 401
s=$(get "$U/health"); expect "health" "$s" 200 '{"ok":true}'
s=$(get "$U/nope"); expect "unknown path" "$s" 404 '{"error":"not found"}'
s=$(get "$U/health" -X POST); expect "POST" "$s" 405
s=$(get "$U/api/big?kb=0"); expect "big kb=0" "$s" 400
s=$(get "$U/api/big?kb=16385"); expect "big kb=16385" "$s" 400
s=$(get "$U/api/big?kb=100"); expect "big kb=100" "$s" 200
[[ $(wc -c <"$tmp/body") == 102400 ]] || fail "big: size $(wc -c <"$tmp/body")"
if command -v jq >/dev/null; then # optional: jq is not in scripts/deps.sh
  jq -e '.kb == 100 and (.items | length) > 100' "$tmp/body" >/dev/null || fail "big: not the JSON expected"
fi
s=$(get "$U/health" -H "X-Big: $(head -c 9000 /dev/zero | tr '\0' a)"); expect "oversized header" "$s" 431
# keep-alive: two requests, one connection
w=$("${CURL[@]}" -o /dev/null -o /dev/null -w '%{http_code}:%{num_connects} ' "$U/health" "$U/health")
[[ $w == "200:1 200:0 " ]] || fail "keep-alive: $w"
ok "keep-alive"
# raw requests over TLS; the server closes the connection after each of these
rawmsg() { # s_client fails on a close without close_notify: its status says nothing here
  { printf '%b' "$1" | timeout 10 openssl s_client -ign_eof -msg -connect "127.0.0.1:$port" \
      -CAfile "$C/ca.pem" 2>&1 || true; } | tr -d '\r'
}
raw() { rawmsg "$1" | grep -m1 '^HTTP/'; }
# Connection: close -> the server closes with close_notify (s_client reads up to the end)
rawmsg 'GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n' >"$tmp/v.txt"
grep -qx 'Connection: close' "$tmp/v.txt" || fail "no Connection: close in the response"
grep -q '^<<< TLS 1.3, Alert.*close_notify' "$tmp/v.txt" || fail "no close_notify from the server"
ok "Connection: close with close_notify"
[[ $(raw 'GARBAGE\r\n\r\n') == "HTTP/1.1 400 Bad Request" ]] || fail "garbage"
[[ $(raw 'GET /health HTTP/1.1\r\n\r\n') == "HTTP/1.1 400 Bad Request" ]] || fail "no Host"
[[ $(raw 'GET /health HTTP/1.0\r\n\r\n') == "HTTP/1.1 200 OK" ]] || fail "HTTP/1.0"
[[ $(raw 'GET /health HTTP/1.1\r\nHost: x\r\n bad: fold\r\n\r\n') == "HTTP/1.1 400 Bad Request" ]] || fail "folding"
ok "bad requests"
# several clients at once, one of them silent (the loop must not wait for it)
exec 3<>"/dev/tcp/127.0.0.1/$port"
cpids=()
for i in 1 2 3 4 5 6; do
  "${CURL[@]}" -o "$tmp/par$i" "$U/api/big?kb=2048" & cpids+=($!)
done
for p in "${cpids[@]}"; do wait "$p" || fail "parallel client"; done
for i in 1 2 3 4 5 6; do [[ $(wc -c <"$tmp/par$i") == $((2048 * 1024)) ]] || fail "parallel body $i"; done
exec 3>&-
ok "6 clients at once beside an idle connection"
# TLS 1.2 and the certificate checks of the client
s=$(get "$U/health" --tls-max 1.2); expect "TLS 1.2" "$s" 200
rc=0; curl -sS --max-time 10 -o /dev/null "$U/health" 2>/dev/null || rc=$?
((rc != 0)) || fail "curl without --cacert succeeded"
stop plain
ok "SIGTERM"

# ---- chunked, then gzip, then both (+ --no-close-notify, --max-requests, cipher suite)
start chunked --cert "$C/server.pem" --key "$C/server.key" --chunked
s=$(get "https://127.0.0.1:$port/api/account"); expect "chunked account (no token set)" "$s" 200 "$ACCOUNT"
[[ $(hdr transfer-encoding) == chunked && -z $(hdr content-length) ]] || fail "chunked headers"
"${CURL[@]}" --raw "https://127.0.0.1:$port/api/account" | head -n1 | grep -q $'^10\r$' || fail "chunk framing"
s=$(get "https://127.0.0.1:$port/api/big?kb=64"); expect "chunked big" "$s" 200
[[ $(wc -c <"$tmp/body") == 65536 ]] || fail "chunked big size"
stop chunked

start gzip --cert "$C/server-rsa.pem" --key "$C/server-rsa.key" --gzip --token "$TOKEN"
s=$(get "https://127.0.0.1:$port/api/account" -H "Authorization: Bearer $TOKEN")
[[ $(hdr content-encoding) == gzip ]] || fail "gzip: no Content-Encoding"
[[ $(gzip -dc <"$tmp/body") == "$ACCOUNT" ]] || fail "gzip body"
s=$(get "https://127.0.0.1:$port/api/account" --compressed -H "Authorization: Bearer $TOKEN")
expect "gzip account (RSA cert)" "$s" 200 "$ACCOUNT"
stop gzip

start both --cert "$C/server.pem" --key "$C/server.key" --gzip --chunked --no-close-notify \
  --ciphersuites TLS_CHACHA20_POLY1305_SHA256 --groups P-256 --max-requests 2
U=https://127.0.0.1:$port
"${CURL[@]}" -v --compressed -o "$tmp/body" "$U/api/account" 2>"$tmp/v.txt" || fail "both"
[[ $(cat "$tmp/body") == "$ACCOUNT" ]] || fail "gzip+chunked body"
grep -q 'TLS_CHACHA20_POLY1305_SHA256' "$tmp/v.txt" || fail "cipher suite not used"
rawmsg 'GET /health HTTP/1.1\r\nHost: x\r\n\r\n' >"$tmp/v.txt" # the 2nd and last request
grep -q '^HTTP/1.1 200' "$tmp/v.txt" || fail "second request"
grep -qx 'Connection: close' "$tmp/v.txt" || fail "last request not marked Connection: close"
! grep -q '^<<< .*close_notify' "$tmp/v.txt" || fail "close_notify despite --no-close-notify"
rc=0
for i in $(seq 100); do kill -0 "${srv[both]}" 2>/dev/null || break; sleep 0.05; done
kill -0 "${srv[both]}" 2>/dev/null && fail "--max-requests 2: still running"
wait "${job[both]}" || rc=$?
unset "srv[both]" "job[both]"
((rc == 0)) || fail "--max-requests exit status $rc"
ok "gzip+chunked, --no-close-notify, --ciphersuites, --max-requests"

# ---- certificates a client must refuse
for name in wrong untrusted expired; do
  [[ -f $C/$name.pem ]] || continue
  start "$name" --cert "$C/$name.pem" --key "$C/$name.key"
  rc=0; "${CURL[@]}" -o /dev/null "https://localhost:$port/health" --resolve "localhost:$port:127.0.0.1" 2>/dev/null || rc=$?
  ((rc != 0)) || fail "curl accepted the $name certificate"
  stop "$name"
  ok "$name certificate refused"
done
echo "demo_api: all passed"
