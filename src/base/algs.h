/* OpenSSL algorithms fetched once per process instead of on every call: OpenSSL 3 looks
 * up a legacy EVP_sha256() (and each one-shot HMAC()) by name in its provider store, under
 * locks, every time it is used. Any thread. */
#ifndef TP_BASE_ALGS_H
#define TP_BASE_ALGS_H

#include <openssl/evp.h>
#include <stddef.h>
#include <stdint.h>

/* Fetched digests (never freed; the legacy EVP_shaN() if the fetch failed). */
const EVP_MD *tp_md_sha256(void);
const EVP_MD *tp_md_sha384(void);
const EVP_MD *tp_md_sha512(void);

/* HMAC(md, key, data) into out (EVP_MD_get_size(md) bytes); 1/0. SHA-256 and SHA-384 use a
 * context prepared once; other digests fall back to one-shot HMAC(). */
int tp_hmac(const EVP_MD *md, const uint8_t *key, size_t key_len, const uint8_t *data,
            size_t data_len, uint8_t *out);

#endif
