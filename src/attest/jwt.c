/* Compact JWS parsing and RS256 verification against a JWKS; see jwt.h. */
#include "attest/jwt.h"

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <stdlib.h>
#include <string.h>

#include "attest/x509util.h"
#include "base/codec.h"

static int is_b64url(uint8_t c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_';
}

/* Strict base64url (no padding, no other characters) of one segment. */
static int b64url_segment(const uint8_t *p, size_t n, tp_buf *out)
{
    for (size_t i = 0; i < n; i++)
        if (!is_b64url(p[i]))
            return 0;
    return n > 0 && tp_base64_decode((const char *)p, n, 1, out);
}

static json_t *json_segment(const uint8_t *p, size_t n)
{
    tp_buf b = TP_BUF_INIT;
    json_t *j = NULL;
    if (b64url_segment(p, n, &b)) {
        json_error_t jerr;
        j = json_loadb((const char *)b.data, b.len, JSON_REJECT_DUPLICATES, &jerr);
        if (j != NULL && !json_is_object(j)) {
            json_decref(j);
            j = NULL;
        }
    }
    tp_buf_free(&b);
    return j;
}

/* Positions of the two dots; exactly two. */
static int split_dots(const uint8_t *tok, size_t len, size_t *d1, size_t *d2)
{
    int n = 0;
    for (size_t i = 0; i < len; i++) {
        if (tok[i] != '.')
            continue;
        if (n == 0)
            *d1 = i;
        else if (n == 1)
            *d2 = i;
        n++;
    }
    return n == 2;
}

static tp_err parse_header(tp_jwt *out, tp_error *err)
{
    const char *typ = json_string_value(json_object_get(out->header, "typ"));
    if (json_object_get(out->header, "crit") != NULL)
        return tp_error_set(err, TP_ERR_EVIDENCE, "token: crit header not supported");
    if (!json_is_string(json_object_get(out->header, "alg")) ||
        strcmp(json_string_value(json_object_get(out->header, "alg")), "RS256") != 0)
        return tp_error_set(err, TP_ERR_EVIDENCE, "token: alg is not RS256");
    if (json_object_get(out->header, "typ") != NULL && (typ == NULL || strcmp(typ, "JWT") != 0))
        return tp_error_set(err, TP_ERR_EVIDENCE, "token: typ is not JWT");
    out->kid = json_string_value(json_object_get(out->header, "kid"));
    if (out->kid == NULL || out->kid[0] == '\0' || strlen(out->kid) > 256)
        return tp_error_set(err, TP_ERR_EVIDENCE, "token: kid missing");
    return TP_OK;
}

tp_err tp_jwt_parse(const uint8_t *tok, size_t len, tp_jwt *out, tp_error *err)
{
    memset(out, 0, sizeof(*out));
    size_t d1 = 0, d2 = 0;
    if (len > TP_JWT_MAX)
        return tp_error_set(err, TP_ERR_EVIDENCE, "token is %zu bytes (limit %d)", len, TP_JWT_MAX);
    if (!split_dots(tok, len, &d1, &d2))
        return tp_error_set(err, TP_ERR_EVIDENCE, "token is not header.payload.signature");
    out->header = json_segment(tok, d1);
    out->claims = json_segment(tok + d1 + 1, d2 - d1 - 1);
    if (out->header == NULL || out->claims == NULL ||
        !b64url_segment(tok + d2 + 1, len - d2 - 1, &out->sig)) {
        tp_jwt_free(out);
        return tp_error_set(err, TP_ERR_EVIDENCE, "token: a segment is not base64url JSON");
    }
    out->signed_part = tok;
    out->signed_len = d2;
    tp_err rc = parse_header(out, err);
    if (rc != TP_OK)
        tp_jwt_free(out);
    return rc;
}

void tp_jwt_free(tp_jwt *jwt)
{
    json_decref(jwt->header);
    json_decref(jwt->claims);
    tp_buf_free(&jwt->sig);
    memset(jwt, 0, sizeof(*jwt));
}

/* ---- JWKS ---- */

static BIGNUM *b64url_bn(const char *s, size_t max_bytes)
{
    tp_buf b = TP_BUF_INIT;
    BIGNUM *bn = NULL;
    if (s != NULL && b64url_segment((const uint8_t *)s, strlen(s), &b) && b.len <= max_bytes &&
        b.data[0] != 0)
        bn = BN_bin2bn(b.data, (int)b.len, NULL);
    tp_buf_free(&b);
    return bn;
}

static EVP_PKEY *rsa_from_jwk(const json_t *jwk)
{
    BIGNUM *n = b64url_bn(json_string_value(json_object_get(jwk, "n")), 1024);
    BIGNUM *e = b64url_bn(json_string_value(json_object_get(jwk, "e")), 8);
    OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
    OSSL_PARAM *params = NULL;
    EVP_PKEY_CTX *ctx = NULL;
    EVP_PKEY *key = NULL;
    if (n == NULL || e == NULL || bld == NULL || BN_num_bits(n) < 2048 || BN_num_bits(n) > 8192 ||
        !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n) ||
        !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e) ||
        (params = OSSL_PARAM_BLD_to_param(bld)) == NULL)
        goto out;
    ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
    if (ctx == NULL || EVP_PKEY_fromdata_init(ctx) <= 0 ||
        EVP_PKEY_fromdata(ctx, &key, EVP_PKEY_PUBLIC_KEY, params) <= 0)
        key = NULL;
out:
    EVP_PKEY_CTX_free(ctx);
    OSSL_PARAM_free(params);
    OSSL_PARAM_BLD_free(bld);
    BN_free(n);
    BN_free(e);
    ERR_clear_error();
    return key;
}

/* The one JWK whose kid matches; NULL when none (or, ambiguously, several). */
static const json_t *find_jwk(const json_t *jwks, const char *kid)
{
    const json_t *found = NULL, *k;
    size_t i;
    json_array_foreach(json_object_get(jwks, "keys"), i, k) {
        const char *id = json_string_value(json_object_get(k, "kid"));
        if (id != NULL && strcmp(id, kid) == 0) {
            if (found != NULL)
                return NULL;
            found = k;
        }
    }
    return found;
}

static tp_err jwk_key(const json_t *jwk, const char *kid, EVP_PKEY **key, tp_error *err)
{
    const char *kty = json_string_value(json_object_get(jwk, "kty"));
    const char *alg = json_string_value(json_object_get(jwk, "alg"));
    const char *use = json_string_value(json_object_get(jwk, "use"));
    if (kty == NULL || strcmp(kty, "RSA") != 0 || (alg != NULL && strcmp(alg, "RS256") != 0) ||
        (use != NULL && strcmp(use, "sig") != 0))
        return tp_error_set(err, TP_ERR_EVIDENCE_CHAIN, "JWKS key %.64s is not an RS256 signing key", kid);
    *key = rsa_from_jwk(jwk);
    if (*key == NULL)
        return tp_error_set(err, TP_ERR_ARG, "JWKS key %.64s: bad n/e (RSA 2048..8192 bits)", kid);
    return TP_OK;
}

static tp_err load_jwks(const char *path, json_t **out, tp_error *err)
{
    uint8_t *data = NULL;
    size_t len = 0;
    tp_err rc = tp_att_read_file(path, TP_JWKS_MAX, &data, &len, err);
    if (rc != TP_OK)
        return rc;
    json_error_t jerr;
    *out = json_loadb((const char *)data, len, JSON_REJECT_DUPLICATES, &jerr);
    free(data);
    if (*out == NULL || !json_is_array(json_object_get(*out, "keys"))) {
        json_decref(*out);
        *out = NULL;
        return tp_error_set(err, TP_ERR_ARG, "%s is not a JWKS ({\"keys\": [...]})", path);
    }
    return TP_OK;
}

tp_err tp_jwt_verify_rs256(const tp_jwt *jwt, const char *jwks_file, tp_error *err)
{
    json_t *jwks = NULL;
    EVP_PKEY *key = NULL;
    tp_err rc = load_jwks(jwks_file, &jwks, err);
    if (rc != TP_OK)
        return rc;
    const json_t *jwk = find_jwk(jwks, jwt->kid);
    if (jwk == NULL)
        rc = tp_error_set(err, TP_ERR_EVIDENCE_CHAIN, "token kid %.64s is not (uniquely) in %s", jwt->kid,
                          jwks_file);
    else
        rc = jwk_key(jwk, jwt->kid, &key, err);
    if (rc == TP_OK) {
        EVP_MD_CTX *md = EVP_MD_CTX_new();
        int ok = md != NULL && jwt->sig.len == (size_t)EVP_PKEY_get_size(key) &&
                 EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL, key) == 1 &&
                 EVP_DigestVerify(md, jwt->sig.data, jwt->sig.len, jwt->signed_part, jwt->signed_len) == 1;
        EVP_MD_CTX_free(md);
        ERR_clear_error();
        if (!ok)
            rc = tp_error_set(err, TP_ERR_EVIDENCE_SIG, "token: RS256 signature does not verify");
    }
    EVP_PKEY_free(key);
    json_decref(jwks);
    return rc;
}
