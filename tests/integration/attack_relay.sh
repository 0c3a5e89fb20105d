# Attack class 5, the notary as an open relay: a lying prover tries to reach plain-TCP
# services, other hosts, other ports and special-purpose addresses through the tunnel. Each
# case asserts the error name, that nothing was signed, and, where a service stands behind
# the tunnel, what it received. Also: a name whose first address refuses the connection is
# reached through its next address.
source "$(dirname "$0")/lib/common.sh"
make_certs
start_server good "$BIN/tp-demo-api" --listen 127.0.0.1:0 --cert "$CERTS/server.pem" --key "$CERTS/server.key" --token "$TOKEN"
NOTARY=("$BIN/teeproof-notary" --listen 127.0.0.1:0 --tee sim --ca-file "$CERTS/ca.pem")
start_server open "${NOTARY[@]}" --allow-private --allow-port any
start_server strict "${NOTARY[@]}" --allow-port any
start_server ports "${NOTARY[@]}" --allow-private --allow-port 443 --allow-port "$PORT_good"
start_server default "${NOTARY[@]}" --allow-private
manifest_for "$PORT_good" >"$WORK/good.json"

source "$(dirname "$0")/lib/relay.sh"

# Real ClientHellos (s_client, captured by a sink).
capture localhost -tls1_3 -servername localhost
capture evil -tls1_3 -servername evil.example
capture nosni -tls1_3 -noservername
capture tls12 -tls1_2 -servername localhost

# 1. A plain-TCP "SMTP" service: it receives nothing, its greeting never reaches the prover.
sink smtp --banner $'220 mail.example ESMTP\r\n' --reply $'250 ok\r\n'
printf 'EHLO attacker\r\nMAIL FROM:<a@example>\r\n' >"$WORK/smtp.txt"
lie_at raw-smtp '\[tunnel-not-tls\]' open raw-tunnel --host 127.0.0.1 --port "$PORT_smtp" --send "$WORK/smtp.txt"
got_nothing smtp

# 2. A ClientHello for another host (SNI evil.example, tunnel to localhost): nothing sent.
sink evil_target
lie_at sni-other-host '\[tunnel-not-tls\]' open raw-tunnel --host localhost --port "$PORT_evil_target" --send "$WORK/ch-evil.bin"
got_nothing evil_target

# 3. An IP literal target gets no SNI; a ClientHello with one is refused; TLS 1.2 only too.
sink ip_target
lie_at sni-for-ip '\[tunnel-not-tls\]' open raw-tunnel --host 127.0.0.1 --port "$PORT_ip_target" --send "$WORK/ch-localhost.bin"
got_nothing ip_target
sink old_target
lie_at tls12-only '\[tunnel-not-tls\]' open raw-tunnel --host localhost --port "$PORT_old_target" --send "$WORK/ch-tls12.bin"
got_nothing old_target

# 4. A good ClientHello with a request glued after it (before the target said anything).
sink glued
{ cat "$WORK/ch-localhost.bin"; printf 'GET /admin HTTP/1.1\r\nHost: x\r\n\r\n'; } >"$WORK/glued.bin"
lie_at hello-then-plaintext '\[tunnel-not-tls\]' open raw-tunnel --host localhost --port "$PORT_glued" --send "$WORK/glued.bin"
got_nothing glued

# 5. A good ClientHello passes, byte for byte; a service that answers it in plain text is
# cut off before its answer reaches the prover.
sink http --reply $'HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n'
lie_at plaintext-answer '\[tunnel-not-tls\]' open raw-tunnel --host localhost --port "$PORT_http" --send "$WORK/ch-localhost.bin"
cmp -s "$WORK/http.got" "$WORK/ch-localhost.bin" || fail "plaintext-answer: the target did not get exactly the ClientHello"
sink ip_ok
lie_at ip-no-sni-passes '\[(manifest-request|truncated|tls-[a-z-]+)\]' open raw-tunnel --host 127.0.0.1 --port "$PORT_ip_ok" --send "$WORK/ch-nosni.bin"
cmp -s "$WORK/ip_ok.got" "$WORK/ch-nosni.bin" || fail "ip-no-sni-passes: the target did not get exactly the ClientHello"

# 6. A tunnel without attestation first.
lie_at no-attestation '\[protocol\]' open no-attest

# 7. Ports: the default allow-list is 443 only; --allow-port is repeatable; refused before
# any lookup or connect.
expect_fail port-default '\[forbidden-port\]' "$BIN/teeproof" prove --allow-insecure-sim --notary "127.0.0.1:$PORT_default" \
  --manifest "$WORK/good.json" --var "token=$TOKEN" --ca-file "$CERTS/ca.pem" --out "$WORK/port-default.proof"
[[ ! -s "$WORK/port-default.proof" ]] || fail "port-default: a proof was written"
lie_at port-25 '\[forbidden-port\]' ports raw-tunnel --host 127.0.0.1 --port 25 --send "$WORK/ch-nosni.bin"
lie_at port-before-resolve '\[forbidden-port\]' ports raw-tunnel --host no-such-host.invalid --port 25 --send "$WORK/ch-nosni.bin"
"$BIN/teeproof" prove --allow-insecure-sim --notary "127.0.0.1:$PORT_ports" --manifest "$WORK/good.json" --var "token=$TOKEN" \
  --ca-file "$CERTS/ca.pem" --out "$WORK/ports.proof" || fail "an allowed port (second --allow-port) was refused"

# 8. IPv6 forms of private IPv4, and other special-purpose literals, without --allow-private.
for lit in 64:ff9b::7f00:1 64:ff9b::a00:1 64:ff9b:1::a00:1 2002:7f00:1::1 2002:a00:1::1 \
           2001:0:4136:e378:8000:63bf:80ff:fffe ::ffff:0:7f00:1 ::ffff:0:a00:1 100::1 5f00::1; do
  lie_at "literal-$lit" '\[forbidden-target\]' strict raw-tunnel --host "$lit" --port 443 --send "$WORK/ch-nosni.bin"
done

# 9. Next address: a name resolving to ::1 first, then 127.0.0.1, with the service on
# 127.0.0.1 only, connects through the second address. Uses this host's resolver if it
# already answers so, else a notary in its own mount namespace with its own /etc/hosts.
# Then ::1 (refused), 127.0.0.1 (a silent host: the attempt runs out of its share of the
# time) and 127.0.0.2 (the service): connects through the third.
order() { # HOSTS-FILE: the addresses of localhost in resolver order, in a namespace using it
  unshare -m -- sh -c 'mount --bind "$0" /etc/hosts && getent ahosts localhost' "$1" 2>/dev/null |
    awk '$2 == "STREAM" {print $1}' | tr '\n' ' '
}
ns_notary() { # NAME HOSTS-FILE: a notary whose /etc/hosts is HOSTS-FILE
  start_server "$1" unshare -m -- sh -c 'mount --bind "$0" /etc/hosts && exec "$@"' "$2" \
    "${NOTARY[@]}" --allow-private --allow-port any
}
prove_via() { # NAME NOTARY MANIFEST
  local port_var="PORT_$2"
  "$BIN/teeproof" prove --allow-insecure-sim --notary "127.0.0.1:${!port_var}" --manifest "$3" --var "token=$TOKEN" \
    --ca-file "$CERTS/ca.pem" --out "$WORK/$1.proof" 2>"$WORK/$1.err" || { cat "$WORK/$1.err" >&2; fail "$1: not connected"; }
  "$BIN/teeproof" verify "$WORK/$1.proof" --allow-insecure-sim >/dev/null || fail "$1: proof does not verify"
}
printf '::1 localhost\n127.0.0.1 localhost\n' >"$WORK/hosts2"
printf '::1 localhost\n127.0.0.1 localhost\n127.0.0.2 localhost\n' >"$WORK/hosts3"
if [[ $(getent ahosts localhost | awk '$2 == "STREAM" {print $1}' | tr '\n' ' ') == "::1 127.0.0.1"* ]]; then
  prove_via next-address open "$WORK/good.json"
  note "localhost as ::1 then 127.0.0.1: connected through the second address"
elif [[ $(order "$WORK/hosts2") == "::1 127.0.0.1 " ]]; then
  ns_notary dual "$WORK/hosts2"
  prove_via next-address dual "$WORK/good.json"
  note "localhost as ::1 then 127.0.0.1: connected through the second address"
else
  note "SKIP next-address: localhost does not resolve to ::1 then 127.0.0.1 here and no mount namespace"
fi
if [[ $(order "$WORK/hosts3") == "::1 127.0.0.1 127.0.0.2 " ]]; then
  start_server api2 "$BIN/tp-demo-api" --listen 127.0.0.2:0 --cert "$CERTS/server.pem" --key "$CERTS/server.key" --token "$TOKEN"
  start_server silent "$BIN/tp-sink" --host 127.0.0.1 --port "$PORT_api2" --out "$WORK/silent.got" --blackhole
  ns_notary triple "$WORK/hosts3"
  manifest_for "$PORT_api2" >"$WORK/api2.json"
  t0=$SECONDS
  prove_via silent-address triple "$WORK/api2.json"
  note "localhost as ::1 (refused), 127.0.0.1 (silent), 127.0.0.2: connected through the third in $((SECONDS - t0)) s"
else
  note "SKIP silent-address: no mount namespace with a resolver keeping ::1, 127.0.0.1, 127.0.0.2 in that order"
fi
