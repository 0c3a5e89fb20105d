/* Making the proof's signature.eth object with the notary's secp256k1 key (the notary's
 * side); see eth_proof.h. */
#include "tee/seal.h"

#include "proof/eth_proof.h"

tp_err tp_eth_seal(const tp_identity *id, const json_t *claims, const uint8_t *claims_bytes,
                   size_t len, json_t **out, tp_error *err)
{
    tp_eth_proof e;
    uint8_t h[TP_ETH_HASH_LEN];
    tp_eth_derive(claims, claims_bytes, len, &e);
    tp_eth_personal_hash(e.message, sizeof(e.message), h);
    tp_err rc = tp_identity_eth_sign(id, h, e.signature, err);
    if (rc == TP_OK && e.has_pluto)
        rc = tp_identity_eth_sign(id, e.digest, e.pluto_signature, err);
    if (rc != TP_OK)
        return rc;
    json_t *o = json_pack("{s:o, s:o}", "address", tp_eth_hex_json(id->eth.address, TP_ETH_ADDRESS_LEN),
                          "value", tp_eth_hex_json(e.signature, TP_ETH_SIG_LEN));
    if (o != NULL && e.has_pluto &&
        json_object_set_new(o, "pluto_value", tp_eth_hex_json(e.pluto_signature, TP_ETH_SIG_LEN)) != 0) {
        json_decref(o);
        o = NULL;
    }
    if (o == NULL)
        return tp_error_set(err, TP_ERR_NOMEM, "cannot encode signature.eth");
    *out = o;
    return TP_OK;
}
