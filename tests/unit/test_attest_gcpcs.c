/* Unit tests: Google Confidential Space tokens made here (test RSA key, JWKS file) and the
 * attester against a fake teeserver on a temp unix socket. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../support/fake_gcpcs.h"
#include "attest/gcpcs.h"
#include "tee/attester.h"

#define NOW 1750000000

static tp_fake_gcpcs g_fake;
static uint8_t g_rd[64];

static int setup(void **state)
{
    (void)state;
    for (size_t i = 0; i < 64; i++)
        g_rd[i] = (uint8_t)(255 - 3 * i);
    return tp_fake_gcpcs_init(&g_fake) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    tp_fake_gcpcs_free(&g_fake);
    return 0;
}

/* Signs claims under kid and verifies the token at `at` with the test JWKS. */
static tp_err verify_claims(const json_t *claims, const char *kid, time_t at, tp_evidence_facts *facts)
{
    char *tok = tp_fake_gcpcs_token(&g_fake, claims, kid);
    assert_non_null(tok);
    tp_verify_opts opts = {.at = at, .jwks_file = g_fake.jwks_path};
    tp_error err = {0};
    tp_evidence_facts scratch;
    tp_err rc = tp_platform_gcp_cs.verify((const uint8_t *)tok, strlen(tok), &opts,
                                          facts != NULL ? facts : &scratch, &err);
    if (rc != TP_OK)
        printf("  (%s: %s)\n", tp_err_name(rc), err.detail);
    else if (facts == NULL)
        tp_evidence_facts_free(&scratch);
    free(tok);
    return rc;
}

static void valid_token_gives_facts(void **state)
{
    (void)state;
    json_t *c = tp_fake_gcpcs_claims(g_rd, "teeproof", NOW);
    tp_evidence_facts f;
    assert_int_equal(verify_claims(c, "tp-test-kid", NOW + 60, &f), TP_OK);
    assert_string_equal(f.platform, "gcp-cs");
    assert_int_equal(f.measurement_len, 32);
    assert_int_equal(f.measurement[0], 0x66);
    assert_int_equal(f.measurement[31], 0xa9);
    assert_int_equal(f.report_data_len, 64);
    assert_memory_equal(f.report_data, g_rd, 64);
    assert_int_equal(f.debug, 0);
    assert_string_equal(json_string_value(json_object_get(f.details, "hwmodel")), "GCP_INTEL_TDX");
    assert_string_equal(json_string_value(json_object_get(f.details, "image_reference")),
                        "us-docker.pkg.dev/p/r/teeproof-notary:1");
    assert_true(json_is_true(json_object_get(f.details, "secboot")));
    assert_true(json_is_array(json_object_get(f.details, "swversion")));
    tp_evidence_facts_free(&f);
    /* no binding at all: report data is empty, not an error */
    json_object_del(c, "eat_nonce");
    assert_int_equal(verify_claims(c, "tp-test-kid", NOW + 60, &f), TP_OK);
    assert_int_equal(f.report_data_len, 0);
    tp_evidence_facts_free(&f);
    json_decref(c);
}

static void wrong_signature_and_unknown_kid(void **state)
{
    (void)state;
    json_t *c = tp_fake_gcpcs_claims(g_rd, "teeproof", NOW);
    char *tok = tp_fake_gcpcs_token(&g_fake, c, "tp-test-kid");
    tp_verify_opts opts = {.at = NOW + 60, .jwks_file = g_fake.jwks_path};
    tp_evidence_facts f;
    tp_error err = {0};
    size_t len = strlen(tok);
    tok[len - 5] = tok[len - 5] == 'A' ? 'B' : 'A';
    assert_int_equal(tp_platform_gcp_cs.verify((uint8_t *)tok, len, &opts, &f, &err), TP_ERR_EVIDENCE_SIG);
    /* a claims byte changed: the payload no longer matches the signature */
    tok[len - 5] = tok[len - 5] == 'A' ? 'B' : 'A';
    char *dot = strchr(tok, '.');
    dot[3] = dot[3] == 'x' ? 'y' : 'x';
    tp_err rc = tp_platform_gcp_cs.verify((uint8_t *)tok, len, &opts, &f, &err);
    assert_true(rc == TP_ERR_EVIDENCE_SIG || rc == TP_ERR_EVIDENCE);
    free(tok);
    assert_int_equal(verify_claims(c, "other-kid", NOW + 60, NULL), TP_ERR_EVIDENCE_CHAIN);
    json_decref(c);
}

static void times_are_checked(void **state)
{
    (void)state;
    json_t *c = tp_fake_gcpcs_claims(g_rd, "teeproof", NOW);
    assert_int_equal(verify_claims(c, "tp-test-kid", NOW + 3600, NULL), TP_ERR_EVIDENCE_TIME);
    assert_int_equal(verify_claims(c, "tp-test-kid", NOW - 1, NULL), TP_ERR_EVIDENCE_TIME);
    assert_int_equal(verify_claims(c, "tp-test-kid", NOW + 3599, NULL), TP_OK);
    /* at = 0 means now: this token is long expired */
    assert_int_equal(verify_claims(c, "tp-test-kid", 0, NULL), TP_ERR_EVIDENCE_TIME);
    json_decref(c);
}

static void audience_issuer_and_swname(void **state)
{
    (void)state;
    json_t *c = tp_fake_gcpcs_claims(g_rd, "someone-else", NOW);
    assert_int_equal(verify_claims(c, "tp-test-kid", NOW + 1, NULL), TP_ERR_BINDING);
    json_object_set_new(c, "aud", json_pack("[s, s]", "x", "teeproof"));
    assert_int_equal(verify_claims(c, "tp-test-kid", NOW + 1, NULL), TP_OK);
    json_object_set_new(c, "iss", json_string("https://accounts.google.com"));
    assert_int_equal(verify_claims(c, "tp-test-kid", NOW + 1, NULL), TP_ERR_EVIDENCE_CHAIN);
    json_object_set_new(c, "iss", json_string(TP_GCPCS_ISSUER));
    json_object_set_new(c, "swname", json_string("GCE"));
    assert_int_equal(verify_claims(c, "tp-test-kid", NOW + 1, NULL), TP_ERR_EVIDENCE);
    json_decref(c);
}

static void debug_image_is_reported(void **state)
{
    (void)state;
    json_t *c = tp_fake_gcpcs_claims(g_rd, "teeproof", NOW);
    json_object_set_new(c, "dbgstat", json_string("enabled"));
    tp_evidence_facts f;
    assert_int_equal(verify_claims(c, "tp-test-kid", NOW + 1, &f), TP_OK);
    assert_int_equal(f.debug, 1);
    tp_evidence_facts_free(&f);
    json_decref(c);
}

static void malformed_tokens_and_nonces(void **state)
{
    (void)state;
    tp_verify_opts opts = {.at = NOW + 1, .jwks_file = g_fake.jwks_path};
    tp_evidence_facts f;
    tp_error err = {0};
    const char *bad[] = {"", "a.b", "a.b.c.d", "eyJhbGciOiJSUzI1NiJ9.e30.AAAA", "e30=.e30.AAAA", "!!.e30.AA"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(tp_platform_gcp_cs.verify((const uint8_t *)bad[i], strlen(bad[i]), &opts, &f, &err),
                         TP_ERR_EVIDENCE);
    /* no JWKS: a clear argument error */
    tp_verify_opts none = {.at = NOW + 1};
    assert_int_equal(tp_platform_gcp_cs.verify((const uint8_t *)bad[3], strlen(bad[3]), &none, &f, &err), TP_ERR_ARG);
    assert_non_null(strstr(err.detail, "JWKS"));
    /* half a binding, or an upper-case spelling of it */
    json_t *c = tp_fake_gcpcs_claims(g_rd, "teeproof", NOW);
    json_array_remove(json_object_get(c, "eat_nonce"), 1);
    assert_int_equal(verify_claims(c, "tp-test-kid", NOW + 1, NULL), TP_ERR_EVIDENCE);
    json_decref(c);
    c = tp_fake_gcpcs_claims(NULL, "teeproof", NOW);
    json_object_set_new(c, "eat_nonce", json_string("tp0:ABCDEF"));
    assert_int_equal(verify_claims(c, "tp-test-kid", NOW + 1, NULL), TP_ERR_EVIDENCE);
    json_decref(c);
}

static void nonces_fit_confidential_space_limits(void **state)
{
    (void)state;
    char n[2][TP_GCPCS_NONCE_LEN + 1];
    tp_gcpcs_nonces(g_rd, n);
    for (int i = 0; i < 2; i++) {
        assert_int_equal(strlen(n[i]), 68);
        assert_true(strlen(n[i]) >= 10 && strlen(n[i]) <= 74);
    }
    assert_memory_equal(n[0], "tp0:ff", 6);
    assert_memory_equal(n[1], "tp1:", 4);
}

static void fake_teeserver_round_trip(void **state)
{
    (void)state;
    g_fake.swap_nonce = 0;
    assert_true(tp_fake_teeserver_start(&g_fake));
    tp_attester_config cfg = {.teeserver_socket = g_fake.socket_path, .audience = "teeproof"};
    assert_true(tp_attester_gcp_cs.detect(&cfg));
    void *att = NULL;
    tp_error err = {0};
    assert_int_equal(tp_attester_gcp_cs.attester_new(&cfg, &att, &err), TP_OK);
    uint8_t *ev = NULL;
    size_t len = 0;
    tp_err rc = tp_attester_gcp_cs.get_evidence(att, g_rd, &ev, &len, &err);
    tp_fake_teeserver_join(&g_fake);
    if (rc != TP_OK)
        printf("  (%s)\n", err.detail);
    assert_int_equal(rc, TP_OK);
    assert_true(g_fake.request_ok);
    assert_string_equal(g_fake.seen_audience, "teeproof");
    tp_verify_opts opts = {.jwks_file = g_fake.jwks_path};
    tp_evidence_facts f;
    assert_int_equal(tp_platform_gcp_cs.verify(ev, len, &opts, &f, &err), TP_OK);
    assert_memory_equal(f.report_data, g_rd, 64);
    tp_evidence_facts_free(&f);
    free(ev);
    tp_attester_gcp_cs.attester_free(att);
    unlink(g_fake.socket_path);
}

static void fake_teeserver_other_nonce_is_refused(void **state)
{
    (void)state;
    g_fake.swap_nonce = 1;
    assert_true(tp_fake_teeserver_start(&g_fake));
    tp_attester_config cfg = {.teeserver_socket = g_fake.socket_path};
    void *att = NULL;
    tp_error err = {0};
    assert_int_equal(tp_attester_gcp_cs.attester_new(&cfg, &att, &err), TP_OK);
    uint8_t *ev = NULL;
    size_t len = 0;
    assert_int_equal(tp_attester_gcp_cs.get_evidence(att, g_rd, &ev, &len, &err), TP_ERR_BINDING);
    tp_fake_teeserver_join(&g_fake);
    assert_null(ev);
    tp_attester_gcp_cs.attester_free(att);
    unlink(g_fake.socket_path);
    /* no socket: detect says no, and asking is a platform error */
    assert_false(tp_attester_gcp_cs.detect(&cfg));
    assert_int_equal(tp_attester_gcp_cs.attester_new(&cfg, &att, &err), TP_OK);
    assert_int_equal(tp_attester_gcp_cs.get_evidence(att, g_rd, &ev, &len, &err), TP_ERR_PLATFORM);
    tp_attester_gcp_cs.attester_free(att);
}

/* Runs the attester once against a teeserver that sends reply verbatim. */
static tp_err attest_with_reply(const char *reply, tp_error *err)
{
    g_fake.raw_reply = reply;
    assert_true(tp_fake_teeserver_start(&g_fake));
    tp_attester_config cfg = {.teeserver_socket = g_fake.socket_path};
    void *att = NULL;
    assert_int_equal(tp_attester_gcp_cs.attester_new(&cfg, &att, err), TP_OK);
    uint8_t *ev = NULL;
    size_t len = 0;
    tp_err rc = tp_attester_gcp_cs.get_evidence(att, g_rd, &ev, &len, err);
    tp_fake_teeserver_join(&g_fake);
    assert_null(ev);
    tp_attester_gcp_cs.attester_free(att);
    unlink(g_fake.socket_path);
    g_fake.raw_reply = NULL;
    return rc;
}

static void teeserver_errors_are_platform_errors(void **state)
{
    (void)state;
    tp_error err = {0};
    assert_int_equal(attest_with_reply("HTTP/1.1 500 Internal Server Error\r\nContent-Length: 6\r\n\r\nboom\n\x01", &err),
                     TP_ERR_PLATFORM);
    assert_non_null(strstr(err.detail, "500: boom??"));
    assert_int_equal(attest_with_reply("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n", &err),
                     TP_ERR_PLATFORM);
    assert_int_equal(attest_with_reply("HTTP/1.1 200 OK\r\nContent-Length: 99\r\n\r\nshort", &err), TP_ERR_PLATFORM);
    assert_int_equal(attest_with_reply("garbage", &err), TP_ERR_PLATFORM);
    assert_int_equal(attest_with_reply("HTTP/1.1 200 OK\r\n\r\nnot-a-token", &err), TP_ERR_EVIDENCE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(valid_token_gives_facts),
        cmocka_unit_test(wrong_signature_and_unknown_kid),
        cmocka_unit_test(times_are_checked),
        cmocka_unit_test(audience_issuer_and_swname),
        cmocka_unit_test(debug_image_is_reported),
        cmocka_unit_test(malformed_tokens_and_nonces),
        cmocka_unit_test(nonces_fit_confidential_space_limits),
        cmocka_unit_test(fake_teeserver_round_trip),
        cmocka_unit_test(fake_teeserver_other_nonce_is_refused),
        cmocka_unit_test(teeserver_errors_are_platform_errors),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
