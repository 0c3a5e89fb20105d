/* Internal: the platform interface. Each platform file fills one tp_platform; the
 * registry (registry.c) lists them. Adding a platform is adding a row, never an `if`. */
#ifndef TP_ATTEST_PLATFORM_H
#define TP_ATTEST_PLATFORM_H

#include "teeproof/attest.h"

typedef struct tp_platform {
    const char *name;
    /* Offline verification of raw evidence. */
    tp_err (*verify)(const uint8_t *evidence, size_t len, const tp_verify_opts *opts,
                     tp_evidence_facts *facts, tp_error *err);
    /* Is this platform's attestation device present? (for --tee auto); NULL = never. */
    int (*detect)(const tp_attester_config *cfg);
    /* Makes the platform's attester state; get_evidence produces evidence for 64 bytes. */
    tp_err (*attester_new)(const tp_attester_config *cfg, void **state, tp_error *err);
    tp_err (*get_evidence)(void *state, const uint8_t report_data[64], uint8_t **evidence,
                           size_t *len, tp_error *err);
    void (*attester_free)(void *state);
    /* The verifier's collateral files from dir for this evidence, {name: base64}; NULL when
     * the platform takes none. */
    tp_err (*collateral_bundle)(const uint8_t *evidence, size_t len, const char *dir, json_t **out,
                                tp_error *err);
} tp_platform;

extern const tp_platform tp_platform_sim;
extern const tp_platform tp_platform_tdx;
extern const tp_platform tp_platform_sev_snp;
extern const tp_platform tp_platform_nitro;
extern const tp_platform tp_platform_gcp_cs;

/* NULL when unknown. */
const tp_platform *tp_platform_find(const char *name);

#endif
