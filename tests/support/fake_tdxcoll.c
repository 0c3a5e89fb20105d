/* Test support: TDX collateral directories; see fake_tdxcoll.h. */
#include "fake_tdxcoll.h"

#include <openssl/pem.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/codec.h"
#include "fake_tee.h"
#include "testvectors.h"

#define TEST_NOT_BEFORE 1577836800 /* 2020 */
#define TEST_NOT_AFTER 2840140800  /* 2060 */
#define NAME_LEN 128
#define PATH_LEN 1024
#define CRL_DAYS 30
#define DAY 86400

static const char *const k_files[] = {
    "intel_root_crl.der",           "pck_crl_issuer_chain.pem", "pck_platform_crl.der",
    "qe_identity_issuer_chain.pem", FAKE_TDXCOLL_QEID,          "tcb_info_issuer_chain.pem",
    FAKE_TDXCOLL_TCBINFO,
};

int fake_tdxcoll_write(const char *dir, const char *name, const void *data, size_t len)
{
    char path[PATH_LEN];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (f == NULL)
        return 0;
    int ok = fwrite(data, 1, len, f) == len;
    return fclose(f) == 0 && ok;
}

static X509 *pck_of_quote(const uint8_t *q, size_t len)
{
    const char *begin = memmem(q, len, "-----BEGIN CERTIFICATE-----", 27);
    if (begin == NULL)
        return NULL;
    BIO *b = BIO_new_mem_buf(begin, (int)(len - (size_t)((const uint8_t *)begin - q)));
    X509 *x = b ? PEM_read_bio_X509(b, NULL, NULL, NULL) : NULL;
    BIO_free(b);
    return x;
}

int fake_tdxcoll_init(fake_tdxcoll *c, const uint8_t *quote, size_t len)
{
    memset(c, 0, sizeof(*c));
    c->pck = pck_of_quote(quote, len);
    c->root_key = fake_ec_key("prime256v1");
    c->sign_key = fake_ec_key("prime256v1");
    c->ca_key = fake_ec_key("prime256v1");
    if (c->pck == NULL || !c->root_key || !c->sign_key || !c->ca_key)
        return 0;
    c->root = fake_cert("teeproof test root", c->root_key, NULL, NULL, 1, TEST_NOT_BEFORE,
                        TEST_NOT_AFTER);
    c->signer = fake_cert("Intel SGX TCB Signing", c->sign_key, c->root, c->root_key, 0,
                          TEST_NOT_BEFORE, TEST_NOT_AFTER);
    c->ca = fake_cert("Intel SGX PCK Platform CA", c->ca_key, c->root, c->root_key, 1,
                      TEST_NOT_BEFORE, TEST_NOT_AFTER);
    /* The test CA carries the real PCK's issuer name (the whole DN), re-signed. */
    return c->root && c->signer && c->ca &&
           X509_set_subject_name(c->ca, X509_get_issuer_name(c->pck)) &&
           X509_sign(c->ca, c->root_key, EVP_sha256()) > 0;
}

void fake_tdxcoll_free(fake_tdxcoll *c)
{
    EVP_PKEY_free(c->root_key);
    EVP_PKEY_free(c->sign_key);
    EVP_PKEY_free(c->ca_key);
    X509_free(c->root);
    X509_free(c->signer);
    X509_free(c->ca);
    X509_free(c->pck);
    memset(c, 0, sizeof(*c));
}

int fake_tdxcoll_write_roots(const fake_tdxcoll *c, const char *path)
{
    size_t intel_len, pem_len = 0;
    uint8_t *intel = tv_load("intel_sgx_root.pem", &intel_len);
    char *pem = NULL;
    FILE *f = intel && fake_pem_append(&pem, &pem_len, c->root) ? fopen(path, "wb") : NULL;
    int ok = f != NULL && fwrite(intel, 1, intel_len, f) == intel_len &&
             fputc('\n', f) != EOF && /* the vendor file ends without one */
             fwrite(pem, 1, pem_len, f) == pem_len;
    if (f != NULL && fclose(f) != 0)
        ok = 0;
    free(intel);
    free(pem);
    return ok;
}

int fake_tdxcoll_copy(const char *dir)
{
    if (mkdir(dir, 0700) != 0)
        return 0;
    for (size_t i = 0; i < sizeof(k_files) / sizeof(k_files[0]); i++) {
        char name[NAME_LEN];
        size_t len;
        snprintf(name, sizeof(name), "tdx_collateral/%s", k_files[i]);
        uint8_t *data = tv_load(name, &len);
        int ok = data != NULL && fake_tdxcoll_write(dir, k_files[i], data, len);
        free(data);
        if (!ok)
            return 0;
    }
    return 1;
}

static int write_chain(const fake_tdxcoll *c, const char *dir, const char *name, X509 *leaf)
{
    char *pem = NULL;
    size_t len = 0;
    int ok = fake_pem_append(&pem, &len, leaf) && fake_pem_append(&pem, &len, c->root) &&
             fake_tdxcoll_write(dir, name, pem, len);
    free(pem);
    return ok;
}

static char *signed_body(const char *member, const char *inner, EVP_PKEY *key)
{
    uint8_t rs[64];
    char hex[129];
    if (!fake_ecdsa_sign(key, EVP_sha256(), (const uint8_t *)inner, strlen(inner), rs, rs + 32,
                         32, 0))
        return NULL;
    tp_hex_encode(rs, sizeof(rs), hex);
    size_t n = strlen(inner) + strlen(member) + sizeof(hex) + 32;
    char *out = malloc(n);
    if (out != NULL)
        snprintf(out, n, "{\"%s\":%s,\"signature\":\"%s\"}", member, inner, hex);
    return out;
}

int fake_tdxcoll_resign(const fake_tdxcoll *c, const char *dir, const char *file,
                        const char *member, const char *chain_name, fake_tdxcoll_edit edit,
                        EVP_PKEY *key, X509 *leaf)
{
    char name[NAME_LEN];
    size_t len;
    snprintf(name, sizeof(name), "tdx_collateral/%s", file);
    uint8_t *text = tv_load(name, &len);
    json_t *doc = text ? json_loadb((const char *)text, len, 0, NULL) : NULL;
    json_t *inner = json_object_get(doc, member);
    char *dumped = NULL, *body = NULL;
    int ok = inner != NULL;
    if (ok) {
        edit(inner);
        dumped = json_dumps(inner, JSON_COMPACT | JSON_PRESERVE_ORDER);
        body = dumped ? signed_body(member, dumped, key) : NULL;
        ok = body != NULL && fake_tdxcoll_write(dir, file, body, strlen(body)) &&
             write_chain(c, dir, chain_name, leaf);
    }
    free(body);
    free(dumped);
    json_decref(doc);
    free(text);
    return ok;
}

static void set_svns(json_t *level, const char *key, int svn)
{
    json_t *arr = json_object_get(json_object_get(level, "tcb"), key);
    size_t i;
    json_t *comp;
    json_array_foreach(arr, i, comp)
        json_object_set_new(comp, "svn", json_integer(svn));
}

static void zero_level(json_t *level)
{
    set_svns(level, "sgxtcbcomponents", 0);
    set_svns(level, "tdxtcbcomponents", 0);
    json_object_set_new(json_object_get(level, "tcb"), "pcesvn", json_integer(0));
}

void fake_tdxcoll_meetable(json_t *info)
{
    zero_level(json_array_get(json_object_get(info, "tcbLevels"), 0));
}

void fake_tdxcoll_raised(json_t *info)
{
    json_t *levels = json_object_get(info, "tcbLevels");
    zero_level(json_array_get(levels, 0));
    zero_level(json_array_get(levels, 1));
    json_t *tdx = json_object_get(json_object_get(json_array_get(levels, 0), "tcb"),
                                  "tdxtcbcomponents");
    json_object_set_new(json_array_get(tdx, 2), "svn", json_integer(5)); /* quote: 4 */
}

int fake_tdxcoll_meetable_dir(const fake_tdxcoll *c, const char *dir)
{
    return fake_tdxcoll_resign(c, dir, FAKE_TDXCOLL_TCBINFO, "tcbInfo", "tcb_info_issuer_chain.pem",
                               fake_tdxcoll_meetable, c->sign_key, c->signer);
}

int fake_tdxcoll_crl(const fake_tdxcoll *c, const char *dir, ASN1_INTEGER *serial)
{
    X509_CRL *crl = X509_CRL_new();
    X509_REVOKED *rev = X509_REVOKED_new();
    ASN1_TIME *last = ASN1_TIME_set(NULL, FAKE_TDXCOLL_AT - DAY);
    ASN1_TIME *next = ASN1_TIME_set(NULL, FAKE_TDXCOLL_AT + CRL_DAYS * DAY);
    int ok = crl && rev && last && next && X509_CRL_set_version(crl, 1) &&
             X509_CRL_set_issuer_name(crl, X509_get_subject_name(c->ca)) &&
             X509_CRL_set1_lastUpdate(crl, last) && X509_CRL_set1_nextUpdate(crl, next) &&
             X509_REVOKED_set_serialNumber(rev, serial) &&
             X509_REVOKED_set_revocationDate(rev, last) && X509_CRL_add0_revoked(crl, rev);
    if (!ok)
        X509_REVOKED_free(rev);
    ok = ok && X509_CRL_sort(crl) && X509_CRL_sign(crl, c->ca_key, EVP_sha256()) > 0;
    unsigned char *der = NULL;
    int len = ok ? i2d_X509_CRL(crl, &der) : -1;
    ok = len > 0 && fake_tdxcoll_write(dir, "pck_platform_crl.der", der, (size_t)len) &&
         write_chain(c, dir, "pck_crl_issuer_chain.pem", c->ca);
    OPENSSL_free(der);
    ASN1_TIME_free(last);
    ASN1_TIME_free(next);
    X509_CRL_free(crl);
    return ok;
}
