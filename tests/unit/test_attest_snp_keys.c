/* Unit tests: SEV-SNP report versions 2 and 3, the signing key named by SIGNING_KEY (VCEK
 * or VLEK, with test VLEK/ASVK/ARK certificates), AMD CRLs from a collateral directory
 * (generated under the test ARK), and the sev-snp policy requirements (TCB minimums,
 * guest policy, SMT, firmware ABI). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "attest/attest_json.h"
#include "../support/fake_tee.h"
#include "../support/testvectors.h"
#include "attest/roots.h"
#include "attest/snp.h"
#include "attest/x509util.h"
#include "teeproof/attest.h"

#define TEST_POLICY 0x30000ull /* SMT allowed, reserved bit 17 */

typedef struct fixture {
    fake_snp ca;
    char *roots_file;
    char dir[64]; /* collateral directory */
} fixture;

static int setup(void **state)
{
    fixture *fx = calloc(1, sizeof(*fx));
    if (fx == NULL || !fake_snp_init(&fx->ca))
        return -1;
    fx->roots_file = tv_write_temp("snp-keys-ark.pem", fx->ca.ark_pem, fx->ca.ark_pem_len);
    snprintf(fx->dir, sizeof(fx->dir), "/tmp/tp-snp-coll-XXXXXX");
    if (fx->roots_file == NULL || mkdtemp(fx->dir) == NULL)
        return -1;
    *state = fx;
    return 0;
}

static void remove_crls(const fixture *fx)
{
    char path[128];
    snprintf(path, sizeof(path), "%s/snp_crl_test.der", fx->dir);
    remove(path);
    snprintf(path, sizeof(path), "%s/snp_vlek_crl_test.der", fx->dir);
    remove(path);
    snprintf(path, sizeof(path), "%s/snp_crl_milan.der", fx->dir);
    remove(path);
}

static int teardown(void **state)
{
    fixture *fx = *state;
    remove_crls(fx);
    rmdir(fx->dir);
    remove(fx->roots_file);
    free(fx->roots_file);
    fake_snp_free(&fx->ca);
    free(fx);
    return 0;
}

static void put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

/* A report with its certificate table, signed by the VCEK (or the VLEK with vlek). */
static uint8_t *report(fixture *fx, int vlek, size_t *len)
{
    uint8_t rd[64] = {0};
    fx->ca.use_vlek = vlek;
    uint8_t *r = fake_snp_report(&fx->ca, rd, TEST_POLICY, 1, len);
    fx->ca.use_vlek = 0;
    assert_non_null(r);
    return r;
}

static void resign(fixture *fx, uint8_t *r, int vlek)
{
    fx->ca.use_vlek = vlek;
    fake_snp_resign(&fx->ca, r);
    fx->ca.use_vlek = 0;
}

static tp_err verify(const fixture *fx, const uint8_t *r, size_t len, const char *dir,
                     tp_evidence_facts *f, tp_error *err)
{
    tp_verify_opts opts = {.roots_file = fx->roots_file, .collateral_dir = dir};
    tp_err rc = tp_evidence_verify("sev-snp", r, len, &opts, f, err);
    if (rc == TP_OK)
        tp_evidence_facts_free(f);
    return rc;
}

static tp_err verify_edit(fixture *fx, int vlek, size_t at, uint8_t value, int do_resign)
{
    size_t len;
    uint8_t *r = report(fx, vlek, &len);
    r[at] = value;
    if (do_resign)
        resign(fx, r, vlek);
    tp_evidence_facts f;
    tp_error err;
    tp_err rc = verify(fx, r, len, NULL, &f, &err);
    free(r);
    return rc;
}

static void versions_2_and_3_parse_strictly(void **state)
{
    fixture *fx = *state;
    size_t len;
    uint8_t *r = report(fx, 0, &len);
    tp_evidence_facts f;
    tp_error err;
    /* version 3, Milan (family 0x19, model 0x01, stepping 1) */
    put32(r, 3);
    r[0x188] = 0x19;
    r[0x189] = 0x01;
    r[0x18A] = 0x01;
    resign(fx, r, 0);
    tp_verify_opts opts = {.roots_file = fx->roots_file};
    assert_int_equal(tp_evidence_verify("sev-snp", r, len, &opts, &f, &err), TP_OK);
    json_t *j = tp_evidence_facts_to_json(&f);
    assert_int_equal(json_integer_value(json_object_get(j, "version")), 3);
    assert_int_equal(json_integer_value(json_object_get(json_object_get(j, "cpuid"), "family")),
                     0x19);
    assert_int_equal(json_integer_value(json_object_get(json_object_get(j, "reported_tcb_parts"),
                                                        "bootloader")), 3);
    json_decref(j);
    tp_evidence_facts_free(&f);
    /* v3 from a Turin (family 0x1A) with a VCEK without fmcSPL: another product */
    r[0x188] = 0x1A;
    resign(fx, r, 0);
    assert_int_equal(verify(fx, r, len, NULL, &f, &err), TP_ERR_EVIDENCE_CHAIN);
    assert_non_null(strstr(err.detail, "Turin"));
    /* v3 from an unknown CPU family */
    r[0x188] = 0x17;
    resign(fx, r, 0);
    assert_int_equal(verify(fx, r, len, NULL, &f, &err), TP_ERR_EVIDENCE);
    assert_non_null(strstr(err.detail, "family"));
    free(r);
    /* unknown versions, signed correctly */
    static const uint32_t k_bad_versions[] = {0, 1, 4, 5, 0xffffffff};
    for (size_t i = 0; i < sizeof(k_bad_versions) / sizeof(k_bad_versions[0]); i++) {
        r = report(fx, 0, &len);
        put32(r, k_bad_versions[i]);
        resign(fx, r, 0);
        assert_int_equal(verify(fx, r, len, NULL, &f, &err), TP_ERR_EVIDENCE);
        assert_non_null(strstr(err.detail, "version"));
        free(r);
    }
}

static void reserved_fields_must_be_zero(void **state)
{
    fixture *fx = *state;
    /* each is signed, so only the reserved-field rule refuses it */
    static const size_t k_reserved[] = {0x4C, 0x188, 0x19F, 0x1EB, 0x1EF, 0x1F8, 0x200, 0x29F};
    for (size_t i = 0; i < sizeof(k_reserved) / sizeof(k_reserved[0]); i++)
        if (verify_edit(fx, 0, k_reserved[i], 1, 1) != TP_ERR_EVIDENCE)
            fail_msg("reserved byte 0x%zx accepted", k_reserved[i]);
    /* guest policy: bit 17 must be 1, bits 26+ zero */
    assert_int_equal(verify_edit(fx, 0, 0x0A, 0x01, 1), TP_ERR_EVIDENCE);
    assert_int_equal(verify_edit(fx, 0, 0x0B, 0x04, 1), TP_ERR_EVIDENCE);
    /* signer info: bits 5+ reserved */
    assert_int_equal(verify_edit(fx, 0, 0x48, 0x20, 1), TP_ERR_EVIDENCE);
    /* a signed fields change: the signature fails */
    assert_int_equal(verify_edit(fx, 0, 0x1E8, 7, 0), TP_ERR_EVIDENCE_SIG);
    assert_int_equal(verify_edit(fx, 0, 0x1E8, 7, 1), TP_OK); /* CURRENT_BUILD */
}

static void signing_key_field_selects_the_key(void **state)
{
    fixture *fx = *state;
    tp_evidence_facts f;
    tp_error err;
    size_t len;
    /* VLEK-signed report with VLEK + ASVK in the table */
    uint8_t *r = report(fx, 1, &len);
    tp_verify_opts opts = {.roots_file = fx->roots_file};
    assert_int_equal(tp_evidence_verify("sev-snp", r, len, &opts, &f, &err), TP_OK);
    json_t *j = tp_evidence_facts_to_json(&f);
    assert_string_equal(json_string_value(json_object_get(j, "signing_key")), "VLEK");
    json_decref(j);
    tp_evidence_facts_free(&f);
    /* the VLEK report with the VCEK given instead: no ASK to chain it (the table has the
     * ASVK), and it is no VLEK */
    uint8_t *vcek_der = NULL;
    int vn = i2d_X509(fx->ca.vcek, &vcek_der);
    tp_verify_opts with_vcek = {.roots_file = fx->roots_file, .cert_der = vcek_der,
                                .cert_der_len = (size_t)vn};
    assert_int_equal(tp_evidence_verify("sev-snp", r, len, &with_vcek, &f, &err),
                     TP_ERR_EVIDENCE_CHAIN);
    free(r);
    /* SIGNING_KEY says VCEK but the VLEK signed: the table has no VCEK */
    r = report(fx, 1, &len);
    put32(r + 0x48, 0);
    resign(fx, r, 1);
    assert_int_equal(verify(fx, r, len, NULL, &f, &err), TP_ERR_EVIDENCE_CHAIN);
    assert_non_null(strstr(err.detail, "VCEK"));
    free(r);
    /* a VCEK-signed report claiming the VLEK, VCEK supplied: kind mismatch */
    r = report(fx, 0, &len);
    put32(r + 0x48, 1u << 2);
    resign(fx, r, 0);
    assert_int_equal(tp_evidence_verify("sev-snp", r, len, &with_vcek, &f, &err),
                     TP_ERR_EVIDENCE_CHAIN);
    assert_non_null(strstr(err.detail, "not a VLEK"));
    free(r);
    /* a VLEK certificate for a report that names the VCEK: kind mismatch */
    uint8_t *vlek_der = NULL;
    int ln = i2d_X509(fx->ca.vlek, &vlek_der);
    tp_verify_opts with_vlek = {.roots_file = fx->roots_file, .cert_der = vlek_der,
                                .cert_der_len = (size_t)ln};
    r = report(fx, 1, &len);
    put32(r + 0x48, 0);
    resign(fx, r, 1);
    assert_int_equal(tp_evidence_verify("sev-snp", r, len, &with_vlek, &f, &err),
                     TP_ERR_EVIDENCE_CHAIN);
    assert_non_null(strstr(err.detail, "not a VCEK"));
    free(r);
    /* SIGNING_KEY none (7) and reserved values */
    assert_int_equal(verify_edit(fx, 0, 0x48, 7 << 2, 1), TP_ERR_EVIDENCE);
    assert_int_equal(verify_edit(fx, 0, 0x48, 2 << 2, 1), TP_ERR_EVIDENCE);
    OPENSSL_free(vcek_der);
    OPENSSL_free(vlek_der);
}

static void tcb_layouts_split_by_product(void **state)
{
    (void)state;
    uint64_t tcb = 0x0807060504030201ull;
    tp_snp_tcb m = tp_snp_tcb_split(tcb, 0), t = tp_snp_tcb_split(tcb, 1);
    assert_int_equal(m.fmc, -1);
    assert_int_equal(m.bootloader, 1);
    assert_int_equal(m.tee, 2);
    assert_int_equal(m.snp, 7);
    assert_int_equal(m.microcode, 8);
    assert_int_equal(t.fmc, 1);
    assert_int_equal(t.bootloader, 2);
    assert_int_equal(t.tee, 3);
    assert_int_equal(t.snp, 4);
    assert_int_equal(t.microcode, 8);
}

static void write_crl(const fixture *fx, const char *name, const uint8_t *der, size_t len)
{
    char path[128];
    snprintf(path, sizeof(path), "%s/%s", fx->dir, name);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(der, 1, len, f), len);
    fclose(f);
}

static void put_crl(const fixture *fx, const char *name, int revoke_ask, int revoke_asvk,
                    time_t from, time_t to)
{
    size_t len;
    uint8_t *der = fake_snp_crl(&fx->ca, revoke_ask, revoke_asvk, from, to, &len);
    assert_non_null(der);
    write_crl(fx, name, der, len);
    free(der);
}

static void amd_crl_is_checked(void **state)
{
    fixture *fx = *state;
    time_t now = time(NULL);
    tp_evidence_facts f;
    tp_error err;
    size_t len, vlen;
    uint8_t *r = report(fx, 0, &len), *rv = report(fx, 1, &vlen);
    /* no CRL in the directory */
    remove_crls(fx);
    assert_int_equal(verify(fx, r, len, fx->dir, &f, &err), TP_ERR_COLLATERAL);
    assert_non_null(strstr(err.detail, "snp_crl_test.der"));
    /* a current CRL revoking nothing */
    put_crl(fx, "snp_crl_test.der", 0, 0, now - 60, now + 3600);
    assert_int_equal(verify(fx, r, len, fx->dir, &f, &err), TP_OK);
    /* the ASK revoked */
    put_crl(fx, "snp_crl_test.der", 1, 0, now - 60, now + 3600);
    assert_int_equal(verify(fx, r, len, fx->dir, &f, &err), TP_ERR_REVOKED);
    /* revoking the ASVK does not touch a VCEK chain, but does the VLEK chain */
    put_crl(fx, "snp_crl_test.der", 0, 1, now - 60, now + 3600);
    assert_int_equal(verify(fx, r, len, fx->dir, &f, &err), TP_OK);
    assert_int_equal(verify(fx, rv, vlen, fx->dir, &f, &err), TP_ERR_COLLATERAL); /* no VLEK CRL */
    put_crl(fx, "snp_vlek_crl_test.der", 0, 1, now - 60, now + 3600);
    assert_int_equal(verify(fx, rv, vlen, fx->dir, &f, &err), TP_ERR_REVOKED);
    put_crl(fx, "snp_vlek_crl_test.der", 1, 0, now - 60, now + 3600);
    assert_int_equal(verify(fx, rv, vlen, fx->dir, &f, &err), TP_OK);
    /* expired, not yet valid */
    put_crl(fx, "snp_crl_test.der", 0, 0, now - 7200, now - 3600);
    assert_int_equal(verify(fx, r, len, fx->dir, &f, &err), TP_ERR_COLLATERAL);
    assert_non_null(strstr(err.detail, "nextUpdate"));
    put_crl(fx, "snp_crl_test.der", 0, 0, now + 600, now + 3600);
    assert_int_equal(verify(fx, r, len, fx->dir, &f, &err), TP_ERR_COLLATERAL);
    /* a flipped signature byte; not a CRL at all */
    size_t clen;
    uint8_t *der = fake_snp_crl(&fx->ca, 0, 0, now - 60, now + 3600, &clen);
    der[clen - 5] ^= 1;
    write_crl(fx, "snp_crl_test.der", der, clen);
    assert_int_equal(verify(fx, r, len, fx->dir, &f, &err), TP_ERR_COLLATERAL);
    assert_non_null(strstr(err.detail, "signature"));
    write_crl(fx, "snp_crl_test.der", (const uint8_t *)"junk", 4);
    assert_int_equal(verify(fx, r, len, fx->dir, &f, &err), TP_ERR_COLLATERAL);
    free(der);
    free(r);
    free(rv);
}

static void real_report_needs_the_milan_crl(void **state)
{
    fixture *fx = *state;
    size_t len, vlen;
    uint8_t *r = tv_load("snp_report.bin", &len), *vcek = tv_load("vcek.der", &vlen);
    assert_non_null(r);
    assert_non_null(vcek);
    remove_crls(fx);
    tp_verify_opts opts = {.cert_der = vcek, .cert_der_len = vlen, .collateral_dir = fx->dir,
                           .at = 1700000000};
    tp_evidence_facts f;
    tp_error err;
    assert_int_equal(tp_evidence_verify("sev-snp", r, len, &opts, &f, &err), TP_ERR_COLLATERAL);
    assert_non_null(strstr(err.detail, "snp_crl_milan.der"));
    /* a CRL by the test ARK under AMD's file name is not the ARK's */
    put_crl(fx, "snp_crl_milan.der", 0, 0, 1690000000, 1800000000);
    assert_int_equal(tp_evidence_verify("sev-snp", r, len, &opts, &f, &err), TP_ERR_COLLATERAL);
    assert_non_null(strstr(err.detail, "not issued by the ARK"));
    remove_crls(fx);
    free(r);
    free(vcek);
}

/* Turin: the v3 CPUID family 0x1A selects the fmc-first layout, which the VCEK's fmcSPL
 * and 8-byte hwID must fit; a v2 report takes the layout from the VCEK. */
static void turin_reports_use_their_layout(void **state)
{
    (void)state;
    fixture tfx;
    memset(&tfx, 0, sizeof(tfx));
    assert_true(fake_snp_init(&tfx.ca));
    assert_true(fake_snp_turin_vcek(&tfx.ca));
    tfx.roots_file = tv_write_temp("snp-turin-ark.pem", tfx.ca.ark_pem, tfx.ca.ark_pem_len);
    assert_non_null(tfx.roots_file);
    size_t len;
    uint8_t *r = report(&tfx, 0, &len);
    tp_evidence_facts f;
    tp_error err;
    put32(r, 3);
    r[0x188] = 0x1A;
    r[0x189] = 0x02;
    r[0x180] = 1; /* fmc */
    r[0x181] = 3; /* bootloader */
    resign(&tfx, r, 0);
    tp_verify_opts opts = {.roots_file = tfx.roots_file};
    assert_int_equal(tp_evidence_verify("sev-snp", r, len, &opts, &f, &err), TP_OK);
    json_t *parts = json_object_get(f.details, "reported_tcb_parts");
    assert_int_equal(json_integer_value(json_object_get(parts, "fmc")), 1);
    assert_int_equal(json_integer_value(json_object_get(parts, "bootloader")), 3);
    tp_evidence_facts_free(&f);
    /* the same bytes read in the Milan layout do not fit the Turin VCEK */
    r[0x188] = 0x19;
    resign(&tfx, r, 0);
    assert_int_equal(verify(&tfx, r, len, NULL, &f, &err), TP_ERR_EVIDENCE_CHAIN);
    /* a wrong fmc SPL; a version 2 report with the Turin layout verifies */
    r[0x188] = 0x1A;
    r[0x180] = 2;
    resign(&tfx, r, 0);
    assert_int_equal(verify(&tfx, r, len, NULL, &f, &err), TP_ERR_EVIDENCE_CHAIN);
    assert_non_null(strstr(err.detail, "fmc"));
    r[0x180] = 1;
    put32(r, 2);
    r[0x188] = r[0x189] = 0;
    resign(&tfx, r, 0);
    assert_int_equal(verify(&tfx, r, len, NULL, &f, &err), TP_OK);
    /* the 8-byte hwID is the chip id's first 8 bytes */
    r[0x1A7] ^= 1;
    resign(&tfx, r, 0);
    assert_int_equal(verify(&tfx, r, len, NULL, &f, &err), TP_ERR_EVIDENCE_CHAIN);
    r[0x1A7] ^= 1;
    r[0x1A8] ^= 1;
    resign(&tfx, r, 0);
    assert_int_equal(verify(&tfx, r, len, NULL, &f, &err), TP_OK);
    free(r);
    remove(tfx.roots_file);
    free(tfx.roots_file);
    fake_snp_free(&tfx.ca);
}

/* The built-in ASVKs are AMD's: each chains to its product's pinned ARK (and no other). */
static void builtin_asvks_chain_to_their_arks(void **state)
{
    (void)state;
    const char *const asvks[] = {tp_root_amd_milan_vlek_pem, tp_root_amd_genoa_vlek_pem,
                                 tp_root_amd_turin_vlek_pem};
    const char *const arks[] = {tp_root_amd_milan_pem, tp_root_amd_genoa_pem,
                                tp_root_amd_turin_pem};
    for (int i = 0; i < 3; i++) {
        for (int j = 0; j < 3; j++) {
            STACK_OF(X509) *leaf = NULL, *anchors = NULL;
            assert_true(tp_att_pem_certs(asvks[i], strlen(asvks[i]), &leaf));
            assert_true(tp_att_pem_certs(arks[j], strlen(arks[j]), &anchors));
            X509 *asvk = sk_X509_value(leaf, 0);
            char cn[64];
            X509_NAME_get_text_by_NID(X509_get_subject_name(asvk), NID_commonName, cn, sizeof(cn));
            assert_int_equal(strncmp(cn, "SEV-VLEK-", 9), 0);
            tp_error err;
            tp_err rc = tp_att_verify_chain(asvk, NULL, anchors, 1700000000, "ASVK", &err);
            assert_int_equal(rc, i == j ? TP_OK : TP_ERR_EVIDENCE_CHAIN);
            sk_X509_pop_free(leaf, X509_free);
            sk_X509_pop_free(anchors, X509_free);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(versions_2_and_3_parse_strictly),
        cmocka_unit_test(reserved_fields_must_be_zero),
        cmocka_unit_test(signing_key_field_selects_the_key),
        cmocka_unit_test(tcb_layouts_split_by_product),
        cmocka_unit_test(amd_crl_is_checked),
        cmocka_unit_test(real_report_needs_the_milan_crl),
        cmocka_unit_test(builtin_asvks_chain_to_their_arks),
        cmocka_unit_test(turin_reports_use_their_layout),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
