/* Unit tests: offline TDX collateral (tdx_collateral.c, tdx_tcb.c) with the real Intel PCS
 * responses of tests/data/testvectors/tdx_collateral and damaged copies (made by
 * tests/support/fake_tdxcoll.c: re-signed under a test root trusted through roots_file). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#define _XOPEN_SOURCE_EXTENDED 1
#include <ftw.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "tee/seal.h"
#include "attest/attest_json.h"
#include "proof/verify_json.h"
#include "../support/fake_tdxcoll.h"
#include "../support/fake_tee.h"
#include "../support/testvectors.h"
#include "attest/tdx_tcb.h"
#include "base/codec.h"
#include "proof/claims.h"
#include "tee/identity.h"
#include "teeproof/proof.h"
#include "teeproof/attest.h"

#define AT_VALID FAKE_TDXCOLL_AT /* 2023-07-01T01:00:00Z */
#define AT_2053 2634944400         /* 2053-07-01T01:00:00Z */
#define AT_TCBINFO_EXPIRED 1689811200 /* 2023-07-20 */
#define TEST_NOT_BEFORE 1577836800 /* 2020 */
#define TEST_NOT_AFTER 2840140800  /* 2060 */
#define PATH_LEN 512
#define BASE_LEN 64
#define QUOTE_REPORT_DATA_OFF 0x238
#define MRTD_V4 "6363b8043668a3ad953278e10389574d326c6749fb78aa810ecd9336923db86f22fc00b8dcd404bc10d5e119d7215cbb"
#define TCBINFO FAKE_TDXCOLL_TCBINFO
#define QEID FAKE_TDXCOLL_QEID
#define TCB_CHAIN "tcb_info_issuer_chain.pem"

static struct {
    char base[BASE_LEN], roots[PATH_LEN];
    fake_tdxcoll c;
    EVP_PKEY *rogue_key;
    X509 *rogue; /* issued by the test root, not named TCB Signing */
    uint8_t *quote;
    size_t quote_len;
    int n_dirs;
} g;

/* --- fixture --- */

static int setup(void **state)
{
    (void)state;
    snprintf(g.base, sizeof(g.base), "/tmp/teeproof-tdxcoll-XXXXXX");
    assert_non_null(mkdtemp(g.base));
    g.quote = tv_load("tdx_quote_v4.bin", &g.quote_len);
    assert_non_null(g.quote);
    assert_true(fake_tdxcoll_init(&g.c, g.quote, g.quote_len));
    g.rogue_key = fake_ec_key("prime256v1");
    g.rogue = fake_cert("Intel SGX PCK Certificate", g.rogue_key, g.c.root, g.c.root_key, 0,
                        TEST_NOT_BEFORE, TEST_NOT_AFTER);
    assert_non_null(g.rogue);
    snprintf(g.roots, sizeof(g.roots), "%.*s/roots.pem", BASE_LEN, g.base);
    assert_true(fake_tdxcoll_write_roots(&g.c, g.roots));
    return 0;
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    return remove(path);
}

static int teardown(void **state)
{
    (void)state;
    nftw(g.base, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
    fake_tdxcoll_free(&g.c);
    EVP_PKEY_free(g.rogue_key);
    X509_free(g.rogue);
    free(g.quote);
    return 0;
}

/* A fresh directory holding copies of the real collateral; path into dir. */
static void new_dir(char dir[PATH_LEN])
{
    snprintf(dir, PATH_LEN, "%.*s/c%d", BASE_LEN, g.base, g.n_dirs++);
    assert_true(fake_tdxcoll_copy(dir));
}

static void resign(const char *dir, const char *file, const char *member, const char *chain,
                   fake_tdxcoll_edit edit, EVP_PKEY *key, X509 *leaf)
{
    assert_true(fake_tdxcoll_resign(&g.c, dir, file, member, chain, edit, key, leaf));
}

static void write_file(const char *dir, const char *name, const void *data, size_t len)
{
    assert_true(fake_tdxcoll_write(dir, name, data, len));
}

static void edit_fmspc(json_t *info)
{
    fake_tdxcoll_meetable(info);
    json_object_set_new(info, "fmspc", json_string("50806f000001"));
}

static void edit_future(json_t *info)
{
    fake_tdxcoll_meetable(info);
    json_object_set_new(info, "issueDate", json_string("2099-01-01T00:00:00Z"));
    json_object_set_new(info, "nextUpdate", json_string("2099-02-01T00:00:00Z"));
}

static void edit_qe_mrsigner(json_t *id)
{
    json_object_set_new(id, "mrsigner",
                        json_string("DC9E2A7C6F948F17474E34A7FC43ED030F7C1563F1BABDDF6340C82E0E54A8C6"));
}

static void meetable_dir(char dir[PATH_LEN])
{
    new_dir(dir);
    assert_true(fake_tdxcoll_meetable_dir(&g.c, dir));
}

/* A meetable copy (UpToDate) and one whose level 0 is above the quote (OutOfDate). */
static void good_and_raised(char good[PATH_LEN], char raised[PATH_LEN])
{
    meetable_dir(good);
    new_dir(raised);
    resign(raised, TCBINFO, "tcbInfo", TCB_CHAIN, fake_tdxcoll_raised, g.c.sign_key, g.c.signer);
}

static tp_err verify_at(const char *dir, const char *roots, time_t at, tp_evidence_facts *f,
                        tp_error *err)
{
    tp_verify_opts opts = {.at = at, .roots_file = roots, .collateral_dir = dir};
    tp_error_clear(err);
    tp_err rc = tp_evidence_verify("tdx", g.quote, g.quote_len, &opts, f, err);
    if (rc != TP_OK) { /* nothing is reported for refused evidence */
        assert_null(f->details);
        assert_string_equal(f->tcb_status, "");
        assert_true(err->detail[0] != '\0');
    }
    return rc;
}

static void expect_refused(const char *dir, const char *roots, time_t at, tp_err want)
{
    tp_evidence_facts f;
    tp_error err;
    tp_err rc = verify_at(dir, roots, at, &f, &err);
    if (rc != want)
        fail_msg("want [%s], got [%s]: %s", tp_err_name(want), tp_err_name(rc), err.detail);
    print_message("refused [%s]: %s\n", tp_err_name(rc), err.detail);
}

/* --- tests --- */

static void real_collateral_judges_the_real_quote(void **state)
{
    (void)state;
    /* Signatures, dates, CRLs, FMSPC/PCEID, TDX module and QE identity all pass with the
     * pinned Intel root; no TCB level of Intel's TCB Info is met by this platform
     * (PCK SGX component 1 SVN 3 < 5, TEE_TCB_SVN[2] 4 < 5). */
    tp_evidence_facts f;
    tp_error err;
    assert_int_equal(verify_at(tv_path("tdx_collateral"), NULL, AT_VALID, &f, &err),
                     TP_ERR_TCB_STATUS);
    assert_non_null(strstr(err.detail, "no TCB level of the TCB Info is met"));
}

static void meetable_collateral_reports_both_statuses(void **state)
{
    (void)state;
    char dir[PATH_LEN];
    meetable_dir(dir);
    tp_evidence_facts f;
    tp_error err;
    tp_err rc = verify_at(dir, g.roots, AT_VALID, &f, &err);
    if (rc != TP_OK)
        fail_msg("%s: %s", tp_err_name(rc), err.detail);
    assert_string_equal(f.tcb_status, "UpToDate");
    assert_string_equal(f.qe_tcb_status, "UpToDate");
    json_t *j = tp_evidence_facts_to_json(&f);
    assert_string_equal(json_string_value(json_object_get(j, "tcb_status")), "UpToDate");
    assert_string_equal(json_string_value(json_object_get(j, "qe_tcb_status")), "UpToDate");
    json_decref(j);
    tp_evidence_facts_free(&f);
    /* Without collateral nothing is judged. */
    tp_verify_opts opts = {.at = AT_VALID};
    assert_int_equal(tp_evidence_verify("tdx", g.quote, g.quote_len, &opts, &f, &err), TP_OK);
    assert_string_equal(f.tcb_status, "");
    j = tp_evidence_facts_to_json(&f);
    assert_null(json_object_get(j, "tcb_status"));
    json_decref(j);
    tp_evidence_facts_free(&f);
}

static void expired_collateral_is_refused(void **state)
{
    (void)state;
    expect_refused(tv_path("tdx_collateral"), NULL, AT_2053, TP_ERR_COLLATERAL);
    /* 2023-07-20: every certificate and the root CRL are valid, the TCB Info is not. */
    tp_evidence_facts f;
    tp_error err;
    assert_int_equal(verify_at(tv_path("tdx_collateral"), NULL, AT_TCBINFO_EXPIRED, &f, &err),
                     TP_ERR_COLLATERAL);
    assert_non_null(strstr(err.detail, TCBINFO " has expired"));
    /* Issued after the present time: refused. */
    char dir[PATH_LEN];
    new_dir(dir);
    resign(dir, TCBINFO, "tcbInfo", TCB_CHAIN, edit_future, g.c.sign_key, g.c.signer);
    assert_int_equal(verify_at(dir, g.roots, AT_VALID, &f, &err), TP_ERR_COLLATERAL);
    assert_non_null(strstr(err.detail, "issued after the present time"));
}

/* Collateral newer than the time of the check (a verifier's fresher collateral for an older
 * proof) is accepted: Intel's later knowledge is at least as strict. */
static void newer_collateral_is_accepted(void **state)
{
    (void)state;
    char dir[PATH_LEN];
    meetable_dir(dir);
    tp_evidence_facts f;
    tp_error err;
    tp_err rc = verify_at(dir, g.roots, AT_VALID - 30 * 86400, &f, &err);
    if (rc != TP_OK)
        fail_msg("%s: %s", tp_err_name(rc), err.detail);
    assert_string_equal(f.tcb_status, "UpToDate");
    tp_evidence_facts_free(&f);
}

static void flipped_signature_byte_is_refused(void **state)
{
    (void)state;
    char dir[PATH_LEN];
    new_dir(dir);
    size_t len;
    uint8_t *t = tv_load("tdx_collateral/" TCBINFO, &len);
    char *sig = strstr((char *)t, "\"signature\":\"");
    assert_non_null(sig);
    sig[13 + 10] = sig[13 + 10] == '0' ? '1' : '0';
    write_file(dir, TCBINFO, t, len);
    expect_refused(dir, NULL, AT_VALID, TP_ERR_COLLATERAL);
    /* A signed byte changed (inside the inner object) is refused the same way. */
    free(t);
    new_dir(dir);
    t = tv_load("tdx_collateral/" QEID, &len);
    char *isv = strstr((char *)t, "\"isvprodid\":2");
    assert_non_null(isv);
    isv[12] = '3';
    write_file(dir, QEID, t, len);
    expect_refused(dir, NULL, AT_VALID, TP_ERR_COLLATERAL);
    free(t);
}

static void signer_must_be_tcb_signing_under_the_root(void **state)
{
    (void)state;
    char dir[PATH_LEN];
    new_dir(dir);
    /* Signed by a certificate the test root issued, but not named TCB Signing: refused. */
    resign(dir, TCBINFO, "tcbInfo", TCB_CHAIN, fake_tdxcoll_meetable, g.rogue_key, g.rogue);
    expect_refused(dir, g.roots, AT_VALID, TP_ERR_COLLATERAL);
    /* Properly signed by the test TCB signer, but the test root is not trusted. */
    new_dir(dir);
    resign(dir, TCBINFO, "tcbInfo", TCB_CHAIN, fake_tdxcoll_meetable, g.c.sign_key, g.c.signer);
    expect_refused(dir, NULL, AT_VALID, TP_ERR_COLLATERAL);
}

static void raised_tcb_level_gives_out_of_date(void **state)
{
    (void)state;
    char dir[PATH_LEN];
    new_dir(dir);
    resign(dir, TCBINFO, "tcbInfo", TCB_CHAIN, fake_tdxcoll_raised, g.c.sign_key, g.c.signer);
    tp_evidence_facts f;
    tp_error err;
    assert_int_equal(verify_at(dir, g.roots, AT_VALID, &f, &err), TP_OK);
    assert_string_equal(f.tcb_status, "OutOfDate");
    assert_string_equal(f.qe_tcb_status, "UpToDate");
    tp_evidence_facts_free(&f);
}

static void wrong_fmspc_is_refused(void **state)
{
    (void)state;
    char dir[PATH_LEN];
    new_dir(dir);
    resign(dir, TCBINFO, "tcbInfo", TCB_CHAIN, edit_fmspc, g.c.sign_key, g.c.signer);
    expect_refused(dir, g.roots, AT_VALID, TP_ERR_COLLATERAL_MISMATCH);
}

static void qe_mrsigner_mismatch_is_refused(void **state)
{
    (void)state;
    char dir[PATH_LEN];
    meetable_dir(dir);
    resign(dir, QEID, "enclaveIdentity", "qe_identity_issuer_chain.pem", edit_qe_mrsigner,
           g.c.sign_key, g.c.signer);
    expect_refused(dir, g.roots, AT_VALID, TP_ERR_COLLATERAL_MISMATCH);
}

static void revoked_pck_is_refused(void **state)
{
    (void)state;
    char dir[PATH_LEN];
    new_dir(dir); /* Intel's TCB Info and QE Identity, a test CRL */
    assert_true(fake_tdxcoll_crl(&g.c, dir, X509_get_serialNumber(g.c.pck)));
    expect_refused(dir, g.roots, AT_VALID, TP_ERR_REVOKED);
    /* Without the test root the test CA's CRL is not trusted. */
    expect_refused(dir, NULL, AT_VALID, TP_ERR_COLLATERAL);
    meetable_dir(dir);
    /* The same CA's CRL listing another serial passes. */
    ASN1_INTEGER *other = ASN1_INTEGER_new();
    assert_true(other && ASN1_INTEGER_set(other, 12345));
    assert_true(fake_tdxcoll_crl(&g.c, dir, other));
    tp_evidence_facts f;
    tp_error err;
    assert_int_equal(verify_at(dir, g.roots, AT_VALID, &f, &err), TP_OK);
    tp_evidence_facts_free(&f);
    ASN1_INTEGER_free(other);
}

static void missing_or_malformed_collateral_is_refused(void **state)
{
    (void)state;
    char dir[PATH_LEN], path[PATH_LEN + 64];
    new_dir(dir);
    snprintf(path, sizeof(path), "%s/%s", dir, TCBINFO);
    assert_int_equal(remove(path), 0);
    expect_refused(dir, NULL, AT_VALID, TP_ERR_COLLATERAL);
    new_dir(dir);
    write_file(dir, "intel_root_crl.der", "not a crl", 9);
    expect_refused(dir, NULL, AT_VALID, TP_ERR_COLLATERAL);
    new_dir(dir);
    static const char dup[] = "{\"tcbInfo\":{},\"tcbInfo\":{},\"signature\":\"00\"}";
    write_file(dir, TCBINFO, dup, strlen(dup));
    expect_refused(dir, NULL, AT_VALID, TP_ERR_COLLATERAL);
}

/* --- policy --- */

static tp_policy *policy_for(const char *dir, const char *tcb_status)
{
    char json[2048];
    snprintf(json, sizeof(json),
             "{\"version\":1,\"platforms\":{\"tdx\":{\"mrtd\":[\"%s\"],\"roots_file\":\"%s\"%s%s%s"
             "%s%s}}}",
             MRTD_V4, g.roots, dir ? ",\"collateral_dir\":\"" : "", dir ? dir : "", dir ? "\"" : "",
             tcb_status ? ",\"tcb_status\":" : "", tcb_status ? tcb_status : "");
    tp_policy *p = NULL;
    tp_error err;
    if (tp_policy_parse(json, strlen(json), &p, &err) != TP_OK)
        fail_msg("policy: %s", err.detail);
    return p;
}

static tp_err policy_verify(const tp_policy *p)
{
    tp_evidence_facts f;
    tp_error err;
    tp_err rc = tp_policy_verify_evidence_at(p, "tdx", g.quote, g.quote_len,
                                             g.quote + QUOTE_REPORT_DATA_OFF, AT_VALID, &f, &err);
    if (rc != TP_OK)
        assert_null(f.details);
    tp_evidence_facts_free(&f);
    return rc;
}

static void policy_accepts_only_listed_statuses(void **state)
{
    (void)state;
    char good[PATH_LEN], raised[PATH_LEN];
    good_and_raised(good, raised);
    tp_policy *p = policy_for(good, NULL);
    assert_int_equal(policy_verify(p), TP_OK);
    tp_policy_free(p);
    p = policy_for(raised, NULL); /* default: UpToDate only */
    assert_int_equal(policy_verify(p), TP_ERR_TCB_STATUS);
    tp_policy_free(p);
    p = policy_for(raised, "[\"UpToDate\",\"OutOfDate\"]");
    assert_int_equal(policy_verify(p), TP_OK);
    tp_policy_free(p);
    p = policy_for(good, "[\"SWHardeningNeeded\"]");
    assert_int_equal(policy_verify(p), TP_ERR_TCB_STATUS);
    tp_policy_free(p);
    /* tcb_status without collateral: the TCB cannot be judged, so it is refused. */
    p = policy_for(NULL, "[\"UpToDate\"]");
    assert_int_equal(policy_verify(p), TP_ERR_TCB_STATUS);
    /* ... until collateral is given (what `teeproof verify --collateral DIR` does). */
    tp_error err;
    assert_int_equal(tp_policy_set_collateral(p, "tdx", good, &err), TP_OK);
    assert_int_equal(policy_verify(p), TP_OK);
    assert_int_equal(tp_policy_set_collateral(p, "tdx", raised, &err), TP_OK);
    assert_int_equal(policy_verify(p), TP_ERR_TCB_STATUS);
    assert_int_equal(tp_policy_set_collateral(p, "sim", raised, &err), TP_ERR_ARG);
    tp_policy_free(p);
    /* No collateral, no tcb_status: as before (chain to the Intel root only). */
    p = policy_for(NULL, NULL);
    assert_int_equal(policy_verify(p), TP_OK);
    tp_policy_free(p);
}

/* TDX 1.5 module identities (TEE_TCB_SVN[1] > 0), on the judge directly: not in the test
 * vectors (their TEE_TCB_SVN[1] is 0). */
static json_t *module_info(const char *module_id, int module_isvsvn, const char *module_status)
{
    static const char k_info[] =
        "{\"id\":\"TDX\",\"version\":3,\"fmspc\":\"50806f000000\",\"pceId\":\"0000\","
        "\"tdxModule\":{\"mrsigner\":\"%096d\",\"attributes\":\"0000000000000000\","
        "\"attributesMask\":\"FFFFFFFFFFFFFFFF\"},"
        "\"tdxModuleIdentities\":[{\"id\":\"%s\",\"mrsigner\":\"%096d\","
        "\"attributes\":\"0000000000000000\",\"attributesMask\":\"FFFFFFFFFFFFFFFF\","
        "\"tcbLevels\":[{\"tcb\":{\"isvsvn\":%d},\"tcbStatus\":\"%s\"}]}],"
        "\"tcbLevels\":[{\"tcb\":{\"sgxtcbcomponents\":%s,\"pcesvn\":0,"
        "\"tdxtcbcomponents\":%s},\"tcbStatus\":\"UpToDate\"}]}";
    char comps[512] = "[", text[4096];
    for (int i = 0; i < 16; i++)
        strcat(comps, i ? ",{\"svn\":0}" : "{\"svn\":9}"); /* 0, 1: the module's own, skipped */
    strcat(comps, "]");
    snprintf(text, sizeof(text), k_info, 0, module_id, 0, module_isvsvn, module_status, comps,
             comps);
    json_t *info = json_loads(text, 0, NULL);
    assert_non_null(info);
    /* The SGX components must be met: only the TDX ones skip the first two. */
    json_t *sgx = json_object_get(json_object_get(json_array_get(json_object_get(info,
                                  "tcbLevels"), 0), "tcb"), "sgxtcbcomponents");
    json_object_set_new(json_array_get(sgx, 0), "svn", json_integer(0));
    return info;
}

static void tdx_module_identities_are_judged(void **state)
{
    (void)state;
    tp_pck_ext pck = {.fmspc = {0x50, 0x80, 0x6f, 0, 0, 0}, .pcesvn = 11};
    uint8_t tee[16] = {3, 1, 4}, zero48[48] = {0}, attr[8] = {0}, qe[384] = {0};
    tp_tdx_tcb_in in = {.tee_tcb_svn = tee, .mrsignerseam = zero48, .seam_attributes = attr,
                        .qe_report = qe};
    char status[TP_TCB_STATUS_MAX];
    tp_error err;
    json_t *info = module_info("TDX_01", 3, "UpToDate");
    assert_int_equal(tp_tdx_tcb_judge(info, &pck, &in, status, &err), TP_OK);
    assert_string_equal(status, "UpToDate");
    json_decref(info);
    info = module_info("TDX_01", 3, "OutOfDate"); /* the module's status wins */
    assert_int_equal(tp_tdx_tcb_judge(info, &pck, &in, status, &err), TP_OK);
    assert_string_equal(status, "OutOfDate");
    json_decref(info);
    info = module_info("TDX_01", 4, "UpToDate"); /* module SVN 3 < 4 */
    assert_int_equal(tp_tdx_tcb_judge(info, &pck, &in, status, &err), TP_ERR_TCB_STATUS);
    json_decref(info);
    info = module_info("TDX_02", 3, "UpToDate"); /* no identity for major version 1 */
    assert_int_equal(tp_tdx_tcb_judge(info, &pck, &in, status, &err), TP_ERR_COLLATERAL_MISMATCH);
    json_decref(info);
    info = module_info("TDX_01", 3, "UpToDate");
    /* Without module identities, TDX components 0 and 1 are compared too (9 > 3). */
    json_object_del(info, "tdxModuleIdentities");
    assert_int_equal(tp_tdx_tcb_judge(info, &pck, &in, status, &err), TP_ERR_TCB_STATUS);
    json_decref(info);
    info = module_info("TDX_01", 3, "Fine"); /* not an Intel status */
    assert_int_equal(tp_tdx_tcb_judge(info, &pck, &in, status, &err), TP_ERR_COLLATERAL);
    json_decref(info);
    zero48[0] = 1; /* MRSIGNERSEAM not the module's */
    info = module_info("TDX_01", 3, "UpToDate");
    assert_int_equal(tp_tdx_tcb_judge(info, &pck, &in, status, &err), TP_ERR_COLLATERAL_MISMATCH);
    json_decref(info);
}

/* The same files bundled (what a notary sends with its evidence) judge the same way. */
static void bundled_collateral_judges_like_the_directory(void **state)
{
    (void)state;
    char dir[PATH_LEN];
    meetable_dir(dir);
    json_t *bundle = NULL;
    tp_error err;
    assert_int_equal(tp_collateral_bundle("tdx", g.quote, g.quote_len, dir, &bundle, &err), TP_OK);
    assert_int_equal(json_object_size(bundle), 7);
    tp_verify_opts opts = {.at = AT_VALID, .roots_file = g.roots, .collateral = bundle};
    tp_evidence_facts f;
    assert_int_equal(tp_evidence_verify("tdx", g.quote, g.quote_len, &opts, &f, &err), TP_OK);
    assert_string_equal(f.tcb_status, "UpToDate");
    assert_string_equal(f.qe_tcb_status, "UpToDate");
    tp_evidence_facts_free(&f);
    /* A directory given too wins over the bundle. */
    opts.collateral_dir = tv_path("tdx_collateral");
    opts.roots_file = NULL;
    assert_int_equal(tp_evidence_verify("tdx", g.quote, g.quote_len, &opts, &f, &err),
                     TP_ERR_TCB_STATUS);
    opts.collateral_dir = NULL;
    opts.roots_file = g.roots;
    /* A file missing from the bundle, or not base64. */
    json_object_del(bundle, "intel_root_crl.der");
    assert_int_equal(tp_evidence_verify("tdx", g.quote, g.quote_len, &opts, &f, &err),
                     TP_ERR_COLLATERAL);
    json_object_set_new(bundle, "intel_root_crl.der", json_string("not base64!"));
    assert_int_equal(tp_evidence_verify("tdx", g.quote, g.quote_len, &opts, &f, &err),
                     TP_ERR_COLLATERAL);
    assert_null(f.details);
    json_decref(bundle);
    /* Only TDX takes collateral; a directory without the files cannot be bundled. */
    assert_int_equal(tp_collateral_bundle("sim", g.quote, g.quote_len, dir, &bundle, &err),
                     TP_ERR_ARG);
    assert_int_equal(tp_collateral_bundle("tdx", g.quote, g.quote_len, g.base, &bundle, &err),
                     TP_ERR_COLLATERAL);
    assert_null(bundle);
}

static void policy_uses_the_bundle_unless_it_names_a_directory(void **state)
{
    (void)state;
    char good[PATH_LEN], raised[PATH_LEN];
    good_and_raised(good, raised);
    json_t *bundle = NULL;
    tp_error err;
    assert_int_equal(tp_collateral_bundle("tdx", g.quote, g.quote_len, raised, &bundle, &err),
                     TP_OK);
    tp_evidence_facts f;
    tp_policy *p = policy_for(NULL, NULL);
    assert_int_equal(tp_policy_verify_evidence_bundled(p, "tdx", g.quote, g.quote_len,
                                                       g.quote + QUOTE_REPORT_DATA_OFF, AT_VALID,
                                                       bundle, &f, &err),
                     TP_ERR_TCB_STATUS);
    assert_null(f.details);
    tp_policy_free(p);
    p = policy_for(good, NULL); /* the verifier's newer collateral says UpToDate */
    assert_int_equal(tp_policy_verify_evidence_bundled(p, "tdx", g.quote, g.quote_len,
                                                       g.quote + QUOTE_REPORT_DATA_OFF, AT_VALID,
                                                       bundle, &f, &err),
                     TP_OK);
    assert_string_equal(f.tcb_status, "UpToDate");
    tp_evidence_facts_free(&f);
    tp_policy_free(p);
    json_decref(bundle);
}

/* A notary bundles its collateral with its evidence; proofs carry it and verifiers judge
 * with it. The identity is a sim one given the real TDX quote as its evidence: the quote's
 * REPORTDATA is not the identity's key, so a proof that passes every TCB check still fails
 * the binding, last. */
static char *seal_with(tp_identity *id, const char *dir)
{
    tp_error err;
    assert_int_equal(tp_identity_set_collateral(id, dir, &err), TP_OK);
    json_t *claims = json_pack("{s:i, s:I, s:s}", "version", 1, "time", (json_int_t)AT_VALID, "mode", "tunnel");
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

static void proofs_carry_the_notarys_collateral(void **state)
{
    (void)state;
    char good[PATH_LEN], raised[PATH_LEN];
    good_and_raised(good, raised);
    tp_attester *a = NULL;
    tp_identity *id = NULL;
    tp_error err;
    assert_int_equal(tp_attester_open("sim", NULL, &a, &err), TP_OK);
    tp_key_window w = {AT_VALID - 60, AT_VALID + 3600}; /* a key of the quote's time */
    assert_int_equal(tp_identity_create_window(a, &w, &id, &err), TP_OK);
    /* Only TDX evidence takes collateral. */
    assert_int_equal(tp_identity_set_collateral(id, good, &err), TP_ERR_ARG);
    snprintf(id->platform, sizeof(id->platform), "tdx");
    free(id->evidence);
    id->evidence = malloc(g.quote_len);
    assert_non_null(id->evidence);
    memcpy(id->evidence, g.quote, g.quote_len);
    id->evidence_len = g.quote_len;

    char *proof = seal_with(id, raised);
    json_t *doc = json_loads(proof, 0, NULL);
    assert_int_equal(json_object_size(json_object_get(json_object_get(doc, "evidence"),
                                                      "collateral")), 7);
    tp_policy *p = policy_for(NULL, NULL);
    assert_int_equal(verify_proof(proof, p), TP_ERR_TCB_STATUS); /* OutOfDate, bundled */
    tp_policy_free(p);
    p = policy_for(good, NULL); /* the verifier's own collateral wins */
    assert_int_equal(verify_proof(proof, p), TP_ERR_BINDING);
    tp_policy_free(p);
    /* A collateral member that is not an object is a malformed proof. */
    json_object_set_new(json_object_get(doc, "evidence"), "collateral", json_integer(5));
    char *bad = json_dumps(doc, 0);
    p = policy_for(NULL, NULL);
    assert_int_equal(verify_proof(bad, p), TP_ERR_PROOF);
    free(bad);
    json_decref(doc);
    free(proof);

    proof = seal_with(id, good);
    assert_int_equal(verify_proof(proof, p), TP_ERR_BINDING); /* every TCB check passed */
    tp_policy_free(p);
    free(proof);
    tp_identity_free(id);
    tp_attester_free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(real_collateral_judges_the_real_quote),
        cmocka_unit_test(meetable_collateral_reports_both_statuses),
        cmocka_unit_test(expired_collateral_is_refused),
        cmocka_unit_test(newer_collateral_is_accepted),
        cmocka_unit_test(bundled_collateral_judges_like_the_directory),
        cmocka_unit_test(flipped_signature_byte_is_refused),
        cmocka_unit_test(signer_must_be_tcb_signing_under_the_root),
        cmocka_unit_test(raised_tcb_level_gives_out_of_date),
        cmocka_unit_test(wrong_fmspc_is_refused),
        cmocka_unit_test(qe_mrsigner_mismatch_is_refused),
        cmocka_unit_test(revoked_pck_is_refused),
        cmocka_unit_test(missing_or_malformed_collateral_is_refused),
        cmocka_unit_test(policy_accepts_only_listed_statuses),
        cmocka_unit_test(tdx_module_identities_are_judged),
        cmocka_unit_test(policy_uses_the_bundle_unless_it_names_a_directory),
        cmocka_unit_test(proofs_carry_the_notarys_collateral),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
