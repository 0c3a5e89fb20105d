/* Internal steps of the prover, composable (the CLI runs them in order; test tools run
 * them with a lie in between to check that the notary refuses). */
#ifndef TP_PROVER_INT_H
#define TP_PROVER_INT_H

#include <jansson.h>
#include <openssl/ssl.h>

#include "proto/wire.h"
#include "teeproof/proof.h"
#include "teeproof/prover.h"
#include "tls/keyshare.h"

typedef struct tp_channel {
    int fd;
    SSL_CTX *ctx;
    SSL *ssl;
    tp_frame_decoder in;
    tp_buf out;
    int attested;
    int early_data;             /* the notary takes DATA before TUNNEL_OK (ATTEST_RESP features) */
    int tunnel_pending;         /* TUNNEL_REQ went without waiting: TUNNEL_OK is the next frame */
    unsigned char spki[128];    /* the notary's attested key */
    size_t spki_len;
    uint8_t eth_address[20];    /* its secp256k1 address, bound in the same evidence */
    tp_key_window window;       /* and their window */
} tp_channel;

tp_err tp_channel_open(tp_channel *c, const char *notary, unsigned timeout_ms, tp_error *err);
void tp_channel_close(tp_channel *c);
/* Frames the prover sends back to back, without waiting for an answer in between, are
 * queued and go out together (one TLS record, one write, one wake-up of the notary): the
 * same frames in the same order. tp_channel_send queues and flushes; tp_channel_recv
 * flushes first, so nothing queued is ever left behind while waiting for an answer. */
tp_err tp_channel_queue(tp_channel *c, uint8_t type, const void *p, size_t n, tp_error *err);
tp_err tp_channel_flush(tp_channel *c, tp_error *err);
tp_err tp_channel_send(tp_channel *c, uint8_t type, const void *p, size_t n, tp_error *err);
/* Blocks for the next frame (after flushing what is queued); an ERROR frame becomes the
 * notary's error. A TUNNEL_OK the prover did not wait for is taken here (any other frame in
 * its place is a protocol error). */
tp_err tp_channel_recv(tp_channel *c, tp_frame *f, tp_error *err);
/* The key window of an ATTEST_RESP object, checked: well formed, at most the maximum
 * length, and containing now within TP_KEY_WINDOW_SKEW_S (else TP_ERR_KEY_WINDOW). */
tp_err tp_channel_attested_window(const json_t *attest_resp, time_t now, tp_key_window *w,
                                  tp_error *err);
/* Fetches and verifies the attestation; *info (optional) gets {platform, public_key, facts}. */
tp_err tp_channel_attest(tp_channel *c, const tp_policy *policy, json_t **info, tp_error *err);
/* Asks for the tunnel. To a notary that takes early data (c->early_data) TUNNEL_REQ is only
 * queued: the ClientHello's DATA goes with it, and tp_channel_recv takes the TUNNEL_OK
 * (c->tunnel_pending) before the target's bytes; to any other, it waits for TUNNEL_OK. */
tp_err tp_channel_tunnel(tp_channel *c, const char *host, uint16_t port, tp_error *err);
/* TP_ERR_CHANNEL unless the proof's signing key and window are the ones attested on this
 * channel (the notary signs a session's proof with the key that session attested). */
tp_err tp_channel_check_proof_key(const tp_channel *c, const char *proof, size_t len, tp_error *err);

/* The prover's own TLS session with the target, run through the tunnel. */
typedef struct tp_target_session {
    tp_keyshare key;
    tp_buf response;            /* decrypted response bytes */
} tp_target_session;

typedef struct tp_target_opts {
    const char *host;
    const char *method;         /* the request's method (a HEAD response has no body) */
    const char *ca_file;
    const char *ciphersuites;
    const char *groups;
    int no_verify;
} tp_target_opts;

/* Handshake, send request, read the response until it is complete or the target closes. */
tp_err tp_target_exchange(tp_channel *c, const tp_target_opts *o, const uint8_t *request,
                          size_t request_len, tp_target_session *ts, tp_error *err);
void tp_target_session_free(tp_target_session *ts);

/* Closes the tunnel, reveals the key share, sends the commitment seed and asks for the
 * proof (tp_channel_prove_send), then waits for it (tp_channel_proof_recv); the prover does
 * its own share of the work in between, while the notary replays. */
tp_err tp_channel_prove_send(tp_channel *c, const char *manifest_json, size_t manifest_len,
                             const tp_vars *vars, const tp_keyshare *key,
                             const uint8_t seed[TP_COMMIT_SEED_LEN], tp_error *err);
tp_err tp_channel_proof_recv(tp_channel *c, char **proof, size_t *len, tp_error *err);
/* Both in one. */
tp_err tp_channel_prove(tp_channel *c, const char *manifest_json, size_t manifest_len,
                        const tp_vars *vars, const tp_keyshare *key,
                        const uint8_t seed[TP_COMMIT_SEED_LEN], char **proof, size_t *len,
                        tp_error *err);

/* Direct mode: sends DIRECT_REQ {manifest, vars, commit_seed} (after attestation), collects
 * the response the notary received (DATA frames) into *response and returns its proof. */
tp_err tp_channel_direct(tp_channel *c, const char *manifest_json, size_t manifest_len,
                         const tp_vars *vars, const uint8_t seed[TP_COMMIT_SEED_LEN],
                         tp_buf *response, char **proof, size_t *len, tp_error *err);

/* tp_notary_attestation with *info a new JSON object. */
tp_err tp_notary_attestation_json(const char *notary, const tp_policy *policy, unsigned timeout_ms,
                                  json_t **info, tp_error *err);

#endif
