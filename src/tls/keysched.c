/* TLS 1.3 key schedule (RFC 8446 §7.1): HKDF-Extract, HKDF-Expand-Label, Derive-Secret,
 * the early/handshake/master secrets, traffic secrets, Finished keys and the running
 * transcript hash. */
#include <openssl/crypto.h>
#include <string.h>

#include "base/algs.h"
#include "tls/tls_internal.h"

int tp_hkdf_extract(const EVP_MD *md, const uint8_t *salt, size_t salt_len, const uint8_t *ikm,
                    size_t ikm_len, uint8_t *out)
{
    return tp_hmac(md, salt, salt_len, ikm, ikm_len, out);
}

int tp_hkdf_expand(const EVP_MD *md, const uint8_t *prk, size_t prk_len, const uint8_t *info,
                   size_t info_len, uint8_t *out, size_t out_len)
{
    size_t hlen = (size_t)EVP_MD_get_size(md);
    if (hlen == 0 || hlen > TP_TLS_MAX_HASH || out_len > 255 * hlen || info_len > 1024)
        return 0;
    uint8_t t[TP_TLS_MAX_HASH];
    uint8_t block[TP_TLS_MAX_HASH + 1024 + 1];
    size_t tlen = 0, done = 0;
    int ok = 1;
    for (uint8_t i = 1; done < out_len; i++) {
        size_t n = 0;
        memcpy(block, t, tlen);
        n += tlen;
        if (info_len)
            memcpy(block + n, info, info_len);
        n += info_len;
        block[n++] = i;
        if (!tp_hmac(md, prk, prk_len, block, n, t)) {
            ok = 0;
            break;
        }
        tlen = hlen;
        size_t take = out_len - done < hlen ? out_len - done : hlen;
        memcpy(out + done, t, take);
        done += take;
    }
    OPENSSL_cleanse(t, sizeof(t));
    OPENSSL_cleanse(block, sizeof(block));
    return ok;
}

/* HkdfLabel = uint16 length || opaque label<7..255> = "tls13 " + label || opaque context<0..255> */
int tp_hkdf_expand_label(const EVP_MD *md, const uint8_t *secret, size_t secret_len,
                         const char *label, const uint8_t *context, size_t context_len,
                         uint8_t *out, size_t out_len)
{
    static const char prefix[] = "tls13 ";
    size_t label_len = strlen(label);
    if (out_len > 0xffff || 6 + label_len > 255 || context_len > 255)
        return 0;
    uint8_t info[2 + 1 + 255 + 1 + 255];
    size_t n = 0;
    info[n++] = (uint8_t)(out_len >> 8);
    info[n++] = (uint8_t)out_len;
    info[n++] = (uint8_t)(6 + label_len);
    memcpy(info + n, prefix, 6);
    n += 6;
    memcpy(info + n, label, label_len);
    n += label_len;
    info[n++] = (uint8_t)context_len;
    if (context_len)
        memcpy(info + n, context, context_len);
    n += context_len;
    return tp_hkdf_expand(md, secret, secret_len, info, n, out, out_len);
}

static int derive_secret(const tp_schedule *ks, const uint8_t *secret, const char *label,
                         const uint8_t *th, uint8_t *out)
{
    return tp_hkdf_expand_label(ks->suite->md(), secret, ks->hlen, label, th, ks->hlen, out,
                                ks->hlen);
}

static int empty_hash(const EVP_MD *md, uint8_t *out)
{
    unsigned int n = 0;
    return EVP_Digest("", 0, out, &n, md, NULL);
}

int tp_schedule_handshake(tp_schedule *ks, const tp_suite *suite, const uint8_t *dhe,
                          size_t dhe_len, const uint8_t *th_hello)
{
    memset(ks, 0, sizeof(*ks));
    ks->suite = suite;
    ks->hlen = suite->hash_len;
    const EVP_MD *md = suite->md();
    uint8_t zeros[TP_TLS_MAX_HASH] = {0};
    uint8_t eh[TP_TLS_MAX_HASH], derived[TP_TLS_MAX_HASH];
    int ok = tp_hkdf_extract(md, zeros, ks->hlen, zeros, ks->hlen, ks->early) &&
             empty_hash(md, eh) && derive_secret(ks, ks->early, "derived", eh, derived) &&
             tp_hkdf_extract(md, derived, ks->hlen, dhe, dhe_len, ks->handshake) &&
             derive_secret(ks, ks->handshake, "c hs traffic", th_hello, ks->c_hs) &&
             derive_secret(ks, ks->handshake, "s hs traffic", th_hello, ks->s_hs);
    OPENSSL_cleanse(derived, sizeof(derived));
    return ok;
}

int tp_schedule_application(tp_schedule *ks, const uint8_t *th_server_finished)
{
    const EVP_MD *md = ks->suite->md();
    uint8_t zeros[TP_TLS_MAX_HASH] = {0};
    uint8_t eh[TP_TLS_MAX_HASH], derived[TP_TLS_MAX_HASH];
    int ok = empty_hash(md, eh) && derive_secret(ks, ks->handshake, "derived", eh, derived) &&
             tp_hkdf_extract(md, derived, ks->hlen, zeros, ks->hlen, ks->master) &&
             derive_secret(ks, ks->master, "c ap traffic", th_server_finished, ks->c_ap) &&
             derive_secret(ks, ks->master, "s ap traffic", th_server_finished, ks->s_ap);
    OPENSSL_cleanse(derived, sizeof(derived));
    return ok;
}

int tp_finished_verify_data(const tp_suite *suite, const uint8_t *base_secret,
                            const uint8_t *th, uint8_t *out)
{
    const EVP_MD *md = suite->md();
    uint8_t fkey[TP_TLS_MAX_HASH];
    int ok = tp_hkdf_expand_label(md, base_secret, suite->hash_len, "finished", NULL, 0, fkey,
                                  suite->hash_len) &&
             tp_hmac(md, fkey, suite->hash_len, th, suite->hash_len, out);
    OPENSSL_cleanse(fkey, sizeof(fkey));
    return ok;
}

void tp_schedule_wipe(tp_schedule *ks)
{
    OPENSSL_cleanse(ks, sizeof(*ks));
}

int tp_transcript_init(tp_transcript *t, const EVP_MD *md)
{
    t->ctx = EVP_MD_CTX_new();
    return t->ctx && EVP_DigestInit_ex(t->ctx, md, NULL);
}

int tp_transcript_add(tp_transcript *t, const uint8_t *p, size_t n)
{
    return t->ctx && EVP_DigestUpdate(t->ctx, p, n);
}

int tp_transcript_peek(const tp_transcript *t, uint8_t *out)
{
    EVP_MD_CTX *c = EVP_MD_CTX_new();
    unsigned int n = 0;
    int ok = c && EVP_MD_CTX_copy_ex(c, t->ctx) && EVP_DigestFinal_ex(c, out, &n);
    EVP_MD_CTX_free(c);
    return ok;
}

void tp_transcript_free(tp_transcript *t)
{
    EVP_MD_CTX_free(t->ctx);
    t->ctx = NULL;
}
