/* Offline proof verification; see include/teeproof/proof.h. */
#include <string.h>
#include <time.h>

#include "base/codec.h"
#include "base/json_bytes.h"
#include "proof/claims.h"
#include "proof/identity.h"
#include "teeproof/proof.h"

/* The parts of a proof document, borrowed from the parsed JSON. */
typedef struct proof_parts {
    json_t *claims;
    const char *platform;
    tp_buf public_key;
    tp_buf signature;
    tp_buf evidence;
    const json_t *collateral; /* evidence.collateral: bundled by the notary, or NULL */
} proof_parts;

static void parts_free(proof_parts *p)
{
    tp_buf_free(&p->public_key);
    tp_buf_free(&p->signature);
    tp_buf_free(&p->evidence);
}

static tp_err get_b64(json_t *obj, const char *key, const char *where, tp_buf *out, tp_error *err)
{
    if (!tp_json_get_base64(obj, key, out))
        return tp_error_set(err, TP_ERR_PROOF, "%s.%s missing or not base64", where, key);
    return TP_OK;
}

static tp_err split_proof(json_t *doc, proof_parts *p, tp_error *err)
{
    json_t *sig = json_object_get(doc, "signature"), *ev = json_object_get(doc, "evidence");
    p->claims = json_object_get(doc, "claims");
    if (json_integer_value(json_object_get(doc, "teeproof_proof")) != TP_PROOF_FORMAT)
        return tp_error_set(err, TP_ERR_PROOF, "not a teeproof proof (format %d expected)", TP_PROOF_FORMAT);
    if (!json_is_object(p->claims) || !json_is_object(sig) || !json_is_object(ev))
        return tp_error_set(err, TP_ERR_PROOF, "proof needs claims, signature and evidence objects");
    const char *alg = json_string_value(json_object_get(sig, "alg"));
    if (alg == NULL || strcmp(alg, TP_SIGNATURE_ALG) != 0)
        return tp_error_set(err, TP_ERR_PROOF, "signature.alg must be %s", TP_SIGNATURE_ALG);
    p->platform = json_string_value(json_object_get(ev, "platform"));
    if (p->platform == NULL)
        return tp_error_set(err, TP_ERR_PROOF, "evidence.platform missing");
    tp_err rc = get_b64(sig, "public_key", "signature", &p->public_key, err);
    if (rc == TP_OK)
        rc = get_b64(sig, "value", "signature", &p->signature, err);
    if (rc == TP_OK)
        rc = get_b64(ev, "data", "evidence", &p->evidence, err);
    p->collateral = json_object_get(ev, "collateral");
    if (rc == TP_OK && p->collateral != NULL && !json_is_object(p->collateral))
        rc = tp_error_set(err, TP_ERR_PROOF, "evidence.collateral must be an object");
    return rc;
}

/* The notary's signed time: evidence is checked as of then (it may have expired since). */
static time_t claimed_time(const json_t *claims)
{
    json_int_t t = json_integer_value(json_object_get(claims, "time"));
    return t > 0 ? (time_t)t : 0;
}

static tp_err check_signature(const proof_parts *p, tp_error *err)
{
    tp_buf msg = TP_BUF_INIT;
    tp_err rc = tp_claims_signed_bytes(p->claims, &msg, err);
    if (rc == TP_OK)
        rc = tp_ed25519_verify_spki(p->public_key.data, p->public_key.len, msg.data, msg.len,
                                    p->signature.data, p->signature.len, err);
    tp_buf_free(&msg);
    return rc == TP_OK ? rc : tp_error_prefix(err, rc, "proof signature");
}

static tp_err check_manifest(const json_t *claims, const tp_manifest *m, tp_error *err)
{
    uint8_t h[32];
    char hex[65];
    tp_manifest_hash(m, h);
    tp_hex_encode(h, sizeof(h), hex);
    const char *claimed = json_string_value(json_object_get(claims, "manifest_sha256"));
    if (claimed == NULL || strcmp(claimed, hex) != 0)
        return tp_error_set(err, TP_ERR_MANIFEST_HASH, "proof's manifest_sha256 %.16s... is not the given manifest's %.16s...",
                            claimed ? claimed : "(none)", hex);
    return TP_OK;
}

tp_err tp_proof_verify(const char *proof, size_t len, const tp_policy *policy,
                       const tp_manifest *manifest, json_t **claims, tp_evidence_facts *facts,
                       tp_error *err)
{
    json_error_t jerr;
    json_t *doc = json_loadb(proof, len, JSON_REJECT_DUPLICATES, &jerr);
    if (doc == NULL)
        return tp_error_set(err, TP_ERR_PROOF, "proof is not JSON: %s (line %d)", jerr.text, jerr.line);
    proof_parts p = {0};
    tp_evidence_facts f = {0};
    tp_err rc = split_proof(doc, &p, err);
    if (rc == TP_OK)
        rc = check_signature(&p, err);
    if (rc == TP_OK) {
        uint8_t binding[64];
        tp_attest_key_binding(p.public_key.data, p.public_key.len, binding);
        rc = tp_policy_verify_evidence_bundled(policy, p.platform, p.evidence.data, p.evidence.len,
                                               binding, claimed_time(p.claims), p.collateral, &f,
                                               err);
    }
    if (rc == TP_OK && manifest != NULL)
        rc = check_manifest(p.claims, manifest, err);
    if (rc == TP_OK && claims != NULL)
        *claims = json_incref(p.claims);
    if (rc == TP_OK && facts != NULL)
        *facts = f;
    else
        tp_evidence_facts_free(&f);
    parts_free(&p);
    json_decref(doc);
    return rc;
}
