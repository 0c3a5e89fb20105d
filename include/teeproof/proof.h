/* Proofs: what a notary signs, and how anyone verifies it offline. */
#ifndef TEEPROOF_PROOF_H
#define TEEPROOF_PROOF_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "teeproof/attest.h"
#include "teeproof/errors.h"
#include "teeproof/manifest.h"

#ifdef __cplusplus
extern "C" {
#endif

#define TP_PROOF_FORMAT 1
#define TP_SIGNATURE_ALG "Ed25519"

/* Verifies a proof document: structure, Ed25519 signature over the RFC 8785 canonical
 * claims, the evidence under the policy, that the evidence commits to the signing key,
 * and, when manifest is given, that the proof was made for that manifest.
 * On success *claims (if non-NULL) gets a new reference to the verified claims and
 * *facts (if non-NULL) the evidence facts (free with tp_evidence_facts_free). */
tp_err tp_proof_verify(const char *proof, size_t len, const tp_policy *policy,
                       const tp_manifest *manifest, json_t **claims, tp_evidence_facts *facts,
                       tp_error *err);

#ifdef __cplusplus
}
#endif
#endif
