/* Sealing claims into a signed proof document; see claims.h. */
#include "attest/attest_json.h"
#include "proof/claims.h"

#include <stdlib.h>
#include <string.h>

#include "base/codec.h"
#include "base/json_bytes.h"
#include "base/jcs.h"
#include "base/json_exact.h"
#include "base/json_pretty.h"
#include "manifest/json_span.h"
#include "proof/eth_proof.h"
#include "teeproof/proof.h"

tp_err tp_claims_signed_bytes(const json_t *claims, tp_buf *out, tp_error *err)
{
    if (!json_is_object(claims) || !tp_jcs_serialize(claims, out))
        return tp_error_set(err, TP_ERR_PROOF, "claims cannot be canonicalized (RFC 8785)");
    return TP_OK;
}

static tp_err claims_span(const char *proof, size_t len, size_t *off, size_t *n, tp_error *err)
{
    json_t *path = json_pack("[s]", "claims");
    if (path == NULL)
        return tp_error_set(err, TP_ERR_NOMEM, "out of memory");
    tp_error why;
    tp_error_clear(&why);
    tp_err rc = tp_json_select((const uint8_t *)proof, len, path, off, n, &why);
    json_decref(path);
    if (rc == TP_ERR_NOMEM)
        return tp_error_set(err, rc, "out of memory");
    if (rc != TP_OK)
        return tp_error_set(err, TP_ERR_PROOF, "proof: %s", why.detail);
    return TP_OK;
}

tp_err tp_claims_signed_bytes_from_proof(const char *proof, size_t len, tp_buf *out,
                                         tp_error *err)
{
    size_t off = 0, n = 0;
    tp_err rc = claims_span(proof, len, &off, &n, err);
    if (rc != TP_OK)
        return rc;
    const uint8_t *text = (const uint8_t *)proof + off;
    json_t *kind = tp_json_load_numbers(text, n, TP_JSON_NUMBERS_AS_ZERO);
    json_t *exact = tp_json_load_numbers(text, n, TP_JSON_NUMBERS_AS_TEXT);
    int done = json_is_object(kind) && exact ? tp_jcs_serialize_exact(exact, kind, out) : 0;
    json_decref(kind);
    json_decref(exact);
    if (done < 0)
        return tp_error_set(err, TP_ERR_NONCANONICAL,
                            "claims: a number is not in its RFC 8785 canonical form, so the "
                            "text is not what was signed");
    if (done == 0)
        return tp_error_set(err, TP_ERR_PROOF, "claims must be an object of valid JSON");
    return TP_OK;
}

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
