/* Sealing claims into a signed proof document; see claims.h. */
#include "proof/claims.h"

#include <stdlib.h>
#include <string.h>

#include "base/codec.h"
#include "base/jcs.h"
#include "base/json_pretty.h"
#include "teeproof/proof.h"

tp_err tp_claims_signed_bytes(const json_t *claims, tp_buf *out, tp_error *err)
{
    if (!json_is_object(claims) || !tp_jcs_serialize(claims, out))
        return tp_error_set(err, TP_ERR_PROOF, "claims cannot be canonicalized (RFC 8785)");
    return TP_OK;
}

static json_t *b64_string(const uint8_t *p, size_t n)
{
    tp_buf b = TP_BUF_INIT;
    json_t *s = NULL;
    if (tp_base64_encode(p, n, 0, &b) && tp_buf_terminate(&b))
        s = json_stringn((const char *)b.data, b.len);
    tp_buf_free(&b);
    return s;
}

tp_err tp_proof_seal(const json_t *claims, tp_identity *id, char **proof, size_t *len,
                     tp_error *err)
{
    tp_buf signed_bytes = TP_BUF_INIT;
    uint8_t sig[64];
    tp_err rc = tp_claims_signed_bytes(claims, &signed_bytes, err);
    if (rc == TP_OK)
        rc = tp_identity_sign(id, signed_bytes.data, signed_bytes.len, sig, err);
    tp_buf_free(&signed_bytes);
    uint8_t *evidence = NULL;
    size_t evidence_len = 0;
    if (rc == TP_OK)
        rc = tp_identity_evidence(id, &evidence, &evidence_len, err);
    if (rc != TP_OK)
        return rc;
    json_t *doc = json_pack("{s:i, s:O, s:{s:s, s:o, s:o}, s:{s:s, s:o}}",
                            "teeproof_proof", TP_PROOF_FORMAT,
                            "claims", claims,
                            "signature", "alg", TP_SIGNATURE_ALG,
                            "public_key", b64_string(id->spki, id->spki_len),
                            "value", b64_string(sig, sizeof(sig)),
                            "evidence", "platform", id->platform,
                            "data", b64_string(evidence, evidence_len));
    free(evidence);
    char *s = tp_json_pretty_string(doc);
    json_decref(doc);
    if (s == NULL)
        return tp_error_set(err, TP_ERR_NOMEM, "cannot encode the proof");
    *proof = s;
    if (len)
        *len = strlen(s);
    return TP_OK;
}
