# The library as users get it: libteeproof.so (versioned soname) exports exactly the
# functions the public headers declare TP_API; `make install PREFIX=...` lays out bin, lib,
# include, pkg-config and man pages; docs/examples/{prove,verify}.c build against the
# installed library with pkg-config (shared, and static from the .a) and prove and verify
# through a sim notary.
source "$(dirname "$0")/lib/common.sh"
HDRS=("$ROOT"/include/teeproof/*.h)
SO="$BUILD/lib/libteeproof.so"

# 1. Every function declared in a public header is TP_API, and the .so exports exactly those.
if grep -nE '^[a-zA-Z_][a-zA-Z_0-9 *]*\btp_[a-z0-9_]+\(' "${HDRS[@]}" | grep -vE ':[0-9]+:(TP_API |typedef )'; then
  fail "a public function above is declared without TP_API"
fi
# Nothing of jansson or OpenSSL in the public headers.
if grep -nE '\bjson_t\b|<jansson\.h>|<openssl/|\b(SSL|SSL_CTX|EVP_[A-Z_]+|X509)\b' "${HDRS[@]}"; then
  fail "a public header above uses a jansson or OpenSSL type"
fi
grep -h '^TP_API' "${HDRS[@]}" | sed -E 's/^TP_API[^(]*\b(tp_[a-z0-9_]+)\(.*/\1/' | sort >"$WORK/declared"
nm -D --defined-only "$SO" | awk '{print $3}' | grep -vxE '_init|_fini|_edata|_end|__bss_start' \
  | sort >"$WORK/exported"
diff -u "$WORK/declared" "$WORK/exported" >"$WORK/api.diff" || { cat "$WORK/api.diff" >&2; fail "exported symbols differ from the TP_API declarations (- declared only, + exported only)"; }
[[ -s $WORK/declared ]] || fail "no TP_API declaration found"
note "exports = declarations: $(wc -l <"$WORK/declared") functions"
[[ $(readelf -d "$SO") = *"Library soname: [libteeproof.so.0]"* ]] || fail "soname is not libteeproof.so.0"
[[ $(readlink "$SO") = libteeproof.so.0 && $(readlink "$BUILD/lib/libteeproof.so.0") = libteeproof.so.0.1.0 ]] \
  || fail "libteeproof.so -> .so.0 -> .so.0.1.0 links missing"

# The CLI uses only the public API: it includes no header but include/teeproof/ and its own
# src/cli/ ones, and is linked to libteeproof.so (the exported functions) and libc alone.
bad=$(grep -nE '^[[:space:]]*#[[:space:]]*include[[:space:]]*"' "$ROOT"/src/cli/*.[ch] \
      | grep -vE '#[[:space:]]*include[[:space:]]*"(teeproof|cli)/[a-z_]+\.h"' || true)
[[ -z $bad ]] || fail "the CLI includes private headers: $bad"
needed=$(readelf -d "$BIN/teeproof" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | grep -vxE 'libteeproof\.so\.0|libc\.so\.6|ld-linux.*|libasan\.so.*|libubsan\.so.*|libm\.so.*|libgcc_s\.so.*|libstdc\+\+\.so.*|libpthread\.so.*|libdl\.so.*|librt\.so.*' || true)
[[ -z $needed ]] || fail "bin/teeproof links more than libteeproof.so: $needed"
[[ $(readelf -d "$BIN/teeproof") = *"Shared library: [libteeproof.so.0]"* ]] || fail "bin/teeproof does not link libteeproof.so.0"
note "the CLI: public headers and libteeproof.so only"

# The verifier's side links no TEE code: libteeproof-verifier.so (the objects outside
# src/tee and src/prover, every symbol resolved) holds no attester, identity, replay or
# sealing symbol and exports the public API but the attesters and the prover.
VSO="$BUILD/lib/libteeproof-verifier.so"
[[ -f $VSO ]] || fail "no $VSO"
tee_syms=$(nm "$VSO" | grep -E ' (tp_attester_|tp_identity_|tp_notarize|tp_proof_seal|tp_eth_seal|tp_tsm_|tp_prove|tp_channel_open|tp_channel_attest)' || true)
[[ -z $tee_syms ]] || fail "the verifier's objects hold TEE or prover code: $tee_syms"
nm -D --defined-only "$VSO" | awk '{print $3}' | sort >"$WORK/vexported"
grep -vE '^(tp_attester_|tp_prove|tp_notary_attestation$)' "$WORK/declared" >"$WORK/vdeclared"
diff -u "$WORK/vdeclared" "$WORK/vexported" >&2 || fail "libteeproof-verifier.so exports differ from the verifier's public API"

# 2. make install into a scratch prefix (builds nothing: the build exists).
san=; sanflags=
if [[ $(ldd "$SO") = *libasan* ]]; then san=1; sanflags="-fsanitize=address,undefined"; fi
P="$WORK/prefix"
make -s -C "$ROOT" --no-print-directory BUILD="$BUILD" SAN="$san" install PREFIX="$P" >"$WORK/install.out" \
  || { cat "$WORK/install.out" >&2; fail "make install"; }
for f in bin/teeproof bin/teeproof-notary lib/libteeproof.a lib/libteeproof.so lib/libteeproof.so.0 \
         lib/libteeproof.so.0.1.0 lib/pkgconfig/teeproof.pc include/teeproof/proof.h \
         include/teeproof/export.h share/man/man1/teeproof.1 share/man/man5/teeproof-manifest.5 \
         share/man/man5/teeproof-policy.5 share/man/man8/teeproof-notary.8; do
  [[ -e $P/$f ]] || fail "make install did not install $f"
done
export PKG_CONFIG_PATH="$P/lib/pkgconfig"
pkg-config --exists teeproof || fail "pkg-config does not find teeproof.pc"
grep -q "^prefix=$P\$" "$P/lib/pkgconfig/teeproof.pc" || fail "teeproof.pc prefix"
[[ $(ldd "$P/bin/teeproof") = *"$P/bin/../lib/libteeproof.so.0"* ]] || fail "the installed CLI does not load the installed library"
"$P/bin/teeproof" verify --help >/dev/null || fail "the installed CLI does not run"
note "installed; pkg-config: $(pkg-config --cflags --libs teeproof)"

# 3. The examples build against the installed headers and library only (no -Isrc).
CFLAGS_EX=(-std=c11 -Wall -Wextra -Werror -O1 $sanflags)
for ex in prove verify; do
  # shellcheck disable=SC2046
  cc "${CFLAGS_EX[@]}" "$ROOT/docs/examples/$ex.c" $(pkg-config --cflags --libs teeproof) \
    -Wl,-rpath,"$P/lib" -o "$WORK/$ex" || fail "example $ex.c does not build against the installed library"
  [[ $(ldd "$WORK/$ex") = *"$P/lib/libteeproof.so.0"* ]] || fail "$ex does not load the installed .so.0"
done
# The static case: the .a with pkg-config --static's Libs.private.
# shellcheck disable=SC2046
cc "${CFLAGS_EX[@]}" "$ROOT/docs/examples/verify.c" $(pkg-config --cflags teeproof) "$P/lib/libteeproof.a" \
  $(pkg-config --static --libs teeproof | sed 's/-lteeproof//') -o "$WORK/verify-static" \
  || fail "verify.c does not link statically"
[[ $(ldd "$WORK/verify-static") = *libteeproof* ]] && fail "static verify still loads libteeproof.so"

# 4. Prove through a sim notary with the example, verify with the example and the CLI.
make_certs
start_server api "$BIN/tp-demo-api" --listen 127.0.0.1:0 --cert "$CERTS/server.pem" --key "$CERTS/server.key" --token "$TOKEN"
start_server notary "$BIN/teeproof-notary" --listen 127.0.0.1:0 --allow-port any --tee sim --ca-file "$CERTS/ca.pem" --allow-private
manifest_for "$PORT_api" >"$WORK/m.json"
"$WORK/prove" --sim --ca-file "$CERTS/ca.pem" "127.0.0.1:$PORT_notary" "$WORK/m.json" "token=$TOKEN" \
  >"$WORK/proof.json" 2>"$WORK/prove.err" || { cat "$WORK/prove.err" >&2; fail "example prove"; }
grep -q "$TOKEN" "$WORK/proof.json" && fail "the secret token is in the proof"
for v in verify verify-static; do
  "$WORK/$v" --sim --manifest "$WORK/m.json" "$WORK/proof.json" >"$WORK/$v.out" || fail "example $v"
  grep -q '^verified: notary platform sim' "$WORK/$v.out" || fail "$v output: $(cat "$WORK/$v.out")"
  grep -q '"owner": "Ada Lovelace"' "$WORK/$v.out" || fail "$v does not print the claims"
done
# The same with the verifier-only library.
cc "${CFLAGS_EX[@]}" -I"$ROOT/include" "$ROOT/docs/examples/verify.c" -L"$BUILD/lib" -lteeproof-verifier \
  -Wl,-rpath,"$BUILD/lib" -o "$WORK/verify-verifier" || fail "verify.c does not link the verifier-only library"
"$WORK/verify-verifier" --sim --manifest "$WORK/m.json" "$WORK/proof.json" | grep -q '^verified: notary platform sim' \
  || fail "the verifier-only library does not verify the proof"
"$BIN/teeproof" verify "$WORK/proof.json" --allow-insecure-sim --manifest "$WORK/m.json" >/dev/null \
  || fail "the CLI does not verify the example's proof"
# A tampered proof and a wrong policy fail with the stable error name.
sed 's/Ada Lovelace/Ada Lovelacf/' "$WORK/proof.json" >"$WORK/tampered.json"
cmp -s "$WORK/proof.json" "$WORK/tampered.json" && fail "tampering changed nothing"
expect_fail ex-tampered '^error: signature: ' "$WORK/verify" --sim "$WORK/tampered.json"
printf '{"version": 1, "platforms": {"nitro": {"pcr0": ["%096d"]}}}' 0 >"$WORK/nosim.json"
expect_fail ex-nosim '^error: insecure-sim: ' "$WORK/verify" --policy "$WORK/nosim.json" "$WORK/proof.json"
note "examples prove and verify: ok"
echo "library: ok"
