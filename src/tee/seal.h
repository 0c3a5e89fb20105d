/* The notary's signing of proofs (inside the TEE): claims sealed into a proof document
 * with the identity's Ed25519 key (seal.c) and secp256k1 key (eth_seal.c). Verifying them
 * is src/proof/ (verify.c, eth_proof.c). */
#ifndef TP_TEE_SEAL_H
#define TP_TEE_SEAL_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "tee/identity.h"

/* Signs the RFC 8785 form of claims and returns the proof document (caller frees), with
 * the key's window beside the key. Refuses (TP_ERR_KEY_WINDOW, nothing signed) when
 * claims.time lies outside the identity's window. */
tp_err tp_proof_seal(const json_t *claims, tp_identity *id, char **proof, size_t *len,
                     tp_error *err);
/* The notary's side (eth_seal.c). The signature.eth object for claims whose canonical bytes are claims_bytes: {address,
 * value, pluto_value (when the claims carry manifest_sha256)}; new reference in *out. */
tp_err tp_eth_seal(const tp_identity *id, const json_t *claims, const uint8_t *claims_bytes,
                   size_t len, json_t **out, tp_error *err);

#endif
