/* Hiding commitments to secret bytes (request, response, variable values): salts derived
 * from the prover's seed per item label, and the salted SHA-256 commitment; see
 * include/teeproof/proof.h and docs/proof-format.md. */
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <string.h>

#include "proof/commit.h"
#include "base/algs.h"
#include "base/codec.h"

static const char k_salt_context[] = "teeproof-salt-v1";
static const char k_commit_context[] = "teeproof-commit-v1";

int tp_commit_label_ok(const char *label)
{
    size_t n = label ? strlen(label) : 0;
    if (n == 0 || n > TP_COMMIT_LABEL_MAX)
        return 0;
    if (strcmp(label, TP_COMMIT_LABEL_REQUEST) == 0 || strcmp(label, TP_COMMIT_LABEL_RESPONSE) == 0)
        return 1;
    return strncmp(label, TP_COMMIT_LABEL_VAR_PREFIX, strlen(TP_COMMIT_LABEL_VAR_PREFIX)) == 0 &&
           n > strlen(TP_COMMIT_LABEL_VAR_PREFIX);
}

tp_err tp_commit_salt(const uint8_t *seed, size_t seed_len, const char *label,
                      uint8_t salt[TP_COMMIT_SALT_LEN], tp_error *err)
{
    if (seed_len != TP_COMMIT_SEED_LEN)
        return tp_error_set(err, TP_ERR_ARG, "the commitment seed must be %d bytes", TP_COMMIT_SEED_LEN);
    if (!tp_commit_label_ok(label))
        return tp_error_set(err, TP_ERR_ARG, "invalid commitment label");
    /* message = "teeproof-salt-v1" || 0x00 || label */
    size_t ctx_len = sizeof(k_salt_context), label_len = strlen(label);
    uint8_t msg[sizeof(k_salt_context) + TP_COMMIT_LABEL_MAX];
    memcpy(msg, k_salt_context, ctx_len); /* includes the NUL separator */
    memcpy(msg + ctx_len, label, label_len);
    int ok = TP_COMMIT_SALT_LEN == 32 && tp_hmac(tp_md_sha256(), seed, seed_len, msg, ctx_len + label_len, salt);
    OPENSSL_cleanse(msg, sizeof(msg));
    return ok ? TP_OK : tp_error_set(err, TP_ERR_CRYPTO, "cannot derive a commitment salt");
}

tp_err tp_commit(const char *label, const uint8_t salt[TP_COMMIT_SALT_LEN], const void *bytes,
                 size_t len, uint8_t out[TP_COMMIT_LEN], tp_error *err)
{
    static const uint8_t zero = 0;
    if (!tp_commit_label_ok(label))
        return tp_error_set(err, TP_ERR_ARG, "invalid commitment label");
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    /* SHA-256("teeproof-commit-v1" || 0x00 || label || 0x00 || salt || bytes) */
    int ok = ctx != NULL && EVP_DigestInit_ex(ctx, tp_md_sha256(), NULL) == 1 &&
             EVP_DigestUpdate(ctx, k_commit_context, sizeof(k_commit_context)) == 1 &&
             EVP_DigestUpdate(ctx, label, strlen(label)) == 1 &&
             EVP_DigestUpdate(ctx, &zero, 1) == 1 &&
             EVP_DigestUpdate(ctx, salt, TP_COMMIT_SALT_LEN) == 1 &&
             (len == 0 || EVP_DigestUpdate(ctx, bytes, len) == 1) &&
             EVP_DigestFinal_ex(ctx, out, NULL) == 1;
    EVP_MD_CTX_free(ctx);
    return ok ? TP_OK : tp_error_set(err, TP_ERR_CRYPTO, "cannot compute a commitment");
}

tp_err tp_commit_hex(const char *label, const uint8_t salt[TP_COMMIT_SALT_LEN], const void *bytes,
                     size_t len, char hex[2 * TP_COMMIT_LEN + 1], tp_error *err)
{
    uint8_t c[TP_COMMIT_LEN];
    tp_err rc = tp_commit(label, salt, bytes, len, c, err);
    if (rc == TP_OK)
        tp_hex_encode(c, sizeof(c), hex);
    return rc;
}

tp_err tp_commit_seeded_hex(const uint8_t *seed, size_t seed_len, const char *label,
                            const void *bytes, size_t len, char hex[2 * TP_COMMIT_LEN + 1],
                            tp_error *err)
{
    uint8_t salt[TP_COMMIT_SALT_LEN];
    tp_err rc = tp_commit_salt(seed, seed_len, label, salt, err);
    if (rc == TP_OK)
        rc = tp_commit_hex(label, salt, bytes, len, hex, err);
    OPENSSL_cleanse(salt, sizeof(salt));
    return rc;
}

int tp_commit_var_label(const char *name, char label[TP_COMMIT_LABEL_MAX + 1])
{
    size_t p = strlen(TP_COMMIT_LABEL_VAR_PREFIX), n = name ? strlen(name) : 0;
    if (n == 0 || p + n > TP_COMMIT_LABEL_MAX)
        return 0;
    memcpy(label, TP_COMMIT_LABEL_VAR_PREFIX, p);
    memcpy(label + p, name, n + 1);
    return 1;
}
