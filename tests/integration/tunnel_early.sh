# Tunnel early data (docs/protocol.md, "Early data"): the prover sends its ClientHello with
# TUNNEL_REQ, without waiting for TUNNEL_OK, when the notary advertises it. Proofs through
# that path and through the old one (a prover that waits); then the refusals: DATA before
# TUNNEL_REQ, early bytes that are no ClientHello, early bytes over the gate's hold limit,
# early data to a forbidden port, target or a closed port. Each refusal asserts the error
# name, that nothing was signed and what the service behind the tunnel received; also a
# second TUNNEL_REQ.
# TP_NOTARY=path runs the notary under test from elsewhere (e.g. a build from before early
# data: then the early cases fail, with protocol, and this script fails).
source "$(dirname "$0")/lib/common.sh"
make_certs
NOTARY_BIN=${TP_NOTARY:-$BIN/teeproof-notary}
start_server api "$BIN/tp-demo-api" --listen 127.0.0.1:0 --cert "$CERTS/server.pem" --key "$CERTS/server.key" --token "$TOKEN"
NOTARY=("$NOTARY_BIN" --listen 127.0.0.1:0 --tee sim --ca-file "$CERTS/ca.pem")
start_server open "${NOTARY[@]}" --allow-private --allow-port any
start_server strict "${NOTARY[@]}" --allow-port any
start_server ports "${NOTARY[@]}" --allow-private --allow-port "$PORT_api"
manifest_for "$PORT_api" >"$WORK/good.json"

source "$(dirname "$0")/lib/relay.sh"
no_connection() { ! grep -q '^accepted' "$WORK/$1.out" || fail "$1: the notary connected to it"; }
verified() { "$BIN/teeproof" verify "$1" --allow-insecure-sim >/dev/null || fail "$1 does not verify"; }

# Real ClientHellos (s_client, captured by a sink).
capture localhost -tls1_3 -servername localhost
capture nosni -tls1_3 -noservername

# 1. Proofs: the prover library (early data, advertised), the lying prover's honest run
# with it and without it (a prover that waits for TUNNEL_OK, as before).
"$BIN/teeproof" prove --allow-insecure-sim --notary "127.0.0.1:$PORT_open" --manifest "$WORK/good.json" \
  --var "token=$TOKEN" --ca-file "$CERTS/ca.pem" --out "$WORK/cli.proof" 2>"$WORK/cli.err" \
  || { cat "$WORK/cli.err" >&2; fail "cli: no proof"; }
verified "$WORK/cli.proof"
liar open honest >"$WORK/early.proof" 2>"$WORK/early.err" || { cat "$WORK/early.err" >&2; fail "early: no proof"; }
grep -q '^note: early data' "$WORK/early.err" || fail "early: the notary did not advertise early data"
verified "$WORK/early.proof"
note "early data: proof verifies"
liar open honest --wait >"$WORK/wait.proof" 2>"$WORK/wait.err" || { cat "$WORK/wait.err" >&2; fail "wait: no proof"; }
! grep -q '^note: early data' "$WORK/wait.err" || fail "wait: used early data"
verified "$WORK/wait.proof"
note "waiting for TUNNEL_OK (an older prover): proof verifies"

# 2. DATA before TUNNEL_REQ (in the same write): protocol, nothing reaches the target.
sink first
lie_at data-first '\[protocol\]' open data-first --host localhost --port "$PORT_first" --send "$WORK/ch-localhost.bin"
got_nothing first
# A second TUNNEL_REQ (with the first, then the ClientHello, in one write): protocol.
sink second
lie_at second-tunnel '\[protocol\]' open second-tunnel --host localhost --port "$PORT_second" --send "$WORK/ch-localhost.bin"
got_nothing second

# 3. Early bytes that are no ClientHello (HTTP) to a tunnel that would connect.
sink http_target
printf 'GET /admin HTTP/1.1\r\nHost: localhost\r\n\r\n' >"$WORK/http.txt"
lie_at early-http '\[tunnel-not-tls\]' open raw-tunnel --early --host 127.0.0.1 --port "$PORT_http_target" --send "$WORK/http.txt"
got_nothing http_target
# ... and a good ClientHello with a request glued after it (before the target answered).
sink glued_target
{ cat "$WORK/ch-localhost.bin"; printf 'GET /admin HTTP/1.1\r\nHost: x\r\n\r\n'; } >"$WORK/glued.bin"
lie_at early-glued '\[tunnel-not-tls\]' open raw-tunnel --early --host localhost --port "$PORT_glued_target" --send "$WORK/glued.bin"
got_nothing glued_target

# 4. Early bytes over the gate's hold limit (32 KiB): a ClientHello of 32764 bytes whose two
# 16 KiB records (headers included) pass 32768 bytes.
sink big_target
{ printf '\x16\x03\x01\x40\x00\x01\x00\x7f\xfc'; head -c 16380 /dev/zero
  printf '\x16\x03\x01\x40\x00'; head -c 16384 /dev/zero; } >"$WORK/big.bin"
lie_at early-over-limit 'exceed 32768.*\[tunnel-not-tls\]' open raw-tunnel --early --host 127.0.0.1 --port "$PORT_big_target" --send "$WORK/big.bin"
got_nothing big_target

# 5. Early data to a forbidden port, a forbidden target, a closed port: the tunnel's own
# error, the held ClientHello dropped, nothing sent.
sink port_target
lie_at early-port '\[forbidden-port\]' ports raw-tunnel --early --host 127.0.0.1 --port "$PORT_port_target" --send "$WORK/ch-nosni.bin"
got_nothing port_target
no_connection port_target
sink private_target
lie_at early-private '\[forbidden-target\]' strict raw-tunnel --early --host 127.0.0.1 --port "$PORT_private_target" --send "$WORK/ch-nosni.bin"
got_nothing private_target
no_connection private_target
lie_at early-closed '\[connect\]' open raw-tunnel --early --host 127.0.0.1 --port "$(free_port)" --send "$WORK/ch-nosni.bin"

# 6. A good early ClientHello reaches the target byte for byte, once connected.
sink pass_target --reply $'HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n'
lie_at early-passes '\[tunnel-not-tls\]' open raw-tunnel --early --host localhost --port "$PORT_pass_target" --send "$WORK/ch-localhost.bin"
cmp -s "$WORK/pass_target.got" "$WORK/ch-localhost.bin" || fail "early-passes: the target did not get exactly the ClientHello"
note "early ClientHello relayed byte for byte once connected"
