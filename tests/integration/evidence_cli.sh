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
expect_fail wrong-platform '\[platform\]' $EV "$TV/snp_report.bin" --platform sgx
expect_fail nofile '\[io\]' $EV "$WORK/none.bin" --platform tdx

rc=0; $EV "$TV/tdx_quote_v4.bin" 2>"$WORK/usage.err" || rc=$?
[[ $rc -eq 2 ]] || fail "missing --platform exited $rc, want 2"
rc=0; $EV --at soon x --platform tdx 2>/dev/null || rc=$?
[[ $rc -eq 2 ]] || fail "bad --at exited $rc, want 2"
$EV --help | grep -q '^usage: teeproof evidence' || fail "no usage"
note "evidence CLI ok"
