/* TDX quote signature data: parsing and the Intel certification checks; see tdx_qe.h. */
#include "attest/tdx_qe.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <string.h>

#include "attest/roots.h"
#include "attest/x509util.h"
#include "base/codec.h"

#define CERT_TYPE_PCK_CHAIN 5
#define CERT_TYPE_QE_REPORT 6
#define QE_REPORT_DATA_OFF 320

static tp_err quote_truncated(tp_error *err, const char *what)
{
    return tp_error_set(err, TP_ERR_TRUNCATED, "TDX quote truncated in %s", what);
}

/* Certification data header: u16 type, u32 size, then size bytes. */
static tp_err read_cert_data(tp_reader *r, uint16_t want, tp_reader *body, tp_error *err)
{
    uint16_t type;
    uint32_t size;
    if (!tp_read_u16le(r, &type) || !tp_read_u32le(r, &size))
        return quote_truncated(err, "certification data header");
    if (type != want)
        return tp_error_set(err, TP_ERR_EVIDENCE,
                            "TDX quote certification data type %u, expected %u", type, want);
    if (!tp_read_sub(r, size, body))
        return quote_truncated(err, "certification data");
    return TP_OK;
}

tp_err tp_qe_parse(tp_reader *r, tp_qe_sigdata *out, tp_error *err)
{
    memset(out, 0, sizeof(*out));
    tp_reader qe, inner;
    uint16_t auth_len;
    if (!tp_read_bytes(r, 64, &out->quote_sig) || !tp_read_bytes(r, 64, &out->att_key))
        return quote_truncated(err, "quote signature");
    tp_err rc = read_cert_data(r, CERT_TYPE_QE_REPORT, &qe, err);
    if (rc != TP_OK)
        return rc;
    if (!tp_read_bytes(&qe, TP_QE_REPORT_LEN, &out->qe_report) ||
        !tp_read_bytes(&qe, 64, &out->qe_sig))
        return quote_truncated(err, "QE report");
    if (!tp_read_u16le(&qe, &auth_len) || !tp_read_bytes(&qe, auth_len, &out->qe_auth))
        return quote_truncated(err, "QE auth data");
    out->qe_auth_len = auth_len;
    rc = read_cert_data(&qe, CERT_TYPE_PCK_CHAIN, &inner, err);
    if (rc != TP_OK)
        return rc;
    out->pck_pem_len = tp_reader_left(&inner);
    if (out->pck_pem_len == 0 || !tp_read_bytes(&inner, out->pck_pem_len, &out->pck_pem))
        return tp_error_set(err, TP_ERR_EVIDENCE, "TDX quote has an empty PCK chain");
    return TP_OK;
}

/* Verifies the PEM chain; *leaf gets a reference to the PCK leaf (the first certificate). */
static tp_err verify_pck_chain(const tp_qe_sigdata *sd, const tp_verify_opts *opts, X509 **leaf,
                               tp_error *err)
{
    static const char *const k_builtin[] = {tp_root_intel_sgx_pem, NULL};
    STACK_OF(X509) *certs = NULL, *anchors = NULL;
    *leaf = NULL;
    if (!tp_att_pem_certs((const char *)sd->pck_pem, sd->pck_pem_len, &certs)) {
        sk_X509_pop_free(certs, X509_free);
        return tp_error_set(err, TP_ERR_EVIDENCE_CHAIN, "TDX PCK chain is not valid PEM");
    }
    tp_err rc = tp_att_anchors(opts->roots_file, k_builtin, &anchors, err);
    if (rc == TP_OK)
        rc = tp_att_verify_chain(sk_X509_value(certs, 0), certs, anchors, opts->at, "TDX PCK",
                                 err);
    if (rc == TP_OK && (*leaf = sk_X509_value(certs, 0)) != NULL && !X509_up_ref(*leaf))
        rc = tp_error_set(err, TP_ERR_NOMEM, "out of memory");
    if (rc != TP_OK)
        *leaf = NULL;
    sk_X509_pop_free(certs, X509_free);
    sk_X509_pop_free(anchors, X509_free);
    return rc;
}

static tp_err verify_qe_report(const tp_qe_sigdata *sd, X509 *pck, tp_error *err)
{
    EVP_PKEY *key = X509_get0_pubkey(pck);
    if (key == NULL || !tp_att_ecdsa_verify(key, EVP_sha256(), sd->qe_sig, sd->qe_sig + 32, 32, 0,
                                            sd->qe_report, TP_QE_REPORT_LEN))
        return tp_error_set(err, TP_ERR_EVIDENCE_SIG,
                            "TDX QE report signature does not verify with the PCK certificate");
    uint8_t hash[32];
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    int ok = ctx != NULL && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) == 1 &&
             EVP_DigestUpdate(ctx, sd->att_key, 64) == 1 &&
             EVP_DigestUpdate(ctx, sd->qe_auth, sd->qe_auth_len) == 1 &&
             EVP_DigestFinal_ex(ctx, hash, NULL) == 1;
    EVP_MD_CTX_free(ctx);
    if (!ok)
        return tp_error_set(err, TP_ERR_CRYPTO, "SHA-256 failed");
    if (CRYPTO_memcmp(hash, sd->qe_report + QE_REPORT_DATA_OFF, 32) != 0)
        return tp_error_set(err, TP_ERR_EVIDENCE_SIG,
                            "TDX QE report data does not commit to the attestation key");
    return TP_OK;
}

static tp_err verify_quote_sig(const tp_qe_sigdata *sd, const uint8_t *signed_part,
                               size_t signed_len, tp_error *err)
{
    EVP_PKEY *key = tp_att_ec_pubkey("prime256v1", sd->att_key, 64);
    if (key == NULL)
        return tp_error_set(err, TP_ERR_EVIDENCE_SIG,
                            "TDX attestation key is not a P-256 point");
    int ok = tp_att_ecdsa_verify(key, EVP_sha256(), sd->quote_sig, sd->quote_sig + 32, 32, 0,
                                 signed_part, signed_len);
    EVP_PKEY_free(key);
    if (!ok)
        return tp_error_set(err, TP_ERR_EVIDENCE_SIG,
                            "TDX quote signature does not verify with the attestation key");
    return TP_OK;
}

tp_err tp_qe_verify(const tp_qe_sigdata *sd, const uint8_t *signed_part, size_t signed_len,
                    const tp_verify_opts *opts, tp_error *err)
{
    X509 *pck = NULL;
    tp_err rc = verify_pck_chain(sd, opts, &pck, err);
    if (rc == TP_OK)
        rc = verify_qe_report(sd, pck, err);
    if (rc == TP_OK)
        rc = verify_quote_sig(sd, signed_part, signed_len, err);
    X509_free(pck);
    return rc;
}
