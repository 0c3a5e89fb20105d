/* Checking the proof's signature.eth object (the verifier's side); see eth_proof.h. */
#include "proof/eth_proof.h"

#include <string.h>

#include "base/codec.h"
#include "base/keccak.h"

/* "0x" + 64 hex digits: Pluto's `value` string, whose keccak256 is its first leaf. */
#define PLUTO_VALUE_LEN (2 + 2 * TP_ETH_HASH_LEN)

static int manifest_hash_of(const json_t *claims, uint8_t out[TP_ETH_HASH_LEN])
{
    const char *hex = json_string_value(json_object_get(claims, "manifest_sha256"));
    return hex != NULL && strlen(hex) == 2 * TP_ETH_HASH_LEN &&
           tp_hex_decode_fixed(hex, out, TP_ETH_HASH_LEN);
}

json_t *tp_eth_hex_json(const uint8_t *p, size_t n)
{
    char s[2 + 2 * TP_ETH_DER_MAX + 1];
    if (n > TP_ETH_DER_MAX)
        return NULL;
    tp_eth_hex(p, n, s);
    return json_string(s);
}

void tp_eth_derive(const json_t *claims, const uint8_t *claims_bytes, size_t len, tp_eth_proof *e)
{
    tp_keccak256(claims_bytes, len, e->message);
    e->has_pluto = manifest_hash_of(claims, e->manifest_hash);
    if (!e->has_pluto)
        return;
    char value[PLUTO_VALUE_LEN + 1];
    tp_eth_hex(e->message, TP_ETH_HASH_LEN, value);
    tp_keccak256(value, PLUTO_VALUE_LEN, e->leaves[0]);
    memcpy(e->leaves[1], e->manifest_hash, TP_ETH_HASH_LEN);
    tp_keccak256(e->leaves, sizeof(e->leaves), e->digest);
}

/* sig must recover to want over hash. */
static tp_err check_one(const uint8_t hash[TP_ETH_HASH_LEN], const uint8_t sig[TP_ETH_SIG_LEN],
                        const uint8_t want[TP_ETH_ADDRESS_LEN], const char *what, tp_error *err)
{
    uint8_t got[TP_ETH_ADDRESS_LEN];
    tp_err rc = tp_eth_recover(hash, sig, got, err);
    if (rc != TP_OK)
        return tp_error_prefix(err, rc, "%s", what);
    if (memcmp(got, want, TP_ETH_ADDRESS_LEN) != 0)
        return tp_error_set(err, TP_ERR_SIGNATURE, "%s was not made by signature.eth.address", what);
    return TP_OK;
}

tp_err tp_eth_proof_check(const json_t *sig_obj, const json_t *claims, const uint8_t *claims_bytes,
                          size_t len, tp_eth_proof *out, tp_error *err)
{
    const json_t *eth = json_object_get(sig_obj, "eth");
    const json_t *pluto = json_object_get(eth, "pluto_value");
    tp_eth_proof e;
    memset(&e, 0, sizeof(e));
    if (!json_is_object(eth) ||
        !tp_eth_unhex(json_string_value(json_object_get(eth, "address")), e.address, TP_ETH_ADDRESS_LEN) ||
        !tp_eth_unhex(json_string_value(json_object_get(eth, "value")), e.signature, TP_ETH_SIG_LEN) ||
        (pluto != NULL && !tp_eth_unhex(json_string_value(pluto), e.pluto_signature, TP_ETH_SIG_LEN)))
        return tp_error_set(err, TP_ERR_PROOF,
                            "signature.eth {address: 0x + 20 bytes hex, value: 0x + 65 bytes hex} "
                            "missing or malformed");
    tp_eth_derive(claims, claims_bytes, len, &e);
    uint8_t h[TP_ETH_HASH_LEN];
    tp_eth_personal_hash(e.message, sizeof(e.message), h);
    tp_err rc = check_one(h, e.signature, e.address, "signature.eth.value", err);
    if (rc == TP_OK && pluto != NULL && !e.has_pluto)
        rc = tp_error_set(err, TP_ERR_PROOF, "signature.eth.pluto_value needs claims.manifest_sha256");
    if (rc == TP_OK && pluto != NULL)
        rc = check_one(e.digest, e.pluto_signature, e.address, "signature.eth.pluto_value", err);
    e.has_pluto = rc == TP_OK && pluto != NULL;
    if (rc == TP_OK)
        *out = e;
    return rc;
}
