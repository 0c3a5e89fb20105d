/* The notary's signing identity: an Ed25519 key made inside the TEE at start, and the
 * platform evidence whose report data commits to it (made once per boot). */
#ifndef TP_PROOF_IDENTITY_H
#define TP_PROOF_IDENTITY_H

#include <openssl/evp.h>
#include <pthread.h>
#include <time.h>

#include "teeproof/attest.h"

typedef struct tp_identity {
    EVP_PKEY *key;
    uint8_t *spki;          /* SubjectPublicKeyInfo DER of key */
    size_t spki_len;
    char platform[16];
    /* Evidence expires on some platforms (Nitro documents after ~3 h, Confidential Space
     * tokens after 1 h), so it is refreshed for the same key; readers take a copy. */
    pthread_mutex_t lock;
    uint8_t *evidence;
    size_t evidence_len;
    time_t evidence_time;
    /* TDX: the operator's Intel collateral directory, re-read at each refresh, and the
     * collateral the current evidence needs ({file name: base64}), sent with it. */
    char *collateral_dir;
    json_t *collateral;
} tp_identity;

tp_err tp_identity_create(tp_attester *attester, tp_identity **out, tp_error *err);
/* Obtains new evidence committing to the same key and swaps it in. Thread-safe. */
tp_err tp_identity_refresh(tp_identity *id, tp_attester *attester, tp_error *err);
/* A copy of the current evidence (caller frees). */
tp_err tp_identity_evidence(tp_identity *id, uint8_t **evidence, size_t *len, tp_error *err);
/* The same with a copy of its collateral bundle (*collateral NULL when there is none). */
tp_err tp_identity_evidence_bundle(tp_identity *id, uint8_t **evidence, size_t *len,
                                   json_t **collateral, tp_error *err);
/* Bundles the collateral of dir with the evidence from now on (TDX only: TP_ERR_ARG for
 * other platforms; TP_ERR_IO when a file the evidence needs is missing). */
tp_err tp_identity_set_collateral(tp_identity *id, const char *dir, tp_error *err);
void tp_identity_free(tp_identity *id);
/* Ed25519 signature (64 bytes). */
tp_err tp_identity_sign(const tp_identity *id, const uint8_t *msg, size_t len, uint8_t sig[64],
                        tp_error *err);
/* Verifies an Ed25519 signature with a key given as SPKI DER. */
tp_err tp_ed25519_verify_spki(const uint8_t *spki, size_t spki_len, const uint8_t *msg, size_t len,
                              const uint8_t *sig, size_t sig_len, tp_error *err);

#endif
