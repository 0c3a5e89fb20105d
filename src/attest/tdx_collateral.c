/* Offline TDX collateral (see tdx_collateral.h). Signed JSON: the signature is ECDSA P-256
 * r||s (hex) over the exact bytes of the inner object as they appear in the file (found by
 * the strict span finder), by a signing certificate issued directly by a trusted root and
 * named "Intel SGX TCB Signing"; issueDate <= t < nextUpdate. CRLs: signed by their issuer
 * (root CRL: a trusted root; PCK CRL: the PCK's CA, issued directly by a trusted root),
 * current at t; neither the PCK nor its CA listed, nor any collateral signer in the root's. */
#include "attest/tdx_collateral.h"

#include <openssl/err.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "attest/roots.h"
#include "attest/x509util.h"
#include "base/codec.h"
#include "base/json_bytes.h"
#include "manifest/json_span.h"

#define COLL_PATH_MAX 4096
#define COLL_FILE_MAX (1 << 20) /* Intel's responses are a few KiB */
#define COLL_CN_MAX 128
#define COLL_NAME_MAX 64
#define COLL_SIG_LEN 64
#define COLL_DATE_LEN 20 /* 2023-06-18T08:42:58Z */
#define TCB_SIGNING_CN "Intel SGX TCB Signing"
#define PCK_PLATFORM_CA_CN "Intel SGX PCK Platform CA"
#define PCK_PROCESSOR_CA_CN "Intel SGX PCK Processor CA"

/* Collateral is accepted when it was current at some time between the time of the check
 * (`at`: the evidence's, e.g. a proof's signed time) and the present (`now`): issued no
 * later than now, nextUpdate after `at`. So collateral current when a proof was made works,
 * and so does newer collateral (Intel's later, stricter knowledge); collateral already
 * stale at `at` does not. Signers are checked when they signed: at max(at, issue time). */
typedef struct coll_ctx {
    const char *dir;
    time_t at, now;
    STACK_OF(X509) *anchors;
    const json_t *bundle; /* when dir is NULL: {file name: base64} */
    X509_CRL *root_crl; /* verified, once checked; lists the root's revoked certificates */
} coll_ctx;

/* Keeps the detail of a failure but files it under code, with context. */
static tp_err recode(tp_error *err, tp_err code, const char *what)
{
    if (err != NULL)
        err->code = code;
    return tp_error_prefix(err, code, "%s", what);
}

static tp_err read_dir_file(const char *dir, const char *name, char **data, size_t *len,
                            tp_error *err)
{
    char path[COLL_PATH_MAX];
    if (snprintf(path, sizeof(path), "%s/%s", dir, name) >= (int)sizeof(path))
        return tp_error_set(err, TP_ERR_ARG, "collateral directory path too long");
    return tp_att_read_file(path, COLL_FILE_MAX, (uint8_t **)data, len, err);
}

/* A collateral file, from the directory or the bundle; NUL-terminated, caller frees. */
static tp_err read_coll(const coll_ctx *c, const char *name, char **data, size_t *len,
                        tp_error *err)
{
    if (c->dir != NULL)
        return read_dir_file(c->dir, name, data, len, err);
    tp_buf b = TP_BUF_PUBLIC_INIT;
    if (!tp_json_get_base64(c->bundle, name, &b) || !tp_buf_terminate(&b)) {
        tp_buf_free(&b);
        return tp_error_set(err, TP_ERR_COLLATERAL, "the bundled collateral has no valid %s", name);
    }
    *data = (char *)tp_buf_detach(&b, len);
    return TP_OK;
}

static int cn_is(X509_NAME *name, const char *want)
{
    char cn[COLL_CN_MAX];
    int n = X509_NAME_get_text_by_NID(name, NID_commonName, cn, sizeof(cn));
    return n > 0 && strcmp(cn, want) == 0;
}

/* Is cert, issued by the root of the root CA CRL, listed in it? */
static int root_revoked(const coll_ctx *c, X509 *cert)
{
    X509_REVOKED *entry = NULL;
    return c->root_crl != NULL &&
           X509_NAME_cmp(X509_get_issuer_name(cert), X509_CRL_get_issuer(c->root_crl)) == 0 &&
           X509_CRL_get0_by_serial(c->root_crl, &entry, X509_get0_serialNumber(cert)) == 1;
}

/* The first certificate of a chain file, named cn and issued directly by an anchor,
 * valid at when, not revoked by the root CA CRL (the file's own root is not trusted: the
 * anchors are). */
static tp_err load_signer(const coll_ctx *c, const char *chain_name, const char *cn, time_t when,
                          X509 **out, tp_error *err)
{
    char *pem = NULL;
    size_t len = 0;
    STACK_OF(X509) *certs = NULL;
    *out = NULL;
    tp_err rc = read_coll(c, chain_name, &pem, &len, err);
    if (rc == TP_OK && !tp_att_pem_certs(pem, len, &certs))
        rc = tp_error_set(err, TP_ERR_COLLATERAL, "%s holds no PEM certificate", chain_name);
    X509 *leaf = rc == TP_OK ? sk_X509_value(certs, 0) : NULL;
    if (rc == TP_OK && !cn_is(X509_get_subject_name(leaf), cn))
        rc = tp_error_set(err, TP_ERR_COLLATERAL, "%s: the signer is not \"%s\"", chain_name, cn);
    if (rc == TP_OK) {
        rc = tp_att_verify_chain(leaf, NULL, c->anchors, when, cn, err);
        if (rc != TP_OK)
            rc = recode(err, TP_ERR_COLLATERAL, chain_name);
    }
    if (rc == TP_OK && root_revoked(c, leaf))
        rc = tp_error_set(err, TP_ERR_REVOKED, "the %s certificate of %s is revoked (listed in %s)",
                          cn, chain_name, TP_COLL_ROOT_CRL);
    if (rc == TP_OK && X509_up_ref(leaf))
        *out = leaf;
    else if (rc == TP_OK)
        rc = tp_error_set(err, TP_ERR_NOMEM, "out of memory");
    sk_X509_pop_free(certs, X509_free);
    free(pem);
    return rc;
}

/* "YYYY-MM-DDTHH:MM:SSZ" (UTC), exactly. */
static int parse_date(const char *s, time_t *out)
{
    struct tm tm;
    int n = 0;
    memset(&tm, 0, sizeof(tm));
    if (s == NULL || strlen(s) != COLL_DATE_LEN ||
        sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2dZ%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
               &tm.tm_min, &tm.tm_sec, &n) != 6 || n != COLL_DATE_LEN)
        return 0;
    if (tm.tm_mon < 1 || tm.tm_mon > 12 || tm.tm_mday < 1 || tm.tm_mday > 31 || tm.tm_hour > 23 ||
        tm.tm_min > 59 || tm.tm_sec > 60)
        return 0;
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    *out = timegm(&tm);
    return *out != (time_t)-1;
}

/* [issued, next) overlaps [at, now] (see coll_ctx); *signed_at = max(at, issued). */
static tp_err check_window(const coll_ctx *c, time_t issued, time_t next, const char *what,
                           time_t *signed_at, tp_error *err)
{
    if (issued > c->now)
        return tp_error_set(err, TP_ERR_COLLATERAL, "%s is issued after the present time", what);
    if (next <= c->at)
        return tp_error_set(err, TP_ERR_COLLATERAL,
                            "%s has expired (its next update is before the time of the check)",
                            what);
    *signed_at = issued > c->at ? issued : c->at;
    return TP_OK;
}

static tp_err json_window(const coll_ctx *c, const json_t *inner, const char *what,
                          time_t *signed_at, tp_error *err)
{
    time_t issued, next;
    if (!parse_date(json_string_value(json_object_get(inner, "issueDate")), &issued) ||
        !parse_date(json_string_value(json_object_get(inner, "nextUpdate")), &next))
        return tp_error_set(err, TP_ERR_COLLATERAL, "%s: issueDate/nextUpdate malformed", what);
    return check_window(c, issued, next, what, signed_at, err);
}

/* {"<member>": {...}, "signature": "<hex r||s>"}: *doc gets the parsed document. */
static tp_err verify_signed_json(const coll_ctx *c, const char *file, const char *member,
                                 const char *chain_name, json_t **doc, tp_error *err)
{
    char *data = NULL;
    size_t len = 0, off = 0, span = 0;
    uint8_t sig[COLL_SIG_LEN];
    X509 *signer = NULL;
    time_t signed_at = 0;
    *doc = NULL;
    tp_err rc = read_coll(c, file, &data, &len, err);
    json_t *sel = rc == TP_OK ? json_pack("[s]", member) : NULL;
    if (rc == TP_OK && sel == NULL)
        rc = tp_error_set(err, TP_ERR_NOMEM, "out of memory");
    if (rc == TP_OK && tp_json_select((const uint8_t *)data, len, sel, &off, &span, err) != TP_OK)
        rc = recode(err, TP_ERR_COLLATERAL, file);
    if (rc == TP_OK)
        *doc = json_loadb(data, len, JSON_REJECT_DUPLICATES, NULL);
    const json_t *inner = json_object_get(*doc, member), *s = json_object_get(*doc, "signature");
    if (rc == TP_OK && (!json_is_object(inner) || !json_is_string(s) ||
                        json_string_length(s) != 2 * COLL_SIG_LEN ||
                        !tp_hex_decode_fixed(json_string_value(s), sig, COLL_SIG_LEN)))
        rc = tp_error_set(err, TP_ERR_COLLATERAL, "%s: no \"%s\" object or hex signature", file,
                          member);
    if (rc == TP_OK)
        rc = json_window(c, inner, file, &signed_at, err);
    if (rc == TP_OK)
        rc = load_signer(c, chain_name, TCB_SIGNING_CN, signed_at, &signer, err);
    if (rc == TP_OK && !tp_att_ecdsa_verify(X509_get0_pubkey(signer), EVP_sha256(), sig,
                                            sig + COLL_SIG_LEN / 2, COLL_SIG_LEN / 2, 0,
                                            (const uint8_t *)data + off, span))
        rc = tp_error_set(err, TP_ERR_COLLATERAL, "%s: the signature does not verify", file);
    if (rc != TP_OK) {
        json_decref(*doc);
        *doc = NULL;
    }
    X509_free(signer);
    json_decref(sel);
    free(data);
    return rc;
}

/* --- CRLs --- */

static tp_err load_crl(const coll_ctx *c, const char *name, X509_CRL **out, tp_error *err)
{
    char *data = NULL;
    size_t len = 0;
    tp_err rc = read_coll(c, name, &data, &len, err);
    const unsigned char *p = (const unsigned char *)data;
    *out = rc == TP_OK && len <= INT32_MAX ? d2i_X509_CRL(NULL, &p, (long)len) : NULL;
    if (rc == TP_OK && (*out == NULL || p != (const unsigned char *)data + len)) {
        X509_CRL_free(*out);
        *out = NULL;
        rc = tp_error_set(err, TP_ERR_COLLATERAL, "%s is not a DER CRL", name);
    }
    free(data);
    ERR_clear_error();
    return rc;
}

static int asn1_time_t(const ASN1_TIME *t, time_t *out)
{
    struct tm tm;
    if (t == NULL || !ASN1_TIME_to_tm(t, &tm))
        return 0;
    *out = timegm(&tm);
    return *out != (time_t)-1;
}

/* thisUpdate..nextUpdate overlaps [at, now] (see coll_ctx). */
static tp_err crl_window(const coll_ctx *c, X509_CRL *crl, const char *name, time_t *signed_at,
                         tp_error *err)
{
    time_t this_update, next_update;
    if (!asn1_time_t(X509_CRL_get0_lastUpdate(crl), &this_update) ||
        !asn1_time_t(X509_CRL_get0_nextUpdate(crl), &next_update))
        return tp_error_set(err, TP_ERR_COLLATERAL, "%s has no valid thisUpdate/nextUpdate", name);
    return check_window(c, this_update, next_update, name, signed_at, err);
}

/* Signed by key, issued by issuer, and cert not listed. */
static tp_err check_crl(X509_CRL *crl, const char *name, EVP_PKEY *key, X509_NAME *issuer,
                        X509 *cert, const char *cert_what, tp_error *err)
{
    X509_REVOKED *entry = NULL;
    int ok = X509_NAME_cmp(X509_CRL_get_issuer(crl), issuer) == 0 &&
             X509_CRL_verify(crl, key) == 1;
    ERR_clear_error();
    if (!ok)
        return tp_error_set(err, TP_ERR_COLLATERAL, "%s is not signed by its issuer", name);
    if (X509_CRL_get0_by_serial(crl, &entry, X509_get0_serialNumber(cert)) == 1)
        return tp_error_set(err, TP_ERR_REVOKED, "the %s is revoked (listed in %s)", cert_what,
                            name);
    return TP_OK;
}

/* The root CA CRL, signed by the anchor that issued the PCK's CA; the CA not listed. Kept
 * in c->root_crl for the signers checked after it. */
static tp_err check_root_crl(coll_ctx *c, X509 *pck_ca, tp_error *err)
{
    X509_CRL *crl;
    time_t signed_at;
    tp_err rc = load_crl(c, TP_COLL_ROOT_CRL, &crl, err);
    if (rc == TP_OK)
        rc = crl_window(c, crl, TP_COLL_ROOT_CRL, &signed_at, err);
    if (rc != TP_OK) {
        X509_CRL_free(crl);
        return rc;
    }
    X509 *root = NULL;
    for (int i = 0; i < sk_X509_num(c->anchors) && root == NULL; i++) {
        X509 *a = sk_X509_value(c->anchors, i);
        if (X509_NAME_cmp(X509_get_subject_name(a), X509_get_issuer_name(pck_ca)) == 0 &&
            X509_CRL_verify(crl, X509_get0_pubkey(a)) == 1)
            root = a;
    }
    ERR_clear_error();
    rc = root ? check_crl(crl, TP_COLL_ROOT_CRL, X509_get0_pubkey(root),
                          X509_get_subject_name(root), pck_ca, "PCK CA certificate", err)
              : tp_error_set(err, TP_ERR_COLLATERAL,
                             "%s is not signed by the trusted root of the PCK CA", TP_COLL_ROOT_CRL);
    if (rc == TP_OK)
        c->root_crl = crl;
    else
        X509_CRL_free(crl);
    return rc;
}

/* The CRL file of the PCK's CA and the CA's name, or TP_ERR_COLLATERAL_MISMATCH. */
static tp_err pck_crl_name(X509 *pck, const char **name, const char **cn, tp_error *err)
{
    X509_NAME *issuer = X509_get_issuer_name(pck);
    int platform = cn_is(issuer, PCK_PLATFORM_CA_CN);
    if (!platform && !cn_is(issuer, PCK_PROCESSOR_CA_CN))
        return tp_error_set(err, TP_ERR_COLLATERAL_MISMATCH,
                            "the PCK certificate's issuer is not an Intel PCK CA");
    *cn = platform ? PCK_PLATFORM_CA_CN : PCK_PROCESSOR_CA_CN;
    *name = platform ? TP_COLL_PCK_PLATFORM_CRL : TP_COLL_PCK_PROCESSOR_CRL;
    return TP_OK;
}

/* The PCK CA's CRL (platform or processor, by the PCK's issuer), signed by the CA of the
 * issuer chain file, which must carry the PCK's issuer name and be issued by an anchor. */
static tp_err check_pck_crl(const coll_ctx *c, X509 *pck, tp_error *err)
{
    X509_NAME *issuer = X509_get_issuer_name(pck);
    const char *cn, *name;
    tp_err named = pck_crl_name(pck, &name, &cn, err);
    if (named != TP_OK)
        return named;
    X509 *ca = NULL;
    X509_CRL *crl = NULL;
    time_t signed_at = 0;
    tp_err rc = load_crl(c, name, &crl, err);
    if (rc == TP_OK)
        rc = crl_window(c, crl, name, &signed_at, err);
    if (rc == TP_OK)
        rc = load_signer(c, TP_COLL_PCK_CRL_CHAIN, cn, signed_at, &ca, err);
    if (rc == TP_OK && X509_NAME_cmp(X509_get_subject_name(ca), issuer) != 0)
        rc = tp_error_set(err, TP_ERR_COLLATERAL_MISMATCH,
                          "%s is not the chain of the PCK certificate's issuer", TP_COLL_PCK_CRL_CHAIN);
    if (rc == TP_OK)
        rc = check_crl(crl, name, X509_get0_pubkey(ca), issuer, pck, "PCK certificate", err);
    X509_CRL_free(crl);
    X509_free(ca);
    return rc;
}

/* --- the whole check --- */

static void tcbinfo_name(const tp_pck_ext *ext, char out[COLL_NAME_MAX])
{
    char fmspc_hex[2 * sizeof(ext->fmspc) + 1];
    tp_hex_encode(ext->fmspc, sizeof(ext->fmspc), fmspc_hex);
    snprintf(out, COLL_NAME_MAX, TP_COLL_TCBINFO_FMT, fmspc_hex);
}

static tp_err check_all(coll_ctx *c, const tp_tdx_tcb_in *in, STACK_OF(X509) *pck_chain,
                        char tcb[TP_TCB_STATUS_MAX], char qe[TP_TCB_STATUS_MAX], tp_error *err)
{
    X509 *pck = sk_X509_value(pck_chain, 0), *pck_ca = sk_X509_value(pck_chain, 1);
    tp_pck_ext ext;
    if (X509_check_issued(pck_ca, pck) != X509_V_OK)
        return tp_error_set(err, TP_ERR_EVIDENCE_CHAIN, "TDX PCK chain: the second certificate "
                                                        "did not issue the PCK certificate");
    tp_err rc = tp_pck_ext_parse(pck, &ext, err);
    if (rc != TP_OK)
        return rc;
    char file[COLL_NAME_MAX];
    tcbinfo_name(&ext, file);
    json_t *tcb_doc = NULL, *qe_doc = NULL;
    rc = check_root_crl(c, pck_ca, err);
    if (rc == TP_OK)
        rc = verify_signed_json(c, file, "tcbInfo", TP_COLL_TCBINFO_CHAIN, &tcb_doc, err);
    if (rc == TP_OK)
        rc = verify_signed_json(c, TP_COLL_QEID, "enclaveIdentity", TP_COLL_QEID_CHAIN, &qe_doc,
                                err);
    if (rc == TP_OK)
        rc = check_pck_crl(c, pck, err);
    if (rc == TP_OK)
        rc = tp_tdx_tcb_judge(json_object_get(tcb_doc, "tcbInfo"), &ext, in, tcb, err);
    if (rc == TP_OK)
        rc = tp_tdx_qe_judge(json_object_get(qe_doc, "enclaveIdentity"), in->qe_report, qe, err);
    json_decref(tcb_doc);
    json_decref(qe_doc);
    return rc;
}

tp_err tp_tdx_collateral_check(const tp_tdx_tcb_in *in, const uint8_t *pck_pem, size_t pck_pem_len,
                               const tp_verify_opts *opts, char tcb_status[TP_TCB_STATUS_MAX],
                               char qe_status[TP_TCB_STATUS_MAX], tp_error *err)
{
    static const char *const k_builtin[] = {tp_root_intel_sgx_pem, NULL};
    coll_ctx c = {.dir = opts->collateral_dir, .bundle = opts->collateral, .now = time(NULL)};
    c.at = opts->at ? opts->at : c.now;
    STACK_OF(X509) *chain = NULL;
    tcb_status[0] = qe_status[0] = '\0';
    tp_err rc = tp_att_anchors(opts->roots_file, k_builtin, &c.anchors, err);
    if (rc == TP_OK && (!tp_att_pem_certs((const char *)pck_pem, pck_pem_len, &chain) ||
                        sk_X509_num(chain) < 2))
        rc = tp_error_set(err, TP_ERR_EVIDENCE_CHAIN, "TDX PCK chain lacks the PCK or its CA");
    if (rc == TP_OK)
        rc = check_all(&c, in, chain, tcb_status, qe_status, err);
    if (rc != TP_OK)
        tcb_status[0] = qe_status[0] = '\0';
    X509_CRL_free(c.root_crl);
    sk_X509_pop_free(chain, X509_free);
    sk_X509_pop_free(c.anchors, X509_free);
    return rc != TP_OK ? tp_error_prefix(err, rc, "TDX collateral") : TP_OK;
}

/* --- bundling (a notary's collateral, sent with its evidence) --- */

static tp_err bundle_names(X509 *pck, const char *names[TP_COLL_FILES], char tcbinfo[COLL_NAME_MAX],
                           tp_error *err)
{
    tp_pck_ext ext;
    const char *cn;
    tp_err rc = tp_pck_ext_parse(pck, &ext, err);
    if (rc == TP_OK)
        rc = pck_crl_name(pck, &names[4], &cn, err);
    if (rc != TP_OK)
        return rc;
    tcbinfo_name(&ext, tcbinfo);
    names[0] = tcbinfo;
    names[1] = TP_COLL_TCBINFO_CHAIN;
    names[2] = TP_COLL_QEID;
    names[3] = TP_COLL_QEID_CHAIN;
    names[5] = TP_COLL_PCK_CRL_CHAIN;
    names[6] = TP_COLL_ROOT_CRL;
    return TP_OK;
}

tp_err tp_tdx_collateral_bundle(const uint8_t *pck_pem, size_t pck_pem_len, const char *dir,
                                json_t **out, tp_error *err)
{
    STACK_OF(X509) *chain = NULL;
    const char *names[TP_COLL_FILES];
    char tcbinfo[COLL_NAME_MAX];
    *out = NULL;
    tp_err rc = tp_att_pem_certs((const char *)pck_pem, pck_pem_len, &chain)
                    ? bundle_names(sk_X509_value(chain, 0), names, tcbinfo, err)
                    : tp_error_set(err, TP_ERR_EVIDENCE_CHAIN, "TDX PCK chain is not valid PEM");
    json_t *bundle = rc == TP_OK ? json_object() : NULL;
    if (rc == TP_OK && bundle == NULL)
        rc = tp_error_set(err, TP_ERR_NOMEM, "out of memory");
    for (size_t i = 0; rc == TP_OK && i < TP_COLL_FILES; i++) {
        char *data = NULL;
        size_t len = 0;
        rc = read_dir_file(dir, names[i], &data, &len, err);
        if (rc == TP_OK && json_object_set_new(bundle, names[i],
                                               tp_json_base64((const uint8_t *)data, len)) != 0)
            rc = tp_error_set(err, TP_ERR_NOMEM, "out of memory");
        free(data);
    }
    sk_X509_pop_free(chain, X509_free);
    if (rc != TP_OK) {
        json_decref(bundle);
        return tp_error_prefix(err, rc, "TDX collateral bundle");
    }
    *out = bundle;
    return TP_OK;
}
