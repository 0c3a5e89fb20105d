/* Internal: AMD SEV-SNP report layout helpers shared by the verifier (snp.c) and the
 * attester (snp_attester.c). */
#ifndef TP_ATTEST_SNP_H
#define TP_ATTEST_SNP_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/x509.h>

#include "teeproof/attest.h"

#define TP_SNP_REPORT_LEN 0x4A0
#define TP_SNP_REPORT_DATA_OFF 0x50
#define TP_SNP_SIGNED_LEN 0x2A0

/* Copies the REPORT_DATA of a report of at least TP_SNP_REPORT_LEN bytes; 1/0. */
int tp_snp_report_data(const uint8_t *ev, size_t len, uint8_t out[64]);

/* The VCEK's hwID and TCB extensions (when present) match the report's CHIP_ID and
 * REPORTED_TCB; TP_ERR_EVIDENCE_CHAIN otherwise. */
tp_err tp_snp_check_vcek(X509 *vcek, const uint8_t chip_id[64], uint64_t reported_tcb,
                         tp_error *err);

int tp_snp_detect(const tp_attester_config *cfg);
tp_err tp_snp_attester_new(const tp_attester_config *cfg, void **state, tp_error *err);
tp_err tp_snp_get_evidence(void *state, const uint8_t report_data[64], uint8_t **evidence,
                           size_t *len, tp_error *err);
void tp_snp_attester_free(void *state);

#endif
