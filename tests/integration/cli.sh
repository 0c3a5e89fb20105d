# The command-line contract: --help on every command exits 0; misuse exits non-zero with
# exactly one "error: ..." line on stderr.
source "$(dirname "$0")/lib/common.sh"
for c in "teeproof --help" "teeproof prove --help" "teeproof verify --help" \
         "teeproof attestation --help" "teeproof evidence --help" "teeproof-notary --help"; do
  set -- $c
  "$BIN/$1" "${@:2}" >"$WORK/help.out" 2>&1 || fail "$c exited non-zero"
  grep -q '^usage: ' "$WORK/help.out" || fail "$c printed no usage"
done
expect_fail no-command 'no command' "$BIN/teeproof"
expect_fail bad-command 'unknown command' "$BIN/teeproof" frobnicate
expect_fail prove-missing '--notary and --manifest' "$BIN/teeproof" prove --allow-insecure-sim
expect_fail prove-policy 'exactly one of --policy' "$BIN/teeproof" prove --notary 127.0.0.1:1 --manifest /dev/null
expect_fail verify-nofile 'cannot open' "$BIN/teeproof" verify "$WORK/nope.json" --allow-insecure-sim
expect_fail verify-twopolicy 'exactly one of --policy' "$BIN/teeproof" verify x --allow-insecure-sim --policy y
expect_fail bad-manifest '\[(manifest|json)\]' "$BIN/teeproof" prove --notary 127.0.0.1:1 --manifest /dev/null --allow-insecure-sim
expect_fail notary-noargs 'required' "$BIN/teeproof-notary"
expect_fail notary-badopt 'unknown' "$BIN/teeproof-notary" --listen 127.0.0.1:0 --tee sim --bogus
expect_fail notary-badtee '\[platform\]|unknown' "$BIN/teeproof-notary" --listen 127.0.0.1:0 --tee nonsense
expect_fail notary-auto 'no TEE' "$BIN/teeproof-notary" --listen 127.0.0.1:0 --tee auto --tsm-root "$WORK/none"
expect_fail notary-badlisten 'HOST:PORT' "$BIN/teeproof-notary" --listen nonsense --tee sim
expect_fail notary-collateral-sim 'platform sim takes no collateral' "$BIN/teeproof-notary" --listen 127.0.0.1:0 --tee sim --collateral "$ROOT/tests/data/testvectors/tdx_collateral"
for bad in 0 65536 x -1 ""; do
  expect_fail "notary-badport$bad" 'allow-port' "$BIN/teeproof-notary" --listen 127.0.0.1:0 --tee sim --allow-port "$bad"
done
rc=0; "$BIN/teeproof" prove --notary x:1 --manifest y --allow-insecure-sim --timeout 0 2>/dev/null || rc=$?
[[ $rc -eq 2 ]] || fail "usage errors exit 2 (got $rc)"
