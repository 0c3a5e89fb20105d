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

/* The certificates of the extended report's table (pointers into the evidence; NULL when
 * absent). */
typedef struct tp_snp_certs {
    const uint8_t *vcek, *vlek, *ask, *ark;
    size_t vcek_len, vlek_len, ask_len, ark_len;
} tp_snp_certs;

/* Parses a report and its certificate table (when present). */
tp_err tp_snp_parse(const uint8_t *ev, size_t len, tp_snp_report *s, tp_snp_certs *c,
                    tp_error *err);

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

/* Collateral file names: the AMD CRLs (%s: the product in lower case, "milan") and the
 * endorsement-key certificate, bundled by a notary whose evidence does not carry it. */
#define TP_SNP_COLL_CRL_FMT "snp_crl_%s.der"
#define TP_SNP_COLL_VLEK_CRL_FMT "snp_vlek_crl_%s.der"
#define TP_SNP_COLL_VCEK "snp_vcek.der"
#define TP_SNP_COLL_VLEK "snp_vlek.der"
#define TP_SNP_COLL_NAME_MAX 64

/* What the CRL check found (for the facts). */
typedef struct tp_snp_crl_result {
    char file[TP_SNP_COLL_NAME_MAX]; /* "" when no CRL was checked */
    time_t this_update, next_update;
} tp_snp_crl_result;

/* With collateral (opts->collateral_dir, else the bundle opts->collateral): the AMD CRL for
 * the chain's product (TP_SNP_COLL_CRL_FMT for a VCEK chain, TP_SNP_COLL_VLEK_CRL_FMT for a
 * VLEK chain) is signed by the chain's ARK, current at opts->at (0 = now), and does not list
 * the chain's ASK/ASVK. chain = leaf, intermediate, ARK. TP_ERR_COLLATERAL or
 * TP_ERR_REVOKED; *out says which CRL passed. */
tp_err tp_snp_check_crl(STACK_OF(X509) *chain, int vlek, const tp_verify_opts *opts,
                        tp_snp_crl_result *out, tp_error *err);

/* The endorsement-key certificate bundled as collateral (the bundle first, then the
 * directory), for a report whose evidence carries none; 0 when there is none. */
int tp_snp_coll_key_cert(const tp_verify_opts *opts, int vlek, uint8_t **der, size_t *len);

/* The names of the collateral files a notary bundles with this evidence: the product's
 * CRL, and the key certificate when the evidence does not carry it (its product then read
 * from dir's copy; with dir NULL such evidence is TP_ERR_COLLATERAL). */
tp_err tp_snp_collateral_names(const uint8_t *ev, size_t len, const char *dir,
                               tp_collateral_names *out, tp_error *err);

int tp_snp_detect(const tp_attester_config *cfg);
tp_err tp_snp_attester_new(const tp_attester_config *cfg, void **state, tp_error *err);
tp_err tp_snp_get_evidence(void *state, const uint8_t report_data[64], uint8_t **evidence,
                           size_t *len, tp_error *err);
void tp_snp_attester_free(void *state);

#endif
