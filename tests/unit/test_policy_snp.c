/* Unit tests: the sev-snp policy requirements (docs/policy.md) on test-CA reports: TCB
 * minimums over REPORTED_TCB, COMMITTED_TCB and LAUNCH_TCB, the guest policy's migration
 * agent, the platform's SMT, the firmware ABI minimum, the CRL directory, and malformed
 * members. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../support/fake_tee.h"
#include "../support/testvectors.h"
#include "teeproof/attest.h"

#define MEAS_33 "333333333333333333333333333333333333333333333333333333333333333333333333333333333333333333333333"
#define POLICY_BASE 0x30000ull

typedef struct fixture {
    fake_snp ca;
    char *roots_file;
    char dir[64];
} fixture;

static int setup(void **state)
{
    fixture *fx = calloc(1, sizeof(*fx));
    if (fx == NULL || !fake_snp_init(&fx->ca))
        return -1;
    fx->roots_file = tv_write_temp("snp-policy-ark.pem", fx->ca.ark_pem, fx->ca.ark_pem_len);
    snprintf(fx->dir, sizeof(fx->dir), "/tmp/tp-snp-pol-XXXXXX");
    if (fx->roots_file == NULL || mkdtemp(fx->dir) == NULL)
        return -1;
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    fixture *fx = *state;
    char path[128];
    snprintf(path, sizeof(path), "%s/snp_crl_test.der", fx->dir);
    remove(path);
    rmdir(fx->dir);
    remove(fx->roots_file);
    free(fx->roots_file);
    fake_snp_free(&fx->ca);
    free(fx);
    return 0;
}

/* The report, edited by `edit` (offset, value pairs, -1 ends) and signed again. */
static uint8_t *report(fixture *fx, uint64_t policy, const int *edit, size_t *len)
{
    uint8_t rd[64] = {0};
    uint8_t *r = fake_snp_report(&fx->ca, rd, policy, 1, len);
    assert_non_null(r);
    for (size_t i = 0; edit != NULL && edit[i] >= 0; i += 2)
        r[edit[i]] = (uint8_t)edit[i + 1];
    fake_snp_resign(&fx->ca, r);
    return r;
}

/* Verifies under {"platforms": {"sev-snp": {measurement, roots_file, <extra>}}}. */
static tp_err check(fixture *fx, const char *extra, uint64_t policy, const int *edit,
                    tp_error *err)
{
    char json[2048];
    snprintf(json, sizeof(json),
             "{\"platforms\": {\"sev-snp\": {\"measurement\": [\"" MEAS_33 "\"], "
             "\"roots_file\": \"%s\"%s%s}}}",
             fx->roots_file, extra[0] ? ", " : "", extra);
    tp_policy *p = NULL;
    tp_err rc = tp_policy_parse(json, strlen(json), &p, err);
    if (rc != TP_OK)
        fail_msg("policy rejected: %s", err->detail);
    size_t len;
    uint8_t *r = report(fx, policy, edit, &len);
    uint8_t rd[64] = {0};
    tp_evidence_facts f;
    rc = tp_policy_verify_evidence(p, "sev-snp", r, len, rd, &f, err);
    if (rc == TP_OK)
        tp_evidence_facts_free(&f);
    free(r);
    tp_policy_free(p);
    return rc;
}

static void tcb_minimums_apply_to_reported_and_committed(void **state)
{
    fixture *fx = *state;
    tp_error err;
    /* the test reports carry bootloader SPL 3 in REPORTED_TCB and COMMITTED_TCB */
    assert_int_equal(check(fx, "", POLICY_BASE, NULL, &err), TP_OK);
    assert_int_equal(check(fx, "\"min_tcb\": {\"bootloader\": 3}", POLICY_BASE, NULL, &err), TP_OK);
    assert_int_equal(check(fx, "\"min_tcb\": {\"bootloader\": 4}", POLICY_BASE, NULL, &err),
                     TP_ERR_TCB_TOO_LOW);
    assert_non_null(strstr(err.detail, "reported_tcb_parts bootloader"));
    assert_int_equal(check(fx, "\"min_tcb\": {\"microcode\": 1}", POLICY_BASE, NULL, &err),
                     TP_ERR_TCB_TOO_LOW);
    /* COMMITTED_TCB bootloader 2 (the platform could roll back to it) */
    static const int k_committed_low[] = {0x1E0, 2, -1};
    assert_int_equal(check(fx, "", POLICY_BASE, k_committed_low, &err), TP_OK);
    assert_int_equal(check(fx, "\"min_tcb\": {\"bootloader\": 3}", POLICY_BASE, k_committed_low,
                           &err), TP_ERR_TCB_TOO_LOW);
    assert_non_null(strstr(err.detail, "committed_tcb_parts"));
    /* fmc is judged on Turin only */
    assert_int_equal(check(fx, "\"min_tcb\": {\"fmc\": 9}", POLICY_BASE, NULL, &err), TP_OK);
    /* LAUNCH_TCB when asked */
    assert_int_equal(check(fx, "\"min_launch_tcb\": {\"tee\": 1}", POLICY_BASE, NULL, &err),
                     TP_ERR_TCB_TOO_LOW);
    static const int k_launch[] = {0x1F1, 1, -1};
    assert_int_equal(check(fx, "\"min_launch_tcb\": {\"tee\": 1}", POLICY_BASE, k_launch, &err),
                     TP_OK);
}

static void firmware_abi_minimum(void **state)
{
    fixture *fx = *state;
    tp_error err;
    const char *min = "\"min_abi\": {\"major\": 1, \"minor\": 55}";
    assert_int_equal(check(fx, min, POLICY_BASE, NULL, &err), TP_ERR_TCB_TOO_LOW);
    /* CURRENT 1.55 (0x1E9 minor, 0x1EA major), COMMITTED 1.55 (0x1ED, 0x1EE) */
    static const int k_ok[] = {0x1E9, 55, 0x1EA, 1, 0x1ED, 55, 0x1EE, 1, -1};
    assert_int_equal(check(fx, min, POLICY_BASE, k_ok, &err), TP_OK);
    static const int k_committed_old[] = {0x1E9, 55, 0x1EA, 1, 0x1ED, 54, 0x1EE, 1, -1};
    assert_int_equal(check(fx, min, POLICY_BASE, k_committed_old, &err), TP_ERR_TCB_TOO_LOW);
    assert_non_null(strstr(err.detail, "committed_firmware"));
    static const int k_newer[] = {0x1E9, 0, 0x1EA, 2, 0x1ED, 0, 0x1EE, 2, -1};
    assert_int_equal(check(fx, min, POLICY_BASE, k_newer, &err), TP_OK);
}

static void guest_policy_and_smt(void **state)
{
    fixture *fx = *state;
    tp_error err;
    uint64_t ma = POLICY_BASE | (1ull << 18);
    assert_int_equal(check(fx, "", ma, NULL, &err), TP_ERR_GUEST_POLICY);
    assert_non_null(strstr(err.detail, "migration agent"));
    assert_int_equal(check(fx, "\"allow_migration_agent\": false", ma, NULL, &err),
                     TP_ERR_GUEST_POLICY);
    assert_int_equal(check(fx, "\"allow_migration_agent\": true", ma, NULL, &err), TP_OK);
    /* PLATFORM_INFO.SMT_EN */
    static const int k_smt[] = {0x40, 1, -1};
    assert_int_equal(check(fx, "", POLICY_BASE, k_smt, &err), TP_OK);
    assert_int_equal(check(fx, "\"allow_smt\": false", POLICY_BASE, k_smt, &err),
                     TP_ERR_GUEST_POLICY);
    assert_non_null(strstr(err.detail, "SMT"));
    assert_int_equal(check(fx, "\"allow_smt\": false", POLICY_BASE, NULL, &err), TP_OK);
    /* debug stays governed by allow_debug */
    assert_int_equal(check(fx, "", POLICY_BASE | (1ull << 19), NULL, &err), TP_ERR_POLICY);
}

static void policy_collateral_dir_checks_the_crl(void **state)
{
    fixture *fx = *state;
    tp_error err;
    char extra[256];
    snprintf(extra, sizeof(extra), "\"collateral_dir\": \"%s\"", fx->dir);
    assert_int_equal(check(fx, extra, POLICY_BASE, NULL, &err), TP_ERR_COLLATERAL);
    time_t now = time(NULL);
    size_t len;
    uint8_t *der = fake_snp_crl(&fx->ca, 1, 0, now - 60, now + 3600, &len);
    char path[128];
    snprintf(path, sizeof(path), "%s/snp_crl_test.der", fx->dir);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    fwrite(der, 1, len, f);
    fclose(f);
    free(der);
    assert_int_equal(check(fx, extra, POLICY_BASE, NULL, &err), TP_ERR_REVOKED);
}

static void malformed_members_are_rejected(void **state)
{
    (void)state;
    static const char *const k_bad[] = {
        "\"min_tcb\": 3", "\"min_tcb\": {}", "\"min_tcb\": {\"bootloader\": 256}",
        "\"min_tcb\": {\"bootloader\": -1}", "\"min_tcb\": {\"boot\": 1}",
        "\"min_tcb\": {\"snp\": \"8\"}", "\"min_launch_tcb\": []", "\"min_abi\": {\"major\": 1}",
        "\"min_abi\": {\"major\": 1, \"minor\": 2, \"build\": 3}", "\"allow_smt\": \"no\"",
        "\"allow_migration_agent\": 0", "\"collateral_dir\": \"\"",
    };
    for (size_t i = 0; i < sizeof(k_bad) / sizeof(k_bad[0]); i++) {
        char json[512];
        snprintf(json, sizeof(json),
                 "{\"platforms\": {\"sev-snp\": {\"measurement\": [\"" MEAS_33 "\"], %s}}}",
                 k_bad[i]);
        tp_policy *p = NULL;
        tp_error err;
        if (tp_policy_parse(json, strlen(json), &p, &err) != TP_ERR_JSON)
            fail_msg("accepted: %s", k_bad[i]);
        assert_null(p);
    }
    /* SEV-SNP members belong to sev-snp only */
    const char *tdx = "{\"platforms\": {\"tdx\": {\"mrtd\": [\"00\"], \"min_tcb\": {\"tee\": 1}}}}";
    tp_policy *p = NULL;
    tp_error err;
    assert_int_equal(tp_policy_parse(tdx, strlen(tdx), &p, &err), TP_ERR_JSON);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(tcb_minimums_apply_to_reported_and_committed),
        cmocka_unit_test(firmware_abi_minimum),
        cmocka_unit_test(guest_policy_and_smt),
        cmocka_unit_test(policy_collateral_dir_checks_the_crl),
        cmocka_unit_test(malformed_members_are_rejected),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
