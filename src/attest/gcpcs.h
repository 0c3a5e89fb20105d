/* Internal: Google Confidential Space attestation tokens. The 64-byte binding travels in
 * eat_nonce as two nonces, "tp0:" + hex(bytes 0..31) and "tp1:" + hex(bytes 32..63), 68
 * characters each: Confidential Space accepts nonces of 10..74 bytes, so neither the hex
 * (128) nor the base64url (86) of 64 bytes fits in one. */
#ifndef TP_ATTEST_GCPCS_H
#define TP_ATTEST_GCPCS_H

#include <jansson.h>

#include "attest/platform.h"

#define TP_GCPCS_ISSUER "https://confidentialcomputing.googleapis.com"
#define TP_GCPCS_DEFAULT_AUDIENCE "teeproof"
#define TP_GCPCS_NONCE_LEN 68

/* The two nonces that carry report_data. */
void tp_gcpcs_nonces(const uint8_t report_data[64], char out[2][TP_GCPCS_NONCE_LEN + 1]);
/* Finds the binding in the eat_nonce claim (string or array of strings). *len = 64 when
 * both halves are present, 0 when neither is; TP_ERR_EVIDENCE when malformed or partial. */
tp_err tp_gcpcs_report_data(const json_t *claims, uint8_t report_data[64], size_t *len, tp_error *err);
/* Does the aud claim (string or array) name audience? */
int tp_gcpcs_aud_matches(const json_t *claims, const char *audience);

tp_err tp_gcpcs_verify(const uint8_t *evidence, size_t len, const tp_verify_opts *opts,
                       tp_evidence_facts *facts, tp_error *err);

#endif
