/* Unit tests: TDX quote verification (real quotes from tests/data/testvectors, damaged
 * copies, test-CA quotes) and the configfs-tsm attester against a fake kernel. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attest/attest_json.h"
#include "../support/fake_tee.h"
#include "../support/fake_tsm.h"
#include "../support/testvectors.h"
#include "base/codec.h"
#include "teeproof/attest.h"

/* configfs-tsm entries are made and removed through the fake. */
int mkdir(const char *path, mode_t mode) { return fake_tsm_mkdir(path, mode); }
int rmdir(const char *path) { return fake_tsm_rmdir(path); }

static tp_err verify(const uint8_t *q, size_t len, const tp_verify_opts *opts,
                     tp_evidence_facts *f)
{
    tp_error err;
    tp_err rc = tp_evidence_verify("tdx", q, len, opts, f, &err);
    if (rc != TP_OK)
        assert_true(err.detail[0] != '\0');
    return rc;
}

static void expect_facts(const char *file, const char *mrtd, const char *rd_prefix,
                         const char *td_attr, int version)
{
    size_t len;
    uint8_t *q = tv_load(file, &len);
    assert_non_null(q);
    tp_evidence_facts f;
    assert_int_equal(verify(q, len, NULL, &f), TP_OK);
    json_t *j = tp_evidence_facts_to_json(&f);
    assert_string_equal(json_string_value(json_object_get(j, "platform")), "tdx");
    assert_string_equal(json_string_value(json_object_get(j, "measurement")), mrtd);
    const char *rd = json_string_value(json_object_get(j, "report_data"));
    assert_int_equal(strncmp(rd, rd_prefix, strlen(rd_prefix)), 0);
    assert_string_equal(json_string_value(json_object_get(j, "td_attributes")), td_attr);
    assert_int_equal(json_integer_value(json_object_get(j, "version")), version);
    assert_true(json_is_false(json_object_get(j, "debug")));
    for (int i = 0; i < 4; i++) {
        char key[16];
        snprintf(key, sizeof(key), "rtmr%d", i);
        assert_int_equal(strlen(json_string_value(json_object_get(j, key))), 96);
    }
    json_decref(j);
    tp_evidence_facts_free(&f);
    free(q);
}

static void real_quotes_verify_and_report_facts(void **state)
{
    (void)state;
    expect_facts("tdx_quote_v4.bin",
                 "6363b8043668a3ad953278e10389574d326c6749fb78aa810ecd9336923db86f22fc00b8dcd404bc10d5e119d7215cbb",
                 "6c62dec1b8191749", "0000004000000000", 4);
    expect_facts("tdx_cos113_quote.bin",
                 "dae67181d3d65e073ad8f95b7907d5e927bfe9761c9ff3e9b89734a45d8954dba41394c7717cb2735396c1d04231f94a",
                 "00000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000",
                 "0000001000000000", 4);
    expect_facts("tdx_quote_v5.bin",
                 "7348651a34b2d2d3462822e3a750ec6110125f36757c78480bbfc69cc0d21fb001a1ced3ee19747dda8f750c3bc8f876",
                 "945eaacf5abc1f71", "0000001000000000", 5);
}

/* Offsets of the signature-data parts for a quote: [0] quote signature, [1] attestation
 * key, [2] QE report, [3] QE report signature, [4] QE auth data, [5] PCK PEM. */
static void sig_offsets(const uint8_t *q, size_t off[6])
{
    size_t signed_len = q[0] == 5 ? 48 + 6 + (size_t)(q[50] | q[51] << 8) : 0x278;
    off[0] = signed_len + 4;
    off[1] = off[0] + 64;
    off[2] = off[1] + 64 + 6;
    off[3] = off[2] + 384;
    off[4] = off[3] + 64 + 2;
    size_t auth = (size_t)(q[off[3] + 64] | q[off[3] + 65] << 8);
    off[5] = off[4] + auth + 6;
}

static void flip_expect(const char *file, size_t at, tp_err want)
{
    size_t len;
    uint8_t *q = tv_load(file, &len);
    assert_non_null(q);
    assert_true(at < len);
    q[at] ^= 0x01;
    tp_evidence_facts f;
    tp_err rc = verify(q, len, NULL, &f);
    if (rc != want)
        fail_msg("%s: flip at 0x%zx gave %s, expected %s", file, at, tp_err_name(rc),
                 tp_err_name(want));
    free(q);
}

static void flipped_bytes_are_rejected(void **state)
{
    (void)state;
    static const char *const k_files[] = {"tdx_quote_v4.bin", "tdx_quote_v5.bin"};
    for (size_t i = 0; i < 2; i++) {
        size_t len, off[6];
        uint8_t *q = tv_load(k_files[i], &len);
        assert_non_null(q);
        sig_offsets(q, off);
        free(q);
        size_t mrtd = i == 0 ? 0xB8 : 0xB8 + 6, rd = i == 0 ? 0x238 : 0x238 + 6;
        flip_expect(k_files[i], 0x01, TP_ERR_EVIDENCE);         /* version */
        flip_expect(k_files[i], 0x04, TP_ERR_EVIDENCE);         /* TEE type */
        flip_expect(k_files[i], 0x1C, TP_ERR_EVIDENCE_SIG);     /* QE vendor id */
        flip_expect(k_files[i], 0x2F, TP_ERR_EVIDENCE_SIG);     /* user data */
        flip_expect(k_files[i], mrtd, TP_ERR_EVIDENCE_SIG);
        flip_expect(k_files[i], rd + 63, TP_ERR_EVIDENCE_SIG);
        flip_expect(k_files[i], off[0] + 5, TP_ERR_EVIDENCE_SIG);  /* quote signature */
        flip_expect(k_files[i], off[1] + 7, TP_ERR_EVIDENCE_SIG);  /* attestation key */
        flip_expect(k_files[i], off[2] + 100, TP_ERR_EVIDENCE_SIG); /* QE report */
        flip_expect(k_files[i], off[2] + 330, TP_ERR_EVIDENCE_SIG); /* QE report data */
        flip_expect(k_files[i], off[3] + 40, TP_ERR_EVIDENCE_SIG); /* QE report signature */
        flip_expect(k_files[i], off[4] + 3, TP_ERR_EVIDENCE_SIG);  /* QE auth data */
        flip_expect(k_files[i], off[5] + 300, TP_ERR_EVIDENCE_CHAIN); /* PCK leaf body */
    }
}

static void truncated_quotes_are_rejected(void **state)
{
    (void)state;
    size_t len, off[6];
    uint8_t *q = tv_load("tdx_quote_v4.bin", &len);
    assert_non_null(q);
    sig_offsets(q, off);
    size_t end = 0x278 + 4 + (size_t)(q[0x278] | q[0x279] << 8 | q[0x27A] << 16);
    for (size_t cut = 0; cut < end; cut += (cut < 0x300 ? 1 : 7)) {
        tp_evidence_facts f;
        tp_err rc = verify(q, cut, NULL, &f);
        if (rc != TP_ERR_TRUNCATED && rc != TP_ERR_EVIDENCE)
            fail_msg("cut at %zu gave %s", cut, tp_err_name(rc));
    }
    free(q);
}

static void wrong_root_and_time_are_rejected(void **state)
{
    (void)state;
    size_t len;
    uint8_t *q = tv_load("tdx_quote_v4.bin", &len);
    assert_non_null(q);
    tp_evidence_facts f;
    char roots[4096];
    snprintf(roots, sizeof(roots), "%s", tv_path("ask_ark_milan.pem"));
    tp_verify_opts opts = {.roots_file = roots};
    assert_int_equal(verify(q, len, &opts, &f), TP_ERR_EVIDENCE_CHAIN);
    opts.roots_file = "/nonexistent/roots.pem";
    assert_int_equal(verify(q, len, &opts, &f), TP_ERR_IO);
    tp_verify_opts early = {.at = 1000000000}; /* 2001: before the PCK chain */
    assert_int_equal(verify(q, len, &early, &f), TP_ERR_EVIDENCE_TIME);
    tp_verify_opts late = {.at = 4102444800}; /* 2100: after it */
    assert_int_equal(verify(q, len, &late, &f), TP_ERR_EVIDENCE_TIME);
    free(q);
}

/* --- test-CA quotes --- */

typedef struct fixture {
    fake_tdx ca;
    char *roots_file;
    int mismatch; /* the fake kernel answers for other report data */
} fixture;

static int setup(void **state)
{
    fixture *fx = calloc(1, sizeof(*fx));
    if (fx == NULL || !fake_tdx_init(&fx->ca))
        return -1;
    fx->roots_file = tv_write_temp("tdx-test-root.pem", fx->ca.root_pem, fx->ca.root_pem_len);
    *state = fx;
    return fx->roots_file ? 0 : -1;
}

static int teardown(void **state)
{
    fixture *fx = *state;
    remove(fx->roots_file);
    free(fx->roots_file);
    fake_tdx_free(&fx->ca);
    free(fx);
    return 0;
}

static void test_ca_quotes_verify_only_with_test_root(void **state)
{
    fixture *fx = *state;
    uint8_t rd[64];
    memset(rd, 0xab, sizeof(rd));
    for (int version = 4; version <= 5; version++) {
        size_t len;
        uint8_t *q = fake_tdx_quote(&fx->ca, version, rd, 0, &len);
        assert_non_null(q);
        tp_evidence_facts f;
        tp_verify_opts opts = {.roots_file = fx->roots_file};
        assert_int_equal(verify(q, len, &opts, &f), TP_OK);
        assert_memory_equal(f.report_data, rd, 64);
        assert_int_equal(f.debug, 0);
        tp_evidence_facts_free(&f);
        assert_int_equal(verify(q, len, NULL, &f), TP_ERR_EVIDENCE_CHAIN); /* not Intel */
        free(q);
    }
}

static void debug_td_needs_allow_debug(void **state)
{
    fixture *fx = *state;
    uint8_t rd[64] = {9};
    size_t len;
    uint8_t *q = fake_tdx_quote(&fx->ca, 4, rd, 0x01, &len);
    assert_non_null(q);
    char mrtd[97], json[1024];
    memset(mrtd, '1', 96);
    mrtd[96] = '\0';
    for (int allow = 0; allow < 2; allow++) {
        snprintf(json, sizeof(json),
                 "{\"platforms\":{\"tdx\":{\"mrtd\":[\"%s\"],\"allow_debug\":%s,"
                 "\"roots_file\":\"%s\"}}}",
                 mrtd, allow ? "true" : "false", fx->roots_file);
        tp_policy *p;
        tp_error err;
        assert_int_equal(tp_policy_parse(json, strlen(json), &p, &err), TP_OK);
        tp_evidence_facts f;
        tp_err rc = tp_policy_verify_evidence(p, "tdx", q, len, rd, &f, &err);
        assert_int_equal(rc, allow ? TP_OK : TP_ERR_POLICY);
        if (rc == TP_OK)
            assert_int_equal(f.debug, 1);
        tp_evidence_facts_free(&f);
        tp_policy_free(p);
    }
    free(q);
}

/* --- attester against the fake configfs-tsm --- */

static uint8_t *make_quote(void *ctx, const uint8_t inblob[64], size_t *len)
{
    fixture *fx = ctx;
    uint8_t rd[64];
    memcpy(rd, inblob, 64);
    if (fx->mismatch)
        rd[0] ^= 0xff;
    return fake_tdx_quote(&fx->ca, 4, rd, 0, len);
}

static tp_err attest_once(fixture *fx, const char *provider, int gen_step, const char *platform,
                          tp_error *err)
{
    fake_tsm t = {.provider = provider, .make = make_quote, .ctx = fx, .gen_step = gen_step};
    assert_true(fake_tsm_start(&t));
    tp_attester_config cfg = {.tsm_root = t.root, .sev_guest_dev = "/nonexistent",
                              .nsm_dev = "/nonexistent", .teeserver_socket = "/nonexistent"};
    tp_attester *a = NULL;
    uint8_t rd[64], *ev = NULL;
    size_t len = 0;
    for (int i = 0; i < 64; i++)
        rd[i] = (uint8_t)(0x80 + i);
    tp_err rc = tp_attester_open(platform, &cfg, &a, err);
    if (rc == TP_OK) {
        assert_string_equal(tp_attester_platform(a), "tdx");
        rc = tp_attester_get_evidence(a, rd, &ev, &len, err);
    }
    if (rc == TP_OK) {
        tp_evidence_facts f;
        tp_verify_opts opts = {.roots_file = fx->roots_file};
        assert_int_equal(verify(ev, len, &opts, &f), TP_OK);
        assert_memory_equal(f.report_data, rd, 64);
        tp_evidence_facts_free(&f);
    }
    free(ev);
    tp_attester_free(a);
    fake_tsm_stop(&t);
    return rc;
}

static void attester_gets_a_quote_for_the_report_data(void **state)
{
    fixture *fx = *state;
    tp_error err;
    assert_int_equal(attest_once(fx, "tdx_guest", 1, "tdx", &err), TP_OK);
    assert_int_equal(attest_once(fx, "tdx_guest", 1, "auto", &err), TP_OK);
}

static void attester_rejects_mismatch_race_and_provider(void **state)
{
    fixture *fx = *state;
    tp_error err;
    fx->mismatch = 1;
    assert_int_equal(attest_once(fx, "tdx_guest", 1, "tdx", &err), TP_ERR_BINDING);
    fx->mismatch = 0;
    assert_int_equal(attest_once(fx, "tdx_guest", 2, "tdx", &err), TP_ERR_PLATFORM);
    assert_non_null(strstr(err.detail, "raced"));
    assert_int_equal(attest_once(fx, "sev_guest", 1, "tdx", &err), TP_ERR_PLATFORM);
    assert_non_null(strstr(err.detail, "provider"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(real_quotes_verify_and_report_facts),
        cmocka_unit_test(flipped_bytes_are_rejected),
        cmocka_unit_test(truncated_quotes_are_rejected),
        cmocka_unit_test(wrong_root_and_time_are_rejected),
        cmocka_unit_test(test_ca_quotes_verify_only_with_test_root),
        cmocka_unit_test(debug_td_needs_allow_debug),
        cmocka_unit_test(attester_gets_a_quote_for_the_report_data),
        cmocka_unit_test(attester_rejects_mismatch_race_and_provider),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
