/* Internal: the platform interface, attester side (runs only inside the TEE). Each
 * platform's attester fills one tp_attester_ops; src/tee/registry.c lists them and
 * implements tp_attester_* (include/teeproof/attest.h). The verifier side of the same
 * platforms is src/attest/platform.h. */
#ifndef TP_TEE_ATTESTER_H
#define TP_TEE_ATTESTER_H

#include "teeproof/attest.h"

typedef struct tp_attester_ops {
    const char *name;
    /* Is this platform's attestation device present? (for --tee auto); NULL = never. */
    int (*detect)(const tp_attester_config *cfg);
    /* Makes the platform's attester state; get_evidence produces evidence for 64 bytes. */
    tp_err (*attester_new)(const tp_attester_config *cfg, void **state, tp_error *err);
    tp_err (*get_evidence)(void *state, const uint8_t report_data[64], uint8_t **evidence,
                           size_t *len, tp_error *err);
    void (*attester_free)(void *state);
} tp_attester_ops;

extern const tp_attester_ops tp_attester_sim;
extern const tp_attester_ops tp_attester_tdx;
extern const tp_attester_ops tp_attester_sev_snp;
extern const tp_attester_ops tp_attester_nitro;
extern const tp_attester_ops tp_attester_gcp_cs;

#endif
