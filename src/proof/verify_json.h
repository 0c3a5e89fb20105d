/* The jansson-based forms of proof and disclosure verification, for the library's own
 * callers (prover, export, tests); include/teeproof/proof.h gives the same as JSON text. */
#ifndef TP_PROOF_VERIFY_JSON_H
#define TP_PROOF_VERIFY_JSON_H

#include <jansson.h>
#include <stddef.h>
#include <time.h>

#include "teeproof/proof.h"

/* tp_proof_verify with *claims (if non-NULL) a new reference to the verified claims. */
tp_err tp_proof_verify_json(const char *proof, size_t len, const tp_policy *policy,
                            const tp_manifest *manifest, json_t **claims, tp_evidence_facts *facts,
                            tp_error *err);
tp_err tp_proof_verify_json_at(const char *proof, size_t len, const tp_policy *policy,
                               const tp_manifest *manifest, time_t now, json_t **claims,
                               tp_evidence_facts *facts, tp_error *err);
/* tp_disclosure_verify on parsed claims; *disclosed (if non-NULL) a new object. */
tp_err tp_disclosure_verify_json(const json_t *claims, const char *disclosure, size_t len,
                                 json_t **disclosed, tp_error *err);

#endif
