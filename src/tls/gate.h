/* The notary's TLS gate: checks, while relaying and without buffering whole streams, that a
 * tunnel carries a TLS session with the tunnel's host and nothing else.
 *   prover -> target: first one whole ClientHello (handshake records only, possibly several;
 *     held until complete, then checked by the verifier's own parser: TLS 1.3 offered, no
 *     0-RTT, SNI equal to the host, none for an IP literal); nothing more until the target
 *     has answered; then well-formed records only.
 *   target -> prover: nothing before the ClientHello was relayed; the first record a
 *     ServerHello (handshake type 2) or an alert; then well-formed records only.
 * Any violation is TP_ERR_TUNNEL_NOT_TLS; the caller closes the target and signs nothing. */
#ifndef TP_TLS_GATE_H
#define TP_TLS_GATE_H

#include <stdint.h>

#include "base/bytes.h"
#include "teeproof/errors.h"

/* Bytes (records with their headers) held while the ClientHello is incomplete. Real
 * ClientHellos are under 2 KiB, a few KiB with post-quantum key shares. */
#define TP_TLS_GATE_MAX_HELLO 32768

/* Record boundaries of one direction, a few bytes of state. */
typedef struct tp_record_tracker {
    uint8_t hdr[5];
    uint8_t hdr_have;
    uint8_t type;        /* of the record whose body is being passed */
    uint16_t body_left;
    uint64_t records;    /* headers accepted */
} tp_record_tracker;

typedef struct tp_tls_gate {
    int hello_passed;    /* the ClientHello was checked and released */
    tp_buf held;         /* prover bytes held until the ClientHello is complete */
    tp_buf hello;        /* the ClientHello message, reassembled from its records */
    tp_record_tracker client, server;
    uint64_t server_bytes; /* accepted from the target so far */
} tp_tls_gate;

/* Prover -> target bytes for a tunnel to host. Appends what may now be sent to the target
 * to *release (nothing while the ClientHello is incomplete). */
tp_err tp_tls_gate_client(tp_tls_gate *g, const char *host, const uint8_t *p, size_t n,
                          tp_buf *release, tp_error *err);
/* Target -> prover bytes: TP_OK if they may be relayed. */
tp_err tp_tls_gate_server(tp_tls_gate *g, const uint8_t *p, size_t n, tp_error *err);
void tp_tls_gate_free(tp_tls_gate *g);

#endif
