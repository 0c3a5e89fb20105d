# Daemon operations: --config FILE (flags override keys; unknown keys, bad values and
# syntax errors refused with the key or line named), --log-format json (one JSON object
# per line, the events, no secret), --metrics (Prometheus text that parses and moves after
# a signed proof, a refused proof and a refused session; a strict HTTP handler; loopback
# only by default), the SIGUSR1 status event and the stopping event.
source "$(dirname "$0")/lib/common.sh"
make_certs
start_server api "$BIN/tp-demo-api" --listen 127.0.0.1:0 --cert "$CERTS/server.pem" --key "$CERTS/server.key" --token "$TOKEN"
start_server other "$BIN/tp-demo-api" --listen 127.0.0.1:0 --cert "$CERTS/server.pem" --key "$CERTS/server.key" --token "$TOKEN"

# The file names a listen address and a log format the command line overrides, and an
# allow-port list with only the api's port (so a tunnel to "other" is a forbidden port).
cat >"$WORK/notary.json" <<EOF
{
  "listen": "127.0.0.1:1",
  "tee": "sim",
  "ca-file": "$CERTS/ca.pem",
  "allow-private": true,
  "allow-port": [$PORT_api],
  "max-sessions": 64,
  "idle-timeout": 10,
  "log-format": "text",
  "metrics": "127.0.0.1:0"
}
EOF
start_server notary "$BIN/teeproof-notary" --config "$WORK/notary.json" --listen 127.0.0.1:0 --log-format json
N="127.0.0.1:$PORT_notary"
M=$(sed -n 's/^metrics on //p' "$WORK/notary.out")
[[ $M == 127.0.0.1:* ]] || fail "no 'metrics on' line before 'listening on'"
scrape() { curl -sS --max-time 5 "http://$M/metrics" >"$WORK/$1.prom" || fail "scrape $1"; }
metric() { # FILE SERIES -> its value (0 when absent)
  awk -v s="$2" '$1 == s { v = $2 } END { print (v == "" ? 0 : v) }' "$WORK/$1.prom"
}
scrape m0

# A signed proof, a refused proof (the prover reveals a wrong key) and a refused session
# (a tunnel to a port the file does not allow).
manifest_for "$PORT_api" >"$WORK/m.json"
manifest_for "$PORT_other" >"$WORK/other.json"
"$BIN/teeproof" prove --notary "$N" --manifest "$WORK/m.json" --var "token=$TOKEN" --ca-file "$CERTS/ca.pem" \
  --allow-insecure-sim --out "$WORK/p.json" 2>"$WORK/p.err" || { cat "$WORK/p.err" >&2; fail "signed proof"; }
expect_fail wrong-key '\[tls-key-mismatch\]' "$BIN/tp-lying-prover" --notary "$N" --manifest "$WORK/m.json" \
  --ca-file "$CERTS/ca.pem" --var "token=$TOKEN" --lie wrong-key
[[ ! -s "$WORK/wrong-key.stdout" ]] || fail "wrong-key: the notary signed something"
expect_fail forbidden '\[forbidden-port\]' "$BIN/teeproof" prove --notary "$N" --manifest "$WORK/other.json" \
  --var "token=$TOKEN" --ca-file "$CERTS/ca.pem" --allow-insecure-sim --out "$WORK/forbidden.proof"
[[ ! -s "$WORK/forbidden.proof" ]] || fail "forbidden: a proof was written"
sleep 0.3
scrape m1

# The exposition parses: comments are HELP/TYPE, every sample belongs to a declared family,
# values are numbers, histogram buckets are cumulative and end in +Inf == _count.
for f in m0 m1; do
python3 - "$WORK/$f.prom" <<'PY' || fail "exposition $f does not parse"
import re, sys
types, seen_help = {}, set()
sample = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([a-zA-Z_][a-zA-Z0-9_]*="[^"\\\n]*"(,[a-zA-Z_][a-zA-Z0-9_]*="[^"\\\n]*")*)?\})? (-?[0-9.e+]+|\+Inf|NaN)$')
buckets, counts = [], {}
text = open(sys.argv[1]).read()
assert text.endswith("\n"), "no final newline"
for line in text.splitlines():
    if line.startswith("# HELP "):
        name = line.split(" ")[2]; assert name not in seen_help, line; seen_help.add(name)
    elif line.startswith("# TYPE "):
        _, _, name, kind = line.split(" "); assert kind in ("counter", "gauge", "histogram"), line
        assert name not in types, line; types[name] = kind
    else:
        m = sample.match(line); assert m, "bad sample line: " + line
        name = m.group(1)
        fam = re.sub(r'_(bucket|sum|count)$', '', name) if re.sub(r'_(bucket|sum|count)$', '', name) in types and types[re.sub(r'_(bucket|sum|count)$', '', name)] == "histogram" else name
        assert fam in types, "sample before its TYPE: " + line
        float(m.group(5))
        if name.endswith("_bucket"): buckets.append((m.group(3), float(m.group(5))))
        if name.endswith("_count"): counts[fam] = float(m.group(5))
vals = [v for _, v in buckets]
assert vals == sorted(vals), "buckets not cumulative"
assert buckets[-1][0] == 'le="+Inf"' and vals[-1] == counts["teeproof_proof_duration_seconds"], "+Inf != count"
for want in ("teeproof_proofs_total", "teeproof_sessions", "teeproof_sessions_total", "teeproof_bytes_relayed_total",
             "teeproof_proof_duration_seconds", "teeproof_evidence_age_seconds",
             "teeproof_key_window_remaining_seconds", "teeproof_memory_bytes"):
    assert want in types, "missing family " + want
PY
done
note "exposition parses"

# The values moved.
[[ $(metric m0 'teeproof_proofs_total{result="signed"}') == 0 ]] || fail "signed before any proof"
[[ $(metric m1 'teeproof_proofs_total{result="signed"}') == 1 ]] || fail "signed proofs not counted"
[[ $(metric m1 'teeproof_proofs_total{result="refused",error="tls-key-mismatch"}') == 1 ]] || fail "refused proof not counted"
[[ $(metric m1 'teeproof_sessions_refused_total{error="forbidden-port"}') == 1 ]] || fail "refused session not counted"
[[ $(metric m1 'teeproof_proof_duration_seconds_count') == 2 ]] || fail "histogram count"
[[ $(metric m1 'teeproof_sessions_total') -ge 3 ]] || fail "sessions_total"
[[ $(metric m1 'teeproof_bytes_relayed_total{direction="prover_to_target"}') -gt 0 ]] || fail "bytes to target"
[[ $(metric m1 'teeproof_bytes_relayed_total{direction="target_to_prover"}') -gt 1000 ]] || fail "bytes to prover"
[[ $(metric m1 'teeproof_key_window_remaining_seconds') -gt 3000 ]] || fail "key window remaining"
note "metrics moved: $(grep -c '^teeproof_' "$WORK/m1.prom") samples"

# The HTTP handler is strict: one GET /metrics over HTTP/1.1 with one Host; else an error.
http_raw() { # NAME REQUEST-BYTES(printf format) -> status line
  exec 7<>"/dev/tcp/${M%:*}/${M##*:}"
  printf "$2" >&7
  timeout 3 head -n1 <&7 | tr -d '\r' >"$WORK/$1.status" || true
  exec 7<&-
  cat "$WORK/$1.status"
}
[[ $(http_raw post 'POST /metrics HTTP/1.1\r\nHost: x\r\n\r\n') == 'HTTP/1.1 405 Method Not Allowed' ]] || fail "POST"
[[ $(http_raw path 'GET /secrets HTTP/1.1\r\nHost: x\r\n\r\n') == 'HTTP/1.1 404 Not Found' ]] || fail "other path"
[[ $(http_raw nohost 'GET /metrics HTTP/1.1\r\n\r\n') == 'HTTP/1.1 400 Bad Request' ]] || fail "no Host"
[[ $(http_raw twohost 'GET /metrics HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n') == 'HTTP/1.1 400 Bad Request' ]] || fail "two Hosts"
[[ $(http_raw body 'GET /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\n\r\nx') == 'HTTP/1.1 400 Bad Request' ]] || fail "a body"
[[ $(http_raw http10 'GET /metrics HTTP/1.0\r\n\r\n') == 'HTTP/1.1 400 Bad Request' ]] || fail "HTTP/1.0"
[[ $(http_raw junk 'hello\r\n\r\n') == 'HTTP/1.1 400 Bad Request' ]] || fail "junk"
[[ $(http_raw big "GET /metrics HTTP/1.1\\r\\nHost: x\\r\\nX: $(head -c 3000 /dev/zero | tr '\0' a)\\r\\n\\r\\n") == 'HTTP/1.1 400 Bad Request' ]] || fail "oversized request"
# A silent connection is closed by the deadline; the notary still serves provers and scrapes.
exec 8<>"/dev/tcp/${M%:*}/${M##*:}"
sleep 2.5
if timeout 2 cat <&8 >/dev/null; then note "silent metrics connection closed"; else fail "silent metrics connection not closed"; fi
exec 8<&-
scrape m2
"$BIN/teeproof" attestation --notary "$N" --allow-insecure-sim >/dev/null || fail "notary alive after the HTTP cases"
note "strict HTTP handler"

# JSON logs: every stderr line is an object with time, level, event; the events are there
# with their fields; the variable's value appears nowhere.
kill -USR1 "$PID_notary"
sleep 0.3
kill -TERM "$PID_notary"
for _ in $(seq 1 50); do kill -0 "$PID_notary" 2>/dev/null || break; sleep 0.1; done
wait "$PID_notary" || fail "notary exit status after SIGTERM"
python3 - "$WORK/notary.err" "$PORT_api" "$PORT_other" <<'PY' || { cat "$WORK/notary.err" >&2; fail "JSON logs"; }
import json, sys
lines = open(sys.argv[1]).read().splitlines()
ev = {}
for l in lines:
    o = json.loads(l)
    assert isinstance(o, dict) and {"time", "level", "event", "message"} <= o.keys(), l
    assert o["time"].endswith("Z") and o["level"] in ("info", "warn", "error"), l
    ev.setdefault(o["event"], []).append(o)
for want in ("metrics-listening", "listening", "proof-signed", "proof-refused", "session-refused", "status", "stopping"):
    assert want in ev, "no %s event" % want
s = ev["proof-signed"][0]
assert s["target_host"] == "localhost" and s["target_port"] == int(sys.argv[2]), s
assert s["bytes_server"] > 0 and s["bytes_client"] > 0 and s["duration_ms"] >= 0, s
assert ev["proof-refused"][0]["error"] == "tls-key-mismatch", ev["proof-refused"]
assert any(e["error"] == "forbidden-port" for e in ev["session-refused"]), ev["session-refused"]
assert ev["status"][0]["budget_bytes"] > 0
PY
grep -q -- "$TOKEN" "$WORK/notary.err" && fail "the variable's value is in the log"
note "JSON logs: $(wc -l <"$WORK/notary.err") lines"

# The configuration file is strict.
cfg_fail() { # NAME PATTERN JSON-TEXT
  printf '%s\n' "$3" >"$WORK/$1.json"
  expect_fail "cfg-$1" "$2" "$BIN/teeproof-notary" --config "$WORK/$1.json"
}
cfg_fail unknown "unknown key 'allow-ports'" '{"listen": "127.0.0.1:0", "tee": "sim", "allow-ports": [443]}'
cfg_fail syntax "$WORK/syntax.json:3:" $'{"listen": "127.0.0.1:0",\n "tee": "sim"\n "x": 1}'
cfg_fail type "key 'allow-private' wants true or false" '{"listen": "127.0.0.1:0", "tee": "sim", "allow-private": "yes"}'
cfg_fail range "key 'max-sessions' wants 1-1000000" '{"listen": "127.0.0.1:0", "tee": "sim", "max-sessions": 0}'
cfg_fail format "key 'log-format' wants 'text' or 'json'" '{"listen": "127.0.0.1:0", "tee": "sim", "log-format": "xml"}'
cfg_fail nested "unknown key 'config'" '{"listen": "127.0.0.1:0", "tee": "sim", "config": "/etc/x"}'
cfg_fail dup "duplicate" '{"listen": "127.0.0.1:0", "listen": "127.0.0.1:1", "tee": "sim"}'
cfg_fail array "not a JSON object" '[1]'
expect_fail cfg-missing "cannot|No such" "$BIN/teeproof-notary" --config "$WORK/none.json"
expect_fail metrics-remote "not a loopback address" "$BIN/teeproof-notary" --listen 127.0.0.1:0 --tee sim --metrics 0.0.0.0:0
expect_fail metrics-flag "needs --metrics" "$BIN/teeproof-notary" --listen 127.0.0.1:0 --tee sim --metrics-allow-remote
note "configuration errors named"

# A command-line --allow-port replaces the file's list; key rotation is an event and a count.
start_server rot "$BIN/teeproof-notary" --config "$WORK/notary.json" --listen 127.0.0.1:0 --allow-port any \
  --key-lifetime 3 --log-format json
M=$(sed -n 's/^metrics on //p' "$WORK/rot.out")
manifest_for "$PORT_other" >"$WORK/other.json"
"$BIN/teeproof" prove --notary "127.0.0.1:$PORT_rot" --manifest "$WORK/other.json" --var "token=$TOKEN" \
  --ca-file "$CERTS/ca.pem" --allow-insecure-sim --out "$WORK/p2.json" 2>"$WORK/p2.err" || { cat "$WORK/p2.err" >&2; fail "--allow-port any did not override the file"; }
for _ in $(seq 1 40); do grep -q '"event":"key-rotated"' "$WORK/rot.err" && break; sleep 0.1; done
grep -q '"event":"key-rotated"' "$WORK/rot.err" || fail "no key-rotated event"
scrape rot
[[ $(metric rot teeproof_keys_rotated_total) -ge 1 ]] || fail "rotation not counted"
note "flags override the file; rotation logged and counted"

# Log injection: a tunnel host name with a newline (the prover chooses it) cannot start a
# forged line in text logs: the notary refuses a host that is not a DNS name or an IPv6
# literal, and never echoes it (log.c would write control bytes as '?' in any case).
start_server text "$BIN/teeproof-notary" --listen 127.0.0.1:0 --tee sim --allow-port any --allow-private
FORGED='teeproof-notary: signed proof for bank.example:443 (1+1 bytes recorded, 1 ms)'
"$BIN/tp-lying-prover" --notary "127.0.0.1:$PORT_text" --manifest "$WORK/m.json" --var "token=$TOKEN" \
  --lie wrong-key --host "evil"$'\n'"$FORGED" --port 443 >/dev/null 2>&1 && fail "log injection: the tunnel was accepted"
for _ in $(seq 1 20); do grep -q 'session-refused\|refused: ' "$WORK/text.err" && break; sleep 0.1; done
grep -q 'tunnel host is not a DNS name' "$WORK/text.err" || { cat "$WORK/text.err" >&2; fail "log injection: the bad host was not refused by name"; }
grep -q 'evil' "$WORK/text.err" && { cat "$WORK/text.err" >&2; fail "log injection: the prover's host was echoed"; }
grep -q '^teeproof-notary: signed proof' "$WORK/text.err" && fail "log injection: a forged line was written"
note "log injection defanged"
