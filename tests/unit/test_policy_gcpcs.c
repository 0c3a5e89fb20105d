/* Unit tests: the gcp-cs policy requirements on Google's documented production claims
 * (support_attributes, hwmodel, container restart_policy, dbgstat, swname), with tokens
 * from the test issuer (tests/support/fake_gcpcs.c). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../support/fake_gcpcs.h"
#include "teeproof/attest.h"

#define NOW 1750000000
#define DIGEST "sha256:667b7cc9407f7d9949d43fd51dde2a5b66db9b695ef5bfe525cf8576d54ffaa9"

static tp_fake_gcpcs g_fake;
static uint8_t g_rd[64];

static int setup(void **state)
{
    (void)state;
    memset(g_rd, 0x5a, sizeof(g_rd));
    return tp_fake_gcpcs_init(&g_fake) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    tp_fake_gcpcs_free(&g_fake);
    return 0;
}

/* Verifies a token of these claims under {"gcp-cs": {image_digest, jwks_file, <extra>}}. */
static tp_err check(const json_t *claims, const char *extra, tp_error *err)
{
    char json[1024];
    snprintf(json, sizeof(json),
             "{\"platforms\": {\"gcp-cs\": {\"image_digest\": [\"" DIGEST "\"], "
             "\"jwks_file\": \"%s\"%s%s}}}",
             g_fake.jwks_path, extra[0] ? ", " : "", extra);
    tp_policy *p = NULL;
    tp_err rc = tp_policy_parse(json, strlen(json), &p, err);
    if (rc != TP_OK)
        fail_msg("policy rejected: %s", err->detail);
    char *tok = tp_fake_gcpcs_token(&g_fake, claims, "tp-test-kid");
    assert_non_null(tok);
    tp_evidence_facts f;
    rc = tp_policy_verify_evidence_at(p, "gcp-cs", (const uint8_t *)tok, strlen(tok), g_rd,
                                      NOW + 60, &f, err);
    if (rc == TP_OK)
        tp_evidence_facts_free(&f);
    free(tok);
    tp_policy_free(p);
    return rc;
}

static json_t *claims(void)
{
    json_t *c = tp_fake_gcpcs_claims(g_rd, "teeproof", NOW);
    assert_non_null(c);
    return c;
}

static json_t *submod(json_t *c, const char *name)
{
    return json_object_get(json_object_get(c, "submods"), name);
}

static void production_claims_pass_the_defaults(void **state)
{
    (void)state;
    tp_error err;
    json_t *c = claims();
    assert_int_equal(check(c, "", &err), TP_OK);
    json_object_set_new(c, "hwmodel", json_string("GCP_AMD_SEV"));
    assert_int_equal(check(c, "", &err), TP_OK);
    json_object_set_new(submod(c, "confidential_space"), "support_attributes",
                        json_pack("[s, s, s]", "LATEST", "STABLE", "USABLE"));
    assert_int_equal(check(c, "", &err), TP_OK);
    json_decref(c);
}

static void support_attributes_are_required(void **state)
{
    (void)state;
    tp_error err;
    json_t *c = claims();
    json_t *cs = submod(c, "confidential_space");
    json_object_set_new(cs, "support_attributes", json_pack("[s]", "USABLE"));
    assert_int_equal(check(c, "", &err), TP_ERR_TCB_TOO_LOW);
    assert_non_null(strstr(err.detail, "support_attributes"));
    assert_int_equal(check(c, "\"support_attributes\": [\"STABLE\", \"USABLE\"]", &err), TP_OK);
    json_object_set_new(cs, "support_attributes", json_pack("[s]", "EXPERIMENTAL"));
    assert_int_equal(check(c, "", &err), TP_ERR_TCB_TOO_LOW);
    json_object_set_new(cs, "support_attributes", json_pack("[s]", "LATEST"));
    assert_int_equal(check(c, "\"support_attributes\": [\"LATEST\"]", &err), TP_OK);
    /* not strings, absent (debug images carry none) */
    json_object_set_new(cs, "support_attributes", json_pack("[i]", 1));
    assert_int_equal(check(c, "", &err), TP_ERR_TCB_TOO_LOW);
    json_object_del(json_object_get(c, "submods"), "confidential_space");
    assert_int_equal(check(c, "", &err), TP_ERR_TCB_TOO_LOW);
    assert_int_equal(check(c, "\"support_attributes\": []", &err), TP_OK);
    json_decref(c);
}

static void hwmodel_and_restart_policy(void **state)
{
    (void)state;
    tp_error err;
    json_t *c = claims();
    json_object_set_new(c, "hwmodel", json_string("GCP_SHIELDED_VM"));
    assert_int_equal(check(c, "", &err), TP_ERR_POLICY);
    assert_non_null(strstr(err.detail, "hwmodel"));
    json_object_set_new(c, "hwmodel", json_string("GCP_AMD_SEV"));
    assert_int_equal(check(c, "\"hwmodel\": [\"GCP_INTEL_TDX\"]", &err), TP_ERR_POLICY);
    json_object_del(c, "hwmodel");
    assert_int_equal(check(c, "", &err), TP_ERR_POLICY);
    json_decref(c);
    c = claims();
    json_object_set_new(submod(c, "container"), "restart_policy", json_string("Always"));
    assert_int_equal(check(c, "", &err), TP_ERR_POLICY);
    assert_non_null(strstr(err.detail, "restart_policy"));
    assert_int_equal(check(c, "\"restart_policy\": [\"Never\", \"Always\"]", &err), TP_OK);
    json_object_del(submod(c, "container"), "restart_policy");
    assert_int_equal(check(c, "\"restart_policy\": [\"Never\", \"Always\"]", &err), TP_ERR_POLICY);
    json_decref(c);
}

static void debug_image_and_swname(void **state)
{
    (void)state;
    tp_error err;
    json_t *c = claims();
    json_object_set_new(c, "dbgstat", json_string("enabled"));
    assert_int_equal(check(c, "", &err), TP_ERR_POLICY);
    assert_non_null(strstr(err.detail, "debug"));
    assert_int_equal(check(c, "\"allow_debug\": true", &err), TP_OK);
    /* a debug image has no support attributes: the default does not ask for them, an
     * explicit list does */
    json_object_del(json_object_get(c, "submods"), "confidential_space");
    assert_int_equal(check(c, "\"allow_debug\": true", &err), TP_OK);
    assert_int_equal(check(c, "\"allow_debug\": true, \"support_attributes\": [\"STABLE\"]", &err),
                     TP_ERR_TCB_TOO_LOW);
    json_decref(c);
    c = claims();
    json_object_set_new(c, "swname", json_string("GCE"));
    assert_int_equal(check(c, "", &err), TP_ERR_EVIDENCE);
    json_decref(c);
}

static void malformed_members_are_rejected(void **state)
{
    (void)state;
    static const char *const k_bad[] = {
        "\"hwmodel\": []", "\"hwmodel\": \"GCP_INTEL_TDX\"", "\"restart_policy\": [1]",
        "\"restart_policy\": [\"\"]", "\"support_attributes\": \"STABLE\"",
        "\"min_tcb\": {\"snp\": 1}",
    };
    for (size_t i = 0; i < sizeof(k_bad) / sizeof(k_bad[0]); i++) {
        char json[512];
        snprintf(json, sizeof(json),
                 "{\"platforms\": {\"gcp-cs\": {\"image_digest\": [\"" DIGEST "\"], %s}}}",
                 k_bad[i]);
        tp_policy *p = NULL;
        tp_error err;
        if (tp_policy_parse(json, strlen(json), &p, &err) != TP_ERR_JSON)
            fail_msg("accepted: %s", k_bad[i]);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(production_claims_pass_the_defaults),
        cmocka_unit_test(support_attributes_are_required),
        cmocka_unit_test(hwmodel_and_restart_policy),
        cmocka_unit_test(debug_image_and_swname),
        cmocka_unit_test(malformed_members_are_rejected),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
