/* The settings every teeproof TLS client uses with a target (the prover in tunnel mode,
 * the notary in direct mode): TLS 1.3 preferred, 1.2 with the ECDHE + AEAD suites only, the
 * host as SNI (none for an IP literal) and as the certificate name (SAN only), and the
 * errors that name why a handshake failed. */
#ifndef TP_TLS_CLIENT_H
#define TP_TLS_CLIENT_H

#include <openssl/ssl.h>

#include "teeproof/errors.h"

/* TLS 1.3 groups offered when none are named: every group the notary replays, X25519 and
 * P-256 first (OpenSSL sends a key share for the first only, so most servers need no
 * HelloRetryRequest; the others draw one, which the notary replays). */
#define TP_TLS_CLIENT_GROUPS "X25519:P-256:P-384:P-521:X448:ffdhe2048:ffdhe3072:ffdhe4096"
#define TP_TLS_CLIENT_GROUP_NAMES "x25519, P-256/384/521, x448, ffdhe2048/3072/4096"

/* Versions (1.2 minimum), the TLS 1.2 suites (TP_TLS12_SUITES), the TLS 1.3 suites when
 * given, and the groups (TP_TLS_CLIENT_GROUPS when NULL). TP_ERR_ARG on an invalid list. */
tp_err tp_tls_client_ctx_setup(SSL_CTX *ctx, const char *ciphersuites, const char *groups,
                               tp_error *err);
/* SNI (not for an IP literal, RFC 6066) and the name the certificate must carry, checked
 * with TP_HOST_CHECK_FLAGS. TP_ERR_ARG on an invalid host. */
tp_err tp_tls_client_set_host(SSL *ssl, const char *host, tp_error *err);
/* Why SSL_do_handshake failed, from the verify result and the error queue (which it
 * clears): tls-hostname, tls-cert-untrusted, tls-unsupported, truncated (peer_closed),
 * tls-handshake; groups (NULL: the default list) is named when no group was common. */
tp_err tp_tls_client_handshake_error(SSL *ssl, int peer_closed, const char *groups,
                                     tp_error *err);

#endif
