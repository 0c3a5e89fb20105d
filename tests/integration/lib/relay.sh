# Shared by the relay attack scripts (attack_relay.sh, tunnel_early.sh), sourced after
# common.sh: a plain-TCP sink service, the lying prover against a named notary, the
# refusal assertions, and real ClientHellos captured from another TLS stack.
# Each script has made $WORK/good.json (a manifest for its target) before using liar.

# sink NAME [tp-sink args]: a plain-TCP service recording what it receives in $WORK/NAME.got.
sink() { local name=$1; shift; start_server "$name" "$BIN/tp-sink" --port 0 --out "$WORK/$name.got" "$@"; }
# liar NOTARY MODE [args]: the lying prover against notary NOTARY (a start_server name).
liar() {
  local port_var="PORT_$1" mode=$2; shift 2
  "$BIN/tp-lying-prover" --notary "127.0.0.1:${!port_var}" --manifest "$WORK/good.json" \
    --ca-file "$CERTS/ca.pem" --var "token=$TOKEN" --lie "$mode" "$@"
}
# lie_at NAME PATTERN NOTARY MODE [args]: the lying prover must fail with PATTERN; nothing
# signed, and no answer of the target relayed.
lie_at() {
  local name=$1 pattern=$2; shift 2
  expect_fail "$name" "$pattern" liar "$@"
  [[ ! -s "$WORK/$name.stdout" ]] || fail "$name: the notary signed something"
  ! grep -q 'bytes from the target were relayed' "$WORK/$name.stderr" || fail "$name: the target's answer was relayed"
}
got_nothing() { [[ ! -s "$WORK/$1.got" ]] || fail "$1 received $(wc -c <"$WORK/$1.got") bytes through the notary"; }
# capture NAME s_client-args...: a real ClientHello from openssl s_client, in $WORK/ch-NAME.bin.
capture() {
  local name=$1; shift
  sink "cap_$name" --idle-ms 300
  local port_var="PORT_cap_$name"
  timeout 5 openssl s_client -connect "127.0.0.1:${!port_var}" "$@" </dev/null >/dev/null 2>&1 || true
  [[ -s "$WORK/cap_$name.got" ]] || fail "no ClientHello captured for $name"
  cp "$WORK/cap_$name.got" "$WORK/ch-$name.bin"
}
