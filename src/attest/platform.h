/* Internal: the platform interface, verifier side. Each platform file fills one
 * tp_platform; the registry (registry.c) lists them. Adding a platform is adding a row,
 * never an `if`. Producing evidence (inside a TEE) is src/tee/attester.h. */
#ifndef TP_ATTEST_PLATFORM_H
#define TP_ATTEST_PLATFORM_H

#include "teeproof/attest.h"

typedef struct tp_platform {
    const char *name;
    /* Offline verification of raw evidence. */
    tp_err (*verify)(const uint8_t *evidence, size_t len, const tp_verify_opts *opts,
                     tp_evidence_facts *facts, tp_error *err);
    /* The names of the collateral files this evidence needs (dir may be NULL; see
     * tp_collateral_names_of); NULL when the platform takes none. */
    tp_err (*collateral_names)(const uint8_t *evidence, size_t len, const char *dir,
                               tp_collateral_names *out, tp_error *err);
} tp_platform;

extern const tp_platform tp_platform_sim;
extern const tp_platform tp_platform_tdx;
extern const tp_platform tp_platform_sev_snp;
extern const tp_platform tp_platform_nitro;
extern const tp_platform tp_platform_gcp_cs;

/* The TDX quote's REPORTDATA (tdx.c: the attester checks what configfs-tsm returned). */
tp_err tp_tdx_quote_report_data(const uint8_t *ev, size_t len, uint8_t out[64], tp_error *err);

/* NULL when unknown. */
const tp_platform *tp_platform_find(const char *name);

#endif
