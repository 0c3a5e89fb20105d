/* The public API's JSON-text calls: each runs its jansson-based internal form and hands
 * the caller the result as text in the pretty form (base/json_pretty.h: sorted keys,
 * two-space indentation, every number exactly as signed), so that no jansson type
 * crosses include/teeproof/. */
#include <stdlib.h>
#include <string.h>

#include "attest/attest_json.h"
#include "base/json_pretty.h"
#include "proof/api_text.h"
#include "proof/verify_json.h"
#include "teeproof/proof.h"

tp_err tp_json_give_text(json_t *v, char **out, size_t *out_len, tp_error *err)
{
    if (out == NULL) {
        json_decref(v);
        return TP_OK;
    }
    char *s = tp_json_pretty_string(v);
    json_decref(v);
    if (s == NULL)
        return tp_error_set(err, TP_ERR_NOMEM, "JSON text");
    *out = s;
    if (out_len != NULL)
        *out_len = strlen(s);
    return TP_OK;
}

tp_err tp_proof_verify_at(const char *proof, size_t len, const tp_policy *policy,
                          const tp_manifest *manifest, time_t now, char **claims,
                          size_t *claims_len, tp_evidence_facts *facts, tp_error *err)
{
    json_t *c = NULL;
    tp_evidence_facts f = {0};
    tp_err rc = tp_proof_verify_json_at(proof, len, policy, manifest, now, claims ? &c : NULL, &f, err);
    if (rc == TP_OK)
        rc = tp_json_give_text(c, claims, claims_len, err);
    if (rc == TP_OK && facts != NULL)
        *facts = f;
    else
        tp_evidence_facts_free(&f);
    return rc;
}

tp_err tp_proof_verify(const char *proof, size_t len, const tp_policy *policy,
                       const tp_manifest *manifest, char **claims, size_t *claims_len,
                       tp_evidence_facts *facts, tp_error *err)
{
    return tp_proof_verify_at(proof, len, policy, manifest, 0, claims, claims_len, facts, err);
}

tp_err tp_disclosure_verify(const char *claims, size_t claims_len, const char *disclosure,
                            size_t len, char **disclosed, size_t *disclosed_len, tp_error *err)
{
    json_error_t jerr;
    json_t *c = json_loadb(claims, claims_len, JSON_REJECT_DUPLICATES, &jerr);
    if (c == NULL)
        return tp_error_set(err, TP_ERR_ARG, "claims are not JSON (line %d)", jerr.line);
    json_t *d = NULL;
    tp_err rc = tp_disclosure_verify_json(c, disclosure, len, disclosed ? &d : NULL, err);
    json_decref(c);
    if (rc == TP_OK)
        rc = tp_json_give_text(d, disclosed, disclosed_len, err);
    return rc;
}

char *tp_evidence_facts_json(const tp_evidence_facts *facts)
{
    char *s = NULL;
    json_t *v = tp_evidence_facts_to_json(facts);
    if (v != NULL)
        tp_json_give_text(v, &s, NULL, NULL);
    return s;
}
