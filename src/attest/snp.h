/* Internal: AMD SEV-SNP report layout and helpers shared by the verifier (snp.c), its
 * endorsement-key checks (snp_vcek.c), its CRL check (snp_crl.c) and the attester
 * (snp_attester.c). */
#ifndef TP_ATTEST_SNP_H
#define TP_ATTEST_SNP_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <openssl/x509.h>

#include "teeproof/attest.h"

#define TP_SNP_REPORT_LEN 0x4A0
#define TP_SNP_REPORT_DATA_OFF 0x50
#define TP_SNP_SIGNED_LEN 0x2A0

/* SIGNING_KEY (bits 4:2 of the signer-info word at 0x48). */
enum { TP_SNP_KEY_VCEK = 0, TP_SNP_KEY_VLEK = 1, TP_SNP_KEY_NONE = 7 };

/* A TCB_VERSION split into its security patch levels (SPLs). fmc is -1 outside Turin. */
typedef struct tp_snp_tcb {
    int fmc, bootloader, tee, snp, microcode;
} tp_snp_tcb;

/* The fields of a parsed report (pointers into the evidence). */
typedef struct tp_snp_report {
    uint32_t version, guest_svn, vmpl, sig_algo, signer_info, signing_key;
    uint64_t policy, current_tcb, platform_info, reported_tcb, committed_tcb, launch_tcb;
    uint8_t cpuid_fam, cpuid_mod, cpuid_step; /* version 3; 0 in version 2 */
    uint8_t current_build, current_minor, current_major;
    uint8_t committed_build, committed_minor, committed_major;
    int turin; /* TCB_VERSION layout: 1 = Turin (fmc, bl, tee, snp, ..., ucode) */
    const uint8_t *family_id, *image_id, *report_data, *measurement, *host_data;
    const uint8_t *id_key_digest, *author_key_digest, *report_id, *report_id_ma, *chip_id;
    const uint8_t *sig_r, *sig_s;
} tp_snp_report;

/* Copies the REPORT_DATA of a report of at least TP_SNP_REPORT_LEN bytes; 1/0. */
int tp_snp_report_data(const uint8_t *ev, size_t len, uint8_t out[64]);

/* Splits a TCB_VERSION in the given layout. */
tp_snp_tcb tp_snp_tcb_split(uint64_t tcb, int turin);

/* Does the endorsement-key certificate say Turin (it carries an fmcSPL extension)? */
int tp_snp_cert_is_turin(X509 *cert);

/* The endorsement-key certificate fits the report: a VCEK (hwID, no CSP id, issued by an
 * ASK) for SIGNING_KEY 0 whose hwID is the CHIP_ID, a VLEK (CSP id, no hwID, issued by an
 * ASVK "SEV-VLEK-*") for SIGNING_KEY 1; its TCB extensions equal REPORTED_TCB and its
 * product layout the report's. TP_ERR_EVIDENCE_CHAIN otherwise. */
tp_err tp_snp_check_key_cert(X509 *cert, const tp_snp_report *s, tp_error *err);

/* With a collateral directory: the AMD CRL for the chain's product (snp_crl_<product>.der
 * for a VCEK chain, snp_vlek_crl_<product>.der for a VLEK chain) is signed by the chain's
 * ARK, current at `at` (0 = now), and does not list the chain's ASK/ASVK.
 * chain = leaf, intermediate, ARK. TP_ERR_COLLATERAL or TP_ERR_REVOKED. */
tp_err tp_snp_check_crl(STACK_OF(X509) *chain, int vlek, const char *collateral_dir, time_t at,
                        tp_error *err);

int tp_snp_detect(const tp_attester_config *cfg);
tp_err tp_snp_attester_new(const tp_attester_config *cfg, void **state, tp_error *err);
tp_err tp_snp_get_evidence(void *state, const uint8_t report_data[64], uint8_t **evidence,
                           size_t *len, tp_error *err);
void tp_snp_attester_free(void *state);

#endif
