/* Unit tests: the notary's whole decision (tp_notarize) on real in-process TLS 1.3 sessions:
 * a proof that verifies, and each refusal with its error and no proof. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "proof/verify_json.h"
#include "../support/notarize_fixture.h"
#include "base/codec.h"
#include "proof/commit.h"
#include "teeproof/proof.h"

static tp_err notarize(tpn_case *c, char **proof, tp_error *err)
{
    size_t len = 0;
    *proof = NULL;
    tp_err rc = tp_notarize(&c->in, c->identity, proof, &len, err);
    assert_true((rc == TP_OK) == (*proof != NULL)); /* a refusal signs nothing */
    return rc;
}

static void good_session_gives_a_proof_that_verifies(void **state)
{
    (void)state;
    char resp[512];
    tpn_response(resp, sizeof(resp), "1234.56");
    tpn_case c;
    assert_true(tpn_make(&c, resp, "s3cret-token", 1));
    char *proof;
    tp_error err;
    assert_int_equal(notarize(&c, &proof, &err), TP_OK);
    assert_null(strstr(proof, "s3cret-token"));
    tp_manifest *m = NULL;
    assert_int_equal(tp_manifest_parse(tpn_manifest, strlen(tpn_manifest), &m, &err), TP_OK);
    tp_policy *sim = tp_policy_insecure_sim();
    json_t *claims = NULL;
    assert_int_equal(tp_proof_verify_json(proof, strlen(proof), sim, m, &claims, NULL, &err), TP_OK);
    json_t *values = json_object_get(claims, "values");
    assert_string_equal(json_string_value(json_object_get(values, "owner")), "Ada");
    /* numbers are carried as the site's exact token, in a string */
    assert_string_equal(json_string_value(json_object_get(values, "balance")), "1234.56");
    assert_string_equal(json_string_value(json_object_get(claims, "server_name")), "api.test");
    assert_string_equal(json_string_value(json_object_get(claims, "trust_store")), "sha256:test");
    assert_int_equal(json_integer_value(json_object_get(json_object_get(claims, "response"), "status")), 200);
    assert_string_equal(json_string_value(json_object_get(json_object_get(claims, "request"), "url")),
                        "https://api.test/api/account");
    json_decref(claims);
    tp_policy_free(sim);
    tp_manifest_free(m);
    free(proof);
    tpn_free(&c);
}

static void refusals_name_the_rule_and_sign_nothing(void **state)
{
    (void)state;
    char resp[512];
    tpn_response(resp, sizeof(resp), "5");
    tpn_case c;
    char *proof;
    tp_error err;

    assert_true(tpn_make(&c, resp, "tok", 1));
    assert_int_equal(notarize(&c, &proof, &err), TP_ERR_PREDICATE);
    assert_non_null(strstr(err.detail, "balance"));

    tpn_response(resp, sizeof(resp), "5000");
    tpn_free(&c);
    assert_true(tpn_make(&c, resp, "tok", 1));
    c.in.tunnel_port = 8443; /* the notary connected elsewhere than the manifest says */
    assert_int_equal(notarize(&c, &proof, &err), TP_ERR_MANIFEST_REQUEST);
    c.in.tunnel_port = 443;
    c.in.tunnel_host = "evil.test";
    assert_int_equal(notarize(&c, &proof, &err), TP_ERR_MANIFEST_REQUEST);
    c.in.tunnel_host = "api.test";

    c.var.value = "another-token"; /* the prover lies about the secret it sent */
    assert_int_equal(notarize(&c, &proof, &err), TP_ERR_MANIFEST_REQUEST);
    assert_null(strstr(err.detail, "another-token"));
    assert_null(strstr(err.detail, "tok"));
    c.var.value = "tok";

    c.in.server_len -= 30; /* truncated inside the response's records */
    tp_err rc = notarize(&c, &proof, &err);
    assert_true(rc == TP_ERR_HTTP_INCOMPLETE || rc == TP_ERR_TRUNCATED || rc == TP_ERR_TLS_RECORD);
    c.in.server_len += 30;

    uint8_t key[32];
    memcpy(key, c.session.ks.priv, 32);
    key[5] ^= 1;
    c.in.private_key = key;
    assert_int_equal(notarize(&c, &proof, &err), TP_ERR_TLS_KEY_MISMATCH);
    c.in.private_key = c.session.ks.priv;

    assert_int_equal(notarize(&c, &proof, &err), TP_OK); /* the untouched case still passes */
    free(proof);
    tpn_free(&c);
}

static void close_delimited_body_needs_close_notify(void **state)
{
    (void)state;
    const char *resp = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n"
                       "{\"account\":{\"owner\":\"Ada\",\"balance\":2000}}";
    tpn_case c;
    char *proof;
    tp_error err;
    assert_true(tpn_make(&c, resp, "tok", 0)); /* could have been cut short: refused */
    assert_int_equal(notarize(&c, &proof, &err), TP_ERR_HTTP_INCOMPLETE);
    tpn_free(&c);
    assert_true(tpn_make(&c, resp, "tok", 1)); /* ended by close_notify: complete */
    assert_int_equal(notarize(&c, &proof, &err), TP_OK);
    free(proof);
    tpn_free(&c);
}

static const char *claimed(const json_t *claims, const char *obj, const char *key)
{
    return json_string_value(json_object_get(json_object_get(claims, obj), key));
}

/* Claims v2 carry salted commitments from the prover's seed, no plain hash of the request. */
static void claims_commit_with_the_provers_seed(void **state)
{
    (void)state;
    char resp[512], hex[2 * TP_COMMIT_LEN + 1], plain[65];
    uint8_t h[32];
    tpn_response(resp, sizeof(resp), "1234.56");
    tpn_case c;
    assert_true(tpn_make(&c, resp, "123456", 1));
    char *proof;
    tp_error err;
    assert_int_equal(notarize(&c, &proof, &err), TP_OK);
    json_t *doc = json_loads(proof, 0, NULL), *claims = json_object_get(doc, "claims");
    assert_int_equal(json_integer_value(json_object_get(claims, "version")), TP_CLAIMS_VERSION);
    assert_null(json_object_get(json_object_get(claims, "request"), "sha256"));
    assert_null(json_object_get(json_object_get(claims, "response"), "sha256"));
    assert_int_equal(tp_commit_seeded_hex(c.seed, sizeof(c.seed), "request", c.request.data, c.request.len, hex, NULL), TP_OK);
    assert_string_equal(claimed(claims, "request", "commitment"), hex);
    assert_int_equal(tp_commit_seeded_hex(c.seed, sizeof(c.seed), "response", resp, strlen(resp), hex, NULL), TP_OK);
    assert_string_equal(claimed(claims, "response", "commitment"), hex);
    assert_int_equal(tp_commit_seeded_hex(c.seed, sizeof(c.seed), "var:token", "123456", 6, hex, NULL), TP_OK);
    assert_string_equal(claimed(claims, "vars", "token"), hex);
    tp_sha256(c.request.data, c.request.len, h);
    tp_hex_encode(h, sizeof(h), plain);
    assert_null(strstr(proof, plain));
    assert_null(strstr(proof, "123456"));
    json_decref(doc);
    free(proof);

    c.seed[0] ^= 1; /* another seed: other commitments */
    assert_int_equal(notarize(&c, &proof, &err), TP_OK);
    assert_null(strstr(proof, hex));
    free(proof);
    c.in.commit_seed_len = 16; /* a seed too short to hide anything: refused, nothing signed */
    assert_int_equal(notarize(&c, &proof, &err), TP_ERR_PROTOCOL);
    c.in.commit_seed = NULL;
    c.in.commit_seed_len = TP_COMMIT_SEED_LEN;
    assert_int_equal(notarize(&c, &proof, &err), TP_ERR_PROTOCOL);
    tpn_free(&c);
}

static int teardown(void **state)
{
    (void)state;
    tpf_cleanup();
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(good_session_gives_a_proof_that_verifies),
        cmocka_unit_test(refusals_name_the_rule_and_sign_nothing),
        cmocka_unit_test(close_delimited_body_needs_close_notify),
        cmocka_unit_test(claims_commit_with_the_provers_seed),
    };
    return cmocka_run_group_tests(tests, NULL, teardown);
}
