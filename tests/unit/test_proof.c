/* Unit tests: sealing claims into a proof and verifying it offline, with the failures:
 * tampered claims, a signature by another key, evidence for another key, a policy that
 * refuses sim, another manifest. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tee/seal.h"
#include "proof/verify_json.h"
#include "../support/fake_nitro.h"
#include "base/codec.h"
#include "proof/claims.h"
#include "tee/identity.h"
#include "teeproof/proof.h"

static const char k_manifest[] =
    "{\"manifestVersion\":\"2\",\"id\":\"t\",\"title\":\"t\",\"description\":\"t\","
    "\"request\":{\"method\":\"GET\",\"url\":\"https://example.com/x\",\"headers\":{},\"body\":\"\"},"
    "\"response\":{\"status\":\"200\",\"headers\":{},\"body\":{\"format\":\"json\",\"extractors\":"
    "[{\"id\":\"v\",\"description\":\"v\",\"selector\":[\"v\"],\"type\":\"number\"}]}}}";

static tp_identity *new_identity_window(int64_t not_before, int64_t not_after)
{
    tp_attester *a = NULL;
    tp_identity *id = NULL;
    tp_error err;
    tp_key_window w = {not_before, not_after};
    assert_int_equal(tp_attester_open("sim", NULL, &a, &err), TP_OK);
    assert_int_equal(tp_identity_create_window(a, &w, &id, &err), TP_OK);
    tp_attester_free(a);
    return id;
}

static tp_identity *new_identity(void)
{
    int64_t now = (int64_t)time(NULL);
    return new_identity_window(now - 60, now + 3600);
}

static json_t *claims_for(const tp_manifest *m)
{
    uint8_t h[32];
    char hex[65];
    tp_manifest_hash(m, h);
    tp_hex_encode(h, 32, hex);
    return json_pack("{s:i, s:I, s:s, s:s, s:{s:f, s:s}}", "version", 1, "time", (json_int_t)time(NULL),
                     "mode", "tunnel", "manifest_sha256", hex, "values", "v", 1234.5, "s", "caf\xc3\xa9");
}

static char *seal(const json_t *claims, tp_identity *id)
{
    char *proof = NULL;
    size_t len;
    tp_error err;
    assert_int_equal(tp_proof_seal(claims, id, &proof, &len, &err), TP_OK);
    assert_int_equal(strlen(proof), len);
    return proof;
}

static tp_err verify(const char *proof, const tp_policy *p, const tp_manifest *m, tp_error *err)
{
    json_t *claims = NULL;
    tp_err rc = tp_proof_verify_json(proof, strlen(proof), p, m, &claims, NULL, err);
    assert_true((rc == TP_OK) == (claims != NULL));
    json_decref(claims);
    return rc;
}

/* Replaces the first occurrence of from with to in s (same-length or not). */
static char *replace(const char *s, const char *from, const char *to)
{
    const char *at = strstr(s, from);
    assert_non_null(at);
    size_t n = strlen(s) - strlen(from) + strlen(to);
    char *out = malloc(n + 1);
    size_t pre = (size_t)(at - s);
    memcpy(out, s, pre);
    strcpy(out + pre, to);
    strcat(out, at + strlen(from));
    return out;
}

/* The value of "key": "..." inside section (first occurrence after it). */
static char *field(const char *doc, const char *section, const char *key)
{
    json_t *o = json_loads(doc, 0, NULL);
    const char *v = json_string_value(json_object_get(json_object_get(o, section), key));
    char *copy = strdup(v);
    json_decref(o);
    return copy;
}

static void proof_round_trip_and_tampering(void **state)
{
    (void)state;
    tp_error err;
    tp_manifest *m = NULL, *other = NULL;
    assert_int_equal(tp_manifest_parse(k_manifest, strlen(k_manifest), &m, &err), TP_OK);
    char *other_text = replace(k_manifest, "/x", "/y");
    assert_int_equal(tp_manifest_parse(other_text, strlen(other_text), &other, &err), TP_OK);
    tp_identity *id = new_identity(), *id2 = new_identity();
    tp_policy *sim = tp_policy_insecure_sim();
    json_t *claims = claims_for(m);
    char *proof = seal(claims, id);

    assert_int_equal(verify(proof, sim, NULL, &err), TP_OK);
    assert_int_equal(verify(proof, sim, m, &err), TP_OK);
    assert_int_equal(verify(proof, sim, other, &err), TP_ERR_MANIFEST_HASH);

    char *tampered = replace(proof, "1234.5", "1234.6");
    assert_int_equal(verify(tampered, sim, NULL, &err), TP_ERR_SIGNATURE);
    free(tampered);

    /* Signed by another (also attested) key, but carrying the first key: signature fails. */
    char *proof2 = seal(claims, id2);
    char *sig1 = field(proof, "signature", "value"), *sig2 = field(proof2, "signature", "value");
    tampered = replace(proof, sig1, sig2);
    assert_int_equal(verify(tampered, sim, NULL, &err), TP_ERR_SIGNATURE);
    free(tampered);

    /* Evidence of another key: the binding check fails even though everything is signed. */
    char *ev1 = field(proof, "evidence", "data"), *ev2 = field(proof2, "evidence", "data");
    tampered = replace(proof, ev1, ev2);
    assert_int_equal(verify(tampered, sim, NULL, &err), TP_ERR_BINDING);
    free(tampered);

    tampered = replace(proof, "\"teeproof_proof\": 1", "\"teeproof_proof\": 2");
    assert_int_equal(verify(tampered, sim, NULL, &err), TP_ERR_PROOF);
    free(tampered);
    assert_int_equal(verify("{not json", sim, NULL, &err), TP_ERR_PROOF);

    free(sig1), free(sig2), free(ev1), free(ev2);
    free(proof2);
    free(proof);
    free(other_text);
    json_decref(claims);
    tp_policy_free(sim);
    tp_identity_free(id);
    tp_identity_free(id2);
    tp_manifest_free(m);
    tp_manifest_free(other);
}

/* The signature is checked over bytes derived from the proof's text, never through a
 * double: another spelling of a signed number is refused as noncanonical; another number is
 * a signature failure; layout and string escapes do not matter. */
static void edited_numbers_are_refused(void **state)
{
    (void)state;
    tp_error err;
    tp_identity *id = new_identity();
    tp_policy *sim = tp_policy_insecure_sim();
    json_t *claims = json_pack("{s:i, s:I, s:s, s:{s:f, s:i, s:s}}", "version", 1, "time",
                               (json_int_t)time(NULL), "mode", "tunnel", "values", "v", 12.5, "z", 0,
                               "s", "caf\xc3\xa9");
    char *proof = seal(claims, id);
    assert_int_equal(verify(proof, sim, NULL, &err), TP_OK);
    static const struct {
        const char *from, *to;
        tp_err want;
    } k_edits[] = {
        {"12.5", "12.500000000000000001", TP_ERR_NONCANONICAL},
        {"12.5", "1.25E1", TP_ERR_NONCANONICAL},
        {"12.5", "12.50", TP_ERR_NONCANONICAL},
        {"\"version\": 1", "\"version\": 1.0", TP_ERR_NONCANONICAL},
        {"\"version\": 1", "\"version\": 1E0", TP_ERR_NONCANONICAL},
        {"\"z\": 0", "\"z\": -0", TP_ERR_NONCANONICAL},
        {"\"z\": 0", "\"z\": 0e5", TP_ERR_NONCANONICAL},
        {"\"z\": 0", "\"z\": 01", TP_ERR_PROOF}, /* not JSON at all */
        {"12.5", "12.6", TP_ERR_SIGNATURE},
        {"\"version\": 1", "\"version\": 2", TP_ERR_SIGNATURE},
        {"\"caf\xc3\xa9\"", "\"\\u0063af\\u00e9\"", TP_OK}, /* same string */
        {"\"z\": 0", "\"z\"  :\n\t0", TP_OK},                   /* whitespace */
    };
    for (size_t i = 0; i < sizeof(k_edits) / sizeof(k_edits[0]); i++) {
        char *edited = replace(proof, k_edits[i].from, k_edits[i].to);
        tp_err rc = verify(edited, sim, NULL, &err);
        if (rc != k_edits[i].want)
            fail_msg("%s -> %s: %s, want %s", k_edits[i].from, k_edits[i].to, tp_err_name(rc),
                     tp_err_name(k_edits[i].want));
        free(edited);
    }
    free(proof);
    json_decref(claims);
    tp_policy_free(sim);
    tp_identity_free(id);
}

static void signed_bytes_are_canonical(void **state)
{
    (void)state;
    tp_error err;
    json_t *a = json_loads("{\"b\":1,\"a\":\"x\",\"c\":[true,null]}", 0, NULL);
    json_t *b = json_loads("{ \"c\" : [ true , null ], \"a\":\"x\", \"b\":1.0 }", 0, NULL);
    tp_buf ba = TP_BUF_INIT, bb = TP_BUF_INIT;
    assert_int_equal(tp_claims_signed_bytes(a, &ba, &err), TP_OK);
    assert_int_equal(tp_claims_signed_bytes(b, &bb, &err), TP_OK);
    assert_int_equal(ba.len, bb.len);
    assert_memory_equal(ba.data, bb.data, ba.len);
    assert_memory_equal(ba.data, "{\"a\":\"x\",\"b\":1,\"c\":[true,null]}", ba.len);
    tp_buf_free(&ba);
    tp_buf_free(&bb);
    json_decref(a);
    json_decref(b);
}

/* Evidence with a short life (here a Nitro-like document valid for an hour either side of
 * now) is checked at the proof's signed time, not at the verifier's clock. */
static void evidence_is_checked_at_the_proof_time(void **state)
{
    (void)state;
    tp_fake_nitro f;
    assert_true(tp_fake_nitro_init(&f));
    char root[TP_FAKE_NITRO_PATH];
    assert_true(tp_fake_nitro_write_root(&f, root));
    char pcr0[97], policy_json[512];
    tp_hex_encode(f.pcr0, 48, pcr0);
    snprintf(policy_json, sizeof(policy_json),
             "{\"version\":1,\"platforms\":{\"nitro\":{\"pcr0\":[\"%s\"],\"roots_file\":\"%s\"}}}", pcr0, root);
    tp_policy *policy = NULL;
    tp_error err;
    assert_int_equal(tp_policy_parse(policy_json, strlen(policy_json), &policy, &err), TP_OK);

    /* A notary identity whose evidence is a document committing to its key and window
     * (a window long enough to hold both times below). */
    int64_t now = (int64_t)time(NULL);
    tp_identity *id = new_identity_window(now - 60, now + 4 * 3600);
    uint8_t binding[64];
    tp_attest_key_binding(id->spki, id->spki_len, id->eth.address, &id->window, binding);
    free(id->evidence);
    assert_true(tp_fake_nitro_document(&f, binding, &id->evidence, &id->evidence_len));
    snprintf(id->platform, sizeof(id->platform), "nitro");

    json_t *now_claims = json_pack("{s:i, s:I, s:s}", "version", 1, "time", (json_int_t)time(NULL), "mode", "tunnel");
    json_t *later_claims = json_pack("{s:i, s:I, s:s}", "version", 1, "time", (json_int_t)time(NULL) + 3 * 3600,
                                     "mode", "tunnel");
    char *p_now = seal(now_claims, id), *p_later = seal(later_claims, id);
    assert_int_equal(verify(p_now, policy, NULL, &err), TP_OK);
    /* Same evidence, same verifier clock: only the signed time differs. */
    assert_int_equal(verify(p_later, policy, NULL, &err), TP_ERR_EVIDENCE_TIME);

    free(p_now);
    free(p_later);
    json_decref(now_claims);
    json_decref(later_claims);
    tp_identity_free(id);
    tp_policy_free(policy);
    unlink(root);
    tp_fake_nitro_free(&f);
}

/* The notary refreshes evidence for the same key; proofs sealed after it still verify. */
static void refreshed_evidence_keeps_the_key(void **state)
{
    (void)state;
    tp_attester *a = NULL;
    tp_identity *id = NULL;
    tp_error err;
    assert_int_equal(tp_attester_open("sim", NULL, &a, &err), TP_OK);
    assert_int_equal(tp_identity_create(a, &id, &err), TP_OK);
    uint8_t *before = NULL, *after = NULL;
    size_t before_len = 0, after_len = 0;
    assert_int_equal(tp_identity_evidence(id, &before, &before_len, &err), TP_OK);
    assert_int_equal(tp_identity_refresh(id, a, &err), TP_OK);
    assert_int_equal(tp_identity_evidence(id, &after, &after_len, &err), TP_OK);
    assert_true(before_len > 0 && after_len > 0);
    json_t *claims = json_pack("{s:i, s:I, s:s}", "version", 1, "time", (json_int_t)time(NULL), "mode", "tunnel");
    char *proof = seal(claims, id);
    tp_policy *sim = tp_policy_insecure_sim();
    assert_int_equal(verify(proof, sim, NULL, &err), TP_OK);
    free(proof);
    free(before);
    free(after);
    json_decref(claims);
    tp_policy_free(sim);
    tp_identity_free(id);
    tp_attester_free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(proof_round_trip_and_tampering),
        cmocka_unit_test(signed_bytes_are_canonical),
        cmocka_unit_test(edited_numbers_are_refused),
        cmocka_unit_test(evidence_is_checked_at_the_proof_time),
        cmocka_unit_test(refreshed_evidence_keeps_the_key),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
