/* Unit tests: direct mode's use of the shared pipeline (tp_notarize_direct): the same
 * response checks and commitments as tunnel mode on the same bytes, claims.mode "direct",
 * each refusal with its error and no proof; mode "Proxy" manifests proven direct only, and
 * verifiers checking claims.mode. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "tee/seal.h"
#include "proof/verify_json.h"
#include "../support/notarize_fixture.h"
#include "proof/claims.h"
#include "teeproof/proof.h"

/* What a direct-mode client saw: the fixture's request, the given response. */
static void direct_tls(tp_tls_verify_result *r, const tpn_case *c, const char *request,
                       const char *response, int close_notify)
{
    memset(r, 0, sizeof(*r));
    r->version = 0x0304;
    r->cipher_suite = 0x1301;
    r->group = TP_TLS_GROUP_X25519;
    memset(r->leaf_cert_sha256, 0xab, sizeof(r->leaf_cert_sha256));
    snprintf(r->server_name, sizeof(r->server_name), "api.test");
    r->server_close_notify = close_notify;
    if (request == NULL)
        assert_true(tp_buf_append(&r->client_app, c->request.data, c->request.len));
    else
        assert_true(tp_buf_append(&r->client_app, request, strlen(request)));
    assert_true(tp_buf_append(&r->server_app, response, strlen(response)));
}

static tp_err notarize_direct(tpn_case *c, const char *request, const char *response,
                              int close_notify, char **proof, tp_error *err)
{
    tp_tls_verify_result r;
    size_t len = 0;
    direct_tls(&r, c, request, response, close_notify);
    *proof = NULL;
    tp_err rc = tp_notarize_direct(&c->in, &r, c->identity, proof, &len, err);
    assert_null(r.client_app.data); /* taken over */
    assert_true((rc == TP_OK) == (*proof != NULL)); /* a refusal signs nothing */
    return rc;
}

static json_t *claims_of(const char *proof)
{
    json_t *doc = json_loads(proof, 0, NULL);
    json_t *claims = json_incref(json_object_get(doc, "claims"));
    json_decref(doc);
    return claims;
}

/* The same bytes give the same values and commitments in both modes; only mode and the TLS
 * facts (from the notary's own session) differ. */
static void direct_signs_what_tunnel_would(void **state)
{
    (void)state;
    char resp[512], *tproof, *dproof;
    tp_error err;
    size_t len;
    tpn_response(resp, sizeof(resp), "1234.56");
    tpn_case c;
    assert_true(tpn_make(&c, resp, "s3cret-token", 1));
    assert_int_equal(tp_notarize(&c.in, c.identity, &tproof, &len, &err), TP_OK);
    assert_int_equal(notarize_direct(&c, NULL, resp, 1, &dproof, &err), TP_OK);
    assert_null(strstr(dproof, "s3cret-token"));
    json_t *t = claims_of(tproof), *d = claims_of(dproof);
    assert_string_equal(json_string_value(json_object_get(t, "mode")), "tunnel");
    assert_string_equal(json_string_value(json_object_get(d, "mode")), "direct");
    assert_true(json_equal(json_object_get(t, "values"), json_object_get(d, "values")));
    assert_true(json_equal(json_object_get(t, "request"), json_object_get(d, "request")));
    assert_true(json_equal(json_object_get(t, "response"), json_object_get(d, "response")));
    assert_true(json_equal(json_object_get(t, "vars"), json_object_get(d, "vars")));
    json_t *tls = json_object_get(d, "tls");
    assert_string_equal(json_string_value(json_object_get(tls, "version")), "1.3");
    assert_string_equal(json_string_value(json_object_get(tls, "cipher_suite")), "TLS_AES_128_GCM_SHA256");
    assert_string_equal(json_string_value(json_object_get(tls, "group")), "x25519");
    tp_manifest *m = NULL;
    assert_int_equal(tp_manifest_parse(tpn_manifest, strlen(tpn_manifest), &m, &err), TP_OK);
    tp_policy *sim = tp_policy_insecure_sim();
    assert_int_equal(tp_proof_verify_json(dproof, strlen(dproof), sim, m, NULL, NULL, &err), TP_OK);
    tp_policy_free(sim);
    tp_manifest_free(m);
    json_decref(t);
    json_decref(d);
    free(tproof);
    free(dproof);
    tpn_free(&c);
}

static void direct_refusals_are_the_shared_checks(void **state)
{
    (void)state;
    char resp[512], *proof;
    tp_error err;
    tpn_case c;
    tpn_response(resp, sizeof(resp), "5000");
    assert_true(tpn_make(&c, resp, "tok", 1));

    tpn_response(resp, sizeof(resp), "5"); /* a predicate that does not hold */
    assert_int_equal(notarize_direct(&c, NULL, resp, 1, &proof, &err), TP_ERR_PREDICATE);
    tpn_response(resp, sizeof(resp), "5000");

    /* only the one request the manifest allows with these values */
    assert_int_equal(notarize_direct(&c, "GET /api/account HTTP/1.1\r\nHost: api.test\r\n\r\n", resp, 1,
                                     &proof, &err), TP_ERR_MANIFEST_REQUEST);
    c.var.value = "other";
    assert_int_equal(notarize_direct(&c, NULL, resp, 1, &proof, &err), TP_ERR_MANIFEST_REQUEST);
    assert_null(strstr(err.detail, "other"));
    c.var.value = "tok";

    /* a response cut short */
    char cut[512];
    snprintf(cut, sizeof(cut), "%.*s", (int)strlen(resp) - 10, resp);
    assert_int_equal(notarize_direct(&c, NULL, cut, 0, &proof, &err), TP_ERR_HTTP_INCOMPLETE);

    /* the commitment seed is required */
    c.in.commit_seed_len = 16;
    assert_int_equal(notarize_direct(&c, NULL, resp, 1, &proof, &err), TP_ERR_PROTOCOL);
    c.in.commit_seed_len = sizeof(c.seed);

    assert_int_equal(notarize_direct(&c, NULL, resp, 1, &proof, &err), TP_OK); /* untouched: passes */
    free(proof);
    tpn_free(&c);
}

/* tpn_manifest with mode "Proxy" (the request it allows is the same). */
static char *proxy_manifest(void)
{
    size_t n = strlen(tpn_manifest);
    char *m = malloc(n + 32);
    assert_non_null(m);
    snprintf(m, n + 32, "{\"mode\":\"Proxy\",%s", tpn_manifest + 1);
    return m;
}

static void proxy_manifests_are_proven_direct_only(void **state)
{
    (void)state;
    char resp[512], *proof;
    tp_error err;
    size_t len;
    tpn_case c;
    tpn_response(resp, sizeof(resp), "1234.56");
    assert_true(tpn_make(&c, resp, "tok", 1));
    char *pm = proxy_manifest();
    c.in.manifest_json = pm;
    c.in.manifest_len = strlen(pm);
    proof = NULL;
    assert_int_equal(tp_notarize(&c.in, c.identity, &proof, &len, &err), TP_ERR_MANIFEST);
    assert_null(proof);
    assert_non_null(strstr(err.detail, "direct"));
    assert_int_equal(notarize_direct(&c, NULL, resp, 1, &proof, &err), TP_OK);

    /* The verifier: a Proxy manifest's proof must say direct; no mode, or another, is refused. */
    tp_manifest *m = NULL;
    assert_int_equal(tp_manifest_parse(pm, strlen(pm), &m, &err), TP_OK);
    tp_policy *sim = tp_policy_insecure_sim();
    assert_int_equal(tp_proof_verify_json(proof, strlen(proof), sim, m, NULL, NULL, &err), TP_OK);
    json_t *claims = claims_of(proof);
    static const struct {
        const char *mode;
        tp_err with_manifest, without;
    } k_modes[] = {{"tunnel", TP_ERR_MANIFEST, TP_OK}, {"relay", TP_ERR_PROOF, TP_ERR_PROOF},
                   {NULL, TP_ERR_PROOF, TP_ERR_PROOF}};
    for (size_t i = 0; i < sizeof(k_modes) / sizeof(k_modes[0]); i++) {
        char *other = NULL;
        if (k_modes[i].mode)
            json_object_set_new(claims, "mode", json_string(k_modes[i].mode));
        else
            json_object_del(claims, "mode");
        assert_int_equal(tp_proof_seal(claims, c.identity, &other, &len, &err), TP_OK);
        assert_int_equal(tp_proof_verify_json(other, len, sim, m, NULL, NULL, &err), k_modes[i].with_manifest);
        assert_int_equal(tp_proof_verify_json(other, len, sim, NULL, NULL, NULL, &err), k_modes[i].without);
        free(other);
    }
    json_decref(claims);
    tp_policy_free(sim);
    tp_manifest_free(m);
    free(proof);
    free(pm);
    tpn_free(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(direct_signs_what_tunnel_would),
        cmocka_unit_test(direct_refusals_are_the_shared_checks),
        cmocka_unit_test(proxy_manifests_are_proven_direct_only),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
