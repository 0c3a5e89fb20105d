/* SEV-SNP: AMD's certificate revocation lists, given offline in a collateral directory.
 * AMD's KDS publishes one CRL per product and key kind (…/vcek/v1/<Product>/crl for the
 * ASK, …/vlek/v1/<Product>/crl for the ASVK), issued and signed (RSA-PSS) by the product's
 * ARK. Files: <dir>/snp_crl_<product>.der and <dir>/snp_vlek_crl_<product>.der, product in
 * lower case from the ARK's common name ("ARK-Milan" -> milan). The CRL must be the ARK's,
 * verify with the ARK's key, be current at the time of the check (thisUpdate <= t <=
 * nextUpdate), and list none of the certificates the ARK issued in the chain (the ASK or
 * ASVK). As in go-sev-guest, the VCEK/VLEK itself is not looked up: AMD supersedes those
 * by TCB version rather than revoking them, and they are not issued by the ARK. */
#include <ctype.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attest/snp.h"
#include "attest/x509util.h"

#define SNP_CRL_MAX_BYTES (1 << 20)
#define SNP_PRODUCT_MAX 32

/* "milan" from the ARK's "ARK-Milan"; 0 when the name is not of that form. */
static int product_of(X509 *ark, char out[SNP_PRODUCT_MAX])
{
    char cn[64];
    if (X509_NAME_get_text_by_NID(X509_get_subject_name(ark), NID_commonName, cn, sizeof(cn)) < 0 ||
        strncmp(cn, "ARK-", 4) != 0 || cn[4] == '\0' || strlen(cn + 4) >= SNP_PRODUCT_MAX)
        return 0;
    size_t i = 0;
    for (const char *p = cn + 4; *p; p++, i++) {
        if (!isalnum((unsigned char)*p))
            return 0;
        out[i] = (char)tolower((unsigned char)*p);
    }
    out[i] = '\0';
    return 1;
}

static tp_err load_crl(const char *dir, const char *product, int vlek, X509_CRL **crl,
                       tp_error *err)
{
    char path[4096];
    if (snprintf(path, sizeof(path), "%s/snp_%scrl_%s.der", dir, vlek ? "vlek_" : "", product) >=
        (int)sizeof(path))
        return tp_error_set(err, TP_ERR_ARG, "collateral directory path too long");
    uint8_t *der = NULL;
    size_t len = 0;
    tp_err rc = tp_att_read_file(path, SNP_CRL_MAX_BYTES, &der, &len, err);
    if (rc == TP_ERR_IO)
        return tp_error_set(err, TP_ERR_COLLATERAL, "no AMD CRL for SEV-SNP %s: %s is missing",
                            product, path);
    if (rc != TP_OK)
        return rc;
    const uint8_t *p = der;
    *crl = len <= INT32_MAX ? d2i_X509_CRL(NULL, &p, (long)len) : NULL;
    int whole = *crl != NULL && p == der + len;
    free(der);
    ERR_clear_error();
    if (!whole)
        return tp_error_set(err, TP_ERR_COLLATERAL, "%s is not a DER CRL", path);
    return TP_OK;
}

/* Issued and signed by the ARK, and current at `at`. */
static tp_err check_crl(X509_CRL *crl, X509 *ark, const char *product, time_t at, tp_error *err)
{
    if (X509_NAME_cmp(X509_CRL_get_issuer(crl), X509_get_subject_name(ark)) != 0)
        return tp_error_set(err, TP_ERR_COLLATERAL, "the SEV-SNP %s CRL is not issued by the ARK",
                            product);
    EVP_PKEY *key = X509_get0_pubkey(ark);
    int ok = key != NULL && X509_CRL_verify(crl, key) == 1;
    ERR_clear_error();
    if (!ok)
        return tp_error_set(err, TP_ERR_COLLATERAL,
                            "the SEV-SNP %s CRL signature does not verify with the ARK", product);
    time_t t = at != 0 ? at : time(NULL);
    const ASN1_TIME *last = X509_CRL_get0_lastUpdate(crl), *next = X509_CRL_get0_nextUpdate(crl);
    if (last == NULL || X509_cmp_time(last, &t) != -1)
        return tp_error_set(err, TP_ERR_COLLATERAL, "the SEV-SNP %s CRL is not yet valid", product);
    if (next == NULL || X509_cmp_time(next, &t) != 1)
        return tp_error_set(err, TP_ERR_COLLATERAL,
                            "the SEV-SNP %s CRL is past its nextUpdate: fetch a newer one", product);
    return TP_OK;
}

tp_err tp_snp_check_crl(STACK_OF(X509) *chain, int vlek, const char *collateral_dir, time_t at,
                        tp_error *err)
{
    int n = sk_X509_num(chain);
    X509 *ark = n >= 2 ? sk_X509_value(chain, n - 1) : NULL;
    char product[SNP_PRODUCT_MAX];
    if (ark == NULL || !product_of(ark, product))
        return tp_error_set(err, TP_ERR_COLLATERAL,
                            "SEV-SNP chain does not end at an ARK-<product> root: no CRL applies");
    X509_CRL *crl = NULL;
    tp_err rc = load_crl(collateral_dir, product, vlek, &crl, err);
    if (rc == TP_OK)
        rc = check_crl(crl, ark, product, at, err);
    for (int i = 0; rc == TP_OK && i < n - 1; i++) {
        X509 *c = sk_X509_value(chain, i);
        X509_REVOKED *entry = NULL;
        if (X509_check_issued(ark, c) == X509_V_OK && X509_CRL_get0_by_cert(crl, &entry, c) == 1)
            rc = tp_error_set(err, TP_ERR_REVOKED,
                              "SEV-SNP %s certificate of the chain is revoked by AMD's %s CRL",
                              vlek ? "ASVK" : "ASK", product);
    }
    X509_CRL_free(crl);
    ERR_clear_error();
    return rc;
}
