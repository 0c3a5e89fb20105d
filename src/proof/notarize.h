/* The notary's decision: from the recorded tunnel bytes, the revealed key and the
 * manifest to a signed proof, or an error and nothing signed. Each stage takes the
 * previous stage's output: transcript verify -> HTTP -> manifest -> claims -> signature. */
#ifndef TP_PROOF_NOTARIZE_H
#define TP_PROOF_NOTARIZE_H

#include <openssl/x509_vfy.h>
#include <time.h>

#include "proof/identity.h"
#include "teeproof/manifest.h"

typedef struct tp_notarize_input {
    const uint8_t *client_bytes;  /* prover -> target, as relayed */
    size_t client_len;
    const uint8_t *server_bytes;  /* target -> prover, as relayed */
    size_t server_len;
    const char *tunnel_host;      /* what the notary connected to */
    uint16_t tunnel_port;
    const char *manifest_json;
    size_t manifest_len;
    uint16_t group;               /* revealed ephemeral key */
    const uint8_t *private_key;
    size_t private_key_len;
    const tp_vars *vars;          /* secret template values */
    const uint8_t *commit_seed;   /* the prover's seed for the commitments' salts */
    size_t commit_seed_len;       /* must be TP_COMMIT_SEED_LEN */
    X509_STORE *trust;
    const char *trust_store_id;   /* "system" or "sha256:<hex of the CA file>" */
    time_t now;
} tp_notarize_input;

/* On success *proof is a NUL-terminated JSON document (caller frees). */
tp_err tp_notarize(const tp_notarize_input *in, tp_identity *id, char **proof,
                   size_t *proof_len, tp_error *err);

#endif
