/* Sealing claims into a signed proof document with the notary's identity (the TEE side of
 * claims.c); see seal.h. */
#include "tee/seal.h"

#include <stdlib.h>
#include <string.h>

#include "attest/attest_json.h"
#include "base/json_bytes.h"
#include "base/json_pretty.h"
#include "proof/claims.h"
#include "proof/eth_proof.h"
#include "teeproof/proof.h"

tp_err tp_proof_seal(const json_t *claims, tp_identity *id, char **proof, size_t *len,
                     tp_error *err)
{
    tp_buf signed_bytes = TP_BUF_INIT;
    uint8_t sig[64];
    /* Never sign outside the key's window: verifiers would refuse it, and a proof dated
     * outside the window is exactly what a leaked key would be used for. */
    json_t *t = json_object_get(claims, "time");
    tp_err rc = json_is_integer(t) ? tp_identity_check_time(id, (time_t)json_integer_value(t), err)
                                   : tp_error_set(err, TP_ERR_PROOF, "claims.time missing");
    if (rc != TP_OK)
        return rc;
    json_t *eth = NULL;
    rc = tp_claims_signed_bytes(claims, &signed_bytes, err);
    if (rc == TP_OK)
        rc = tp_identity_sign(id, signed_bytes.data, signed_bytes.len, sig, err);
    if (rc == TP_OK) /* the secp256k1 signatures over the same bytes */
        rc = tp_eth_seal(id, claims, signed_bytes.data, signed_bytes.len, &eth, err);
    tp_buf_free(&signed_bytes);
    uint8_t *evidence = NULL;
    size_t evidence_len = 0;
    json_t *collateral = NULL;
    if (rc == TP_OK)
        rc = tp_identity_evidence_bundle(id, &evidence, &evidence_len, &collateral, err);
    if (rc != TP_OK) {
        json_decref(eth);
        return rc;
    }
    json_t *doc = json_pack("{s:i, s:O, s:{s:s, s:o, s:o, s:o, s:o}, s:{s:s, s:o}}",
                            "teeproof_proof", TP_PROOF_FORMAT,
                            "claims", claims,
                            "signature", "alg", TP_SIGNATURE_ALG,
                            "public_key", tp_json_base64(id->spki, id->spki_len),
                            "key_window", tp_key_window_json(&id->window),
                            "value", tp_json_base64(sig, sizeof(sig)),
                            "eth", eth,
                            "evidence", "platform", id->platform,
                            "data", tp_json_base64(evidence, evidence_len));
    free(evidence);
    if (doc != NULL && collateral != NULL &&
        json_object_set_new(json_object_get(doc, "evidence"), "collateral", collateral) != 0) {
        json_decref(doc);
        doc = NULL;
    } else if (doc == NULL) {
        json_decref(collateral);
    }
    char *s = tp_json_pretty_string(doc);
    json_decref(doc);
    if (s == NULL)
        return tp_error_set(err, TP_ERR_NOMEM, "cannot encode the proof");
    *proof = s;
    if (len)
        *len = strlen(s);
    return TP_OK;
}
