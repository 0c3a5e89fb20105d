# EVM: a real proof from a sim notary, exported with `teeproof export --format eip191` and
# `--format pluto`, checked by contracts/TeeproofVerifier.sol compiled with solc-js on an
# in-process EVM (contracts/test, node --test): right signer and claims hash, tampered
# message and unknown signer revert. Export refuses a proof whose secp256k1 signature or
# address was edited, and writes nothing.
source "$(dirname "$0")/lib/common.sh"
bash "$ROOT/scripts/deps.sh" node
make_certs
start_server api "$BIN/tp-demo-api" --listen 127.0.0.1:0 --cert "$CERTS/server.pem" --key "$CERTS/server.key" --token "$TOKEN"
start_server notary "$BIN/teeproof-notary" --listen 127.0.0.1:0 --allow-port any --tee sim --ca-file "$CERTS/ca.pem" --allow-private
manifest_for "$PORT_api" >"$WORK/m.json"

"$BIN/teeproof" prove --notary "127.0.0.1:$PORT_notary" --manifest "$WORK/m.json" --var "token=$TOKEN" \
  --ca-file "$CERTS/ca.pem" --allow-insecure-sim --out "$WORK/proof.json" || fail "prove"
"$BIN/teeproof" verify "$WORK/proof.json" --allow-insecure-sim >/dev/null || fail "verify"
"$BIN/teeproof" export "$WORK/proof.json" --format eip191 --allow-insecure-sim --out "$WORK/eip191.json" \
  || fail "export eip191"
"$BIN/teeproof" export "$WORK/proof.json" --format pluto --allow-insecure-sim >"$WORK/pluto.json" \
  || fail "export pluto"
signer=$(jq -r .signer "$WORK/eip191.json")
[[ $signer == $(jq -r .signature.eth.address "$WORK/proof.json") ]] || fail "export signer is not the proof's address"
[[ $(jq -r .signature.signer "$WORK/pluto.json") == "$signer" ]] || fail "pluto signer differs"
note "exported: signer $signer"

# Edited secp256k1 parts: verify and export refuse, export writes nothing.
edit() { # NAME JQ-FILTER
  jq "$2" "$WORK/proof.json" >"$WORK/$1.json"
  expect_fail "verify-$1" '\[signature\]' "$BIN/teeproof" verify "$WORK/$1.json" --allow-insecure-sim
  expect_fail "export-$1" '\[signature\]' "$BIN/teeproof" export "$WORK/$1.json" --format eip191 \
    --allow-insecure-sim --out "$WORK/$1.export.json"
  [[ ! -e $WORK/$1.export.json ]] || fail "$1: export wrote a file"
}
# One hex digit of r, of the address, of the Pluto signature's r.
edit eth-value '.signature.eth.value |= (.[0:10] + (if .[10:11] == "0" then "1" else "0" end) + .[11:])'
edit eth-address '.signature.eth.address |= (.[0:41] + (if .[41:42] == "0" then "1" else "0" end))'
edit pluto-value '.signature.eth.pluto_value |= (.[0:10] + (if .[10:11] == "0" then "1" else "0" end) + .[11:])'
# No eth signature at all (an old proof or a stripped one): refused.
jq 'del(.signature.eth)' "$WORK/proof.json" >"$WORK/no-eth.json"
expect_fail verify-no-eth '\[proof\]' "$BIN/teeproof" verify "$WORK/no-eth.json" --allow-insecure-sim

# The contract, on the in-process EVM.
(cd "$ROOT/contracts" && TP_EIP191="$WORK/eip191.json" TP_PLUTO="$WORK/pluto.json" node --test test/) \
  >"$WORK/node.out" 2>&1 || { cat "$WORK/node.out" >&2; fail "contract tests"; }
grep -q '^# fail 0' "$WORK/node.out" && grep -q '^# skipped 0' "$WORK/node.out" \
  || { cat "$WORK/node.out" >&2; fail "contract tests skipped or failed"; }
note "contract tests: $(grep -E '^# (pass|fail)' "$WORK/node.out" | tr '\n' ' ')"
