/* Unit tests: SEV-SNP collateral bundled by a notary (snp_crl.c, registry.c): the AMD CRL
 * of the report's product, and the VCEK/VLEK when the evidence carries none, travel as
 * {file name: base64}; verifiers use the bundle unless they name a directory; proofs carry
 * it. Test ARK "ARK-Test" (product "test") and CRLs from tests/support/fake_tee.c. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tee/seal.h"
#include "attest/attest_json.h"
#include "proof/verify_json.h"
#include "../support/fake_tee.h"
#include "../support/testvectors.h"
#include "base/json_bytes.h"
#include "proof/claims.h"
#include "tee/identity.h"
#include "teeproof/attest.h"
#include "teeproof/proof.h"

#define TEST_POLICY 0x30000ull
#define CRL "snp_crl_test.der"
#define VLEK_CRL "snp_vlek_crl_test.der"
#define MEAS_33 "333333333333333333333333333333333333333333333333333333333333333333333333333333333333333333333333"
#define PATH_LEN 128

typedef struct fixture {
    fake_snp ca;
    char *roots_file, *ask_file;
    char good[64], revoking[64], empty[64]; /* collateral directories */
} fixture;

static void write_file(const char *dir, const char *name, const uint8_t *data, size_t len)
{
    char path[PATH_LEN];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, len, f), len);
    fclose(f);
}

static void put_crl(fixture *fx, const char *dir, const char *name, int revoke_ask,
                    int revoke_asvk)
{
    time_t now = time(NULL);
    size_t len;
    uint8_t *der = fake_snp_crl(&fx->ca, revoke_ask, revoke_asvk, now - 60, now + 3600, &len);
    assert_non_null(der);
    write_file(dir, name, der, len);
    free(der);
}

static void put_cert(const char *dir, const char *name, X509 *cert)
{
    uint8_t *der = NULL;
    int n = i2d_X509(cert, &der);
    assert_true(n > 0);
    write_file(dir, name, der, (size_t)n);
    OPENSSL_free(der);
}

static int setup(void **state)
{
    fixture *fx = calloc(1, sizeof(*fx));
    if (fx == NULL || !fake_snp_init(&fx->ca))
        return -1;
    fx->roots_file = tv_write_temp("snp-coll-ark.pem", fx->ca.ark_pem, fx->ca.ark_pem_len);
    fx->ask_file = tv_write_temp("snp-coll-ask.pem", fx->ca.ask_pem, fx->ca.ask_pem_len);
    char *dirs[] = {fx->good, fx->revoking, fx->empty};
    for (size_t i = 0; i < 3; i++) {
        snprintf(dirs[i], 64, "/tmp/tp-snp-bundle-XXXXXX");
        if (mkdtemp(dirs[i]) == NULL)
            return -1;
    }
    if (fx->roots_file == NULL || fx->ask_file == NULL)
        return -1;
    put_crl(fx, fx->good, CRL, 0, 0);
    put_crl(fx, fx->good, VLEK_CRL, 0, 0);
    put_cert(fx->good, "snp_vcek.der", fx->ca.vcek);
    put_cert(fx->good, "snp_vlek.der", fx->ca.vlek);
    put_crl(fx, fx->revoking, CRL, 1, 0);
    put_crl(fx, fx->revoking, VLEK_CRL, 0, 1);
    put_cert(fx->revoking, "snp_vcek.der", fx->ca.vcek);
    *state = fx;
    return 0;
}

static void remove_dir(const char *dir)
{
    static const char *const k_names[] = {CRL, VLEK_CRL, "snp_vcek.der", "snp_vlek.der"};
    char path[PATH_LEN];
    for (size_t i = 0; i < sizeof(k_names) / sizeof(k_names[0]); i++) {
        snprintf(path, sizeof(path), "%s/%s", dir, k_names[i]);
        remove(path);
    }
    rmdir(dir);
}

static int teardown(void **state)
{
    fixture *fx = *state;
    remove_dir(fx->good);
    remove_dir(fx->revoking);
    remove_dir(fx->empty);
    remove(fx->roots_file);
    remove(fx->ask_file);
    free(fx->roots_file);
    free(fx->ask_file);
    fake_snp_free(&fx->ca);
    free(fx);
    return 0;
}

static uint8_t *report(fixture *fx, int vlek, int with_table, size_t *len)
{
    uint8_t rd[64] = {0};
    fx->ca.use_vlek = vlek;
    uint8_t *r = fake_snp_report(&fx->ca, rd, TEST_POLICY, with_table, len);
    fx->ca.use_vlek = 0;
    assert_non_null(r);
    return r;
}

static json_t *bundle_of(const uint8_t *r, size_t len, const char *dir, tp_err want)
{
    json_t *b = NULL;
    tp_error err;
    assert_int_equal(tp_collateral_bundle("sev-snp", r, len, dir, &b, &err), want);
    if (want != TP_OK)
        assert_null(b);
    return b;
}

/* Verifies with the bundle (and dir, when given); on success *crl_file gets the facts'
 * amd_crl.file. */
static tp_err verify_with(const fixture *fx, const uint8_t *r, size_t len, const json_t *bundle,
                          const char *dir, char crl_file[64])
{
    tp_verify_opts opts = {.roots_file = fx->roots_file, .chain_file = fx->ask_file,
                           .collateral = bundle, .collateral_dir = dir};
    tp_evidence_facts f;
    tp_error err;
    tp_err rc = tp_evidence_verify("sev-snp", r, len, &opts, &f, &err);
    if (rc == TP_OK) {
        json_t *j = tp_evidence_facts_to_json(&f);
        const char *file = json_string_value(json_object_get(json_object_get(j, "amd_crl"), "file"));
        snprintf(crl_file, 64, "%s", file ? file : "");
        json_decref(j);
        tp_evidence_facts_free(&f);
    } else {
        print_message("refused [%s]: %s\n", tp_err_name(rc), err.detail);
        assert_null(f.details);
    }
    return rc;
}

static void bundle_carries_the_products_crl(void **state)
{
    fixture *fx = *state;
    size_t len, vlen;
    uint8_t *r = report(fx, 0, 1, &len), *rv = report(fx, 1, 1, &vlen);
    char file[64];
    /* The evidence carries its VCEK: only the CRL travels. */
    json_t *b = bundle_of(r, len, fx->good, TP_OK);
    assert_int_equal(json_object_size(b), 1);
    assert_non_null(json_object_get(b, CRL));
    assert_int_equal(verify_with(fx, r, len, b, NULL, file), TP_OK);
    assert_string_equal(file, CRL);
    /* Without any collateral, no CRL is named. */
    assert_int_equal(verify_with(fx, r, len, NULL, NULL, file), TP_OK);
    assert_string_equal(file, "");
    /* A CRL that revokes the ASK, bundled; the verifier's directory wins over it. */
    json_t *rb = bundle_of(r, len, fx->revoking, TP_OK);
    assert_int_equal(verify_with(fx, r, len, rb, NULL, file), TP_ERR_REVOKED);
    assert_int_equal(verify_with(fx, r, len, rb, fx->good, file), TP_OK);
    assert_int_equal(verify_with(fx, r, len, b, fx->revoking, file), TP_ERR_REVOKED);
    /* The bundle's CRL missing or not base64. */
    json_object_del(rb, CRL);
    assert_int_equal(verify_with(fx, r, len, rb, NULL, file), TP_ERR_COLLATERAL);
    json_object_set_new(rb, CRL, json_string("not base64!"));
    assert_int_equal(verify_with(fx, r, len, rb, NULL, file), TP_ERR_COLLATERAL);
    json_decref(rb);
    json_decref(b);
    /* A VLEK-signed report bundles the VLEK CRL. */
    b = bundle_of(rv, vlen, fx->good, TP_OK);
    assert_int_equal(json_object_size(b), 1);
    assert_non_null(json_object_get(b, VLEK_CRL));
    assert_int_equal(verify_with(fx, rv, vlen, b, NULL, file), TP_OK);
    assert_string_equal(file, VLEK_CRL);
    json_decref(b);
    b = bundle_of(rv, vlen, fx->revoking, TP_OK);
    assert_int_equal(verify_with(fx, rv, vlen, b, NULL, file), TP_ERR_REVOKED);
    json_decref(b);
    /* A directory without the product's CRL cannot be bundled (the same error name as TDX). */
    bundle_of(r, len, fx->empty, TP_ERR_COLLATERAL);
    free(r);
    free(rv);
}

static void bundle_carries_the_vcek_the_evidence_lacks(void **state)
{
    fixture *fx = *state;
    size_t len;
    uint8_t *r = report(fx, 0, 0, &len); /* the /dev/sev-guest path: no certificate table */
    char file[64];
    assert_int_equal(verify_with(fx, r, len, NULL, NULL, file), TP_ERR_EVIDENCE_CHAIN);
    json_t *b = bundle_of(r, len, fx->good, TP_OK);
    assert_int_equal(json_object_size(b), 2);
    assert_non_null(json_object_get(b, "snp_vcek.der"));
    assert_int_equal(verify_with(fx, r, len, b, NULL, file), TP_OK);
    assert_string_equal(file, CRL);
    /* With the verifier's directory (CRLs only), the bundled VCEK is still found. */
    assert_int_equal(verify_with(fx, r, len, b, fx->good, file), TP_OK);
    /* A bundled certificate that is not the report's key is refused. */
    uint8_t *der = NULL;
    int n = i2d_X509(fx->ca.ask, &der);
    assert_true(n > 0);
    json_object_set_new(b, "snp_vcek.der", tp_json_base64(der, (size_t)n)); /* the ASK */
    assert_int_equal(verify_with(fx, r, len, b, NULL, file), TP_ERR_EVIDENCE_SIG);
    json_object_set_new(b, "snp_vcek.der", json_string("AAAA")); /* not DER */
    assert_int_equal(verify_with(fx, r, len, b, NULL, file), TP_ERR_EVIDENCE_CHAIN);
    OPENSSL_free(der);
    json_decref(b);
    /* No VCEK in the evidence nor the directory: nothing to bundle. */
    bundle_of(r, len, fx->empty, TP_ERR_COLLATERAL);
    tp_collateral_names names;
    tp_error err;
    assert_int_equal(tp_collateral_names_of("sev-snp", r, len, NULL, &names, &err),
                     TP_ERR_COLLATERAL);
    free(r);
    /* Names without a directory, for evidence carrying its VCEK. */
    r = report(fx, 0, 1, &len);
    assert_int_equal(tp_collateral_names_of("sev-snp", r, len, NULL, &names, &err), TP_OK);
    assert_int_equal(names.n, 1);
    assert_string_equal(names.name[0], CRL);
    free(r);
}

static tp_policy *policy_with(const fixture *fx, const char *dir, int require_crl)
{
    char json[2048];
    snprintf(json, sizeof(json),
             "{\"version\":1,\"platforms\":{\"sev-snp\":{\"measurement\":[\"" MEAS_33 "\"],"
             "\"roots_file\":\"%s\",\"chain_file\":\"%s\"%s%s%s%s}}}",
             fx->roots_file, fx->ask_file, dir ? ",\"collateral_dir\":\"" : "", dir ? dir : "",
             dir ? "\"" : "", require_crl ? ",\"require_crl\":true" : "");
    tp_policy *p = NULL;
    tp_error err;
    if (tp_policy_parse(json, strlen(json), &p, &err) != TP_OK)
        fail_msg("policy: %s", err.detail);
    return p;
}

static tp_policy *policy_for(const fixture *fx, const char *dir)
{
    return policy_with(fx, dir, 0);
}

static void policy_uses_the_bundle_unless_it_names_a_directory(void **state)
{
    fixture *fx = *state;
    size_t len;
    uint8_t *r = report(fx, 0, 1, &len), rd[64] = {0};
    json_t *b = bundle_of(r, len, fx->revoking, TP_OK);
    tp_evidence_facts f;
    tp_error err;
    tp_policy *p = policy_for(fx, NULL);
    assert_int_equal(tp_policy_verify_evidence_bundled(p, "sev-snp", r, len, rd, 0, b, &f, &err),
                     TP_ERR_REVOKED);
    assert_null(f.details);
    tp_policy_free(p);
    p = policy_for(fx, fx->good); /* the verifier's newer CRL */
    assert_int_equal(tp_policy_verify_evidence_bundled(p, "sev-snp", r, len, rd, 0, b, &f, &err),
                     TP_OK);
    tp_evidence_facts_free(&f);
    tp_policy_free(p);
    json_decref(b);
    free(r);
}

/* A notary's proofs carry its SEV-SNP collateral. The identity is a sim one given a test
 * report as its evidence: its REPORT_DATA is not the identity's key, so a proof that passes
 * every collateral check still fails the binding, last. */
static char *seal_with(tp_identity *id, const char *dir)
{
    tp_error err;
    assert_int_equal(tp_identity_set_collateral(id, dir, &err), TP_OK);
    json_t *claims = json_pack("{s:i, s:I}", "version", 1, "time", (json_int_t)time(NULL));
    char *proof = NULL;
    size_t len;
    assert_int_equal(tp_proof_seal(claims, id, &proof, &len, &err), TP_OK);
    json_decref(claims);
    return proof;
}

static tp_err verify_proof(const char *proof, const tp_policy *p)
{
    tp_error err;
    tp_err rc = tp_proof_verify_json(proof, strlen(proof), p, NULL, NULL, NULL, &err);
    if (rc != TP_OK)
        print_message("proof refused [%s]: %s\n", tp_err_name(rc), err.detail);
    return rc;
}

static void proofs_carry_the_notarys_snp_collateral(void **state)
{
    fixture *fx = *state;
    tp_attester *a = NULL;
    tp_identity *id = NULL;
    tp_error err;
    time_t now = time(NULL);
    assert_int_equal(tp_attester_open("sim", NULL, &a, &err), TP_OK);
    tp_key_window w = {(int64_t)now - 60, (int64_t)now + 3600};
    assert_int_equal(tp_identity_create_window(a, &w, &id, &err), TP_OK);
    snprintf(id->platform, sizeof(id->platform), "sev-snp");
    free(id->evidence);
    id->evidence = report(fx, 0, 0, &id->evidence_len); /* no table: the VCEK is bundled */

    char *proof = seal_with(id, fx->revoking);
    json_t *doc = json_loads(proof, 0, NULL);
    json_t *coll = json_object_get(json_object_get(doc, "evidence"), "collateral");
    assert_int_equal(json_object_size(coll), 2);
    assert_non_null(json_object_get(coll, CRL));
    json_decref(doc);
    tp_policy *p = policy_for(fx, NULL);
    assert_int_equal(verify_proof(proof, p), TP_ERR_REVOKED); /* the bundled CRL */
    tp_policy_free(p);
    p = policy_for(fx, fx->good); /* the verifier's own CRL wins; the VCEK still comes */
    assert_int_equal(verify_proof(proof, p), TP_ERR_BINDING);
    tp_policy_free(p);
    free(proof);

    proof = seal_with(id, fx->good);
    p = policy_for(fx, NULL);
    assert_int_equal(verify_proof(proof, p), TP_ERR_BINDING); /* every collateral check passed */
    tp_policy_free(p);
    p = policy_with(fx, NULL, 1);
    assert_int_equal(verify_proof(proof, p), TP_ERR_BINDING); /* the bundled CRL was checked */
    /* Evidence with its table: the bundle holds only the CRL. Whoever holds the proof drops
     * it: the proof then passes without a revocation check, unless require_crl. */
    free(proof);
    uint8_t *with_table = report(fx, 0, 1, &id->evidence_len);
    free(id->evidence);
    id->evidence = with_table;
    proof = seal_with(id, fx->good);
    doc = json_loads(proof, 0, NULL);
    json_object_del(json_object_get(doc, "evidence"), "collateral");
    char *stripped = json_dumps(doc, 0);
    json_decref(doc);
    tp_policy_free(p);
    p = policy_for(fx, NULL);
    assert_int_equal(verify_proof(stripped, p), TP_ERR_BINDING); /* no CRL, no check */
    tp_policy_free(p);
    p = policy_with(fx, NULL, 1);
    assert_int_equal(verify_proof(stripped, p), TP_ERR_COLLATERAL);
    tp_policy_free(p);
    p = policy_with(fx, fx->good, 1); /* the verifier's own CRL */
    assert_int_equal(verify_proof(stripped, p), TP_ERR_BINDING);
    tp_policy_free(p);
    free(stripped);
    free(proof);
    tp_identity_free(id);
    tp_attester_free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(bundle_carries_the_products_crl),
        cmocka_unit_test(bundle_carries_the_vcek_the_evidence_lacks),
        cmocka_unit_test(policy_uses_the_bundle_unless_it_names_a_directory),
        cmocka_unit_test(proofs_carry_the_notarys_snp_collateral),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
