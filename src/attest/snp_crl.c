/* SEV-SNP: AMD's certificate revocation lists, given offline as collateral (a directory, or
 * the bundle a notary sent with its evidence), and the bundle's file names.
 * AMD's KDS publishes one CRL per product and key kind (…/vcek/v1/<Product>/crl for the
 * ASK, …/vlek/v1/<Product>/crl for the ASVK), issued and signed (RSA-PSS) by the product's
 * ARK. Files: snp_crl_<product>.der and snp_vlek_crl_<product>.der, product in lower case
 * from the ARK's common name ("ARK-Milan" -> milan). The CRL must be the ARK's, verify with
 * the ARK's key, be current at the time of the check (thisUpdate <= t <= nextUpdate), and
 * list none of the certificates the ARK issued in the chain (the ASK or ASVK). As in
 * go-sev-guest, the VCEK/VLEK itself is not looked up: AMD supersedes those by TCB version
 * rather than revoking them, and they are not issued by the ARK.
 * A notary bundles the CRL of its product (named from its key certificate's issuer,
 * "SEV-Milan" or "SEV-VLEK-Milan") and, when its evidence has no certificate table (the
 * /dev/sev-guest path), the key certificate snp_vcek.der / snp_vlek.der from its directory. */
#include <ctype.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attest/collateral.h"
#include "attest/snp.h"
#include "attest/x509util.h"

#define SNP_PRODUCT_MAX 32
#define SNP_CN_MAX 64

/* The lower-cased product after prefix in the common name of name ("ARK-Milan" with
 * "ARK-" -> milan); 0 when the name is not of that form. */
static int product_after(X509_NAME *name, const char *prefix, char out[SNP_PRODUCT_MAX])
{
    char cn[SNP_CN_MAX];
    size_t pl = strlen(prefix);
    if (X509_NAME_get_text_by_NID(name, NID_commonName, cn, sizeof(cn)) < 0 ||
        strncmp(cn, prefix, pl) != 0 || cn[pl] == '\0' || strlen(cn + pl) >= SNP_PRODUCT_MAX)
        return 0;
    size_t i = 0;
    for (const char *p = cn + pl; *p; p++, i++) {
        if (!isalnum((unsigned char)*p))
            return 0;
        out[i] = (char)tolower((unsigned char)*p);
    }
    out[i] = '\0';
    return 1;
}

static void crl_name(const char *product, int vlek, char out[TP_SNP_COLL_NAME_MAX])
{
    if (vlek)
        snprintf(out, TP_SNP_COLL_NAME_MAX, TP_SNP_COLL_VLEK_CRL_FMT, product);
    else
        snprintf(out, TP_SNP_COLL_NAME_MAX, TP_SNP_COLL_CRL_FMT, product);
}

static tp_err load_crl(const tp_verify_opts *opts, const char *name, const char *product,
                       X509_CRL **crl, tp_error *err)
{
    uint8_t *der = NULL;
    size_t len = 0;
    tp_err rc = tp_coll_read(opts->collateral_dir, opts->collateral, name, &der, &len, err);
    if (rc != TP_OK)
        return tp_error_prefix(err, rc, "no AMD CRL for SEV-SNP %s", product);
    const uint8_t *p = der;
    *crl = len <= INT32_MAX ? d2i_X509_CRL(NULL, &p, (long)len) : NULL;
    int whole = *crl != NULL && p == der + len;
    free(der);
    ERR_clear_error();
    if (!whole)
        return tp_error_set(err, TP_ERR_COLLATERAL, "%s is not a DER CRL", name);
    return TP_OK;
}

static int asn1_unix(const ASN1_TIME *t, time_t *out)
{
    struct tm tm;
    if (t == NULL || !ASN1_TIME_to_tm(t, &tm))
        return 0;
    *out = timegm(&tm);
    return *out != (time_t)-1;
}

/* Issued and signed by the ARK, and current at `at`; *out gets its dates. */
static tp_err check_crl(X509_CRL *crl, X509 *ark, const char *product, time_t at,
                        tp_snp_crl_result *out, tp_error *err)
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
    if (last == NULL || X509_cmp_time(last, &t) != -1 || !asn1_unix(last, &out->this_update))
        return tp_error_set(err, TP_ERR_COLLATERAL, "the SEV-SNP %s CRL is not yet valid", product);
    if (next == NULL || X509_cmp_time(next, &t) != 1 || !asn1_unix(next, &out->next_update))
        return tp_error_set(err, TP_ERR_COLLATERAL,
                            "the SEV-SNP %s CRL is past its nextUpdate: fetch a newer one", product);
    return TP_OK;
}

tp_err tp_snp_check_crl(STACK_OF(X509) *chain, int vlek, const tp_verify_opts *opts,
                        tp_snp_crl_result *out, tp_error *err)
{
    int n = sk_X509_num(chain);
    X509 *ark = n >= 2 ? sk_X509_value(chain, n - 1) : NULL;
    char product[SNP_PRODUCT_MAX], name[TP_SNP_COLL_NAME_MAX];
    memset(out, 0, sizeof(*out));
    if (ark == NULL || !product_after(X509_get_subject_name(ark), "ARK-", product))
        return tp_error_set(err, TP_ERR_COLLATERAL,
                            "SEV-SNP chain does not end at an ARK-<product> root: no CRL applies");
    crl_name(product, vlek, name);
    X509_CRL *crl = NULL;
    tp_err rc = load_crl(opts, name, product, &crl, err);
    if (rc == TP_OK)
        rc = check_crl(crl, ark, product, opts->at, out, err);
    for (int i = 0; rc == TP_OK && i < n - 1; i++) {
        X509 *c = sk_X509_value(chain, i);
        X509_REVOKED *entry = NULL;
        if (X509_check_issued(ark, c) == X509_V_OK && X509_CRL_get0_by_cert(crl, &entry, c) == 1)
            rc = tp_error_set(err, TP_ERR_REVOKED,
                              "SEV-SNP %s certificate of the chain is revoked by AMD's %s CRL",
                              vlek ? "ASVK" : "ASK", product);
    }
    if (rc == TP_OK)
        snprintf(out->file, sizeof(out->file), "%s", name);
    else
        memset(out, 0, sizeof(*out));
    X509_CRL_free(crl);
    ERR_clear_error();
    return rc;
}

int tp_snp_coll_key_cert(const tp_verify_opts *opts, int vlek, uint8_t **der, size_t *len)
{
    const char *name = vlek ? TP_SNP_COLL_VLEK : TP_SNP_COLL_VCEK;
    *der = NULL;
    if (opts->collateral != NULL && json_object_get(opts->collateral, name) != NULL &&
        tp_coll_read(NULL, opts->collateral, name, der, len, NULL) == TP_OK)
        return 1;
    return opts->collateral_dir != NULL && tp_coll_exists(opts->collateral_dir, name) &&
           tp_coll_read(opts->collateral_dir, NULL, name, der, len, NULL) == TP_OK;
}

/* --- the files a notary bundles with its evidence --- */

/* The product of a VCEK ("SEV-<Product>" issuer) or VLEK ("SEV-VLEK-<Product>" issuer). */
static tp_err key_product(const uint8_t *der, size_t len, int vlek, char out[SNP_PRODUCT_MAX],
                          tp_error *err)
{
    const uint8_t *p = der;
    X509 *cert = len <= INT32_MAX ? d2i_X509(NULL, &p, (long)len) : NULL;
    int ok = cert != NULL &&
             product_after(X509_get_issuer_name(cert), vlek ? "SEV-VLEK-" : "SEV-", out);
    X509_free(cert);
    ERR_clear_error();
    if (!ok)
        return tp_error_set(err, TP_ERR_EVIDENCE_CHAIN,
                            "the SEV-SNP %s certificate is not issued by an AMD SEV-%s<product> "
                            "key: its product (and CRL) is unknown", vlek ? "VLEK" : "VCEK",
                            vlek ? "VLEK-" : "");
    return TP_OK;
}

tp_err tp_snp_collateral_names(const uint8_t *ev, size_t len, const char *dir,
                               tp_collateral_names *out, tp_error *err)
{
    tp_snp_report s;
    tp_snp_certs c;
    memset(out, 0, sizeof(*out));
    tp_err rc = tp_snp_parse(ev, len, &s, &c, err);
    if (rc != TP_OK)
        return rc;
    int vlek = s.signing_key == TP_SNP_KEY_VLEK;
    const uint8_t *der = vlek ? c.vlek : c.vcek;
    size_t der_len = vlek ? c.vlek_len : c.vcek_len;
    uint8_t *file = NULL;
    const char *key_name = vlek ? TP_SNP_COLL_VLEK : TP_SNP_COLL_VCEK;
    if (der == NULL) { /* not in the evidence: the operator's copy travels in the bundle */
        if (dir == NULL)
            return tp_error_set(err, TP_ERR_COLLATERAL,
                                "the SEV-SNP evidence carries no %s certificate: put it in the "
                                "collateral directory as %s", vlek ? "VLEK" : "VCEK", key_name);
        rc = tp_coll_read(dir, NULL, key_name, &file, &der_len, err);
        der = file;
        snprintf(out->name[out->n++], TP_COLLATERAL_NAME_MAX, "%s", key_name);
    }
    char product[SNP_PRODUCT_MAX];
    if (rc == TP_OK)
        rc = key_product(der, der_len, vlek, product, err);
    if (rc == TP_OK)
        crl_name(product, vlek, out->name[out->n++]);
    free(file);
    if (rc != TP_OK)
        memset(out, 0, sizeof(*out));
    return rc;
}
