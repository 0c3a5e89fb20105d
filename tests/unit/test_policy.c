/* Unit tests: policy parsing and tp_policy_verify_evidence. */
#include <jansson.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/codec.h"
#include "teeproof/attest.h"
#include "../support/testvectors.h"

#define MRTD_V4 "6363b8043668a3ad953278e10389574d326c6749fb78aa810ecd9336923db86f22fc00b8dcd404bc10d5e119d7215cbb"
#define SNP_MEAS "b07af9620f3b839b47996422ddec6058338951d984e312115131ea82705eaf5b6bdf8a9ece31a5a608eb0cf2e4872b01"

static tp_policy *parse_ok(const char *json)
{
    tp_policy *p = NULL;
    tp_error err;
    tp_err rc = tp_policy_parse(json, strlen(json), &p, &err);
    if (rc != TP_OK)
        fail_msg("policy rejected: %s", err.detail);
    return p;
}

static void sim_evidence(const uint8_t rd[64], uint8_t **ev, size_t *len)
{
    tp_attester *a;
    tp_error err;
    assert_int_equal(tp_attester_open("sim", NULL, &a, &err), TP_OK);
    assert_int_equal(tp_attester_get_evidence(a, rd, ev, len, &err), TP_OK);
    tp_attester_free(a);
}

static void bad_policies_are_rejected(void **state)
{
    (void)state;
    static const char *const k_bad[] = {
        "", "[]", "{}", "{\"platforms\":{}}",
        "{\"platforms\":{\"tdx\":{\"mrtd\":[\"" MRTD_V4 "\"]}},\"extra\":1}",
        "{\"platforms\":{\"sgx\":{}}}",
        "{\"platforms\":{\"tdx\":{\"mrtd\":[\"" MRTD_V4 "\"],\"colour\":\"red\"}}}",
        "{\"platforms\":{\"tdx\":{\"allow_debug\":false}}}",
        "{\"platforms\":{\"tdx\":{\"mrtd\":[]}}}",
        "{\"platforms\":{\"tdx\":{\"mrtd\":[\"xyz\"]}}}",
        "{\"platforms\":{\"tdx\":{\"mrtd\":[\"" MRTD_V4 "\"],\"allow_debug\":\"no\"}}}",
        "{\"platforms\":{\"tdx\":{\"mrtd\":[\"" MRTD_V4 "\"],\"vcek_file\":\"x\"}}}",
        "{\"platforms\":{\"sim\":{}}}",
        "{\"platforms\":{\"sim\":{\"allow\":true,\"mrtd\":[\"00\"]}}}",
        "{\"version\":2,\"platforms\":{\"sim\":{\"allow\":true}}}",
        "{\"platforms\":{\"sim\":{\"allow\":true},\"sim\":{\"allow\":true}}}",
        "{\"platforms\":{\"tdx\":{\"mrtd\":[\"00\"],\"tcb_status\":\"UpToDate\"}}}",
        "{\"platforms\":{\"tdx\":{\"mrtd\":[\"00\"],\"tcb_status\":[]}}}",
        "{\"platforms\":{\"tdx\":{\"mrtd\":[\"00\"],\"tcb_status\":[1]}}}",
        "{\"platforms\":{\"tdx\":{\"mrtd\":[\"00\"],\"tcb_status\":[\"UptoDate\"]}}}",
        "{\"platforms\":{\"tdx\":{\"mrtd\":[\"00\"],\"collateral_dir\":7}}}",
        "{\"platforms\":{\"nitro\":{\"pcr0\":[\"00\"],\"tcb_status\":[\"UpToDate\"]}}}",
        "{\"platforms\":{\"nitro\":{\"pcr0\":[\"00\"],\"collateral_dir\":\"x\"}}}",
    };
    for (size_t i = 0; i < sizeof(k_bad) / sizeof(k_bad[0]); i++) {
        tp_policy *p = NULL;
        tp_error err;
        tp_err rc = tp_policy_parse(k_bad[i], strlen(k_bad[i]), &p, &err);
        if (rc == TP_OK)
            fail_msg("accepted bad policy %zu: %s", i, k_bad[i]);
        assert_null(p);
        assert_true(err.detail[0] != '\0');
    }
}

static void insecure_sim_accepts_sim_and_checks_binding(void **state)
{
    (void)state;
    uint8_t rd[64] = {7, 7, 7}, other[64] = {8}, *ev;
    size_t len;
    sim_evidence(rd, &ev, &len);
    tp_policy *p = tp_policy_insecure_sim();
    tp_evidence_facts f;
    tp_error err;
    assert_int_equal(tp_policy_verify_evidence(p, "sim", ev, len, rd, &f, &err), TP_OK);
    assert_string_equal(f.platform, "sim");
    tp_evidence_facts_free(&f);
    assert_int_equal(tp_policy_verify_evidence(p, "sim", ev, len, other, &f, &err), TP_ERR_BINDING);
    assert_null(f.details);
    /* the sim policy accepts nothing else */
    size_t qlen;
    uint8_t *q = tv_load("tdx_quote_v4.bin", &qlen);
    assert_non_null(q);
    assert_int_equal(tp_policy_verify_evidence(p, "tdx", q, qlen, rd, &f, &err), TP_ERR_POLICY);
    free(q);
    tp_policy_free(p);
    free(ev);
}

static void hardware_policy_refuses_sim(void **state)
{
    (void)state;
    uint8_t rd[64] = {1}, *ev;
    size_t len;
    sim_evidence(rd, &ev, &len);
    tp_policy *p = parse_ok("{\"platforms\":{\"tdx\":{\"mrtd\":[\"" MRTD_V4 "\"]}}}");
    tp_evidence_facts f;
    tp_error err;
    assert_int_equal(tp_policy_verify_evidence(p, "sim", ev, len, rd, &f, &err),
                     TP_ERR_INSECURE_SIM);
    tp_policy_free(p);
    p = parse_ok("{\"platforms\":{\"sim\":{\"allow\":false}}}");
    assert_int_equal(tp_policy_verify_evidence(p, "sim", ev, len, rd, &f, &err),
                     TP_ERR_INSECURE_SIM);
    tp_policy_free(p);
    p = parse_ok("{\"version\":1,\"platforms\":{\"sim\":{\"allow\":true}}}");
    assert_int_equal(tp_policy_verify_evidence(p, "sim", ev, len, rd, &f, &err), TP_OK);
    tp_evidence_facts_free(&f);
    tp_policy_free(p);
    free(ev);
}

static void tdx_policy_checks_mrtd_and_pins(void **state)
{
    (void)state;
    size_t len;
    uint8_t *q = tv_load("tdx_quote_v4.bin", &len), rd[64];
    assert_non_null(q);
    memcpy(rd, q + 0x238, 64);
    tp_evidence_facts f;
    tp_error err;
    tp_policy *p = parse_ok("{\"platforms\":{\"tdx\":{\"mrtd\":[\"00\",\"" MRTD_V4 "\"],"
                            "\"allow_debug\":false}}}");
    assert_int_equal(tp_policy_verify_evidence(p, "tdx", q, len, rd, &f, &err), TP_OK);
    char rtmr0[97];
    snprintf(rtmr0, sizeof(rtmr0), "%s", json_string_value(json_object_get(f.details, "rtmr0")));
    tp_evidence_facts_free(&f);
    rd[0] ^= 1;
    assert_int_equal(tp_policy_verify_evidence(p, "tdx", q, len, rd, &f, &err), TP_ERR_BINDING);
    rd[0] ^= 1;
    tp_policy_free(p);

    p = parse_ok("{\"platforms\":{\"tdx\":{\"mrtd\":[\"" SNP_MEAS "\"]}}}");
    assert_int_equal(tp_policy_verify_evidence(p, "tdx", q, len, rd, &f, &err), TP_ERR_POLICY);
    assert_non_null(strstr(err.detail, MRTD_V4));
    tp_policy_free(p);

    char json[512];
    snprintf(json, sizeof(json), "{\"platforms\":{\"tdx\":{\"mrtd\":[\"%s\"],\"rtmr0\":[\"%s\"]}}}",
             MRTD_V4, rtmr0);
    p = parse_ok(json);
    assert_int_equal(tp_policy_verify_evidence(p, "tdx", q, len, rd, &f, &err), TP_OK);
    tp_evidence_facts_free(&f);
    tp_policy_free(p);
    rtmr0[0] = rtmr0[0] == '0' ? '1' : '0';
    snprintf(json, sizeof(json), "{\"platforms\":{\"tdx\":{\"mrtd\":[\"%s\"],\"rtmr0\":[\"%s\"]}}}",
             MRTD_V4, rtmr0);
    p = parse_ok(json);
    assert_int_equal(tp_policy_verify_evidence(p, "tdx", q, len, rd, &f, &err), TP_ERR_POLICY);
    tp_policy_free(p);
    /* evidence failures come through unchanged */
    p = parse_ok("{\"platforms\":{\"tdx\":{\"mrtd\":[\"" MRTD_V4 "\"]}}}");
    q[0x100] ^= 1;
    assert_int_equal(tp_policy_verify_evidence(p, "tdx", q, len, rd, &f, &err), TP_ERR_EVIDENCE_SIG);
    tp_policy_free(p);
    free(q);
}

/* snp_report.bin is a debug guest (POLICY bit 19); its VCEK comes from the policy file. */
static void snp_debug_guest_needs_allow_debug(void **state)
{
    (void)state;
    size_t len;
    uint8_t *r = tv_load("snp_report.bin", &len), rd[64];
    assert_non_null(r);
    memcpy(rd, r + 0x50, 64);
    char json[1024], *vcek = realpath(tv_path("vcek.der"), NULL);
    assert_non_null(vcek);
    for (int allow = 0; allow < 2; allow++) {
        snprintf(json, sizeof(json),
                 "{\"platforms\":{\"sev-snp\":{\"measurement\":[\"%s\"],\"allow_debug\":%s,"
                 "\"vcek_file\":\"%s\"}}}",
                 SNP_MEAS, allow ? "true" : "false", vcek);
        char *path = tv_write_temp("policy.json", json, strlen(json));
        assert_non_null(path);
        tp_policy *p = NULL;
        tp_error err;
        assert_int_equal(tp_policy_load(path, &p, &err), TP_OK);
        tp_evidence_facts f;
        tp_err rc = tp_policy_verify_evidence(p, "sev-snp", r, len, rd, &f, &err);
        assert_int_equal(rc, allow ? TP_OK : TP_ERR_POLICY);
        if (rc == TP_OK)
            assert_int_equal(f.debug, 1);
        tp_evidence_facts_free(&f);
        tp_policy_free(p);
        remove(path);
        free(path);
    }
    free(vcek);
    free(r);
}

static void missing_policy_file_is_io_error(void **state)
{
    (void)state;
    tp_policy *p = NULL;
    tp_error err;
    assert_int_equal(tp_policy_load("/nonexistent/policy.json", &p, &err), TP_ERR_IO);
    assert_null(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(bad_policies_are_rejected),
        cmocka_unit_test(insecure_sim_accepts_sim_and_checks_binding),
        cmocka_unit_test(hardware_policy_refuses_sim),
        cmocka_unit_test(tdx_policy_checks_mrtd_and_pins),
        cmocka_unit_test(snp_debug_guest_needs_allow_debug),
        cmocka_unit_test(missing_policy_file_is_io_error),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
