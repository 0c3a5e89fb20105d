/* Prover side: captures the client's ephemeral private key: the TLS 1.3 key share when
 * OpenSSL writes the ClientHello (the message callback runs after the message is built, when
 * SSL_get_tmp_key returns the key share's key), the TLS 1.2 ECDHE key when it writes the
 * ClientKeyExchange (looked up by its point among the keys tls/keycapture.c recorded). */
#include "tls/keyshare.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <string.h>

#include "tls/keycapture.h"
#include "tls/transcript.h"

static int extract_x25519(EVP_PKEY *pk, tp_keyshare *ks)
{
    size_t n = sizeof(ks->priv);
    if (EVP_PKEY_get_raw_private_key(pk, ks->priv, &n) != 1 || n != 32)
        return 0;
    ks->priv_len = 32;
    ks->group = TP_TLS_GROUP_X25519;
    return 1;
}

static int extract_nist(EVP_PKEY *pk, tp_keyshare *ks)
{
    char name[64];
    size_t n = 0;
    BIGNUM *d = NULL;
    if (!EVP_PKEY_get_utf8_string_param(pk, OSSL_PKEY_PARAM_GROUP_NAME, name, sizeof(name), &n))
        return 0;
    int p256 = strcmp(name, "prime256v1") == 0, p384 = strcmp(name, "secp384r1") == 0;
    int len = p256 ? 32 : 48;
    if ((!p256 && !p384) || !EVP_PKEY_get_bn_param(pk, OSSL_PKEY_PARAM_PRIV_KEY, &d))
        return 0;
    int ok = BN_bn2binpad(d, ks->priv, len) == len;
    BN_clear_free(d);
    if (!ok)
        return 0;
    ks->priv_len = (size_t)len;
    ks->group = p256 ? TP_TLS_GROUP_SECP256R1 : TP_TLS_GROUP_SECP384R1;
    return 1;
}

static void capture(SSL *ssl, tp_keyshare *ks)
{
    EVP_PKEY *pk = NULL;
    ks->client_hellos++;
    ks->captured = 0;
    OPENSSL_cleanse(ks->priv, sizeof(ks->priv));
    ks->priv_len = 0;
    ks->group = 0;
    if (SSL_get_tmp_key(ssl, &pk) != 1 || !pk)
        return;
    int ok = EVP_PKEY_is_a(pk, "X25519") ? extract_x25519(pk, ks)
             : EVP_PKEY_is_a(pk, "EC")   ? extract_nist(pk, ks)
                                         : 0;
    EVP_PKEY_free(pk);
    if (ok)
        ks->captured = 1;
    else
        OPENSSL_cleanse(ks->priv, sizeof(ks->priv));
}

/* TLS 1.2 ClientKeyExchange (ECDHE): opaque point<1..255>. */
static void capture_cke(const unsigned char *msg, size_t len, tp_keyshare *ks)
{
    ks->captured = 0;
    OPENSSL_cleanse(ks->priv, sizeof(ks->priv));
    ks->priv_len = 0;
    ks->group = 0;
    if (len < 5 || (size_t)msg[4] + 5 != len)
        return;
    if (tp_keycapture_find(msg + 5, msg[4], &ks->group, ks->priv, sizeof(ks->priv),
                           &ks->priv_len) &&
        (ks->group == TP_TLS_GROUP_X25519 || ks->group == TP_TLS_GROUP_SECP256R1 ||
         ks->group == TP_TLS_GROUP_SECP384R1)) {
        ks->captured = 1;
        ks->tls12 = 1;
    } else {
        OPENSSL_cleanse(ks->priv, sizeof(ks->priv));
        ks->priv_len = 0;
        ks->group = 0;
    }
    tp_keycapture_clear();
}

static void msg_cb(int write_p, int version, int content_type, const void *buf, size_t len,
                   SSL *ssl, void *arg)
{
    (void)version;
    if (!write_p || content_type != SSL3_RT_HANDSHAKE || len < 1 || !arg)
        return;
    const unsigned char *msg = buf;
    if (msg[0] == SSL3_MT_CLIENT_KEY_EXCHANGE)
        capture_cke(msg, len, (tp_keyshare *)arg);
    else if (msg[0] == SSL3_MT_CLIENT_HELLO)
        capture(ssl, (tp_keyshare *)arg);
}

int tp_keyshare_capture_install(SSL *ssl, tp_keyshare *ks)
{
    if (!ssl || !ks)
        return 0;
    memset(ks, 0, sizeof(*ks));
    tp_keycapture_clear();
    SSL_set_msg_callback(ssl, msg_cb);
    SSL_set_msg_callback_arg(ssl, ks);
    return 1;
}

void tp_keyshare_wipe(tp_keyshare *ks)
{
    if (ks)
        OPENSSL_cleanse(ks, sizeof(*ks));
    tp_keycapture_clear(); /* keys this thread generated and recorded, e.g. a 1.3 key share */
}
