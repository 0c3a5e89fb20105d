/* Unit tests: a notary key's validity window (issue 6, class 8, backdating with a leaked
 * key). The evidence binds key and window; the notary never signs outside the window; a
 * verifier refuses a proof dated outside the window of the key that signed it, a window
 * longer than the maximum, a window edited in the proof, and (by policy) an old proof. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tee/seal.h"
#include "attest/attest_json.h"
#include "proof/verify_json.h"
#include "base/json_bytes.h"
#include "proof/claims.h"
#include "proof/eth_proof.h"
#include "tee/identity.h"
#include "prover/prover_int.h"
#include "teeproof/proof.h"

#define DAY (24 * 3600)

static tp_identity *identity_for(int64_t not_before, int64_t not_after)
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

static json_t *claims_at(int64_t t)
{
    return json_pack("{s:i, s:I, s:s, s:{s:s}}", "version", 1, "time", (json_int_t)t, "mode", "tunnel",
                     "values", "owner", "Ada");
}

static char *seal_at(tp_identity *id, int64_t t)
{
    json_t *claims = claims_at(t);
    char *proof = NULL;
    size_t len = 0;
    tp_error err;
    assert_int_equal(tp_proof_seal(claims, id, &proof, &len, &err), TP_OK);
    json_decref(claims);
    return proof;
}

/* What a thief holding the key does: re-date the claims and sign them again with the key;
 * with key_window given, also replace the window shown beside the key. */
static char *resign(const char *proof, tp_identity *id, int64_t t, const tp_key_window *key_window)
{
    json_t *doc = json_loads(proof, 0, NULL);
    json_t *claims = json_object_get(doc, "claims"), *sig = json_object_get(doc, "signature");
    json_object_set_new(claims, "time", json_integer((json_int_t)t));
    if (key_window != NULL)
        json_object_set_new(sig, "key_window", tp_key_window_json(key_window));
    tp_buf msg = TP_BUF_INIT;
    uint8_t value[64];
    tp_error err;
    assert_int_equal(tp_claims_signed_bytes(claims, &msg, &err), TP_OK);
    assert_int_equal(tp_identity_sign(id, msg.data, msg.len, value, &err), TP_OK);
    json_object_set_new(sig, "value", tp_json_base64(value, sizeof(value)));
    json_t *eth = NULL; /* a leaked identity holds both keys: its secp256k1 key re-signs too */
    assert_int_equal(tp_eth_seal(id, claims, msg.data, msg.len, &eth, &err), TP_OK);
    json_object_set_new(sig, "eth", eth);
    char *out = json_dumps(doc, JSON_COMPACT);
    tp_buf_free(&msg);
    json_decref(doc);
    return out;
}

static tp_err verify_at(const char *proof, const tp_policy *p, time_t now, tp_error *err)
{
    json_t *claims = NULL;
    tp_err rc = tp_proof_verify_json_at(proof, strlen(proof), p, NULL, now, &claims, NULL, err);
    assert_true((rc == TP_OK) == (claims != NULL));
    json_decref(claims);
    return rc;
}

static void window_check_bounds(void **state)
{
    (void)state;
    tp_error err;
    tp_key_window w = {1000, 2000};
    assert_int_equal(tp_key_window_check(&w, 1000, 0, "t", &err), TP_OK);
    assert_int_equal(tp_key_window_check(&w, 2000, 0, "t", &err), TP_OK);
    assert_int_equal(tp_key_window_check(&w, 999, 0, "t", &err), TP_ERR_KEY_WINDOW);
    assert_int_equal(tp_key_window_check(&w, 2001, 0, "t", &err), TP_ERR_KEY_WINDOW);
    assert_int_equal(tp_key_window_check(&w, 2001, 1, "t", &err), TP_OK);
    assert_int_equal(tp_key_window_check(&w, 998, 1, "t", &err), TP_ERR_KEY_WINDOW);
    tp_key_window reversed = {2000, 1000}, zero = {0, 10}, endless = {1000, 1000 + TP_KEY_WINDOW_MAX_S + 1},
                  longest = {1000, 1000 + TP_KEY_WINDOW_MAX_S}, huge = {INT64_MAX - 5, INT64_MAX};
    assert_int_equal(tp_key_window_check(&reversed, 1500, 0, "t", &err), TP_ERR_KEY_WINDOW);
    assert_int_equal(tp_key_window_check(&zero, 5, 0, "t", &err), TP_ERR_KEY_WINDOW);
    assert_int_equal(tp_key_window_check(&endless, 1500, 0, "t", &err), TP_ERR_KEY_WINDOW);
    assert_int_equal(tp_key_window_check(&longest, 1500, 0, "t", &err), TP_OK);
    assert_int_equal(tp_key_window_check(&huge, INT64_MAX - 1, TP_KEY_WINDOW_SKEW_S, "t", &err),
                     TP_ERR_KEY_WINDOW);
    assert_int_equal(tp_key_window_check(&w, 999, 0, "the proof's time", &err), TP_ERR_KEY_WINDOW);
    assert_non_null(strstr(err.detail, "the proof's time 999 is outside the signing key's window [1000, 2000]"));
}

/* The notary cannot make an identity with an endless window, nor sign outside its window. */
static void notary_signs_only_inside_the_window(void **state)
{
    (void)state;
    int64_t now = (int64_t)time(NULL);
    tp_attester *a = NULL;
    tp_identity *id = NULL;
    tp_error err;
    assert_int_equal(tp_attester_open("sim", NULL, &a, &err), TP_OK);
    tp_key_window endless = {now, now + TP_KEY_WINDOW_MAX_S + 1};
    assert_int_equal(tp_identity_create_window(a, &endless, &id, &err), TP_ERR_KEY_WINDOW);
    assert_null(id);
    tp_attester_free(a);

    id = identity_for(now - 3600, now - 60); /* a key whose window is over */
    json_t *claims = claims_at(now);
    char *proof = NULL;
    size_t len = 0;
    assert_int_equal(tp_proof_seal(claims, id, &proof, &len, &err), TP_ERR_KEY_WINDOW);
    assert_null(proof);
    json_decref(claims);
    claims = json_pack("{s:i}", "version", 1); /* no time: nothing to check the window with */
    assert_int_equal(tp_proof_seal(claims, id, &proof, &len, &err), TP_ERR_PROOF);
    assert_null(proof);
    json_decref(claims);
    proof = seal_at(id, now - 120); /* inside: signed, and verifies */
    tp_policy *sim = tp_policy_insecure_sim();
    assert_int_equal(verify_at(proof, sim, 0, &err), TP_OK);
    free(proof);
    tp_policy_free(sim);
    tp_identity_free(id);
}

/* The attack: a key leaks; its holder signs claims dated a day before the key existed, or
 * a day after its window, with the genuine evidence. Before the window was bound into the
 * evidence this verified. */
static void backdated_proof_with_a_leaked_key_is_refused(void **state)
{
    (void)state;
    int64_t now = (int64_t)time(NULL);
    tp_identity *id = identity_for(now - 60, now + 3600);
    tp_policy *sim = tp_policy_insecure_sim();
    tp_error err;
    char *proof = seal_at(id, now);
    assert_int_equal(verify_at(proof, sim, 0, &err), TP_OK);

    char *before = resign(proof, id, now - DAY, NULL);
    assert_int_equal(verify_at(before, sim, 0, &err), TP_ERR_KEY_WINDOW);
    assert_non_null(strstr(err.detail, "outside the signing key's window"));
    char *after = resign(proof, id, now + DAY, NULL);
    assert_int_equal(verify_at(after, sim, 0, &err), TP_ERR_KEY_WINDOW);
    char *edge = resign(proof, id, now - 60, NULL); /* the first second of the window */
    assert_int_equal(verify_at(edge, sim, 0, &err), TP_OK);

    /* Moving the window shown beside the key to cover the new time breaks the binding:
     * the evidence commits to the window the key was made with. */
    tp_key_window moved = {now - 2 * DAY, now + 3600};
    char *stretched = resign(proof, id, now - DAY, &moved);
    assert_int_equal(verify_at(stretched, sim, 0, &err), TP_ERR_BINDING);

    /* No window at all (the old format): refused. */
    json_t *doc = json_loads(proof, 0, NULL);
    json_object_del(json_object_get(doc, "signature"), "key_window");
    char *bare = json_dumps(doc, JSON_COMPACT);
    assert_int_equal(verify_at(bare, sim, 0, &err), TP_ERR_KEY_WINDOW);

    free(bare);
    json_decref(doc);
    free(stretched);
    free(edge);
    free(after);
    free(before);
    free(proof);
    tp_policy_free(sim);
    tp_identity_free(id);
}

/* A notary that attests an endless key (evidence really committing to a window longer than
 * the maximum) is refused by verifiers. */
static void window_longer_than_the_maximum_is_refused(void **state)
{
    (void)state;
    int64_t now = (int64_t)time(NULL);
    tp_identity *id = identity_for(now - 60, now + 3600);
    tp_attester *a = NULL;
    tp_error err;
    assert_int_equal(tp_attester_open("sim", NULL, &a, &err), TP_OK);
    id->window.not_after = id->window.not_before + TP_KEY_WINDOW_MAX_S + 1;
    assert_int_equal(tp_identity_refresh(id, a, &err), TP_OK); /* evidence for that window */
    tp_policy *sim = tp_policy_insecure_sim();
    /* tp_proof_seal refuses this identity, so the document is put together by hand. */
    uint8_t *ev = NULL;
    size_t ev_len = 0;
    assert_int_equal(tp_identity_evidence(id, &ev, &ev_len, &err), TP_OK);
    json_t *doc = json_pack("{s:i, s:o, s:{s:s, s:o, s:s}, s:{s:s, s:o}}", "teeproof_proof", TP_PROOF_FORMAT,
                            "claims", claims_at(now), "signature", "alg", TP_SIGNATURE_ALG,
                            "public_key", tp_json_base64(id->spki, id->spki_len), "value", "",
                            "evidence", "platform", "sim", "data", tp_json_base64(ev, ev_len));
    char *unsigned_doc = json_dumps(doc, JSON_COMPACT);
    char *proof = resign(unsigned_doc, id, now, &id->window);
    free(unsigned_doc);
    json_decref(doc);
    free(ev);
    assert_int_equal(verify_at(proof, sim, 0, &err), TP_ERR_KEY_WINDOW);
    assert_non_null(strstr(err.detail, "at most"));
    free(proof);
    tp_policy_free(sim);
    tp_attester_free(a);
    tp_identity_free(id);
}

static tp_policy *age_policy(const char *json)
{
    tp_policy *p = NULL;
    tp_error err;
    assert_int_equal(tp_policy_parse(json, strlen(json), &p, &err), TP_OK);
    return p;
}

static void policy_maximum_proof_age(void **state)
{
    (void)state;
    int64_t now = (int64_t)time(NULL);
    tp_identity *id = identity_for(now - 60, now + 3600);
    tp_policy *hour = age_policy("{\"version\":1,\"max_proof_age_s\":3600,\"platforms\":{\"sim\":{\"allow\":true}}}");
    tp_policy *none = age_policy("{\"platforms\":{\"sim\":{\"allow\":true}}}");
    tp_error err;
    char *proof = seal_at(id, now);
    assert_int_equal(verify_at(proof, hour, (time_t)now, &err), TP_OK);
    assert_int_equal(verify_at(proof, hour, (time_t)(now + 3600), &err), TP_OK);
    assert_int_equal(verify_at(proof, hour, (time_t)(now + 3601), &err), TP_ERR_PROOF_AGE);
    assert_non_null(strstr(err.detail, "3601 s old"));
    assert_int_equal(verify_at(proof, hour, (time_t)(now + 30 * DAY), &err), TP_ERR_PROOF_AGE);
    /* Dated further in the future than the skew allows. */
    assert_int_equal(verify_at(proof, hour, (time_t)(now - TP_KEY_WINDOW_SKEW_S - 1), &err), TP_ERR_PROOF_AGE);
    /* Without the policy member, any age. */
    assert_int_equal(verify_at(proof, none, (time_t)(now + 30 * DAY), &err), TP_OK);

    static const char *const bad[] = {
        "{\"max_proof_age_s\":0,\"platforms\":{\"sim\":{\"allow\":true}}}",
        "{\"max_proof_age_s\":-5,\"platforms\":{\"sim\":{\"allow\":true}}}",
        "{\"max_proof_age_s\":\"3600\",\"platforms\":{\"sim\":{\"allow\":true}}}",
        "{\"max_proof_age_s\":1.5,\"platforms\":{\"sim\":{\"allow\":true}}}",
        "{\"max_proof_age_s\":99999999999999,\"platforms\":{\"sim\":{\"allow\":true}}}",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        tp_policy *p = NULL;
        assert_int_equal(tp_policy_parse(bad[i], strlen(bad[i]), &p, &err), TP_ERR_JSON);
        assert_null(p);
    }
    free(proof);
    tp_policy_free(hour);
    tp_policy_free(none);
    tp_identity_free(id);
}

/* Sessions hold references: the identity lives until the last one goes. */
static void identity_references(void **state)
{
    (void)state;
    int64_t now = (int64_t)time(NULL);
    tp_identity *id = identity_for(now, now + 10);
    assert_ptr_equal(tp_identity_ref(id), id);
    assert_int_equal(atomic_load(&id->refs), 2);
    tp_identity_free(id);
    assert_int_equal(atomic_load(&id->refs), 1);
    char *proof = seal_at(id, now); /* still usable */
    free(proof);
    tp_identity_free(id); /* the last reference: freed (ASan checks) */
}

/* The attestation response encoded once per evidence: every field the current evidence's,
 * this channel's signature in its place, and a refresh (new evidence, same key) shows. */
static json_t *attest_response(tp_identity *id, uint8_t fill)
{
    uint8_t sig[64];
    memset(sig, fill, sizeof(sig));
    tp_buf out = TP_BUF_INIT;
    tp_error err;
    assert_int_equal(tp_identity_attest_response(id, sig, &out, &err), TP_OK);
    json_t *o = json_loadb((const char *)out.data, out.len, JSON_REJECT_DUPLICATES, NULL);
    assert_non_null(o);
    tp_buf got = TP_BUF_INIT;
    assert_true(tp_json_get_base64(o, "binding_signature", &got));
    assert_memory_equal(got.data, sig, sizeof(sig));
    assert_int_equal(got.len, sizeof(sig));
    tp_buf_free(&got);
    tp_buf_free(&out);
    return o;
}

static void attest_response_follows_the_evidence(void **state)
{
    (void)state;
    int64_t now = (int64_t)time(NULL);
    tp_identity *id = identity_for(now, now + 600);
    tp_error err;
    for (int round = 0; round < 2; round++) {
        json_t *o = attest_response(id, (uint8_t)(0x11 * (round + 1)));
        uint8_t *ev = NULL;
        size_t ev_len = 0;
        assert_int_equal(tp_identity_evidence(id, &ev, &ev_len, &err), TP_OK);
        tp_buf got = TP_BUF_INIT;
        assert_true(tp_json_get_base64(o, "evidence", &got));
        assert_int_equal(got.len, ev_len);
        assert_memory_equal(got.data, ev, ev_len);
        tp_buf_free(&got);
        assert_true(tp_json_get_base64(o, "public_key", &got));
        assert_int_equal(got.len, id->spki_len);
        assert_memory_equal(got.data, id->spki, id->spki_len);
        tp_buf_free(&got);
        tp_key_window w;
        assert_true(tp_key_window_from_json(json_object_get(o, "key_window"), &w));
        assert_true(w.not_before == id->window.not_before && w.not_after == id->window.not_after);
        assert_string_equal(json_string_value(json_object_get(o, "platform")), "sim");
        assert_non_null(json_string_value(json_object_get(o, "eth_address")));
        assert_null(json_object_get(o, "collateral"));
        free(ev);
        json_decref(o);
        tp_attester *a = NULL; /* new evidence for the same key: the next response carries it */
        assert_int_equal(tp_attester_open("sim", NULL, &a, &err), TP_OK);
        assert_int_equal(tp_identity_refresh(id, a, &err), TP_OK);
        tp_attester_free(a);
    }
    tp_identity_free(id);
}

/* The prover's check of an ATTEST_RESP: the window must hold its own clock (with skew). */
static void prover_requires_its_clock_inside_the_window(void **state)
{
    (void)state;
    json_t *resp = json_pack("{s:{s:I, s:I}}", "key_window", "not_before", (json_int_t)10000,
                             "not_after", (json_int_t)13600);
    tp_key_window w;
    tp_error err;
    assert_int_equal(tp_channel_attested_window(resp, 12000, &w, &err), TP_OK);
    assert_true(w.not_before == 10000 && w.not_after == 13600);
    assert_int_equal(tp_channel_attested_window(resp, 10000 - TP_KEY_WINDOW_SKEW_S, &w, &err), TP_OK);
    assert_int_equal(tp_channel_attested_window(resp, 13600 + TP_KEY_WINDOW_SKEW_S, &w, &err), TP_OK);
    assert_int_equal(tp_channel_attested_window(resp, 13600 + TP_KEY_WINDOW_SKEW_S + 1, &w, &err),
                     TP_ERR_KEY_WINDOW);
    assert_non_null(strstr(err.detail, "the prover's clock"));
    assert_int_equal(tp_channel_attested_window(resp, 10000 - TP_KEY_WINDOW_SKEW_S - 1, &w, &err),
                     TP_ERR_KEY_WINDOW);
    json_object_set_new(json_object_get(resp, "key_window"), "not_after",
                        json_integer(10000 + TP_KEY_WINDOW_MAX_S + 1));
    assert_int_equal(tp_channel_attested_window(resp, 12000, &w, &err), TP_ERR_KEY_WINDOW);
    json_object_del(resp, "key_window");
    assert_int_equal(tp_channel_attested_window(resp, 12000, &w, &err), TP_ERR_KEY_WINDOW);
    json_object_set_new(resp, "key_window", json_pack("{s:s, s:i}", "not_before", "10000", "not_after", 13600));
    assert_int_equal(tp_channel_attested_window(resp, 12000, &w, &err), TP_ERR_KEY_WINDOW);
    json_decref(resp);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(window_check_bounds),
        cmocka_unit_test(notary_signs_only_inside_the_window),
        cmocka_unit_test(backdated_proof_with_a_leaked_key_is_refused),
        cmocka_unit_test(window_longer_than_the_maximum_is_refused),
        cmocka_unit_test(policy_maximum_proof_age),
        cmocka_unit_test(identity_references),
        cmocka_unit_test(attest_response_follows_the_evidence),
        cmocka_unit_test(prover_requires_its_clock_inside_the_window),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
