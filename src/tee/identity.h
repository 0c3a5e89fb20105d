/* The notary's signing identity: an Ed25519 key and a secp256k1 (Ethereum) key made
 * together inside the TEE, their validity window, and the platform evidence whose report
 * data commits to all three. The notary makes a new
 * identity for each window (rotation, src/notary/refresh.c); sessions keep a reference to
 * the identity they attested until they end. */
#ifndef TP_PROOF_IDENTITY_H
#define TP_PROOF_IDENTITY_H

#include <jansson.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <time.h>

#include "proof/ed25519.h"
#include "proof/eth.h"
#include "teeproof/attest.h"

/* Window length of tp_identity_create (the notary's --key-lifetime default). */
#define TP_KEY_LIFETIME_DEFAULT_S 3600

/* Fills *out with the collateral ({file name: base64}) this evidence of platform needs. */
typedef tp_err (*tp_collateral_fetch_fn)(void *ctx, const char *platform, const uint8_t *evidence,
                                         size_t len, json_t **out, tp_error *err);

typedef struct tp_identity {
    EVP_PKEY *key;
    uint8_t *spki;          /* SubjectPublicKeyInfo DER of key */
    size_t spki_len;
    tp_eth_key eth;         /* secp256k1 key and its address, same window and evidence */
    tp_key_window window;   /* fixed at creation; bound into every evidence of this key */
    char platform[16];
    atomic_uint refs;       /* tp_identity_ref / tp_identity_free; any thread */
    /* Evidence expires on some platforms (Nitro documents after ~3 h, Confidential Space
     * tokens after 1 h), so it is refreshed for the same key and window; readers take a copy. */
    pthread_mutex_t lock;
    uint8_t *evidence;
    size_t evidence_len;
    time_t evidence_time;
    /* TDX, SEV-SNP: where the collateral comes from (fetched again at each refresh: the
     * operator's directory, collateral_dir, or a cache the notary fetches from) and the
     * collateral the current evidence needs ({file name: base64}), sent with it. */
    tp_collateral_fetch_fn collateral_fetch;
    void *collateral_ctx;
    char *collateral_dir;
    json_t *collateral;
    /* The attestation response (ATTEST_RESP) of the current evidence, encoded once per
     * evidence (base64, JSON) rather than per session: the text before and after the
     * per-channel binding signature. Swapped together with the evidence, under lock. */
    char *attest_head, *attest_tail;
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
/* Appends the attestation response of the current evidence with this channel's binding
 * signature to out: {platform, evidence, public_key, eth_address, key_window,
 * binding_signature, collateral?} (docs/protocol.md, ATTEST_RESP). */
tp_err tp_identity_attest_response(tp_identity *id, const uint8_t binding_sig[64], tp_buf *out,
                                   tp_error *err);
/* Bundles the collateral of dir with the evidence from now on (TDX and SEV-SNP:
 * TP_ERR_ARG for other platforms; TP_ERR_COLLATERAL when a file the evidence needs is
 * missing). Call before the refresher starts. */
tp_err tp_identity_set_collateral(tp_identity *id, const char *dir, tp_error *err);
/* The same with collateral from fetch(ctx, ...), called now and at each refresh (on the
 * refreshing thread); ctx must outlive the identity. */
tp_err tp_identity_set_collateral_fetch(tp_identity *id, tp_collateral_fetch_fn fetch, void *ctx,
                                        tp_error *err);
/* One more reference (returns id). */
tp_identity *tp_identity_ref(tp_identity *id);
/* Drops one reference; the last one frees the identity, wiping the private keys
 * (EVP_PKEY_free cleanses the Ed25519 key; the secp256k1 secret's buffer is wiped). */
void tp_identity_free(tp_identity *id);
/* TP_ERR_KEY_WINDOW unless t lies inside the identity's window. */
tp_err tp_identity_check_time(const tp_identity *id, time_t t, tp_error *err);
/* Ed25519 signature (64 bytes). */
tp_err tp_identity_sign(const tp_identity *id, const uint8_t *msg, size_t len, uint8_t sig[64],
                        tp_error *err);
/* Recoverable secp256k1 signature (r || s || v) over a 32-byte hash. */
tp_err tp_identity_eth_sign(const tp_identity *id, const uint8_t hash[TP_ETH_HASH_LEN],
                            uint8_t sig[TP_ETH_SIG_LEN], tp_error *err);

#endif
