/* The notary's Ethereum identity: a secp256k1 key made beside its Ed25519 key, its 20-byte
 * address, recoverable ECDSA signatures (r || s || v, v = 27 + recovery id, s in the lower
 * half as Ethereum requires) and EIP-191 personal_sign hashes. Verifying needs no key:
 * tp_eth_recover returns the address that made a signature. */
#ifndef TP_PROOF_ETH_H
#define TP_PROOF_ETH_H

#include <stddef.h>
#include <stdint.h>

#include "base/bytes.h"
#include "teeproof/errors.h"

#define TP_ETH_ADDRESS_LEN 20
#define TP_ETH_SIG_LEN 65
#define TP_ETH_HASH_LEN 32
#define TP_ETH_SECRET_LEN 32
#define TP_ETH_POINT_LEN 65 /* uncompressed public key: 0x04 || X || Y */
/* "0x" + 40 hex digits + NUL */
#define TP_ETH_ADDRESS_HEX_SIZE (2 + 2 * TP_ETH_ADDRESS_LEN + 1)
/* "0x" + 130 hex digits + NUL */
#define TP_ETH_SIG_HEX_SIZE (2 + 2 * TP_ETH_SIG_LEN + 1)
/* Longest DER ECDSA signature: SEQUENCE of two INTEGERs of up to 33 bytes. */
#define TP_ETH_DER_MAX 72

typedef struct tp_eth_key {
    struct secp256k1_context_struct *ctx; /* signing context (randomized) */
    tp_buf secret;                        /* 32 bytes; wiped on free (tp_buf wipes) */
    uint8_t address[TP_ETH_ADDRESS_LEN];
} tp_eth_key;

/* --- the notary's side (src/tee/eth_key.c) --- */
/* A fresh random key and its address. */
tp_err tp_eth_key_generate(tp_eth_key *k, tp_error *err);
/* A key with a given secret (tests and known-answer vectors). */
tp_err tp_eth_key_from_secret(tp_eth_key *k, const uint8_t secret[TP_ETH_SECRET_LEN], tp_error *err);
/* Wipes the secret and destroys the context; safe on a zeroed key. */
void tp_eth_key_free(tp_eth_key *k);
/* Recoverable signature over a 32-byte hash (no prefix is added): r || s || v. */
tp_err tp_eth_sign_hash(const tp_eth_key *k, const uint8_t hash[TP_ETH_HASH_LEN],
                        uint8_t sig[TP_ETH_SIG_LEN], tp_error *err);
/* --- anyone's side (eth.c) --- */
/* keccak256(X || Y)[12..32] of an uncompressed point. */
void tp_eth_address_of_point(const uint8_t point[TP_ETH_POINT_LEN], uint8_t address[TP_ETH_ADDRESS_LEN]);
/* The same for a parsed secp256k1_pubkey (pubkey points to one); 1/0. */
int tp_eth_address_of_pubkey(const struct secp256k1_context_struct *ctx, const void *pubkey,
                             uint8_t address[TP_ETH_ADDRESS_LEN]);
/* The address that made sig over hash. TP_ERR_SIGNATURE when v is not 27/28, s is in the
 * upper half (malleable) or nothing can be recovered. */
tp_err tp_eth_recover(const uint8_t hash[TP_ETH_HASH_LEN], const uint8_t sig[TP_ETH_SIG_LEN],
                      uint8_t address[TP_ETH_ADDRESS_LEN], tp_error *err);
/* EIP-191 version 0x45 (personal_sign): keccak256("\x19Ethereum Signed Message:\n" ||
 * decimal length of msg || msg). */
void tp_eth_personal_hash(const uint8_t *msg, size_t len, uint8_t out[TP_ETH_HASH_LEN]);
/* DER (SEQUENCE {r, s}) of a 65-byte signature; *der_len set. 1 on success. */
int tp_eth_sig_der(const uint8_t sig[TP_ETH_SIG_LEN], uint8_t der[TP_ETH_DER_MAX], size_t *der_len);
/* "0x" + lowercase hex of n bytes into out (size >= 2 + 2n + 1). */
void tp_eth_hex(const uint8_t *p, size_t n, char *out);
/* Decodes "0x" + exactly 2n hex digits; 1/0. */
int tp_eth_unhex(const char *s, uint8_t *out, size_t n);

#endif
