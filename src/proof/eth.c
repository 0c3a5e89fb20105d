/* secp256k1 keys, recoverable signatures and EIP-191 hashes (libsecp256k1); see eth.h. */
#include "proof/eth.h"

#include <openssl/rand.h>
#include <secp256k1.h>
#include <secp256k1_recovery.h>
#include <stdio.h>
#include <string.h>

#include "base/codec.h"
#include "base/keccak.h"

#define ETH_UNCOMPRESSED_LEN 65 /* 0x04 || X || Y */
#define ETH_V_BASE 27           /* v = 27 + recovery id */
#define ETH_KEYGEN_TRIES 16     /* a random 32-byte value is a valid key but for ~2^-128 */

/* Half the group order n, big-endian: s above it is the malleable twin. */
static const uint8_t k_half_order[32] = {
    0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0x5d, 0x57, 0x6e, 0x73, 0x57, 0xa4, 0x50, 0x1d, 0xdf, 0xe9, 0x2f, 0x46, 0x68, 0x1b, 0x20, 0xa0,
};

/* keccak256(uncompressed point without its 0x04)[12..32]. */
static int address_of(const secp256k1_context *ctx, const secp256k1_pubkey *pub,
                      uint8_t address[TP_ETH_ADDRESS_LEN])
{
    uint8_t raw[ETH_UNCOMPRESSED_LEN], h[TP_ETH_HASH_LEN];
    size_t n = sizeof(raw);
    if (!secp256k1_ec_pubkey_serialize(ctx, raw, &n, pub, SECP256K1_EC_UNCOMPRESSED) ||
        n != sizeof(raw))
        return 0;
    tp_keccak256(raw + 1, sizeof(raw) - 1, h);
    memcpy(address, h + TP_ETH_HASH_LEN - TP_ETH_ADDRESS_LEN, TP_ETH_ADDRESS_LEN);
    return 1;
}

/* Context and empty secret buffer. */
static tp_err key_init(tp_eth_key *k, tp_error *err)
{
    uint8_t seed[32];
    memset(k, 0, sizeof(*k));
    k->ctx = secp256k1_context_create(SECP256K1_CONTEXT_NONE);
    if (k->ctx == NULL || !tp_buf_reserve(&k->secret, TP_ETH_SECRET_LEN))
        return tp_error_set(err, TP_ERR_NOMEM, "cannot allocate the secp256k1 key");
    k->secret.len = TP_ETH_SECRET_LEN;
    if (RAND_bytes(seed, sizeof(seed)) != 1 || !secp256k1_context_randomize(k->ctx, seed))
        return tp_error_set(err, TP_ERR_CRYPTO, "cannot randomize the secp256k1 context");
    return TP_OK;
}

static tp_err key_finish(tp_eth_key *k, tp_error *err)
{
    secp256k1_pubkey pub;
    if (!secp256k1_ec_pubkey_create(k->ctx, &pub, k->secret.data) ||
        !address_of(k->ctx, &pub, k->address))
        return tp_error_set(err, TP_ERR_CRYPTO, "not a valid secp256k1 secret key");
    return TP_OK;
}

tp_err tp_eth_key_generate(tp_eth_key *k, tp_error *err)
{
    tp_err rc = key_init(k, err);
    int valid = 0;
    for (int i = 0; rc == TP_OK && !valid && i < ETH_KEYGEN_TRIES; i++)
        valid = RAND_priv_bytes(k->secret.data, TP_ETH_SECRET_LEN) == 1 &&
                secp256k1_ec_seckey_verify(k->ctx, k->secret.data);
    if (rc == TP_OK && !valid)
        rc = tp_error_set(err, TP_ERR_CRYPTO, "cannot generate the secp256k1 signing key");
    return rc == TP_OK ? key_finish(k, err) : rc;
}

tp_err tp_eth_key_from_secret(tp_eth_key *k, const uint8_t secret[TP_ETH_SECRET_LEN], tp_error *err)
{
    tp_err rc = key_init(k, err);
    if (rc == TP_OK)
        memcpy(k->secret.data, secret, TP_ETH_SECRET_LEN);
    return rc == TP_OK ? key_finish(k, err) : rc;
}

void tp_eth_key_free(tp_eth_key *k)
{
    if (k == NULL)
        return;
    tp_buf_free(&k->secret); /* wipes the 32 secret bytes */
    if (k->ctx != NULL)
        secp256k1_context_destroy(k->ctx);
    k->ctx = NULL;
}

tp_err tp_eth_sign_hash(const tp_eth_key *k, const uint8_t hash[TP_ETH_HASH_LEN],
                        uint8_t sig[TP_ETH_SIG_LEN], tp_error *err)
{
    secp256k1_ecdsa_recoverable_signature rs;
    int recid = 0;
    /* libsecp256k1 signs deterministically (RFC 6979) and always with the lower-half s. */
    if (k->ctx == NULL || k->secret.len != TP_ETH_SECRET_LEN ||
        !secp256k1_ecdsa_sign_recoverable(k->ctx, &rs, hash, k->secret.data, NULL, NULL) ||
        !secp256k1_ecdsa_recoverable_signature_serialize_compact(k->ctx, sig, &recid, &rs))
        return tp_error_set(err, TP_ERR_CRYPTO, "secp256k1 signing failed");
    sig[64] = (uint8_t)(ETH_V_BASE + recid);
    return TP_OK;
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
        !secp256k1_ecdsa_recover(ctx, &pub, &rs, hash) || !address_of(ctx, &pub, address))
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
