/* Unit tests: Keccak-256 known answers (block boundaries, incremental), secp256k1 keys and
 * addresses, EIP-191 hashes, recoverable signatures (malleable twins and bad v refused),
 * and the proof's signature.eth: an Ethereum key other than the attested one is refused
 * (binding), exports carry the bound signer, the prover wants the attested address. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tee/seal.h"
#include "proof/verify_json.h"
#include "base/codec.h"
#include "base/keccak.h"
#include "proof/claims.h"
#include "proof/eth.h"
#include "proof/eth_proof.h"
#include "tee/identity.h"
#include "prover/prover_int.h"
#include "teeproof/proof.h"

static void assert_hex(const uint8_t *got, size_t n, const char *want)
{
    char hex[2 * 65 + 1];
    assert_true(n <= 65);
    tp_hex_encode(got, n, hex);
    assert_string_equal(hex, want);
}

static void keccak256_known_answers(void **state)
{
    (void)state;
    uint8_t h[32], a[200];
    tp_keccak256("", 0, h);
    assert_hex(h, 32, "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470");
    tp_keccak256("abc", 3, h);
    assert_hex(h, 32, "4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45");
    memset(a, 'a', sizeof(a)); /* one byte short of a block, a full block, two blocks */
    tp_keccak256(a, 135, h);
    assert_hex(h, 32, "34367dc248bbd832f4e3e69dfaac2f92638bd0bbd18f2912ba4ef454919cf446");
    tp_keccak256(a, 136, h);
    assert_hex(h, 32, "a6c4d403279fe3e0af03729caada8374b5ca54d8065329a3ebcaeb4b60aa386e");
    tp_keccak256(a, 200, h);
    assert_hex(h, 32, "96ea54061def936c4be90b518992fdc6f12f535068a256229aca54267b4d084d");
    /* Fed in uneven pieces: the same digest. */
    tp_keccak256_ctx c;
    tp_keccak256_init(&c);
    for (size_t off = 0, step = 1; off < sizeof(a); off += step, step = step * 2 + 1)
        tp_keccak256_update(&c, a + off, off + step > sizeof(a) ? sizeof(a) - off : step);
    uint8_t h2[32];
    tp_keccak256_final(&c, h2);
    assert_memory_equal(h, h2, 32);
}

static void address_and_personal_hash_known_answers(void **state)
{
    (void)state;
    uint8_t secret[32] = {0}, h[32];
    secret[31] = 1; /* the key whose public key is the generator */
    tp_eth_key k;
    tp_error err;
    assert_int_equal(tp_eth_key_from_secret(&k, secret, &err), TP_OK);
    assert_hex(k.address, 20, "7e5f4552091a69125d5dfcb7b8c2659029395bdf");
    tp_eth_key_free(&k);
    tp_eth_personal_hash((const uint8_t *)"hello world", 11, h);
    assert_hex(h, 32, "d9eba16ed0ecae432b71fe008c98cc872bb4cc214d3220a36f365326cf807d68");
    char s[TP_ETH_ADDRESS_HEX_SIZE];
    uint8_t back[20];
    tp_eth_hex(k.address, 20, s);
    assert_true(tp_eth_unhex(s, back, 20));
    assert_false(tp_eth_unhex(s + 2, back, 20)); /* no 0x */
    assert_false(tp_eth_unhex("0x1234", back, 20));
    assert_int_equal(tp_eth_key_from_secret(&k, (uint8_t[32]){0}, &err), TP_ERR_CRYPTO);
    tp_eth_key_free(&k);
}

static void sign_recover_and_refusals(void **state)
{
    (void)state;
    static const uint8_t n[32] = {
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe,
        0xba, 0xae, 0xdc, 0xe6, 0xaf, 0x48, 0xa0, 0x3b, 0xbf, 0xd2, 0x5e, 0x8c, 0xd0, 0x36, 0x41, 0x41,
    };
    tp_eth_key k;
    tp_error err;
    uint8_t h[32], sig[65], got[20];
    assert_int_equal(tp_eth_key_generate(&k, &err), TP_OK);
    for (int i = 0; i < 8; i++) {
        tp_keccak256(&i, sizeof(i), h);
        assert_int_equal(tp_eth_sign_hash(&k, h, sig, &err), TP_OK);
        assert_true(sig[64] == 27 || sig[64] == 28);
        assert_int_equal(tp_eth_recover(h, sig, got, &err), TP_OK);
        assert_memory_equal(got, k.address, 20);
        /* The malleable twin (n - s, v flipped) is refused. */
        uint8_t twin[65];
        memcpy(twin, sig, 65);
        int borrow = 0;
        for (int j = 31; j >= 0; j--) {
            int d = n[j] - sig[32 + j] - borrow;
            borrow = d < 0;
            twin[32 + j] = (uint8_t)(d + (borrow ? 256 : 0));
        }
        twin[64] = sig[64] == 27 ? 28 : 27;
        assert_int_equal(tp_eth_recover(h, twin, got, &err), TP_ERR_SIGNATURE);
        assert_non_null(strstr(err.detail, "upper half"));
    }
    sig[64] = 1;
    assert_int_equal(tp_eth_recover(h, sig, got, &err), TP_ERR_SIGNATURE);
    sig[64] = 27;
    h[0] ^= 1; /* another hash: another (or no) signer */
    if (tp_eth_recover(h, sig, got, &err) == TP_OK)
        assert_memory_not_equal(got, k.address, 20);
    uint8_t der[TP_ETH_DER_MAX];
    size_t der_len = 0;
    assert_true(tp_eth_sig_der(sig, der, &der_len));
    assert_int_equal(der[0], 0x30);
    assert_int_equal(der[1], der_len - 2);
    tp_eth_key_free(&k);
    tp_eth_key_free(&k); /* safe twice */
}

static tp_identity *new_identity(void)
{
    tp_attester *a = NULL;
    tp_identity *id = NULL;
    tp_error err;
    assert_int_equal(tp_attester_open("sim", NULL, &a, &err), TP_OK);
    assert_int_equal(tp_identity_create(a, &id, &err), TP_OK);
    tp_attester_free(a);
    return id;
}

static char *seal(tp_identity *id, int with_manifest)
{
    json_t *claims = json_pack("{s:i, s:I, s:s, s:{s:s}}", "version", 1, "time", (json_int_t)time(NULL),
                               "mode", "tunnel", "values", "balance", "1234.56");
    if (with_manifest)
        json_object_set_new(claims, "manifest_sha256",
                            json_string("00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"));
    char *proof = NULL;
    tp_error err;
    assert_int_equal(tp_proof_seal(claims, id, &proof, NULL, &err), TP_OK);
    json_decref(claims);
    return proof;
}

static tp_err verify(const char *proof, tp_error *err)
{
    tp_policy *sim = tp_policy_insecure_sim();
    tp_err rc = tp_proof_verify_json(proof, strlen(proof), sim, NULL, NULL, NULL, err);
    tp_policy_free(sim);
    return rc;
}

/* The attack: someone with their own secp256k1 key (not the one the evidence binds) puts
 * a consistent signature.eth (their address, their signatures over the genuine claims)
 * into a genuine proof, so that contracts would see their address as the notary. The
 * Ed25519 signature and the eth signatures all verify, the binding does not. */
static void eth_key_not_in_the_evidence_is_refused(void **state)
{
    (void)state;
    tp_identity *id = new_identity(), *other = new_identity();
    char *proof = seal(id, 1);
    tp_error err;
    assert_int_equal(verify(proof, &err), TP_OK);

    json_t *doc = json_loads(proof, 0, NULL), *eth = NULL;
    tp_buf msg = TP_BUF_PUBLIC_INIT;
    assert_int_equal(tp_claims_signed_bytes_from_proof(proof, strlen(proof), &msg, &err), TP_OK);
    assert_int_equal(tp_eth_seal(other, json_object_get(doc, "claims"), msg.data, msg.len, &eth, &err), TP_OK);
    json_object_set_new(json_object_get(doc, "signature"), "eth", eth);
    char *forged = json_dumps(doc, JSON_COMPACT);
    assert_int_equal(verify(forged, &err), TP_ERR_BINDING);
    /* Nor can it be exported. */
    char *out = NULL;
    tp_policy *sim = tp_policy_insecure_sim();
    assert_int_equal(tp_proof_export(forged, strlen(forged), sim, TP_EXPORT_EIP191, &out, NULL, &err),
                     TP_ERR_BINDING);
    assert_null(out);
    tp_policy_free(sim);
    free(forged);
    tp_buf_free(&msg);
    json_decref(doc);
    free(proof);
    tp_identity_free(other);
    tp_identity_free(id);
}

static void exports_carry_the_bound_signer(void **state)
{
    (void)state;
    tp_identity *id = new_identity();
    char *proof = seal(id, 1), *bare = seal(id, 0), *out = NULL;
    char address[TP_ETH_ADDRESS_HEX_SIZE];
    tp_eth_hex(id->eth.address, TP_ETH_ADDRESS_LEN, address);
    tp_policy *sim = tp_policy_insecure_sim();
    tp_error err;
    tp_export_format f;
    assert_true(tp_export_format_parse("eip191", &f) && f == TP_EXPORT_EIP191);
    assert_false(tp_export_format_parse("json", &f));

    assert_int_equal(tp_proof_export(proof, strlen(proof), sim, TP_EXPORT_EIP191, &out, NULL, &err), TP_OK);
    json_t *o = json_loads(out, 0, NULL);
    assert_string_equal(json_string_value(json_object_get(o, "signer")), address);
    const char *claims = json_string_value(json_object_get(o, "claims"));
    uint8_t h[32];
    char want[67];
    tp_keccak256(claims, strlen(claims), h);
    tp_eth_hex(h, 32, want);
    assert_string_equal(json_string_value(json_object_get(o, "message")), want);
    assert_string_equal(json_string_value(json_object_get(o, "claims_hash")), want);
    uint8_t sig[65], got[20], digest[32];
    assert_true(tp_eth_unhex(json_string_value(json_object_get(o, "signature")), sig, 65));
    tp_eth_personal_hash(h, 32, digest);
    assert_int_equal(tp_eth_recover(digest, sig, got, &err), TP_OK);
    assert_memory_equal(got, id->eth.address, 20);
    json_decref(o);
    free(out);

    assert_int_equal(tp_proof_export(proof, strlen(proof), sim, TP_EXPORT_PLUTO, &out, NULL, &err), TP_OK);
    o = json_loads(out, 0, NULL);
    json_t *ps = json_object_get(o, "signature");
    assert_string_equal(json_string_value(json_object_get(ps, "signer")), address);
    assert_int_equal(json_array_size(json_object_get(json_object_get(o, "data"), "manifest_hash")), 32);
    assert_true(tp_eth_unhex(json_string_value(json_object_get(ps, "digest")), digest, 32));
    assert_true(tp_eth_unhex(json_string_value(json_object_get(ps, "signature_r")), sig, 32));
    assert_true(tp_eth_unhex(json_string_value(json_object_get(ps, "signature_s")), sig + 32, 32));
    sig[64] = (uint8_t)json_integer_value(json_object_get(ps, "signature_v"));
    assert_int_equal(tp_eth_recover(digest, sig, got, &err), TP_OK); /* raw digest, no prefix */
    assert_memory_equal(got, id->eth.address, 20);
    json_decref(o);
    free(out);
    out = NULL;

    /* Claims without a manifest hash: eip191 only. */
    assert_int_equal(verify(bare, &err), TP_OK);
    assert_int_equal(tp_proof_export(bare, strlen(bare), sim, TP_EXPORT_PLUTO, &out, NULL, &err), TP_ERR_PROOF);
    assert_null(out);
    /* Without a policy nothing is exported. */
    assert_int_equal(tp_proof_export(proof, strlen(proof), NULL, TP_EXPORT_EIP191, &out, NULL, &err), TP_ERR_ARG);
    assert_null(out);
    tp_policy_free(sim);
    free(bare);
    free(proof);
    tp_identity_free(id);
}

/* The prover takes a proof only from the keys its channel attested: the Ed25519 key, the
 * window, and now the Ethereum address too (a notary that attests one address and signs
 * with another key is refused). */
static void prover_requires_the_attested_eth_address(void **state)
{
    (void)state;
    tp_identity *id = new_identity();
    char *proof = seal(id, 1);
    tp_channel c;
    memset(&c, 0, sizeof(c));
    memcpy(c.spki, id->spki, id->spki_len);
    c.spki_len = id->spki_len;
    c.window = id->window;
    memcpy(c.eth_address, id->eth.address, sizeof(c.eth_address));
    tp_error err;
    assert_int_equal(tp_channel_check_proof_key(&c, proof, strlen(proof), &err), TP_OK);
    c.eth_address[0] ^= 1; /* attested another address */
    assert_int_equal(tp_channel_check_proof_key(&c, proof, strlen(proof), &err), TP_ERR_CHANNEL);
    free(proof);
    tp_identity_free(id);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(keccak256_known_answers),
        cmocka_unit_test(address_and_personal_hash_known_answers),
        cmocka_unit_test(sign_recover_and_refusals),
        cmocka_unit_test(eth_key_not_in_the_evidence_is_refused),
        cmocka_unit_test(exports_carry_the_bound_signer),
        cmocka_unit_test(prover_requires_the_attested_eth_address),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
