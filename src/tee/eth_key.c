/* The notary's secp256k1 key: generation, the wiped secret, recoverable signing
 * (libsecp256k1); the notary's side of eth.h. */
#include <openssl/rand.h>
#include <secp256k1.h>
#include <secp256k1_recovery.h>
#include <string.h>

#include "proof/eth.h"

#define ETH_V_BASE 27           /* v = 27 + recovery id */
#define ETH_KEYGEN_TRIES 16     /* a random 32-byte value is a valid key but for ~2^-128 */

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
        !tp_eth_address_of_pubkey(k->ctx, &pub, k->address))
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
