/* Collateral from a PCS-compatible cache into the bundle (see pcs.h). Each file name of a
 * collateral directory maps to one request; the signed issuer chains arrive in response
 * headers (URL-encoded PEM) and are stored under their directory names:
 *   tcbinfo_fmspc_<fmspc>.json  GET /tdx/certification/v4/tcb?fmspc=<fmspc>
 *                               + TCB-Info-Issuer-Chain -> tcb_info_issuer_chain.pem
 *   qe_identity_td_qe.json      GET /tdx/certification/v4/qe/identity
 *                               + SGX-Enclave-Identity-Issuer-Chain -> qe_identity_issuer_chain.pem
 *   pck_<ca>_crl.der            GET /sgx/certification/v4/pckcrl?ca=<ca>&encoding=der
 *                               + SGX-PCK-CRL-Issuer-Chain -> pck_crl_issuer_chain.pem
 *   intel_root_crl.der          GET /sgx/certification/v4/rootcacrl (PCCS)
 *   snp_crl_<product>.der       GET /vcek/v1/<Product>/crl (AMD KDS)
 *   snp_vlek_crl_<product>.der  GET /vlek/v1/<Product>/crl
 * CRL bodies may come as DER, PEM or hex (caches differ); they are stored as DER. JSON
 * bodies are stored byte for byte (their signature covers those bytes). Nothing here is
 * trusted: verifiers check every signature. */
#include "notary/pcs.h"

#include <ctype.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attest/collateral.h"
#include "base/bytes.h"
#include "base/codec.h"
#include "base/json_bytes.h"
#include "http/http.h"
#include "teeproof/attest.h"

#define PCS_PATH_MAX 256
#define PCS_VAR_MAX 32 /* an FMSPC (12 hex digits) or an AMD product name */
#define PCS_HTTP_OK 200

enum { K_VAR = 1, K_CRL = 2, K_CAPITAL = 4 };

typedef struct pcs_route {
    const char *prefix, *suffix; /* the file name: prefix VAR suffix (VAR only with K_VAR) */
    const char *path;            /* printf format with one %s for VAR, or none */
    const char *chain_header, *chain_name;
    int flags;
} pcs_route;

static const pcs_route k_routes[] = {
    {"tcbinfo_fmspc_", ".json", "/tdx/certification/v4/tcb?fmspc=%s", "TCB-Info-Issuer-Chain",
     "tcb_info_issuer_chain.pem", K_VAR},
    {"qe_identity_td_qe.json", "", "/tdx/certification/v4/qe/identity",
     "SGX-Enclave-Identity-Issuer-Chain", "qe_identity_issuer_chain.pem", 0},
    {"pck_platform_crl.der", "", "/sgx/certification/v4/pckcrl?ca=platform&encoding=der",
     "SGX-PCK-CRL-Issuer-Chain", "pck_crl_issuer_chain.pem", K_CRL},
    {"pck_processor_crl.der", "", "/sgx/certification/v4/pckcrl?ca=processor&encoding=der",
     "SGX-PCK-CRL-Issuer-Chain", "pck_crl_issuer_chain.pem", K_CRL},
    {"intel_root_crl.der", "", "/sgx/certification/v4/rootcacrl", NULL, NULL, K_CRL},
    {"snp_crl_", ".der", "/vcek/v1/%s/crl", NULL, NULL, K_VAR | K_CRL | K_CAPITAL},
    {"snp_vlek_crl_", ".der", "/vlek/v1/%s/crl", NULL, NULL, K_VAR | K_CRL | K_CAPITAL},
};

/* The route of a file name and, for K_VAR, its variable part (lowercase letters and digits). */
static const pcs_route *route_of(const char *name, char var[PCS_VAR_MAX])
{
    size_t n = strlen(name);
    for (size_t i = 0; i < sizeof(k_routes) / sizeof(k_routes[0]); i++) {
        const pcs_route *r = &k_routes[i];
        size_t pl = strlen(r->prefix), sl = strlen(r->suffix);
        if (!(r->flags & K_VAR)) {
            if (strcmp(name, r->prefix) == 0)
                return r;
            continue;
        }
        if (n <= pl + sl || n - pl - sl >= PCS_VAR_MAX || strncmp(name, r->prefix, pl) != 0 ||
            strcmp(name + n - sl, r->suffix) != 0)
            continue;
        size_t vl = n - pl - sl;
        int ok = 1;
        for (size_t k = 0; k < vl && ok; k++)
            ok = islower((unsigned char)name[pl + k]) || isdigit((unsigned char)name[pl + k]);
        if (!ok)
            continue;
        memcpy(var, name + pl, vl);
        var[vl] = '\0';
        if (r->flags & K_CAPITAL)
            var[0] = (char)toupper((unsigned char)var[0]);
        return r;
    }
    return NULL;
}

/* Is name the chain another route delivers? */
static int is_chain_name(const char *name)
{
    for (size_t i = 0; i < sizeof(k_routes) / sizeof(k_routes[0]); i++)
        if (k_routes[i].chain_name != NULL && strcmp(k_routes[i].chain_name, name) == 0)
            return 1;
    return 0;
}

/* A CRL body as DER: DER itself, PEM, or hex text. */
static int crl_der(const tp_span *body, tp_buf *out)
{
    const uint8_t *p = body->p;
    X509_CRL *crl = NULL;
    if (body->len > 0 && body->len <= INT32_MAX && body->p[0] == 0x30) {
        crl = d2i_X509_CRL(NULL, &p, (long)body->len);
        if (crl == NULL || p != body->p + body->len) {
            X509_CRL_free(crl);
            crl = NULL;
        }
    } else if (body->len > 0 && body->len <= INT32_MAX) {
        BIO *b = BIO_new_mem_buf(body->p, (int)body->len);
        crl = b != NULL ? PEM_read_bio_X509_CRL(b, NULL, NULL, NULL) : NULL;
        BIO_free(b);
        if (crl == NULL) {
            tp_buf hex = TP_BUF_PUBLIC_INIT;
            size_t n = body->len;
            while (n > 0 && isspace(body->p[n - 1]))
                n--;
            if (tp_hex_decode((const char *)body->p, n, &hex)) {
                p = hex.data;
                crl = hex.len <= INT32_MAX ? d2i_X509_CRL(NULL, &p, (long)hex.len) : NULL;
            }
            tp_buf_free(&hex);
        }
    }
    ERR_clear_error();
    uint8_t *der = NULL;
    int dl = crl != NULL ? i2d_X509_CRL(crl, &der) : -1;
    int ok = dl > 0 && tp_buf_append(out, der, (size_t)dl);
    OPENSSL_free(der);
    X509_CRL_free(crl);
    return ok;
}

/* %XX decoding of a header value (PCS sends the PEM chain URL-encoded). */
static int pct_decode(const tp_span *v, tp_buf *out)
{
    for (size_t i = 0; i < v->len; i++) {
        int c = v->p[i];
        if (c == '%') {
            int hi = i + 2 < v->len ? tp_hex_digit(v->p[i + 1]) : -1;
            int lo = hi >= 0 ? tp_hex_digit(v->p[i + 2]) : -1;
            if (lo < 0)
                return 0;
            c = hi * 16 + lo;
            i += 2;
        }
        uint8_t b = (uint8_t)c;
        if (!tp_buf_append(out, &b, 1))
            return 0;
    }
    return 1;
}

static tp_err put(json_t *bundle, const char *name, tp_span data, tp_error *err)
{
    if (data.len == 0 || data.len > TP_COLL_FILE_MAX)
        return tp_error_set(err, TP_ERR_COLLATERAL, "collateral cache: %s is empty or over %u bytes",
                            name, TP_COLL_FILE_MAX);
    if (json_object_set_new(bundle, name, tp_json_base64(data.p, data.len)) != 0)
        return tp_error_set(err, TP_ERR_NOMEM, "out of memory");
    return TP_OK;
}

/* The issuer chain header of r, decoded, under r->chain_name. */
static tp_err put_chain(json_t *bundle, const pcs_route *r, const tp_http_message *m,
                        tp_error *err)
{
    const tp_http_header *h = tp_http_header_find(m, r->chain_header);
    tp_buf pem = TP_BUF_PUBLIC_INIT;
    tp_err rc = TP_OK;
    if (h == NULL || tp_http_header_count(m, r->chain_header) != 1)
        rc = tp_error_set(err, TP_ERR_COLLATERAL, "collateral cache: not one %s header",
                          r->chain_header);
    else if (!pct_decode(&h->value, &pem) || !tp_buf_terminate(&pem) ||
             strstr((const char *)pem.data, "-----BEGIN CERTIFICATE-----") == NULL)
        rc = tp_error_set(err, TP_ERR_COLLATERAL, "collateral cache: %s is not a URL-encoded "
                                                  "PEM chain", r->chain_header);
    if (rc == TP_OK)
        rc = put(bundle, r->chain_name, (tp_span){pem.data, pem.len}, err);
    tp_buf_free(&pem);
    return rc;
}

static tp_err fetch_one(const tp_pcs_source *src, const char *name, json_t *bundle,
                        tp_error *err)
{
    char var[PCS_VAR_MAX] = "", path[PCS_PATH_MAX];
    const pcs_route *r = route_of(name, var);
    if (r == NULL)
        return tp_error_set(err, TP_ERR_COLLATERAL, "a collateral cache cannot give %s", name);
    if (r->flags & K_VAR)
        snprintf(path, sizeof(path), r->path, var);
    else
        snprintf(path, sizeof(path), "%s", r->path);
    uint8_t *raw = NULL;
    tp_http_message m;
    tp_err rc = tp_pcs_get(src, path, &raw, &m, err);
    if (rc != TP_OK)
        return tp_error_prefix(err, rc, "%s", name);
    tp_buf crl = TP_BUF_PUBLIC_INIT;
    if (m.status != PCS_HTTP_OK)
        rc = tp_error_set(err, TP_ERR_COLLATERAL, "collateral cache answered %d for %s", m.status,
                          name);
    else if ((r->flags & K_CRL) && !crl_der(&m.body, &crl))
        rc = tp_error_set(err, TP_ERR_COLLATERAL, "collateral cache: %s is not a CRL", name);
    if (rc == TP_OK)
        rc = put(bundle, name, (r->flags & K_CRL) ? (tp_span){crl.data, crl.len} : m.body, err);
    if (rc == TP_OK && r->chain_header != NULL)
        rc = put_chain(bundle, r, &m, err);
    tp_buf_free(&crl);
    tp_http_message_free(&m);
    free(raw);
    return rc;
}

tp_err tp_pcs_fetch(void *ctx, const char *platform, const uint8_t *evidence, size_t len,
                    json_t **out, tp_error *err)
{
    const tp_pcs_source *src = ctx;
    tp_collateral_names names;
    *out = NULL;
    tp_err rc = tp_collateral_names_of(platform, evidence, len, NULL, &names, err);
    json_t *bundle = rc == TP_OK ? json_object() : NULL;
    if (rc == TP_OK && bundle == NULL)
        rc = tp_error_set(err, TP_ERR_NOMEM, "out of memory");
    for (size_t i = 0; rc == TP_OK && i < names.n; i++)
        if (!is_chain_name(names.name[i]))
            rc = fetch_one(src, names.name[i], bundle, err);
    for (size_t i = 0; rc == TP_OK && i < names.n; i++) /* every file, chains included */
        if (json_object_get(bundle, names.name[i]) == NULL)
            rc = tp_error_set(err, TP_ERR_COLLATERAL, "the collateral cache gave no %s",
                              names.name[i]);
    if (rc != TP_OK) {
        json_decref(bundle);
        return rc == TP_ERR_ARG ? rc : tp_error_prefix(err, rc, "collateral from %s", src->authority);
    }
    *out = bundle;
    return TP_OK;
}
