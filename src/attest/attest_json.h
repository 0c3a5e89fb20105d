/* The jansson-based side of the attestation API, for the library's own callers (notary,
 * prover, verifier, tests): the public header include/teeproof/attest.h carries no
 * jansson type, and its JSON comes out as text. */
#ifndef TP_ATTEST_JSON_H
#define TP_ATTEST_JSON_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "teeproof/attest.h"

/* JSON object {platform, measurement, report_data, debug, ...details}; new reference. */
json_t *tp_evidence_facts_to_json(const tp_evidence_facts *facts);
/* The collateral files from dir that this evidence needs, as {file name: base64} (for a
 * notary to bundle with its evidence); TP_ERR_ARG for a platform without collateral,
 * TP_ERR_COLLATERAL when a file is missing. */
tp_err tp_collateral_bundle(const char *platform, const uint8_t *evidence, size_t len,
                            const char *dir, json_t **out, tp_error *err);
/* Reads {"not_before": N, "not_after": N} (integers); 0 if missing or malformed. */
int tp_key_window_from_json(const json_t *o, tp_key_window *w);
/* {"not_before": N, "not_after": N}; new reference. */
json_t *tp_key_window_json(const tp_key_window *w);
/* The same with the collateral bundled with the evidence ({file name: base64}, or NULL),
 * used unless the policy names a collateral directory (the verifier's, maybe newer). */
tp_err tp_policy_verify_evidence_bundled(const tp_policy *p, const char *platform,
                                         const uint8_t *evidence, size_t len,
                                         const uint8_t expected_report_data[64], time_t at,
                                         const json_t *collateral, tp_evidence_facts *facts,
                                         tp_error *err);

#endif
