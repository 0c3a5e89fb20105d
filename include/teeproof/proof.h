/* Proofs: what a notary signs, and how anyone verifies it offline. */
#ifndef TEEPROOF_PROOF_H
#define TEEPROOF_PROOF_H

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
#define TP_CLAIMS_VERSION 2       /* claims with salted commitments (request, response, vars) */

/* Commitments (docs/proof-format.md). The prover draws a random seed per proof and keeps it;
 * for each committed item (label `request`, `response` or `var:<name>`):
 *   salt       = HMAC-SHA256(key = seed, "teeproof-salt-v1" || 0x00 || label)
 *   commitment = SHA-256("teeproof-commit-v1" || 0x00 || label || 0x00 || salt || bytes)
 * The claims carry only the commitments; revealing one item's salt and bytes (a disclosure)
 * opens that item and no other. */
#define TP_COMMIT_SEED_LEN 32
#define TP_COMMIT_SALT_LEN 32
#define TP_COMMIT_LEN 32
#define TP_COMMIT_LABEL_MAX 256
#define TP_COMMIT_LABEL_REQUEST "request"
#define TP_COMMIT_LABEL_RESPONSE "response"
#define TP_COMMIT_LABEL_VAR_PREFIX "var:"
#define TP_OPENINGS_FORMAT 1
#define TP_DISCLOSURE_FORMAT 1

/* The salt of one item (seed_len must be TP_COMMIT_SEED_LEN; TP_ERR_ARG for a bad label). */
TP_API tp_err tp_commit_salt(const uint8_t *seed, size_t seed_len, const char *label,
                             uint8_t salt[TP_COMMIT_SALT_LEN], tp_error *err);
/* The commitment to bytes under label and salt. */
TP_API tp_err tp_commit(const char *label, const uint8_t salt[TP_COMMIT_SALT_LEN], const void *bytes,
                        size_t len, uint8_t out[TP_COMMIT_LEN], tp_error *err);

/* Verifies a proof document: structure, Ed25519 signature over the RFC 8785 canonical
 * claims, that claims.time lies in the signing key's window (TP_ERR_KEY_WINDOW), the
 * evidence under the policy, that the evidence commits to the signing key and its window,
 * the policy's maximum proof age (TP_ERR_PROOF_AGE), and, when manifest is given, that the
 * proof was made for that manifest.
 * On success *claims (if non-NULL) gets the verified claims as JSON text (sorted keys,
 * two-space indentation, numbers exactly as signed; NUL-terminated, caller frees with
 * free()) and *claims_len (if non-NULL) its length, and *facts (if non-NULL) the evidence
 * facts (free with tp_evidence_facts_free). */
TP_API tp_err tp_proof_verify(const char *proof, size_t len, const tp_policy *policy,
                              const tp_manifest *manifest, char **claims, size_t *claims_len,
                              tp_evidence_facts *facts, tp_error *err);
/* The same with the verifier's clock given: `now` (Unix seconds; 0 = the current time) is
 * what the policy's max_proof_age_s is measured from. */
TP_API tp_err tp_proof_verify_at(const char *proof, size_t len, const tp_policy *policy,
                                 const tp_manifest *manifest, time_t now, char **claims,
                                 size_t *claims_len, tp_evidence_facts *facts, tp_error *err);

/* What a prover chooses to reveal from its openings (see tp_prove_with_openings). */
typedef struct tp_disclose_opts {
    const char *const *vars;  /* variable names to reveal */
    size_t n_vars;
    int request;              /* reveal the exact request bytes */
    int response;             /* reveal the exact response bytes */
} tp_disclose_opts;

/* Makes a disclosure document (JSON, NUL-terminated, caller frees) from an openings
 * document: for each chosen item its label, salt and value, never the seed, so items not
 * chosen stay hidden. TP_ERR_ARG when nothing is chosen or a variable is not in the openings. */
TP_API tp_err tp_disclosure_make(const char *openings, size_t openings_len, const tp_disclose_opts *o,
                                 char **out, size_t *out_len, tp_error *err);

/* Checks a disclosure against claims that tp_proof_verify accepted (its JSON text): every
 * item must open the commitment the claims carry for its label (TP_ERR_DISCLOSURE
 * otherwise, also for an item the claims do not commit to, a repeated item or an empty
 * disclosure). On success *disclosed (if non-NULL; JSON text as tp_proof_verify's claims,
 * caller frees) gets {"vars": {name: value}, "request": {"base64", "text"?}, "response":
 * {...}} with only the disclosed members, and *disclosed_len (if non-NULL) its length. */
TP_API tp_err tp_disclosure_verify(const char *claims, size_t claims_len, const char *disclosure,
                                   size_t len, char **disclosed, size_t *disclosed_len,
                                   tp_error *err);
/* Formats `teeproof export` writes (docs/evm.md, docs/pluto-migration.md). */
typedef enum tp_export_format {
    TP_EXPORT_EIP191 = 1, /* {message, signature, signer, ...}: EIP-191 personal_sign for contracts */
    TP_EXPORT_PLUTO = 2,  /* Pluto web-prover's TeeProof {data, signature} */
} tp_export_format;

/* "eip191" or "pluto"; 1 on success, 0 for any other name. */
TP_API int tp_export_format_parse(const char *name, tp_export_format *out);
/* Verifies the proof exactly as tp_proof_verify does (policy required: only verified proofs
 * are exported), then writes it in the given format. On success *out is a NUL-terminated
 * JSON document (caller frees with free()) and *out_len (if non-NULL) its length. */
TP_API tp_err tp_proof_export(const char *proof, size_t len, const tp_policy *policy,
                              tp_export_format format, char **out, size_t *out_len, tp_error *err);

#ifdef __cplusplus
}
#endif
#endif
