/* Prover side: captures the client's ephemeral (EC)DHE key share private key from an
 * OpenSSL client when its ClientHello is written (SSL_get_tmp_key in the message callback).
 * This key, not traffic keys, is what the prover reveals to the notary. */
#ifndef TP_TLS_KEYSHARE_H
#define TP_TLS_KEYSHARE_H

#include <openssl/ssl.h>
#include <stdint.h>

typedef struct tp_keyshare {
    uint16_t group;       /* TP_TLS_GROUP_* */
    uint8_t priv[32];     /* raw private key (X25519) or scalar (P-256) */
    size_t priv_len;
    int captured;         /* set once a ClientHello was written */
    int client_hellos;    /* >1 means a HelloRetryRequest happened */
} tp_keyshare;

/* Installs the capture on ssl (a client, before SSL_connect); ks must outlive the handshake. 1/0. */
int tp_keyshare_capture_install(SSL *ssl, tp_keyshare *ks);
void tp_keyshare_wipe(tp_keyshare *ks);

#endif
