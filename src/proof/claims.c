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
