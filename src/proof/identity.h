/* The notary's signing identity: an Ed25519 key made inside the TEE, its validity window,
 * and the platform evidence whose report data commits to both. The notary makes a new
 * identity for each window (rotation, src/notary/refresh.c); sessions keep a reference to
 * the identity they attested until they end. */
#ifndef TP_PROOF_IDENTITY_H
#define TP_PROOF_IDENTITY_H

#include <openssl/evp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <time.h>

#include "teeproof/attest.h"

/* Window length of tp_identity_create (the notary's --key-lifetime default). */
#define TP_KEY_LIFETIME_DEFAULT_S 3600

typedef struct tp_identity {
    EVP_PKEY *key;
    uint8_t *spki;          /* SubjectPublicKeyInfo DER of key */
    size_t spki_len;
    tp_key_window window;   /* fixed at creation; bound into every evidence of this key */
    char platform[16];
    atomic_uint refs;       /* tp_identity_ref / tp_identity_free; any thread */
    /* Evidence expires on some platforms (Nitro documents after ~3 h, Confidential Space
     * tokens after 1 h), so it is refreshed for the same key and window; readers take a copy. */
    pthread_mutex_t lock;
    uint8_t *evidence;
    size_t evidence_len;
    time_t evidence_time;
    /* TDX: the operator's Intel collateral directory, re-read at each refresh, and the
     * collateral the current evidence needs ({file name: base64}), sent with it. */
    char *collateral_dir;
    json_t *collateral;
} tp_identity;

/* A new key valid from now for TP_KEY_LIFETIME_DEFAULT_S seconds, with its evidence. */
tp_err tp_identity_create(tp_attester *attester, tp_identity **out, tp_error *err);
/* A new key for the given window (checked: well formed, at most TP_KEY_WINDOW_MAX_S). */
tp_err tp_identity_create_window(tp_attester *attester, const tp_key_window *window,
                                 tp_identity **out, tp_error *err);
/* Obtains new evidence committing to the same key and window and swaps it in. Thread-safe. */
tp_err tp_identity_refresh(tp_identity *id, tp_attester *attester, tp_error *err);
/* A copy of the current evidence (caller frees). */
tp_err tp_identity_evidence(tp_identity *id, uint8_t **evidence, size_t *len, tp_error *err);
/* The same with a copy of its collateral bundle (*collateral NULL when there is none). */
tp_err tp_identity_evidence_bundle(tp_identity *id, uint8_t **evidence, size_t *len,
                                   json_t **collateral, tp_error *err);
/* Bundles the collateral of dir with the evidence from now on (TDX only: TP_ERR_ARG for
 * other platforms; TP_ERR_IO when a file the evidence needs is missing). */
tp_err tp_identity_set_collateral(tp_identity *id, const char *dir, tp_error *err);
/* One more reference (returns id). */
tp_identity *tp_identity_ref(tp_identity *id);
/* Drops one reference; the last one frees the identity, wiping the private key
 * (EVP_PKEY_free cleanses it; no raw copy of it exists). */
void tp_identity_free(tp_identity *id);
/* TP_ERR_KEY_WINDOW unless t lies inside the identity's window. */
tp_err tp_identity_check_time(const tp_identity *id, time_t t, tp_error *err);
/* Ed25519 signature (64 bytes). */
tp_err tp_identity_sign(const tp_identity *id, const uint8_t *msg, size_t len, uint8_t sig[64],
                        tp_error *err);
/* Verifies an Ed25519 signature with a key given as SPKI DER. */
tp_err tp_ed25519_verify_spki(const uint8_t *spki, size_t spki_len, const uint8_t *msg, size_t len,
                              const uint8_t *sig, size_t sig_len, tp_error *err);

#endif
