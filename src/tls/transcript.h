/* TLS transcript verifier: replays a recorded TLS 1.3 session from the two relayed byte
 * streams plus the client's revealed ephemeral (EC)DHE private key (TLS 1.3, or TLS 1.2
 * with ECDHE and an AEAD suite), and returns the
 * plaintexts and the server identity only if every check holds. */
#ifndef TP_TLS_TRANSCRIPT_H
#define TP_TLS_TRANSCRIPT_H

#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>
#include <stdint.h>
#include <time.h>

#include "base/bytes.h"
#include "teeproof/errors.h"

/* How a target certificate is matched to its host name, by the notary and the prover alike:
 * subjectAltName only (never the subject CN), no partial wildcards such as f*.example. */
#define TP_HOST_CHECK_FLAGS (X509_CHECK_FLAG_NEVER_CHECK_SUBJECT | X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS)

/* TLS 1.2 suites a teeproof client offers (the prover in tunnel mode, the notary in direct
 * mode): ECDHE with AES-GCM or ChaCha20-Poly1305 only, so a server cannot pick CBC, RSA key
 * transport or DHE. */
#define TP_TLS12_SUITES                                                                     \
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:"  \
    "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305"

#define TP_TLS_GROUP_SECP256R1 0x0017
#define TP_TLS_GROUP_SECP384R1 0x0018
#define TP_TLS_GROUP_SECP521R1 0x0019
#define TP_TLS_GROUP_X25519 0x001d
#define TP_TLS_GROUP_X448 0x001e
#define TP_TLS_GROUP_FFDHE2048 0x0100
#define TP_TLS_GROUP_FFDHE3072 0x0101
#define TP_TLS_GROUP_FFDHE4096 0x0102
/* Longest revealed private key: the P-521 scalar (66 bytes); an ffdhe exponent may be up to
 * this long too (OpenSSL draws 225..325-bit exponents, RFC 7919 §5.2). */
#define TP_TLS_MAX_PRIV 66
/* Longest (EC)DHE shared secret: an ffdhe4096 value left-padded to the prime (RFC 8446 §7.4.1). */
#define TP_TLS_MAX_SECRET 512

typedef struct tp_tls_verify_input {
    const uint8_t *client_bytes; /* client->server stream exactly as relayed */
    size_t client_len;
    const uint8_t *server_bytes; /* server->client stream exactly as relayed */
    size_t server_len;
    uint16_t group;              /* named group of the revealed key */
    const uint8_t *private_key;  /* raw X25519/X448 key, big-endian P-256/384/521 scalar padded
                                  * to the field size, or ffdhe exponent (1..TP_TLS_MAX_PRIV) */
    size_t private_key_len;
    X509_STORE *trust;           /* trust store for the server's chain */
    const char *expected_host;   /* must equal the SNI and match the certificate */
    time_t verify_time;          /* certificate validity time; 0 = now */
} tp_tls_verify_input;

typedef struct tp_tls_verify_result {
    uint16_t version;            /* 0x0304 or 0x0303 */
    uint16_t cipher_suite;       /* e.g. 0x1301 */
    uint16_t group;
    char server_name[256];       /* SNI from the ClientHello */
    uint8_t leaf_cert_sha256[32];/* SHA-256 of the leaf certificate DER */
    tp_buf client_app;           /* decrypted application data, client->server */
    tp_buf server_app;           /* decrypted application data, server->client */
    int server_close_notify;     /* server sent close_notify */
    int server_trailing_partial; /* server stream ended inside a record (ignored bytes) */
} tp_tls_verify_result;

tp_err tp_tls_verify_transcript(const tp_tls_verify_input *in, tp_tls_verify_result *out,
                                tp_error *err);
/* Wipes and frees the plaintexts. */
void tp_tls_verify_result_free(tp_tls_verify_result *r);
/* "TLS_AES_128_GCM_SHA256" etc.; NULL for unknown suites. */
const char *tp_tls_suite_name(uint16_t suite);
/* "x25519", "secp256r1", "ffdhe2048"; NULL for groups the replay does not support. */
const char *tp_tls_group_name(uint16_t group);
/* 1 for the elliptic-curve groups (usable in TLS 1.2 ECDHE), 0 for ffdhe and unknown ones. */
int tp_tls_group_is_ec(uint16_t group);
/* The group's TLS id from a name as OpenSSL or a user writes it ("X25519", "P-256",
 * "secp256r1", "ffdhe2048"); 0 if unknown. */
uint16_t tp_tls_group_from_name(const char *name);

#endif
