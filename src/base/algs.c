/* Algorithms fetched once; see algs.h. */
#include "base/algs.h"

#include <openssl/core_names.h>
#include <openssl/hmac.h>
#include <openssl/obj_mac.h>
#include <pthread.h>
#include <string.h>

static pthread_once_t g_once = PTHREAD_ONCE_INIT;
static const EVP_MD *g_sha256, *g_sha384, *g_sha512;
static EVP_MAC_CTX *g_hmac256, *g_hmac384; /* templates: HMAC with the digest set, no key */

static EVP_MAC_CTX *hmac_template(EVP_MAC *mac, const char *digest)
{
    EVP_MAC_CTX *c = mac ? EVP_MAC_CTX_new(mac) : NULL;
    OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)digest, 0),
                           OSSL_PARAM_construct_end()};
    if (c != NULL && EVP_MAC_CTX_set_params(c, params) != 1) {
        EVP_MAC_CTX_free(c);
        c = NULL;
    }
    return c;
}

static void fetch_all(void)
{
    EVP_MD *m;
    g_sha256 = (m = EVP_MD_fetch(NULL, "SHA256", NULL)) ? m : EVP_sha256();
    g_sha384 = (m = EVP_MD_fetch(NULL, "SHA384", NULL)) ? m : EVP_sha384();
    g_sha512 = (m = EVP_MD_fetch(NULL, "SHA512", NULL)) ? m : EVP_sha512();
    EVP_MAC *mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
    g_hmac256 = hmac_template(mac, "SHA256");
    g_hmac384 = hmac_template(mac, "SHA384");
    EVP_MAC_free(mac); /* the contexts hold their own references */
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

int tp_hmac(const EVP_MD *md, const uint8_t *key, size_t key_len, const uint8_t *data,
            size_t data_len, uint8_t *out)
{
    pthread_once(&g_once, fetch_all);
    int size = EVP_MD_get_size(md);
    const EVP_MAC_CTX *tmpl = NULL;
    if (EVP_MD_get_type(md) == NID_sha256)
        tmpl = g_hmac256;
    else if (EVP_MD_get_type(md) == NID_sha384)
        tmpl = g_hmac384;
    static const uint8_t zero = 0; /* an empty key still needs a pointer */
    if (tmpl == NULL || size <= 0) {
        unsigned int n = 0;
        return HMAC(md, key_len ? key : &zero, (int)key_len, data, data_len, out, &n) != NULL;
    }
    EVP_MAC_CTX *c = EVP_MAC_CTX_dup(tmpl);
    size_t n = 0;
    int ok = c != NULL && EVP_MAC_init(c, key_len ? key : &zero, key_len, NULL) == 1 &&
             EVP_MAC_update(c, data, data_len) == 1 && EVP_MAC_final(c, out, &n, (size_t)size) == 1 &&
             n == (size_t)size;
    EVP_MAC_CTX_free(c);
    return ok;
}
