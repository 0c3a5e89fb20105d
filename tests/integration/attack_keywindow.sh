# Class 8 (issue 6): backdating with a leaked notary key. Each signing key has an attested
# window; the notary rotates keys (--key-lifetime), signs only inside the signing key's
# window, and verifiers refuse a proof dated outside it, or older than the policy allows.
source "$(dirname "$0")/lib/common.sh"
make_certs
start_server api "$BIN/tp-demo-api" --listen 127.0.0.1:0 --cert "$CERTS/server.pem" --key "$CERTS/server.key" --token "$TOKEN"
# Lifetime 4 s: rotation 2 s before each window ends (half the lifetime), time enough for a
# session on a loaded machine (ASan) to get its proof signed by the key it attested.
start_server notary "$BIN/teeproof-notary" --listen 127.0.0.1:0 --allow-port any --tee sim --ca-file "$CERTS/ca.pem" --allow-private --key-lifetime 4
N="127.0.0.1:$PORT_notary"
manifest_for "$PORT_api" >"$WORK/m.json"
prove_to() { # OUT
  "$BIN/teeproof" prove --allow-insecure-sim --notary "$N" --manifest "$WORK/m.json" --var "token=$TOKEN" \
    --ca-file "$CERTS/ca.pem" --out "$1" || fail "prove $1"
  "$BIN/teeproof" verify "$1" --allow-insecure-sim >/dev/null || fail "verify $1"
}
show() { "$BIN/tp-keywindow" show "$1"; }

# Rotation: a proof, then one after the first key's window has ended. Both verify, with
# different keys, and the first key's window does not cover the second proof's time.
prove_to "$WORK/p1.proof"
read -r key1 nb1 na1 t1 < <(show "$WORK/p1.proof")
[[ $nb1 != - && $na1 != - ]] || fail "the proof carries no key_window"
(( na1 - nb1 == 4 && nb1 <= t1 && t1 <= na1 )) || fail "p1: window [$nb1, $na1] and time $t1"
while (( $(date +%s) <= na1 )); do sleep 0.2; done
prove_to "$WORK/p2.proof"
read -r key2 nb2 na2 t2 < <(show "$WORK/p2.proof")
[[ $key1 != "$key2" ]] || fail "no rotation: both proofs signed by the same key"
(( t2 > na1 && nb2 <= t2 && t2 <= na2 )) || fail "p2: time $t2, window [$nb2, $na2], old window ends $na1"
grep -q 'new signing key, window' "$WORK/notary.err" || fail "the notary did not log a rotation"
note "rotation: p1 [$nb1, $na1] at $t1, p2 [$nb2, $na2] at $t2, different keys"

# A session that attested a key and proves after the notary rotated (one second before the
# key's window ends): signed by the key it attested (the prover checks), which is not the
# notary's current key.
"$BIN/tp-keywindow" late-prove --notary "$N" --manifest "$WORK/m.json" --var "token=$TOKEN" \
  --ca-file "$CERTS/ca.pem" --until-end -1 >"$WORK/straddle.proof" || fail "a session across a rotation got no proof"
"$BIN/teeproof" verify "$WORK/straddle.proof" --allow-insecure-sim >/dev/null || fail "verify straddle"
read -r key3 nb3 na3 t3 < <(show "$WORK/straddle.proof")
(( t3 >= na3 - 1 && t3 <= na3 )) || fail "straddle: time $t3, window [$nb3, $na3]"
prove_to "$WORK/p4.proof"
read -r key4 _ _ _ < <(show "$WORK/p4.proof")
[[ $key3 != "$key4" ]] || fail "straddle: the notary had not rotated"
note "a session across a rotation: signed at $t3 by its attested key [$nb3, $na3]"

# A session whose attested key leaves its window before PROVE: refused, nothing signed.
expect_fail late-prove '\[key-window\]' "$BIN/tp-keywindow" late-prove --notary "$N" --manifest "$WORK/m.json" \
  --var "token=$TOKEN" --ca-file "$CERTS/ca.pem" --until-end 1
[[ ! -s "$WORK/late-prove.stdout" ]] || fail "late-prove: the notary signed something"
grep -q 'refused .*\[key-window\]' "$WORK/notary.err" || fail "late-prove: no refusal in the notary's log"

# The attack: a key with genuine evidence (here a fresh sim key, as a leaked notary key
# would be) signs the claims dated now, then re-dated a day earlier / later.
"$BIN/tp-keywindow" backdate "$WORK/p1.proof" -86400 "$WORK/now.proof" "$WORK/back.proof" || fail "backdate tool"
"$BIN/teeproof" verify "$WORK/now.proof" --allow-insecure-sim >/dev/null || fail "the thief's proof dated now should verify"
expect_fail backdated '\[key-window\]' "$BIN/teeproof" verify "$WORK/back.proof" --allow-insecure-sim
"$BIN/tp-keywindow" backdate "$WORK/p1.proof" 86400 "$WORK/now2.proof" "$WORK/ahead.proof" || fail "backdate tool"
expect_fail postdated '\[key-window\]' "$BIN/teeproof" verify "$WORK/ahead.proof" --allow-insecure-sim
# Moving the window shown beside the key to cover the new date breaks the binding.
sed -E "s/(\"not_before\": )[0-9]+/\1$((nb1 - 172800))/" "$WORK/back.proof" >"$WORK/stretched.proof"
grep -q "$((nb1 - 172800))" "$WORK/stretched.proof" || fail "window edit did not apply"
expect_fail stretched-window '\[binding\]' "$BIN/teeproof" verify "$WORK/stretched.proof" --allow-insecure-sim

# Policy: a maximum proof age, measured from the verifier's clock (--now).
printf '{"version":1,"max_proof_age_s":60,"platforms":{"sim":{"allow":true}}}' >"$WORK/age-policy.json"
"$BIN/teeproof" verify "$WORK/p1.proof" --policy "$WORK/age-policy.json" --now $((t1 + 60)) >/dev/null || fail "proof within the age"
expect_fail too-old '\[proof-age\]' "$BIN/teeproof" verify "$WORK/p1.proof" --policy "$WORK/age-policy.json" --now $((t1 + 61))
expect_fail bad-now '--now' "$BIN/teeproof" verify "$WORK/p1.proof" --policy "$WORK/age-policy.json" --now yesterday
# The rotating notary stops cleanly (under ASan: no rotated key left unfreed).
kill -TERM "$PID_notary"
wait "$PID_notary" || { cat "$WORK/notary.err" >&2; fail "notary exit status non-zero after SIGTERM"; }
note "key window: all checks passed"
