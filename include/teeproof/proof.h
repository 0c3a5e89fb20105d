/* Proofs: what a notary signs, and how anyone verifies it offline. */
#ifndef TEEPROOF_PROOF_H
#define TEEPROOF_PROOF_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "teeproof/attest.h"
#include "teeproof/errors.h"
#include "teeproof/manifest.h"

#ifdef __cplusplus
extern "C" {
#endif

#define TP_PROOF_FORMAT 1
#define TP_SIGNATURE_ALG "Ed25519"

/* Verifies a proof document: structure, Ed25519 signature over the RFC 8785 canonical
 * claims, that claims.time lies in the signing key's window (TP_ERR_KEY_WINDOW), the
 * evidence under the policy, that the evidence commits to the signing key and its window,
 * the policy's maximum proof age (TP_ERR_PROOF_AGE), and, when manifest is given, that the
 * proof was made for that manifest.
 * On success *claims (if non-NULL) gets a new reference to the verified claims and
 * *facts (if non-NULL) the evidence facts (free with tp_evidence_facts_free). */
tp_err tp_proof_verify(const char *proof, size_t len, const tp_policy *policy,
                       const tp_manifest *manifest, json_t **claims, tp_evidence_facts *facts,
                       tp_error *err);
/* The same with the verifier's clock given: `now` (Unix seconds; 0 = the current time) is
 * what the policy's max_proof_age_s is measured from. */
tp_err tp_proof_verify_at(const char *proof, size_t len, const tp_policy *policy,
                          const tp_manifest *manifest, time_t now, json_t **claims,
                          tp_evidence_facts *facts, tp_error *err);

/* Formats `teeproof export` writes (docs/evm.md, docs/pluto-migration.md). */
typedef enum tp_export_format {
    TP_EXPORT_EIP191 = 1, /* {message, signature, signer, ...}: EIP-191 personal_sign for contracts */
    TP_EXPORT_PLUTO = 2,  /* Pluto web-prover's TeeProof {data, signature} */
} tp_export_format;

/* "eip191" or "pluto"; 1 on success, 0 for any other name. */
int tp_export_format_parse(const char *name, tp_export_format *out);
/* Verifies the proof exactly as tp_proof_verify does (policy required: only verified proofs
 * are exported), then writes it in the given format. On success *out is a NUL-terminated
 * JSON document (caller frees with free()) and *out_len (if non-NULL) its length. */
tp_err tp_proof_export(const char *proof, size_t len, const tp_policy *policy,
                       tp_export_format format, char **out, size_t *out_len, tp_error *err);

#ifdef __cplusplus
}
#endif
#endif
