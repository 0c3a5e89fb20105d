/* Addresses, recovering a signature's address, EIP-191 hashes, DER and hex: the verifier's
 * side of eth.h (libsecp256k1, no secret). */
#include "proof/eth.h"

#include <secp256k1.h>
#include <secp256k1_recovery.h>
#include <stdio.h>
#include <string.h>

#include "base/codec.h"
#include "base/keccak.h"

#define ETH_V_BASE 27 /* v = 27 + recovery id */

/* Half the group order n, big-endian: s above it is the malleable twin. */
static const uint8_t k_half_order[32] = {
    0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0x5d, 0x57, 0x6e, 0x73, 0x57, 0xa4, 0x50, 0x1d, 0xdf, 0xe9, 0x2f, 0x46, 0x68, 0x1b, 0x20, 0xa0,
};

void tp_eth_address_of_point(const uint8_t point[TP_ETH_POINT_LEN], uint8_t address[TP_ETH_ADDRESS_LEN])
{
    uint8_t h[TP_ETH_HASH_LEN];
    tp_keccak256(point + 1, TP_ETH_POINT_LEN - 1, h);
    memcpy(address, h + TP_ETH_HASH_LEN - TP_ETH_ADDRESS_LEN, TP_ETH_ADDRESS_LEN);
}

int tp_eth_address_of_pubkey(const struct secp256k1_context_struct *ctx, const void *pubkey,
                             uint8_t address[TP_ETH_ADDRESS_LEN])
{
    uint8_t raw[TP_ETH_POINT_LEN];
    size_t n = sizeof(raw);
    if (!secp256k1_ec_pubkey_serialize(ctx, raw, &n, (const secp256k1_pubkey *)pubkey,
                                       SECP256K1_EC_UNCOMPRESSED) || n != sizeof(raw))
        return 0;
    tp_eth_address_of_point(raw, address);
    return 1;
}

tp_err tp_eth_recover(const uint8_t hash[TP_ETH_HASH_LEN], const uint8_t sig[TP_ETH_SIG_LEN],
                      uint8_t address[TP_ETH_ADDRESS_LEN], tp_error *err)
{
    const secp256k1_context *ctx = secp256k1_context_static;
    secp256k1_ecdsa_recoverable_signature rs;
    secp256k1_pubkey pub;
    if (sig[64] != ETH_V_BASE && sig[64] != ETH_V_BASE + 1)
        return tp_error_set(err, TP_ERR_SIGNATURE, "secp256k1 signature: v must be 27 or 28");
    if (memcmp(sig + 32, k_half_order, sizeof(k_half_order)) > 0)
        return tp_error_set(err, TP_ERR_SIGNATURE, "secp256k1 signature: s is in the upper half");
    if (!secp256k1_ecdsa_recoverable_signature_parse_compact(ctx, &rs, sig, sig[64] - ETH_V_BASE) ||
        !secp256k1_ecdsa_recover(ctx, &pub, &rs, hash) || !tp_eth_address_of_pubkey(ctx, &pub, address))
        return tp_error_set(err, TP_ERR_SIGNATURE, "secp256k1 signature: no key recovers from it");
    return TP_OK;
}

void tp_eth_personal_hash(const uint8_t *msg, size_t len, uint8_t out[TP_ETH_HASH_LEN])
{
    char prefix[64];
    int n = snprintf(prefix, sizeof(prefix), "\x19" "Ethereum Signed Message:\n%zu", len);
    tp_keccak256_ctx c;
    tp_keccak256_init(&c);
    tp_keccak256_update(&c, prefix, (size_t)n);
    tp_keccak256_update(&c, msg, len);
    tp_keccak256_final(&c, out);
}

int tp_eth_sig_der(const uint8_t sig[TP_ETH_SIG_LEN], uint8_t der[TP_ETH_DER_MAX], size_t *der_len)
{
    const secp256k1_context *ctx = secp256k1_context_static;
    secp256k1_ecdsa_signature s;
    *der_len = TP_ETH_DER_MAX;
    return secp256k1_ecdsa_signature_parse_compact(ctx, &s, sig) &&
           secp256k1_ecdsa_signature_serialize_der(ctx, der, der_len, &s);
}

void tp_eth_hex(const uint8_t *p, size_t n, char *out)
{
    out[0] = '0';
    out[1] = 'x';
    tp_hex_encode(p, n, out + 2);
}

int tp_eth_unhex(const char *s, uint8_t *out, size_t n)
{
    return s != NULL && s[0] == '0' && s[1] == 'x' && strlen(s) == 2 + 2 * n &&
           tp_hex_decode_fixed(s + 2, out, n);
}
