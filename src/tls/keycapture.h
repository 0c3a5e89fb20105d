/* Prover side: records the ephemeral (EC)DHE keys libssl generates in an SSL_CTX made by
 * tp_keycapture_ctx_new (a provider wrapping the default key generation; see keycapture.c),
 * so the TLS 1.3 key share and the TLS 1.2 ClientKeyExchange key can be revealed. Per thread; keys are found by their
 * public part. */
#ifndef TP_TLS_KEYCAPTURE_H
#define TP_TLS_KEYCAPTURE_H

#include <openssl/ssl.h>
#include <stddef.h>
#include <stdint.h>

#define TP_KEYCAPTURE_MAX_PRIV 66 /* P-521 scalar; longer ffdhe exponents are not recorded */
#define TP_KEYCAPTURE_MAX_PUB 512 /* ffdhe4096 share (P-521 point: 133) */

/* A client or server SSL_CTX whose ephemeral keys are recorded; NULL on failure. */
SSL_CTX *tp_keycapture_ctx_new(const SSL_METHOD *method);
/* Looks up the private key whose public encoding is pub (X25519/X448 raw, EC uncompressed
 * point, ffdhe value left-padded to the prime) among the keys this thread generated lately. 1 found, 0 not. */
int tp_keycapture_find(const uint8_t *pub, size_t pub_len, uint16_t *group, uint8_t *priv,
                       size_t priv_cap, size_t *priv_len);
/* Wipes this thread's recorded keys. */
void tp_keycapture_clear(void);

#endif
