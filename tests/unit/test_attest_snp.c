/* Unit tests: SEV-SNP report verification (real reports from tests/data/testvectors,
 * damaged copies, test-CA reports with a certificate table) and the configfs-tsm attester
 * against a fake kernel. */
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
#include "teeproof/attest.h"

int mkdir(const char *path, mode_t mode) { return fake_tsm_mkdir(path, mode); }
int rmdir(const char *path) { return fake_tsm_rmdir(path); }

#define SNP_MEAS "b07af9620f3b839b47996422ddec6058338951d984e312115131ea82705eaf5b6bdf8a9ece31a5a608eb0cf2e4872b01"
#define VIRTEE_MEAS "7a1e5c266c0108dbc9bb94fa926951320940915d0aafb42464bd88b579ea158d3e1a0dc39b2c60bd95b9c480cd81841f"

typedef struct vec {
    uint8_t *report, *vcek;
    size_t report_len, vcek_len;
} vec;

static void load_vec(vec *v, const char *report, const char *vcek)
{
    v->report = tv_load(report, &v->report_len);
    v->vcek = tv_load(vcek, &v->vcek_len);
    assert_non_null(v->report);
    assert_non_null(v->vcek);
}

static void free_vec(vec *v)
{
    free(v->report);
    free(v->vcek);
}

static tp_err verify_with(const uint8_t *r, size_t len, const uint8_t *vcek, size_t vcek_len,
                          time_t at, const char *roots, tp_evidence_facts *f)
{
    tp_verify_opts opts = {.cert_der = vcek, .cert_der_len = vcek_len, .at = at,
                           .roots_file = roots};
    tp_error err;
    tp_err rc = tp_evidence_verify("sev-snp", r, len, &opts, f, &err);
    if (rc != TP_OK)
        assert_true(err.detail[0] != '\0');
    return rc;
}

static void expect_facts(const char *report, const char *vcek, const char *meas, long policy,
                         int debug)
{
    vec v;
    load_vec(&v, report, vcek);
    tp_evidence_facts f;
    assert_int_equal(verify_with(v.report, v.report_len, v.vcek, v.vcek_len, 0, NULL, &f), TP_OK);
    json_t *j = tp_evidence_facts_to_json(&f);
    assert_string_equal(json_string_value(json_object_get(j, "platform")), "sev-snp");
    assert_string_equal(json_string_value(json_object_get(j, "measurement")), meas);
    assert_int_equal(json_integer_value(json_object_get(j, "policy")), policy);
    assert_int_equal(f.debug, debug);
    assert_non_null(json_object_get(j, "chip_id"));
    assert_non_null(json_object_get(j, "reported_tcb"));
    assert_string_equal(json_string_value(json_object_get(j, "signing_key")), "VCEK");
    assert_int_equal(json_integer_value(json_object_get(j, "version")), 2);
    assert_non_null(json_object_get(json_object_get(j, "reported_tcb_parts"), "microcode"));
    assert_null(json_object_get(json_object_get(j, "reported_tcb_parts"), "fmc"));
    json_decref(j);
    tp_evidence_facts_free(&f);
    free_vec(&v);
}

static void real_reports_verify_and_report_facts(void **state)
{
    (void)state;
    expect_facts("snp_report.bin", "vcek.der", SNP_MEAS, 0xb0000, 1);
    expect_facts("virtee_report_milan.bin", "virtee_vcek_milan.der", VIRTEE_MEAS, 0x30000, 0);
    vec v;
    load_vec(&v, "snp_report.bin", "vcek.der");
    tp_evidence_facts f;
    assert_int_equal(verify_with(v.report, v.report_len, v.vcek, v.vcek_len, 0, NULL, &f), TP_OK);
    static const uint8_t k_rd[64] = {1, 2, 3, 4, 5};
    assert_memory_equal(f.report_data, k_rd, 64);
    tp_evidence_facts_free(&f);
    free_vec(&v);
}

static void wrong_or_missing_vcek_is_rejected(void **state)
{
    (void)state;
    vec a, b;
    load_vec(&a, "snp_report.bin", "vcek.der");
    load_vec(&b, "virtee_report_milan.bin", "virtee_vcek_milan.der");
    tp_evidence_facts f;
    assert_int_equal(verify_with(a.report, a.report_len, b.vcek, b.vcek_len, 0, NULL, &f),
                     TP_ERR_EVIDENCE_SIG);
    assert_int_equal(verify_with(b.report, b.report_len, a.vcek, a.vcek_len, 0, NULL, &f),
                     TP_ERR_EVIDENCE_SIG);
    assert_int_equal(verify_with(a.report, a.report_len, NULL, 0, 0, NULL, &f),
                     TP_ERR_EVIDENCE_CHAIN);
    a.vcek[a.vcek_len / 2] ^= 1; /* damaged VCEK */
    tp_err rc = verify_with(a.report, a.report_len, a.vcek, a.vcek_len, 0, NULL, &f);
    assert_true(rc == TP_ERR_EVIDENCE_CHAIN);
    free_vec(&a);
    free_vec(&b);
}

static void flipped_bytes_are_rejected(void **state)
{
    (void)state;
    static const struct {
        size_t at;
        tp_err want;
    } k_flips[] = {
        {0x00, TP_ERR_EVIDENCE},       /* version 2 -> 3 without a CPUID family */
        {0x04, TP_ERR_EVIDENCE_SIG},   /* guest svn */
        {0x0A, TP_ERR_EVIDENCE_SIG},   /* policy */
        {0x34, TP_ERR_EVIDENCE},       /* signature algorithm */
        {0x50, TP_ERR_EVIDENCE_SIG},   /* report data */
        {0x90, TP_ERR_EVIDENCE_SIG},   /* measurement */
        {0x1A0, TP_ERR_EVIDENCE_SIG},  /* chip id */
        {0x1F0, TP_ERR_EVIDENCE_SIG},  /* launch tcb */
        {0x29F, TP_ERR_EVIDENCE},      /* last signed byte: reserved, must be zero */
        {0x188, TP_ERR_EVIDENCE},      /* version 2: CPUID bytes are reserved */
        {0x4C, TP_ERR_EVIDENCE},       /* reserved after signer info */
        {0x2A0, TP_ERR_EVIDENCE_SIG},  /* R */
        {0x2A0 + 72, TP_ERR_EVIDENCE_SIG}, /* S */
        {0x400, TP_ERR_EVIDENCE},      /* reserved, unsigned */
    };
    vec v;
    load_vec(&v, "snp_report.bin", "vcek.der");
    for (size_t i = 0; i < sizeof(k_flips) / sizeof(k_flips[0]); i++) {
        v.report[k_flips[i].at] ^= 1;
        tp_evidence_facts f;
        tp_err rc = verify_with(v.report, v.report_len, v.vcek, v.vcek_len, 0, NULL, &f);
        if (rc != k_flips[i].want)
            fail_msg("flip at 0x%zx gave %s", k_flips[i].at, tp_err_name(rc));
        v.report[k_flips[i].at] ^= 1;
    }
    for (size_t cut = 0; cut < v.report_len; cut += 5) {
        tp_evidence_facts f;
        assert_int_equal(verify_with(v.report, cut, v.vcek, v.vcek_len, 0, NULL, &f),
                         cut == 0 ? TP_ERR_EVIDENCE : TP_ERR_TRUNCATED);
    }
    free_vec(&v);
}

static void wrong_root_and_time_are_rejected(void **state)
{
    (void)state;
    vec v;
    load_vec(&v, "snp_report.bin", "vcek.der");
    tp_evidence_facts f;
    char roots[4096];
    snprintf(roots, sizeof(roots), "%s", tv_path("ask_ark_genoa.pem"));
    assert_int_equal(verify_with(v.report, v.report_len, v.vcek, v.vcek_len, 0, roots, &f),
                     TP_ERR_EVIDENCE_CHAIN);
    snprintf(roots, sizeof(roots), "%s", tv_path("ask_ark_milan.pem"));
    assert_int_equal(verify_with(v.report, v.report_len, v.vcek, v.vcek_len, 0, roots, &f), TP_OK);
    tp_evidence_facts_free(&f);
    /* the VCEK lives 2022-09-24 .. 2029-09-24 */
    assert_int_equal(verify_with(v.report, v.report_len, v.vcek, v.vcek_len, 1600000000, NULL, &f),
                     TP_ERR_EVIDENCE_TIME);
    assert_int_equal(verify_with(v.report, v.report_len, v.vcek, v.vcek_len, 1900000000, NULL, &f),
                     TP_ERR_EVIDENCE_TIME);
    assert_int_equal(verify_with(v.report, v.report_len, v.vcek, v.vcek_len, 1700000000, NULL, &f),
                     TP_OK);
    tp_evidence_facts_free(&f);
    free_vec(&v);
}

/* --- test-CA reports --- */

typedef struct fixture {
    fake_snp ca;
    char *roots_file;
    int mismatch;
    uint8_t *table;
    size_t table_len;
} fixture;

static int setup(void **state)
{
    fixture *fx = calloc(1, sizeof(*fx));
    if (fx == NULL || !fake_snp_init(&fx->ca))
        return -1;
    fx->roots_file = tv_write_temp("snp-test-ark.pem", fx->ca.ark_pem, fx->ca.ark_pem_len);
    uint8_t rd[64] = {0};
    size_t len;
    uint8_t *full = fake_snp_report(&fx->ca, rd, 0x30000, 1, &len);
    if (full == NULL || fx->roots_file == NULL)
        return -1;
    fx->table_len = len - 0x4A0;
    fx->table = malloc(fx->table_len);
    memcpy(fx->table, full + 0x4A0, fx->table_len);
    free(full);
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    fixture *fx = *state;
    remove(fx->roots_file);
    free(fx->roots_file);
    free(fx->table);
    fake_snp_free(&fx->ca);
    free(fx);
    return 0;
}

static void certificate_table_supplies_the_vcek(void **state)
{
    fixture *fx = *state;
    uint8_t rd[64];
    memset(rd, 0x5c, sizeof(rd));
    size_t len;
    uint8_t *r = fake_snp_report(&fx->ca, rd, 0x30000, 1, &len);
    assert_non_null(r);
    tp_evidence_facts f;
    assert_int_equal(verify_with(r, len, NULL, 0, 0, fx->roots_file, &f), TP_OK);
    assert_memory_equal(f.report_data, rd, 64);
    assert_int_equal(f.debug, 0);
    tp_evidence_facts_free(&f);
    assert_int_equal(verify_with(r, len, NULL, 0, 0, NULL, &f), TP_ERR_EVIDENCE_CHAIN);
    r[0x4A0 + 19] = 0xff; /* VCEK entry offset out of bounds */
    assert_int_equal(verify_with(r, len, NULL, 0, 0, fx->roots_file, &f), TP_ERR_EVIDENCE);
    assert_int_equal(verify_with(r, 0x4A0 + 10, NULL, 0, 0, fx->roots_file, &f),
                     TP_ERR_TRUNCATED);
    free(r);
}

static void vcek_must_match_chip_and_tcb(void **state)
{
    fixture *fx = *state;
    uint8_t rd[64] = {0};
    size_t len;
    tp_evidence_facts f;
    fx->ca.report_chip_byte = 0x45;
    uint8_t *r = fake_snp_report(&fx->ca, rd, 0x30000, 1, &len);
    assert_non_null(r);
    assert_int_equal(verify_with(r, len, NULL, 0, 0, fx->roots_file, &f), TP_ERR_EVIDENCE_CHAIN);
    free(r);
    fx->ca.report_chip_byte = 0x44;
    fx->ca.report_bl_spl = 2;
    r = fake_snp_report(&fx->ca, rd, 0x30000, 1, &len);
    assert_non_null(r);
    assert_int_equal(verify_with(r, len, NULL, 0, 0, fx->roots_file, &f), TP_ERR_EVIDENCE_CHAIN);
    free(r);
    fx->ca.report_bl_spl = 3;
}

static uint8_t *make_report(void *ctx, const uint8_t inblob[64], size_t *len)
{
    fixture *fx = ctx;
    uint8_t rd[64];
    memcpy(rd, inblob, 64);
    if (fx->mismatch)
        rd[63] ^= 0x01;
    return fake_snp_report(&fx->ca, rd, 0x30000, 0, len);
}

static tp_err attest_once(fixture *fx, int gen_step, const char *platform, tp_error *err)
{
    fake_tsm t = {.provider = "sev_guest", .make = make_report, .ctx = fx, .gen_step = gen_step,
                  .aux = fx->table, .aux_len = fx->table_len};
    assert_true(fake_tsm_start(&t));
    tp_attester_config cfg = {.tsm_root = t.root, .sev_guest_dev = "/nonexistent",
                              .nsm_dev = "/nonexistent", .teeserver_socket = "/nonexistent"};
    tp_attester *a = NULL;
    uint8_t rd[64], *ev = NULL;
    size_t len = 0;
    memset(rd, 0x42, sizeof(rd));
    tp_err rc = tp_attester_open(platform, &cfg, &a, err);
    if (rc == TP_OK) {
        assert_string_equal(tp_attester_platform(a), "sev-snp");
        rc = tp_attester_get_evidence(a, rd, &ev, &len, err);
    }
    if (rc == TP_OK) {
        tp_evidence_facts f;
        assert_int_equal(verify_with(ev, len, NULL, 0, 0, fx->roots_file, &f), TP_OK);
        assert_memory_equal(f.report_data, rd, 64);
        tp_evidence_facts_free(&f);
    }
    free(ev);
    tp_attester_free(a);
    fake_tsm_stop(&t);
    return rc;
}

static void attester_uses_configfs_tsm(void **state)
{
    fixture *fx = *state;
    tp_error err;
    assert_int_equal(attest_once(fx, 1, "sev-snp", &err), TP_OK);
    assert_int_equal(attest_once(fx, 1, "auto", &err), TP_OK);
    fx->mismatch = 1;
    assert_int_equal(attest_once(fx, 1, "sev-snp", &err), TP_ERR_BINDING);
    fx->mismatch = 0;
    assert_int_equal(attest_once(fx, 3, "sev-snp", &err), TP_ERR_PLATFORM);
    assert_non_null(strstr(err.detail, "raced"));
}

static void attester_without_tsm_or_device_fails(void **state)
{
    (void)state;
    tp_attester_config cfg = {.tsm_root = "/nonexistent/tsm", .sev_guest_dev = "/nonexistent/sev"};
    tp_attester *a = NULL;
    tp_error err;
    assert_int_equal(tp_attester_open("sev-snp", &cfg, &a, &err), TP_OK);
    uint8_t rd[64] = {0}, *ev = NULL;
    size_t len;
    assert_int_equal(tp_attester_get_evidence(a, rd, &ev, &len, &err), TP_ERR_PLATFORM);
    assert_null(ev);
    tp_attester_free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(real_reports_verify_and_report_facts),
        cmocka_unit_test(wrong_or_missing_vcek_is_rejected),
        cmocka_unit_test(flipped_bytes_are_rejected),
        cmocka_unit_test(wrong_root_and_time_are_rejected),
        cmocka_unit_test(certificate_table_supplies_the_vcek),
        cmocka_unit_test(vcek_must_match_chip_and_tcb),
        cmocka_unit_test(attester_uses_configfs_tsm),
        cmocka_unit_test(attester_without_tsm_or_device_fails),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
