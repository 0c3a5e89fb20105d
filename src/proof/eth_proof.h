/* The proof's Ethereum signatures (`signature.eth`): the notary's secp256k1 key signs
 * what a contract can check with ecrecover. Both cover the same canonical claims bytes the
 * Ed25519 signature covers:
 *   message = keccak256(canonical claims)                       (32 bytes)
 *   value   = EIP-191 personal_sign over message                (r || s || v)
 *   pluto   = signature over Pluto's TEE-proof digest (no prefix), where
 *             leaves = [keccak256("0x" + hex(message)), manifest hash], digest =
 *             keccak256(leaves[0] || leaves[1]); made when the claims carry manifest_sha256.
 * See docs/proof-format.md and docs/pluto-migration.md. */
#ifndef TP_PROOF_ETH_PROOF_H
#define TP_PROOF_ETH_PROOF_H

#include <jansson.h>

#include "proof/eth.h"

#define TP_ETH_PLUTO_LEAVES 2

/* What a checked signature.eth says. */
typedef struct tp_eth_proof {
    uint8_t address[TP_ETH_ADDRESS_LEN];
    uint8_t message[TP_ETH_HASH_LEN];     /* keccak256(canonical claims) */
    uint8_t signature[TP_ETH_SIG_LEN];    /* EIP-191 over message */
    int has_pluto;                        /* the three below are set */
    uint8_t manifest_hash[TP_ETH_HASH_LEN];
    uint8_t leaves[TP_ETH_PLUTO_LEAVES][TP_ETH_HASH_LEN];
    uint8_t digest[TP_ETH_HASH_LEN];
    uint8_t pluto_signature[TP_ETH_SIG_LEN];
} tp_eth_proof;

/* "0x" + hex of n <= TP_ETH_DER_MAX bytes as a JSON string (new reference), or NULL. */
json_t *tp_eth_hex_json(const uint8_t *p, size_t n);
/* message, and when the claims carry manifest_sha256 Pluto's leaves and digest (has_pluto). */
void tp_eth_derive(const json_t *claims, const uint8_t *claims_bytes, size_t len, tp_eth_proof *e);
/* The verifier's side (eth_proof.c). Checks signature.eth (sig_obj is the proof's `signature` object) against the canonical
 * claims bytes: each signature must recover to signature.eth.address (TP_ERR_SIGNATURE);
 * TP_ERR_PROOF when it is missing or malformed. Fills *out. */
tp_err tp_eth_proof_check(const json_t *sig_obj, const json_t *claims, const uint8_t *claims_bytes,
                          size_t len, tp_eth_proof *out, tp_error *err);

#endif
