/* The notary's decision: from the recorded tunnel bytes, the revealed key and the
 * manifest (tunnel mode), or from what the notary's own TLS client sent and received
 * (direct mode), to a signed proof, or an error and nothing signed. Each stage takes the
 * previous stage's output: prepare -> TLS (the stage that differs) -> HTTP -> manifest ->
 * claims -> signature. */
#ifndef TP_PROOF_NOTARIZE_H
#define TP_PROOF_NOTARIZE_H

#include <openssl/x509_vfy.h>
#include <time.h>

#include "tee/identity.h"
#include "teeproof/manifest.h"
#include "tls/transcript.h"

/* claims.mode */
#define TP_MODE_TUNNEL "tunnel"
#define TP_MODE_DIRECT "direct"

typedef struct tp_notarize_input {
    const uint8_t *client_bytes;  /* prover -> target, as relayed */
    size_t client_len;
    const uint8_t *server_bytes;  /* target -> prover, as relayed */
    size_t server_len;
    const char *tunnel_host;      /* what the notary connected to (both modes) */
    uint16_t tunnel_port;
    const char *manifest_json;
    size_t manifest_len;
    uint16_t group;               /* revealed ephemeral key (tunnel mode; direct: unused) */
    const uint8_t *private_key;
    size_t private_key_len;
    const tp_vars *vars;          /* secret template values */
    const uint8_t *commit_seed;   /* the prover's seed for the commitments' salts */
    size_t commit_seed_len;       /* must be TP_COMMIT_SEED_LEN */
    X509_STORE *trust;
    const char *trust_store_id;   /* "system" or "sha256:<hex of the CA file>" */
    time_t now;
} tp_notarize_input;

/* Tunnel mode: replays the recorded session with the revealed key. A manifest with
 * mode "Proxy" is refused (TP_ERR_MANIFEST). On success *proof is a NUL-terminated JSON
 * document (caller frees). */
tp_err tp_notarize(const tp_notarize_input *in, tp_identity *id, char **proof,
                   size_t *proof_len, tp_error *err);
/* Direct mode: *tls is what the notary's own TLS client negotiated (version, suite, group,
 * leaf certificate hash, certificate checked by that client), the request it sent
 * (client_app) and the response it received (server_app). It is taken over and wiped
 * (*tls is zeroed). client_bytes, server_bytes and the key of *in are unused. The same
 * checks as tp_notarize after its replay; claims.mode is "direct". */
tp_err tp_notarize_direct(const tp_notarize_input *in, tp_tls_verify_result *tls, tp_identity *id,
                          char **proof, size_t *proof_len, tp_error *err);

#endif
