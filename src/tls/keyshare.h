/* Prover side: captures the client's ephemeral (EC)DHE private key from an OpenSSL client,
 * found by its public part among the keys recorded by tls/keycapture.h (the SSL_CTX must come
 * from tp_keycapture_ctx_new): TLS 1.3, the last ClientHello's key share for the group the
 * ServerHello selected (after a HelloRetryRequest, the second ClientHello's); TLS 1.2, the
 * ClientKeyExchange key. This key, not traffic keys, is what the prover reveals. */
#ifndef TP_TLS_KEYSHARE_H
#define TP_TLS_KEYSHARE_H

#include <openssl/ssl.h>
#include <stdint.h>

#include "tls/transcript.h"

#define TP_KEYSHARE_MAX_HELLO 4096 /* the ClientHello kept until the ServerHello */

typedef struct tp_keyshare {
    uint16_t group;       /* TP_TLS_GROUP_* */
    uint8_t priv[TP_TLS_MAX_PRIV]; /* as tp_tls_verify_input.private_key */
    size_t priv_len;
    int captured;         /* set once the key was found */
    int client_hellos;    /* 2 after a HelloRetryRequest */
    int tls12;            /* the key is the TLS 1.2 ClientKeyExchange key */
    uint8_t hello[TP_KEYSHARE_MAX_HELLO]; /* the last ClientHello written (public bytes) */
    size_t hello_len;
} tp_keyshare;

/* Installs the capture on ssl (a client, before SSL_connect); ks must outlive the handshake. 1/0. */
int tp_keyshare_capture_install(SSL *ssl, tp_keyshare *ks);
void tp_keyshare_wipe(tp_keyshare *ks);

#endif
