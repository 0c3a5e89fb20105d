# `teeproof evidence`: the public TDX / SEV-SNP evidence verifies and prints its facts;
# damaged evidence, a wrong VCEK, a wrong root and a time outside the certificates fail with
# one "error:" line and exit 1; usage errors exit 2.
source "$(dirname "$0")/lib/common.sh"
TV=${TP_TESTVECTORS:-$ROOT/tests/data/testvectors}
EV="$BIN/teeproof evidence"

expect_field() { # file key value
  python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); v=d[sys.argv[2]]; sys.exit(0 if str(v).lower().startswith(sys.argv[3]) else 1)' "$@" \
    || fail "$1: $2 is not $3"
}

$EV "$TV/tdx_quote_v4.bin" --platform tdx >"$WORK/v4.json" || fail "tdx v4 rejected"
expect_field "$WORK/v4.json" platform tdx
expect_field "$WORK/v4.json" measurement 6363b8043668a3ad953278e10389574d326c6749fb78aa810ecd9336923db86f22fc00b8dcd404bc10d5e119d7215cbb
expect_field "$WORK/v4.json" report_data 6c62dec1b8191749
expect_field "$WORK/v4.json" debug false
$EV "$TV/tdx_quote_v5.bin" --platform tdx >"$WORK/v5.json" || fail "tdx v5 rejected"
expect_field "$WORK/v5.json" report_data 945eaacf5abc1f71
$EV "$TV/snp_report.bin" --platform sev-snp --cert "$TV/vcek.der" >"$WORK/snp.json" || fail "snp rejected"
expect_field "$WORK/snp.json" measurement b07af9620f3b839b
expect_field "$WORK/snp.json" debug true
expect_field "$WORK/snp.json" policy 720896
$EV "$TV/virtee_report_milan.bin" --platform sev-snp --cert "$TV/virtee_vcek_milan.der" \
  --chain "$TV/ask_ark_milan.pem" --roots "$TV/ask_ark_milan.pem" >"$WORK/virtee.json" || fail "virtee rejected"
expect_field "$WORK/virtee.json" debug false
note "public TDX and SEV-SNP evidence verified"

cp "$TV/tdx_quote_v4.bin" "$WORK/bad.bin"
printf '\x55' | dd of="$WORK/bad.bin" bs=1 seek=200 conv=notrunc status=none
expect_fail tdx-flip '\[evidence-signature\]' $EV "$WORK/bad.bin" --platform tdx
head -c 1000 "$TV/tdx_quote_v4.bin" >"$WORK/short.bin"
expect_fail tdx-short '\[truncated\]' $EV "$WORK/short.bin" --platform tdx
expect_fail tdx-root '\[evidence-chain\]' $EV "$TV/tdx_quote_v4.bin" --platform tdx --roots "$TV/aws_nitro_root_g1.pem"
expect_fail tdx-time '\[evidence-time\]' $EV "$TV/tdx_quote_v4.bin" --platform tdx --at 1000000000
expect_fail snp-vcek '\[evidence-signature\]' $EV "$TV/snp_report.bin" --platform sev-snp --cert "$TV/virtee_vcek_milan.der"
expect_fail snp-novcek '\[evidence-chain\]' $EV "$TV/snp_report.bin" --platform sev-snp
expect_fail snp-time '\[evidence-time\]' $EV "$TV/snp_report.bin" --platform sev-snp --cert "$TV/vcek.der" --at 1900000000
# SEV-SNP report versions: only 2 and 3 are parsed; reserved fields must be zero (both
# refused before the signature is looked at); the facts name the signing key and split the TCBs.
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if d["signing_key"]=="VCEK" and "microcode" in d["reported_tcb_parts"] and "committed_tcb_parts" in d else 1)' "$WORK/snp.json" \
  || fail "snp facts lack signing_key / TCB parts"
cp "$TV/snp_report.bin" "$WORK/snp_v4.bin"
printf '\x04' | dd of="$WORK/snp_v4.bin" bs=1 seek=0 conv=notrunc status=none
expect_fail snp-version 'version 4 is not supported.*\[evidence\]' $EV "$WORK/snp_v4.bin" --platform sev-snp --cert "$TV/vcek.der"
cp "$TV/snp_report.bin" "$WORK/snp_rsv.bin"
printf '\x01' | dd of="$WORK/snp_rsv.bin" bs=1 seek=$((0x1F8)) conv=notrunc status=none
expect_fail snp-reserved 'reserved field.*\[evidence\]' $EV "$WORK/snp_rsv.bin" --platform sev-snp --cert "$TV/vcek.der"
expect_fail wrong-platform '\[platform\]' $EV "$TV/snp_report.bin" --platform sgx
expect_fail nofile '\[io\]' $EV "$WORK/none.bin" --platform tdx

# TDX collateral (Intel PCS responses for the v4 quote's platform): every signature, date,
# CRL, FMSPC/PCEID, TDX module and QE identity check passes at 2023-07-01, and Intel's TCB
# levels are above this platform's (see docs/platforms.md); expired by 2053; a flipped
# signature byte is refused.
COLL="$TV/tdx_collateral"
expect_fail tdx-coll-level 'no TCB level.*\[tcb-status\]' $EV "$TV/tdx_quote_v4.bin" --platform tdx --collateral "$COLL" --at 1688173200
expect_fail tdx-coll-2053 '\[collateral\]' $EV "$TV/tdx_quote_v4.bin" --platform tdx --collateral "$COLL" --at 2634944400
mkdir "$WORK/coll" && cp "$COLL"/* "$WORK/coll/"
sed -i 's/"signature":"f6/"signature":"f7/' "$WORK/coll/tcbinfo_fmspc_50806f000000.json"
expect_fail tdx-coll-sig 'signature does not verify.*\[collateral\]' $EV "$TV/tdx_quote_v4.bin" --platform tdx --collateral "$WORK/coll" --at 1688173200
rm "$WORK/coll/tcbinfo_fmspc_50806f000000.json"
expect_fail tdx-coll-missing '\[io\]' $EV "$TV/tdx_quote_v4.bin" --platform tdx --collateral "$WORK/coll" --at 1688173200
# Copies made by the test tool (re-signed under a test root given with --roots): the quote
# meets the UpToDate level; a level raised above it gives OutOfDate; a CRL lists its PCK.
TP_TESTVECTORS="$TV" "$BIN/tp-tdx-testcoll" "$WORK/fx" || fail "tp-tdx-testcoll"
$EV "$TV/tdx_quote_v4.bin" --platform tdx --collateral "$WORK/fx/meetable" --roots "$WORK/fx/roots.pem" \
  --at 1688173200 >"$WORK/coll.json" || fail "meetable collateral refused"
expect_field "$WORK/coll.json" tcb_status uptodate
expect_field "$WORK/coll.json" qe_tcb_status uptodate
expect_field "$WORK/coll.json" measurement 6363b8043668a3ad
$EV "$TV/tdx_quote_v4.bin" --platform tdx --collateral "$WORK/fx/raised" --roots "$WORK/fx/roots.pem" \
  --at 1688173200 >"$WORK/raised.json" || fail "raised collateral refused"
expect_field "$WORK/raised.json" tcb_status outofdate
expect_fail tdx-coll-revoked 'PCK certificate is revoked.*\[revoked\]' $EV "$TV/tdx_quote_v4.bin" --platform tdx \
  --collateral "$WORK/fx/revoked" --roots "$WORK/fx/roots.pem" --at 1688173200
expect_fail tdx-coll-testroot '\[collateral\]' $EV "$TV/tdx_quote_v4.bin" --platform tdx \
  --collateral "$WORK/fx/meetable" --at 1688173200
$EV --help | grep -q -- '--collateral DIR' || fail "no --collateral in usage"
note "TDX collateral judged"

rc=0; $EV "$TV/tdx_quote_v4.bin" 2>"$WORK/usage.err" || rc=$?
[[ $rc -eq 2 ]] || fail "missing --platform exited $rc, want 2"
rc=0; $EV --at soon x --platform tdx 2>/dev/null || rc=$?
[[ $rc -eq 2 ]] || fail "bad --at exited $rc, want 2"
$EV --help | grep -q '^usage: teeproof evidence' || fail "no usage"
note "evidence CLI ok"
