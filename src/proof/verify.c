/* Offline proof verification; see include/teeproof/proof.h. */
#include <string.h>
#include <time.h>

#include "proof/ed25519.h"
#include "attest/attest_json.h"
#include "proof/verify_json.h"
#include "base/codec.h"
#include "base/json_bytes.h"
#include "proof/claims.h"
#include "proof/eth_proof.h"
#include "teeproof/proof.h"

/* The parts of a proof document, borrowed from the parsed JSON. */
typedef struct proof_parts {
    json_t *claims;
    json_t *sig;            /* the signature object */
    const char *platform;
    tp_buf public_key;
    tp_buf signature;
    tp_buf evidence;
    tp_key_window window;
    tp_eth_proof eth;       /* signature.eth, checked: the secp256k1 key's address */
    int64_t time;           /* claims.time: the notary's clock when it signed */
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
    p->sig = sig;
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
    if (!tp_key_window_from_json(json_object_get(sig, "key_window"), &p->window))
        return tp_error_set(err, TP_ERR_KEY_WINDOW,
                            "signature.key_window {not_before, not_after} missing or malformed");
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

/* The signature covers bytes derived from the proof's text, never from a re-encoding of
 * parsed numbers: a claim edited to another spelling of a number (12.500000000000000001 for
 * 12.5) is refused as noncanonical instead of being normalised back to what was signed. */
static tp_err check_signature(proof_parts *p, const char *proof, size_t len,
                              tp_error *err)
{
    tp_buf msg = TP_BUF_PUBLIC_INIT;
    tp_err rc = tp_claims_signed_bytes_from_proof(proof, len, &msg, err);
    if (rc != TP_OK) {
        tp_buf_free(&msg);
        return rc;
    }
    rc = tp_ed25519_verify_spki(p->public_key.data, p->public_key.len, msg.data, msg.len,
                                p->signature.data, p->signature.len, err);
    if (rc != TP_OK)
        rc = tp_error_prefix(err, rc, "proof signature");
    else /* the secp256k1 signatures over the same bytes recover the bound address */
        rc = tp_eth_proof_check(p->sig, p->claims, msg.data, msg.len, &p->eth, err);
    tp_buf_free(&msg);
    return rc;
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

/* How the notary made the proof: "tunnel" or "direct" (docs/proof-format.md). A manifest with
 * mode "Proxy" is proven only in direct mode: a tunnel proof is not a proof of it. */
static tp_err check_mode(const json_t *claims, const tp_manifest *m, tp_error *err)
{
    const char *mode = json_string_value(json_object_get(claims, "mode"));
    if (mode == NULL || (strcmp(mode, "tunnel") != 0 && strcmp(mode, "direct") != 0))
        return tp_error_set(err, TP_ERR_PROOF, "claims.mode must be \"tunnel\" or \"direct\"");
    if (m != NULL && tp_manifest_requires_direct(m) && strcmp(mode, "direct") != 0)
        return tp_error_set(err, TP_ERR_MANIFEST, "the manifest's mode \"Proxy\" needs a direct-mode "
                                                  "proof; this proof's mode is %s", mode);
    return TP_OK;
}

static tp_err read_time(proof_parts *p, tp_error *err)
{
    json_t *t = json_object_get(p->claims, "time");
    if (!json_is_integer(t) || json_integer_value(t) <= 0)
        return tp_error_set(err, TP_ERR_PROOF, "claims.time missing or not a positive integer");
    p->time = (int64_t)json_integer_value(t);
    return TP_OK;
}

/* The key's window holds the proof's time, the evidence commits to both keys (the Ed25519
 * key and the secp256k1 address) and the window, and
 * the evidence verifies under the policy as of the proof's time (evidence may have expired
 * since; the window, not the evidence's own life, bounds when the key could sign). */
static tp_err check_key(const proof_parts *p, const tp_policy *policy, tp_evidence_facts *f,
                        tp_error *err)
{
    tp_err rc = tp_key_window_check(&p->window, p->time, 0, "the proof's time", err);
    if (rc != TP_OK)
        return rc;
    uint8_t binding[64];
    tp_attest_key_binding(p->public_key.data, p->public_key.len, p->eth.address, &p->window, binding);
    return tp_policy_verify_evidence_bundled(policy, p->platform, p->evidence.data,
                                             p->evidence.len, binding, (time_t)p->time,
                                             p->collateral, f, err);
}

tp_err tp_proof_verify_json_at(const char *proof, size_t len, const tp_policy *policy,
                               const tp_manifest *manifest, time_t now, json_t **claims,
                               tp_evidence_facts *facts, tp_error *err)
{
    json_error_t jerr;
    json_t *doc = json_loadb(proof, len, JSON_REJECT_DUPLICATES, &jerr);
    if (doc == NULL)
        return tp_error_set(err, TP_ERR_PROOF, "proof is not JSON: %s (line %d)", jerr.text, jerr.line);
    proof_parts p = {0};
    tp_evidence_facts f = {0};
    tp_err rc = split_proof(doc, &p, err);
    if (rc == TP_OK)
        rc = check_signature(&p, proof, len, err);
    if (rc == TP_OK)
        rc = read_time(&p, err); /* after the signature: an edited spelling is noncanonical */
    if (rc == TP_OK)
        rc = check_key(&p, policy, &f, err);
    if (rc == TP_OK)
        rc = tp_policy_check_proof_age(policy, (time_t)p.time, now ? now : time(NULL), err);
    if (rc == TP_OK && manifest != NULL)
        rc = check_manifest(p.claims, manifest, err);
    if (rc == TP_OK)
        rc = check_mode(p.claims, manifest, err);
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

tp_err tp_proof_verify_json(const char *proof, size_t len, const tp_policy *policy,
                            const tp_manifest *manifest, json_t **claims, tp_evidence_facts *facts,
                            tp_error *err)
{
    return tp_proof_verify_json_at(proof, len, policy, manifest, 0, claims, facts, err);
}
