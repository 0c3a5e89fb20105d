# Shared by the request attack suites (attack_request.sh, attack_redteam.sh): a lying prover
# that sends raw request bytes over an honest TLS session and reveals honestly. Needs N
# (notary), CERTS, WORK, AUTH (host:port of the target) and TAIL (the fixed last header
# lines); ATTACK_SECRET, when set, must never appear in an error.

# attack NAME MANIFEST PATTERN REQUEST-BYTES [--var N=V...]: send REQUEST-BYTES in a
# session about MANIFEST, reveal honestly; the notary must refuse with PATTERN and sign
# nothing. With TP_ATTACK_EXPECT_PROOF=1 (an older notary) it must sign instead.
attack() {
  local name=$1 mf=$2 pattern=$3 bytes=$4; shift 4
  printf '%s' "$bytes" >"$WORK/$name.req"
  local cmd=("$BIN/tp-lying-prover" --notary "$N" --manifest "$WORK/$mf.json" --ca-file "$CERTS/ca.pem"
             --lie raw-request --request "$WORK/$name.req" "$@")
  if [[ ${TP_ATTACK_EXPECT_PROOF:-0} = 1 ]]; then
    "${cmd[@]}" >"$WORK/$name.stdout" 2>"$WORK/$name.stderr" || { cat "$WORK/$name.stderr" >&2; fail "$name: not signed"; }
    grep -q '"signature"' "$WORK/$name.stdout" || fail "$name: no proof"
    note "$name signed (as expected of the old notary)"
    return
  fi
  expect_fail "$name" "$pattern" "${cmd[@]}"
  [[ ! -s "$WORK/$name.stdout" ]] || fail "$name: the notary signed something"
  if [[ -n ${ATTACK_SECRET:-} ]] && grep -qF -- "$ATTACK_SECRET" "$WORK/$name.stderr"; then
    fail "$name: a value or the request in the error"
  fi
  return 0
}

# req_head LINE [FIELD-LINE...]: sets REQ to a request head as the prover before the fix
# wrote it: LINE, Host, the field lines given, then TAIL.
req_head() {
  REQ="$1"$'\r\n'"Host: $AUTH"$'\r\n'; shift
  local f; for f in "$@"; do REQ+="$f"$'\r\n'; done
  REQ+="$TAIL"
}
