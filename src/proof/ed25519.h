/* Checking an Ed25519 signature under a key given as SubjectPublicKeyInfo DER: the
 * verifier's side of the notary's signing key (proofs, channel bindings). */
#ifndef TP_PROOF_ED25519_H
#define TP_PROOF_ED25519_H

#include <stddef.h>
#include <stdint.h>

#include "teeproof/errors.h"

/* Verifies an Ed25519 signature with a key given as SPKI DER. */
tp_err tp_ed25519_verify_spki(const uint8_t *spki, size_t spki_len, const uint8_t *msg, size_t len,
                              const uint8_t *sig, size_t sig_len, tp_error *err);

#endif
