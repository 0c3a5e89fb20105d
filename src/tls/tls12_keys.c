/* TLS 1.2 keys for the replay: the accepted suites (ECDHE with an AEAD cipher only), the PRF
 * (RFC 5246 §5, OpenSSL's TLS1-PRF), the key block (AEAD: write keys and fixed IVs, no MAC
 * keys) and record protection: AES-GCM per RFC 5288 (nonce = 4-byte fixed IV || 8-byte
 * explicit nonce carried in the record), ChaCha20-Poly1305 per RFC 7905 (nonce = 12-byte IV
 * XOR sequence number); additional data = seq || type || version || plaintext length. */
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/kdf.h>
#include <openssl/ssl.h>
#include <stdio.h>
#include <string.h>

#include "tls/tls_internal.h"

#define GCM_EXPLICIT_NONCE 8
#define AAD12_LEN 13
#define MAX_PT12 16384 /* TLSPlaintext.length limit */

static const tp_suite12 k_suites12[] = {
    {{0xc02b, "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", EVP_sha256, EVP_aes_128_gcm, 16, 32}, 4, "ECDSA"},
    {{0xc02c, "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", EVP_sha384, EVP_aes_256_gcm, 32, 48}, 4, "ECDSA"},
    {{0xc02f, "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", EVP_sha256, EVP_aes_128_gcm, 16, 32}, 4, "RSA"},
    {{0xc030, "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", EVP_sha384, EVP_aes_256_gcm, 32, 48}, 4, "RSA"},
    {{0xcca9, "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", EVP_sha256, EVP_chacha20_poly1305, 32, 32}, 12, "ECDSA"},
    {{0xcca8, "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256", EVP_sha256, EVP_chacha20_poly1305, 32, 32}, 12, "RSA"},
};
#define N_SUITES12 (sizeof(k_suites12) / sizeof(k_suites12[0]))
_Static_assert(N_SUITES12 <= TP_TLS12_MAX_SUITES, "suite bitmask");

int tp_suite12_index(uint16_t id)
{
    for (size_t i = 0; i < N_SUITES12; i++)
        if (k_suites12[i].base.id == id)
            return (int)i;
    return -1;
}

const tp_suite12 *tp_suite12_find(uint16_t id)
{
    int i = tp_suite12_index(id);
    return i < 0 ? NULL : &k_suites12[i];
}

/* Names the suite through libssl's own table, and says what kind it is. */
const char *tp_suite12_refusal(uint16_t id, char *name, size_t name_cap)
{
    const char *why = "unknown to this build (static DH/ECDH, export or another obsolete kind)";
    unsigned char b[2] = {(unsigned char)(id >> 8), (unsigned char)id};
    SSL_CTX *ctx = SSL_CTX_new(TLS_method());
    SSL *ssl = ctx ? SSL_new(ctx) : NULL;
    const SSL_CIPHER *c = ssl ? SSL_CIPHER_find(ssl, b) : NULL;
    snprintf(name, name_cap, "0x%04x", id);
    if (c) {
        int kx = SSL_CIPHER_get_kx_nid(c);
        snprintf(name, name_cap, "%s", SSL_CIPHER_standard_name(c));
        if (kx == NID_kx_rsa)
            why = "RSA key transport (no ephemeral key to reveal)";
        else if (kx == NID_kx_dhe)
            why = "finite-field DHE";
        else if (kx == NID_kx_psk || kx == NID_kx_ecdhe_psk || kx == NID_kx_dhe_psk ||
                 kx == NID_kx_rsa_psk)
            why = "a PSK suite";
        else if (kx == NID_kx_srp)
            why = "SRP";
        else if (!SSL_CIPHER_is_aead(c))
            why = "a CBC (MAC-then-encrypt) suite";
        else
            why = "not among the accepted ECDHE AEAD suites";
    }
    SSL_free(ssl);
    SSL_CTX_free(ctx);
    return why;
}

int tp_tls12_prf(const EVP_MD *md, const uint8_t *secret, size_t secret_len, const char *label,
                 const uint8_t *seed1, size_t seed1_len, const uint8_t *seed2, size_t seed2_len,
                 uint8_t *out, size_t out_len)
{
    EVP_KDF *kdf = EVP_KDF_fetch(NULL, "TLS1-PRF", NULL);
    EVP_KDF_CTX *kc = kdf ? EVP_KDF_CTX_new(kdf) : NULL;
    OSSL_PARAM p[6], *q = p;
    *q++ = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)EVP_MD_get0_name(md), 0);
    *q++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SECRET, (void *)secret, secret_len);
    *q++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SEED, (void *)label, strlen(label));
    *q++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SEED, (void *)seed1, seed1_len);
    if (seed2_len)
        *q++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SEED, (void *)seed2, seed2_len);
    *q = OSSL_PARAM_construct_end();
    int ok = kc && EVP_KDF_derive(kc, out, out_len, p) == 1;
    EVP_KDF_CTX_free(kc);
    EVP_KDF_free(kdf);
    return ok;
}

static void traffic12_set(tp_traffic *t, const tp_suite12 *s, const uint8_t *key,
                          const uint8_t *iv, const char *label)
{
    tp_traffic_wipe(t);
    t->suite = &s->base;
    t->tls12 = 1;
    t->fixed_iv_len = s->fixed_iv_len;
    t->label = label;
    memcpy(t->key, key, s->base.key_len);
    memcpy(t->iv, iv, s->fixed_iv_len);
    t->seq = 0;
    t->active = 1;
}

tp_err tp_tls12_keys(const tp_suite12 *s, const uint8_t master[TP_TLS12_MASTER_LEN],
                     const uint8_t client_random[32], const uint8_t server_random[32],
                     tp_traffic *client, tp_traffic *server, tp_error *err)
{
    uint8_t kb[2 * 32 + 2 * TP_TLS_IV_LEN];
    size_t kl = s->base.key_len, il = s->fixed_iv_len;
    if (!tp_tls12_prf(s->base.md(), master, TP_TLS12_MASTER_LEN, "key expansion", server_random,
                      32, client_random, 32, kb, 2 * kl + 2 * il))
        return tp_error_set(err, TP_ERR_CRYPTO, "TLS 1.2 key block derivation failed");
    traffic12_set(client, s, kb, kb + 2 * kl, "TLS 1.2 client write");
    traffic12_set(server, s, kb + kl, kb + 2 * kl + il, "TLS 1.2 server write");
    OPENSSL_cleanse(kb, sizeof(kb));
    return TP_OK;
}

static void put_u64(uint8_t *p, uint64_t v)
{
    for (int i = 7; i >= 0; i--, v >>= 8)
        p[i] = (uint8_t)v;
}

tp_err tp_traffic_open12(tp_traffic *t, const tp_record *rec, tp_buf *out, uint8_t *inner_type,
                         const char *who, tp_error *err)
{
    tp_reader body = rec->body;
    size_t explicit_len = t->fixed_iv_len == 4 ? GCM_EXPLICIT_NONCE : 0;
    size_t total = tp_reader_left(&body);
    if (total < explicit_len + TP_TLS_TAG_LEN)
        return tp_error_set(err, TP_ERR_TLS_RECORD, "%s record: %zu bytes is too short for AEAD",
                            who, total);
    size_t ct_len = total - explicit_len - TP_TLS_TAG_LEN;
    if (ct_len > MAX_PT12)
        return tp_error_set(err, TP_ERR_TLS_RECORD, "%s record: plaintext exceeds 2^14", who);
    if (t->seq == UINT64_MAX)
        return tp_error_set(err, TP_ERR_LIMIT, "%s record: sequence number exhausted", who);
    uint8_t nonce[TP_TLS_IV_LEN], aad[AAD12_LEN];
    const uint8_t *explicit_nonce = NULL, *ct, *tag;
    if (explicit_len) {
        tp_read_bytes(&body, explicit_len, &explicit_nonce);
        memcpy(nonce, t->iv, 4);
        memcpy(nonce + 4, explicit_nonce, GCM_EXPLICIT_NONCE);
    } else {
        tp_make_nonce(t, nonce);
    }
    if (!tp_read_bytes(&body, ct_len, &ct) || !tp_read_bytes(&body, TP_TLS_TAG_LEN, &tag))
        return tp_error_set(err, TP_ERR_TLS_RECORD, "%s record: body unreadable", who);
    put_u64(aad, t->seq);
    aad[8] = rec->type;
    memcpy(aad + 9, rec->header + 1, 2);
    aad[11] = (uint8_t)(ct_len >> 8);
    aad[12] = (uint8_t)ct_len;
    tp_buf_reset(out);
    if (!tp_buf_reserve(out, ct_len + 16))
        return tp_error_set(err, TP_ERR_NOMEM, "%s record: out of memory", who);
    if (!tp_traffic_aead_open(t, nonce, aad, sizeof(aad), ct, ct_len, tag, out->data))
        return tp_error_set(err, TP_ERR_TLS_DECRYPT,
                            "%s record %llu under the %s key: %s authentication failed", who,
                            (unsigned long long)t->seq, t->label ? t->label : "traffic",
                            t->suite->name);
    t->seq++;
    out->len = ct_len;
    *inner_type = rec->type;
    return TP_OK;
}
