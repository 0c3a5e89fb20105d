/* Exporting a verified proof for where it must end up: a smart contract (EIP-191
 * personal_sign) or code written for Pluto's TEE proofs; see tp_proof_export in proof.h,
 * docs/evm.md and docs/pluto-migration.md. */
#include <stdlib.h>
#include <string.h>

#include "proof/verify_json.h"
#include "base/json_pretty.h"
#include "base/keccak.h"
#include "proof/claims.h"
#include "proof/eth_proof.h"
#include "teeproof/proof.h"

#define EIP191_FORMAT_ID "teeproof-eip191-v1"

int tp_export_format_parse(const char *name, tp_export_format *out)
{
    if (name != NULL && strcmp(name, "eip191") == 0)
        *out = TP_EXPORT_EIP191;
    else if (name != NULL && strcmp(name, "pluto") == 0)
        *out = TP_EXPORT_PLUTO;
    else
        return 0;
    return 1;
}

/* {format, message, signature, signer, claims_hash, digest, claims}: see docs/evm.md. */
static json_t *eip191_json(const tp_eth_proof *e, const tp_buf *claims_bytes)
{
    uint8_t digest[TP_ETH_HASH_LEN];
    tp_eth_personal_hash(e->message, sizeof(e->message), digest);
    return json_pack("{s:s, s:o, s:o, s:o, s:o, s:o, s:s%}", "format", EIP191_FORMAT_ID,
                     "message", tp_eth_hex_json(e->message, TP_ETH_HASH_LEN),
                     "signature", tp_eth_hex_json(e->signature, TP_ETH_SIG_LEN),
                     "signer", tp_eth_hex_json(e->address, TP_ETH_ADDRESS_LEN),
                     "claims_hash", tp_eth_hex_json(e->message, TP_ETH_HASH_LEN),
                     "digest", tp_eth_hex_json(digest, TP_ETH_HASH_LEN),
                     "claims", (const char *)claims_bytes->data, claims_bytes->len);
}

/* Pluto's TeeProof {data: {manifest_hash}, signature: SignedVerificationReply}. */
static json_t *pluto_json(const tp_eth_proof *e)
{
    uint8_t der[TP_ETH_DER_MAX];
    size_t der_len = 0;
    json_t *bytes = json_array();
    for (size_t i = 0; bytes != NULL && i < TP_ETH_HASH_LEN; i++)
        json_array_append_new(bytes, json_integer(e->manifest_hash[i]));
    if (bytes == NULL || !tp_eth_sig_der(e->pluto_signature, der, &der_len)) {
        json_decref(bytes);
        return NULL;
    }
    return json_pack("{s:{s:o}, s:{s:[o, o], s:o, s:o, s:o, s:o, s:i, s:o}}",
                     "data", "manifest_hash", bytes,
                     "signature", "merkle_leaves", tp_eth_hex_json(e->leaves[0], TP_ETH_HASH_LEN),
                     tp_eth_hex_json(e->leaves[1], TP_ETH_HASH_LEN),
                     "digest", tp_eth_hex_json(e->digest, TP_ETH_HASH_LEN),
                     "signature", tp_eth_hex_json(der, der_len),
                     "signature_r", tp_eth_hex_json(e->pluto_signature, 32),
                     "signature_s", tp_eth_hex_json(e->pluto_signature + 32, 32),
                     "signature_v", (int)e->pluto_signature[64],
                     "signer", tp_eth_hex_json(e->address, TP_ETH_ADDRESS_LEN));
}

/* The verified proof's signature.eth and canonical claims bytes. */
static tp_err eth_parts(const char *proof, size_t len, tp_eth_proof *e, tp_buf *claims_bytes,
                        tp_error *err)
{
    json_t *doc = json_loadb(proof, len, JSON_REJECT_DUPLICATES, NULL);
    tp_err rc = doc ? tp_claims_signed_bytes_from_proof(proof, len, claims_bytes, err)
                    : tp_error_set(err, TP_ERR_PROOF, "proof is not JSON");
    if (rc == TP_OK)
        rc = tp_eth_proof_check(json_object_get(doc, "signature"), json_object_get(doc, "claims"),
                                claims_bytes->data, claims_bytes->len, e, err);
    json_decref(doc);
    return rc;
}

tp_err tp_proof_export(const char *proof, size_t len, const tp_policy *policy,
                       tp_export_format format, char **out, size_t *out_len, tp_error *err)
{
    if (policy == NULL)
        return tp_error_set(err, TP_ERR_ARG, "export needs a policy: it exports verified proofs only");
    tp_err rc = tp_proof_verify_json(proof, len, policy, NULL, NULL, NULL, err);
    if (rc != TP_OK)
        return rc;
    tp_eth_proof e;
    tp_buf claims_bytes = TP_BUF_PUBLIC_INIT;
    rc = eth_parts(proof, len, &e, &claims_bytes, err);
    json_t *o = NULL;
    if (rc == TP_OK && format == TP_EXPORT_EIP191)
        o = eip191_json(&e, &claims_bytes);
    else if (rc == TP_OK && format == TP_EXPORT_PLUTO && !e.has_pluto)
        rc = tp_error_set(err, TP_ERR_PROOF, "the proof has no signature.eth.pluto_value to export");
    else if (rc == TP_OK && format == TP_EXPORT_PLUTO)
        o = pluto_json(&e);
    else if (rc == TP_OK)
        rc = tp_error_set(err, TP_ERR_ARG, "unknown export format");
    tp_buf_free(&claims_bytes);
    char *s = o ? tp_json_pretty_string(o) : NULL;
    json_decref(o);
    if (rc == TP_OK && s == NULL)
        rc = tp_error_set(err, TP_ERR_NOMEM, "cannot encode the export");
    if (rc != TP_OK) {
        free(s);
        return rc;
    }
    *out = s;
    if (out_len)
        *out_len = strlen(s);
    return TP_OK;
}
