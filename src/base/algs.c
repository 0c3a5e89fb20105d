/* Algorithms fetched once; see algs.h. */
#include "base/algs.h"

#include <openssl/crypto.h>
#include <pthread.h>
#include <string.h>

#define TP_HMAC_MAX_BLOCK 128 /* SHA-384/512 */

static pthread_once_t g_once = PTHREAD_ONCE_INIT;
static const EVP_MD *g_sha256, *g_sha384, *g_sha512;

static void fetch_all(void)
{
    EVP_MD *m;
    g_sha256 = (m = EVP_MD_fetch(NULL, "SHA256", NULL)) ? m : EVP_sha256();
    g_sha384 = (m = EVP_MD_fetch(NULL, "SHA384", NULL)) ? m : EVP_sha384();
    g_sha512 = (m = EVP_MD_fetch(NULL, "SHA512", NULL)) ? m : EVP_sha512();
}

const EVP_MD *tp_md_sha256(void)
{
    pthread_once(&g_once, fetch_all);
    return g_sha256;
}

const EVP_MD *tp_md_sha384(void)
{
    pthread_once(&g_once, fetch_all);
    return g_sha384;
}

const EVP_MD *tp_md_sha512(void)
{
    pthread_once(&g_once, fetch_all);
    return g_sha512;
}

/* H(k ^ pad || a || b) into out. */
static int pad_hash(EVP_MD_CTX *c, const EVP_MD *md, const uint8_t *k, size_t block,
                    const uint8_t *a, size_t a_len, uint8_t *out)
{
    unsigned int n = 0;
    return EVP_DigestInit_ex2(c, md, NULL) == 1 && EVP_DigestUpdate(c, k, block) == 1 &&
           EVP_DigestUpdate(c, a, a_len) == 1 && EVP_DigestFinal_ex(c, out, &n) == 1;
}

int tp_hmac(const EVP_MD *md, const uint8_t *key, size_t key_len, const uint8_t *data,
            size_t data_len, uint8_t *out)
{
    int size = EVP_MD_get_size(md), block = EVP_MD_get_block_size(md);
    if (size <= 0 || size > EVP_MAX_MD_SIZE || block < size || block > TP_HMAC_MAX_BLOCK)
        return 0;
    uint8_t k[TP_HMAC_MAX_BLOCK] = {0}, inner[EVP_MAX_MD_SIZE];
    static const uint8_t zero = 0; /* an empty message still needs a pointer */
    EVP_MD_CTX *c = EVP_MD_CTX_new();
    int ok = c != NULL;
    if (ok && key_len > (size_t)block) { /* RFC 2104: a long key is hashed first */
        unsigned int n = 0;
        ok = EVP_DigestInit_ex2(c, md, NULL) == 1 && EVP_DigestUpdate(c, key, key_len) == 1 &&
             EVP_DigestFinal_ex(c, k, &n) == 1;
    } else if (key_len > 0) {
        memcpy(k, key, key_len);
    }
    for (int i = 0; i < block; i++)
        k[i] ^= 0x36;
    ok = ok && pad_hash(c, md, k, (size_t)block, data_len ? data : &zero, data_len, inner);
    for (int i = 0; i < block; i++)
        k[i] ^= 0x36 ^ 0x5c;
    ok = ok && pad_hash(c, md, k, (size_t)block, inner, (size_t)size, out);
    EVP_MD_CTX_free(c); /* the provider clears its digest state */
    OPENSSL_cleanse(k, sizeof(k));
    OPENSSL_cleanse(inner, sizeof(inner));
    return ok;
}
