/* The settings every teeproof TLS client uses with a target (the prover in tunnel mode,
 * the notary in direct mode): TLS 1.3 preferred, 1.2 with the ECDHE + AEAD suites only, the
 * host as SNI (none for an IP literal) and as the certificate name (SAN only), and the
 * errors that name why a handshake failed. */
#ifndef TP_TLS_CLIENT_H
#define TP_TLS_CLIENT_H

#include <openssl/ssl.h>

#include "teeproof/errors.h"

/* Versions (1.2 minimum), the TLS 1.2 suites (TP_TLS12_SUITES) and, when given, the TLS 1.3
 * suites and the groups. TP_ERR_ARG on an invalid list. */
tp_err tp_tls_client_ctx_setup(SSL_CTX *ctx, const char *ciphersuites, const char *groups,
                               tp_error *err);
/* SNI (not for an IP literal, RFC 6066) and the name the certificate must carry, checked
 * with TP_HOST_CHECK_FLAGS. TP_ERR_ARG on an invalid host. */
tp_err tp_tls_client_set_host(SSL *ssl, const char *host, tp_error *err);
/* Why SSL_do_handshake failed, from the verify result and the error queue (which it
 * clears): tls-hostname, tls-cert-untrusted, tls-unsupported, truncated (peer_closed),
 * tls-handshake. */
tp_err tp_tls_client_handshake_error(SSL *ssl, int peer_closed, tp_error *err);

#endif
