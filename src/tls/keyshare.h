/* Prover side: captures the client's ephemeral (EC)DHE private key from an OpenSSL client:
 * TLS 1.3, the key share when the ClientHello is written (SSL_get_tmp_key in the message
 * callback); TLS 1.2, the ClientKeyExchange key, found by its public point among the keys
 * recorded by tls/keycapture.h (the SSL_CTX must come from tp_keycapture_ctx_new). This
 * key, not traffic keys, is what the prover reveals to the notary. */
#ifndef TP_TLS_KEYSHARE_H
#define TP_TLS_KEYSHARE_H

#include <openssl/ssl.h>
#include <stdint.h>

typedef struct tp_keyshare {
    uint16_t group;       /* TP_TLS_GROUP_* */
    uint8_t priv[48];     /* raw private key (X25519) or scalar (P-256, P-384) */
    size_t priv_len;
    int captured;         /* set once a ClientHello was written */
    int client_hellos;    /* >1 means a HelloRetryRequest happened */
    int tls12;            /* the key is the TLS 1.2 ClientKeyExchange key */
} tp_keyshare;

/* Installs the capture on ssl (a client, before SSL_connect); ks must outlive the handshake. 1/0. */
int tp_keyshare_capture_install(SSL *ssl, tp_keyshare *ks);
void tp_keyshare_wipe(tp_keyshare *ks);

#endif
