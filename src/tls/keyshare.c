/* Prover side: captures the client's ephemeral private key, looked up by its public part
 * among the keys tls/keycapture.c recorded: the TLS 1.3 key share when the ServerHello
 * arrives (the share, in the last ClientHello written, for the group the ServerHello
 * selected: after a HelloRetryRequest, the second ClientHello's), the TLS 1.2 ECDHE key when
 * OpenSSL writes the ClientKeyExchange. */
#include "tls/keyshare.h"

#include <openssl/crypto.h>
#include <string.h>

#include "tls/keycapture.h"
#include "tls/tls_internal.h"

static void forget_key(tp_keyshare *ks)
{
    ks->captured = 0;
    OPENSSL_cleanse(ks->priv, sizeof(ks->priv));
    ks->priv_len = 0;
    ks->group = 0;
}

static void keep_hello(const unsigned char *msg, size_t len, tp_keyshare *ks)
{
    ks->client_hellos++;
    forget_key(ks);
    ks->hello_len = len <= sizeof(ks->hello) ? len : 0; /* too long: nothing captured */
    if (ks->hello_len)
        memcpy(ks->hello, msg, len);
}

/* TLS 1.3 ServerHello (not an HRR): the key of the kept ClientHello's share for its group. */
static void capture_hello_share(const unsigned char *msg, size_t len, tp_keyshare *ks)
{
    tp_client_hello ch;
    tp_server_hello sh;
    tp_reader chb, shb;
    tp_error e = {0};
    if (ks->hello_len < 4 || len < 4)
        return;
    tp_reader_init(&chb, ks->hello + 4, ks->hello_len - 4);
    tp_reader_init(&shb, msg + 4, len - 4);
    if (tp_parse_client_hello_any(chb, 0, &ch, &e) != TP_OK ||
        tp_parse_server_hello(shb, &ch, &sh, &e) != TP_OK || sh.is_hrr ||
        tp_parse_client_hello_any(chb, sh.group, &ch, &e) != TP_OK || !ch.share)
        return; /* TLS 1.2 (its key comes with the ClientKeyExchange), or an HRR */
    uint16_t group = 0;
    if (tp_keycapture_find(ch.share, ch.share_len, &group, ks->priv, sizeof(ks->priv),
                           &ks->priv_len) &&
        group == sh.group) {
        ks->group = group;
        ks->captured = 1;
    } else {
        forget_key(ks);
    }
    tp_keycapture_clear(); /* the other keys this handshake generated */
}

/* TLS 1.2 ClientKeyExchange (ECDHE): opaque point<1..255>. */
static void capture_cke(const unsigned char *msg, size_t len, tp_keyshare *ks)
{
    forget_key(ks);
    if (len < 5 || (size_t)msg[4] + 5 != len)
        return;
    if (tp_keycapture_find(msg + 5, msg[4], &ks->group, ks->priv, sizeof(ks->priv),
                           &ks->priv_len) &&
        tp_tls_group_is_ec(ks->group)) {
        ks->captured = 1;
        ks->tls12 = 1;
    } else {
        forget_key(ks);
    }
    tp_keycapture_clear();
}

static void msg_cb(int write_p, int version, int content_type, const void *buf, size_t len,
                   SSL *ssl, void *arg)
{
    (void)version;
    (void)ssl;
    if (content_type != SSL3_RT_HANDSHAKE || len < 1 || !arg)
        return;
    const unsigned char *msg = buf;
    if (write_p && msg[0] == SSL3_MT_CLIENT_KEY_EXCHANGE)
        capture_cke(msg, len, (tp_keyshare *)arg);
    else if (write_p && msg[0] == SSL3_MT_CLIENT_HELLO)
        keep_hello(msg, len, (tp_keyshare *)arg);
    else if (!write_p && msg[0] == SSL3_MT_SERVER_HELLO)
        capture_hello_share(msg, len, (tp_keyshare *)arg);
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
