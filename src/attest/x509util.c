/* Certificate-chain and raw-signature helpers shared by the hardware verifiers. */
#include "attest/x509util.h"

#include <errno.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/codec.h"

int tp_att_pem_certs(const char *pem, size_t len, STACK_OF(X509) **certs)
{
    if (len > INT32_MAX)
        return 0;
    BIO *bio = BIO_new_mem_buf(pem, (int)len);
    if (bio == NULL)
        return 0;
    if (*certs == NULL && (*certs = sk_X509_new_null()) == NULL) {
        BIO_free(bio);
        return 0;
    }
    int n = 0;
    X509 *x;
    while ((x = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL) {
        if (!sk_X509_push(*certs, x)) {
            X509_free(x);
            n = 0;
            break;
        }
        n++;
    }
    BIO_free(bio);
    ERR_clear_error();
    return n > 0;
}

tp_err tp_att_read_file(const char *path, size_t max, uint8_t **out, size_t *len, tp_error *err)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return tp_error_set(err, TP_ERR_IO, "cannot open %s: %s", path, strerror(errno));
    tp_buf b = TP_BUF_INIT;
    uint8_t chunk[4096];
    size_t n;
    tp_err rc = TP_OK;
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
        if (b.len + n > max) {
            rc = tp_error_set(err, TP_ERR_LIMIT, "%s is larger than %zu bytes", path, max);
            break;
        }
        if (!tp_buf_append(&b, chunk, n)) {
            rc = tp_error_set(err, TP_ERR_NOMEM, "out of memory reading %s", path);
            break;
        }
    }
    if (rc == TP_OK && ferror(f))
        rc = tp_error_set(err, TP_ERR_IO, "cannot read %s", path);
    fclose(f);
    if (rc != TP_OK) {
        tp_buf_free(&b);
        return rc;
    }
    if (!tp_buf_terminate(&b)) {
        tp_buf_free(&b);
        return tp_error_set(err, TP_ERR_NOMEM, "out of memory reading %s", path);
    }
    *out = tp_buf_detach(&b, len);
    return TP_OK;
}

tp_err tp_att_pem_file(const char *path, STACK_OF(X509) **certs, tp_error *err)
{
    uint8_t *data;
    size_t len;
    tp_err rc = tp_att_read_file(path, 1 << 20, &data, &len, err);
    if (rc != TP_OK)
        return rc;
    int ok = tp_att_pem_certs((const char *)data, len, certs);
    free(data);
    if (!ok)
        return tp_error_set(err, TP_ERR_ARG, "%s holds no PEM certificate", path);
    return TP_OK;
}

tp_err tp_att_anchors(const char *roots_file, const char *const *builtin, STACK_OF(X509) **out,
                      tp_error *err)
{
    *out = NULL;
    if (roots_file != NULL)
        return tp_att_pem_file(roots_file, out, err);
    for (size_t i = 0; builtin[i] != NULL; i++) {
        if (!tp_att_pem_certs(builtin[i], strlen(builtin[i]), out)) {
            sk_X509_pop_free(*out, X509_free);
            *out = NULL;
            return tp_error_set(err, TP_ERR_CRYPTO, "cannot load a built-in root certificate");
        }
    }
    return TP_OK;
}

static tp_err chain_error(int code, const char *what, tp_error *err)
{
    const char *why = X509_verify_cert_error_string(code);
    if (code == X509_V_ERR_CERT_NOT_YET_VALID || code == X509_V_ERR_CERT_HAS_EXPIRED)
        return tp_error_set(err, TP_ERR_EVIDENCE_TIME, "%s certificate chain: %s", what, why);
    return tp_error_set(err, TP_ERR_EVIDENCE_CHAIN, "%s certificate chain: %s", what, why);
}

tp_err tp_att_verify_chain(X509 *leaf, STACK_OF(X509) *untrusted, STACK_OF(X509) *trusted,
                           time_t at, const char *what, tp_error *err)
{
    return tp_att_verify_chain_get(leaf, untrusted, trusted, at, what, NULL, err);
}

tp_err tp_att_verify_chain_get(X509 *leaf, STACK_OF(X509) *untrusted, STACK_OF(X509) *trusted,
                               time_t at, const char *what, STACK_OF(X509) **chain,
                               tp_error *err)
{
    X509_STORE *store = X509_STORE_new();
    X509_STORE_CTX *ctx = X509_STORE_CTX_new();
    tp_err rc = tp_error_set(err, TP_ERR_CRYPTO, "cannot set up %s chain verification", what);
    if (store == NULL || ctx == NULL)
        goto done;
    for (int i = 0; i < sk_X509_num(trusted); i++)
        if (!X509_STORE_add_cert(store, sk_X509_value(trusted, i)))
            goto done;
    if (!X509_STORE_CTX_init(ctx, store, leaf, untrusted))
        goto done;
    if (at != 0)
        X509_VERIFY_PARAM_set_time(X509_STORE_CTX_get0_param(ctx), at);
    if (X509_verify_cert(ctx) == 1)
        rc = chain == NULL || (*chain = X509_STORE_CTX_get1_chain(ctx)) != NULL
                 ? TP_OK
                 : tp_error_set(err, TP_ERR_NOMEM, "out of memory");
    else
        rc = chain_error(X509_STORE_CTX_get_error(ctx), what, err);
done:
    ERR_clear_error();
    X509_STORE_CTX_free(ctx);
    X509_STORE_free(store);
    return rc;
}

EVP_PKEY *tp_att_ec_pubkey(const char *group, const uint8_t *xy, size_t len)
{
    uint8_t point[1 + 2 * 66];
    if (len == 0 || len > sizeof(point) - 1)
        return NULL;
    point[0] = 0x04;
    memcpy(point + 1, xy, len);
    EVP_PKEY *key = NULL;
    OSSL_PARAM params[] = {
        OSSL_PARAM_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, (char *)group, 0),
        OSSL_PARAM_octet_string(OSSL_PKEY_PARAM_PUB_KEY, point, len + 1),
        OSSL_PARAM_END,
    };
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
    if (ctx == NULL || EVP_PKEY_fromdata_init(ctx) <= 0 ||
        EVP_PKEY_fromdata(ctx, &key, EVP_PKEY_PUBLIC_KEY, params) <= 0)
        key = NULL;
    EVP_PKEY_CTX_free(ctx);
    ERR_clear_error();
    return key;
}

/* DER ECDSA-Sig-Value from two n-byte integers. */
static int ecdsa_der(const uint8_t *r, const uint8_t *s, size_t n, int le, uint8_t **der)
{
    if (n > INT32_MAX)
        return -1;
    BIGNUM *br = le ? BN_lebin2bn(r, (int)n, NULL) : BN_bin2bn(r, (int)n, NULL);
    BIGNUM *bs = le ? BN_lebin2bn(s, (int)n, NULL) : BN_bin2bn(s, (int)n, NULL);
    ECDSA_SIG *sig = ECDSA_SIG_new();
    if (br == NULL || bs == NULL || sig == NULL || !ECDSA_SIG_set0(sig, br, bs)) {
        BN_free(br);
        BN_free(bs);
        ECDSA_SIG_free(sig);
        return -1;
    }
    *der = NULL;
    int len = i2d_ECDSA_SIG(sig, der);
    ECDSA_SIG_free(sig);
    return len;
}

int tp_att_ecdsa_verify(EVP_PKEY *key, const EVP_MD *md, const uint8_t *r, const uint8_t *s,
                        size_t n, int le, const uint8_t *msg, size_t msg_len)
{
    uint8_t *der = NULL;
    int der_len = ecdsa_der(r, s, n, le, &der);
    int ok = 0;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    if (der_len > 0 && ctx != NULL && EVP_DigestVerifyInit(ctx, NULL, md, NULL, key) == 1)
        ok = EVP_DigestVerify(ctx, der, (size_t)der_len, msg, msg_len) == 1;
    EVP_MD_CTX_free(ctx);
    OPENSSL_free(der);
    ERR_clear_error();
    return ok;
}

int tp_att_set_hex(json_t *obj, const char *key, const uint8_t *p, size_t n)
{
    char *hex = malloc(2 * n + 1);
    if (hex == NULL)
        return 0;
    tp_hex_encode(p, n, hex);
    int ok = json_object_set_new(obj, key, json_string(hex)) == 0;
    free(hex);
    return ok;
}
