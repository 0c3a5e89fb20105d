/* The TLS 1.3 cipher suite table and record protection (RFC 8446 §5.2-5.3):
 * per-record nonce = iv XOR seq, additional data = the record header, inner plaintext
 * = content || type || zeros. */
#include <openssl/crypto.h>
#include <string.h>

#include "base/algs.h"
#include "tls/tls_internal.h"
#include "tls/transcript.h"

static const tp_suite k_suites[] = {
    {0x1301, "TLS_AES_128_GCM_SHA256", tp_md_sha256, EVP_aes_128_gcm, 16, 32},
    {0x1302, "TLS_AES_256_GCM_SHA384", tp_md_sha384, EVP_aes_256_gcm, 32, 48},
    {0x1303, "TLS_CHACHA20_POLY1305_SHA256", tp_md_sha256, EVP_chacha20_poly1305, 32, 32},
};

int tp_suite_index(uint16_t id)
{
    for (size_t i = 0; i < sizeof(k_suites) / sizeof(k_suites[0]); i++)
        if (k_suites[i].id == id)
            return (int)i;
    return -1;
}

const tp_suite *tp_suite_find(uint16_t id)
{
    int i = tp_suite_index(id);
    return i < 0 ? NULL : &k_suites[i];
}

const char *tp_tls_suite_name(uint16_t suite)
{
    const tp_suite *s = tp_suite_find(suite);
    const tp_suite12 *s12 = tp_suite12_find(suite);
    return s ? s->name : s12 ? s12->base.name : NULL;
}

tp_err tp_traffic_set(tp_traffic *t, const tp_suite *suite, const uint8_t *secret,
                      const char *label, tp_error *err)
{
    tp_traffic_wipe(t);
    t->suite = suite;
    t->label = label;
    memcpy(t->secret, secret, suite->hash_len);
    const EVP_MD *md = suite->md();
    if (!tp_hkdf_expand_label(md, secret, suite->hash_len, "key", NULL, 0, t->key,
                              suite->key_len) ||
        !tp_hkdf_expand_label(md, secret, suite->hash_len, "iv", NULL, 0, t->iv,
                              TP_TLS_IV_LEN)) {
        tp_traffic_wipe(t);
        return tp_error_set(err, TP_ERR_CRYPTO, "deriving traffic key and iv failed");
    }
    t->seq = 0;
    t->active = 1;
    return TP_OK;
}

tp_err tp_traffic_update(tp_traffic *t, tp_error *err)
{
    uint8_t next[TP_TLS_MAX_HASH];
    const tp_suite *suite = t->suite;
    if (!tp_hkdf_expand_label(suite->md(), t->secret, suite->hash_len, "traffic upd", NULL, 0,
                              next, suite->hash_len))
        return tp_error_set(err, TP_ERR_CRYPTO, "KeyUpdate: deriving next secret failed");
    tp_err rc = tp_traffic_set(t, suite, next, "updated application", err);
    OPENSSL_cleanse(next, sizeof(next));
    return rc;
}

void tp_traffic_wipe(tp_traffic *t)
{
    EVP_CIPHER_CTX_free(t->ctx); /* the providers clear the key schedule */
    OPENSSL_cleanse(t, sizeof(*t));
}

void tp_make_nonce(const tp_traffic *t, uint8_t nonce[TP_TLS_IV_LEN])
{
    memcpy(nonce, t->iv, TP_TLS_IV_LEN);
    for (int i = 0; i < 8; i++)
        nonce[TP_TLS_IV_LEN - 1 - i] ^= (uint8_t)(t->seq >> (8 * i));
}

int tp_traffic_aead_open(tp_traffic *t, const uint8_t nonce[TP_TLS_IV_LEN], const uint8_t *aad,
                         size_t aad_len, const uint8_t *ct, size_t ct_len, const uint8_t *tag,
                         uint8_t *out)
{
    EVP_CIPHER_CTX *c = t->ctx;
    int n = 0, ok = 1;
    if (c == NULL) { /* the first record under this key: cipher, nonce length, key */
        c = t->ctx = EVP_CIPHER_CTX_new();
        ok = c != NULL && EVP_DecryptInit_ex(c, t->suite->cipher(), NULL, NULL, NULL) &&
             EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_SET_IVLEN, TP_TLS_IV_LEN, NULL) &&
             EVP_DecryptInit_ex(c, NULL, NULL, t->key, nonce);
    } else {
        ok = EVP_DecryptInit_ex(c, NULL, NULL, NULL, nonce); /* same key, this record's nonce */
    }
    ok = ok && EVP_DecryptUpdate(c, NULL, &n, aad, (int)aad_len);
    ok = ok && EVP_DecryptUpdate(c, out, &n, ct, (int)ct_len);
    ok = ok && EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_SET_TAG, TP_TLS_TAG_LEN, (void *)tag);
    ok = ok && EVP_DecryptFinal_ex(c, out + n, &n);
    if (!ok) {
        EVP_CIPHER_CTX_free(t->ctx);
        t->ctx = NULL;
    }
    return ok;
}

static int aead_decrypt(tp_traffic *t, const uint8_t *aad, const uint8_t *ct, size_t ct_len,
                        const uint8_t *tag, uint8_t *out)
{
    uint8_t nonce[TP_TLS_IV_LEN];
    tp_make_nonce(t, nonce);
    return tp_traffic_aead_open(t, nonce, aad, 5, ct, ct_len, tag, out);
}

tp_err tp_traffic_open(tp_traffic *t, const tp_record *rec, tp_buf *out, uint8_t *inner_type,
                       const char *who, tp_error *err)
{
    if (t->tls12)
        return tp_traffic_open12(t, rec, out, inner_type, who, err);
    tp_reader body = rec->body;
    size_t total = tp_reader_left(&body);
    if (total < TP_TLS_TAG_LEN + 1)
        return tp_error_set(err, TP_ERR_TLS_RECORD, "%s record: %zu bytes is too short for AEAD",
                            who, total);
    if (total - TP_TLS_TAG_LEN > TP_TLS_MAX_RECORD_PT)
        return tp_error_set(err, TP_ERR_TLS_RECORD, "%s record: plaintext exceeds 2^14+1", who);
    if (t->seq == UINT64_MAX)
        return tp_error_set(err, TP_ERR_LIMIT, "%s record: sequence number exhausted", who);
    const uint8_t *ct, *tag;
    size_t ct_len = total - TP_TLS_TAG_LEN;
    if (!tp_read_bytes(&body, ct_len, &ct) || !tp_read_bytes(&body, TP_TLS_TAG_LEN, &tag))
        return tp_error_set(err, TP_ERR_TLS_RECORD, "%s record: body unreadable", who);
    tp_buf_reset(out);
    if (!tp_buf_reserve(out, ct_len + 16))
        return tp_error_set(err, TP_ERR_NOMEM, "%s record: out of memory", who);
    if (!aead_decrypt(t, rec->header, ct, ct_len, tag, out->data))
        return tp_error_set(err, TP_ERR_TLS_DECRYPT,
                            "%s record %llu under the %s key: %s authentication failed", who,
                            (unsigned long long)t->seq, t->label ? t->label : "traffic",
                            t->suite->name);
    t->seq++;
    size_t n = ct_len;
    while (n > 0 && out->data[n - 1] == 0)
        n--;
    if (n == 0) {
        OPENSSL_cleanse(out->data, ct_len);
        return tp_error_set(err, TP_ERR_TLS_RECORD, "%s record: no inner content type", who);
    }
    *inner_type = out->data[n - 1];
    out->len = n - 1;
    OPENSSL_cleanse(out->data + out->len, ct_len - out->len);
    return TP_OK;
}
