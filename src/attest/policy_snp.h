/* Internal: the SEV-SNP part of a policy (docs/policy.md, "sev-snp"): minimum TCB
 * components, guest-policy and platform requirements, firmware ABI minimum, and the
 * collateral directory holding AMD's CRLs. Parsed and checked here; policy.c calls in. */
#ifndef TP_ATTEST_POLICY_SNP_H
#define TP_ATTEST_POLICY_SNP_H

#include <jansson.h>

#include "teeproof/attest.h"

#define TP_SNP_TCB_PARTS 5 /* fmc, bootloader, tee, snp, microcode */

typedef struct tp_snp_reqs {
    int min_tcb[TP_SNP_TCB_PARTS];        /* -1: no minimum for that part */
    int min_launch_tcb[TP_SNP_TCB_PARTS];
    int min_abi_major, min_abi_minor;     /* -1: none */
    int allow_migration_agent;            /* default false */
    int allow_smt;                        /* default true */
} tp_snp_reqs;

void tp_snp_reqs_init(tp_snp_reqs *q);
void tp_snp_reqs_free(tp_snp_reqs *q);
/* 1 when key is one of the members handled here (collateral_dir, the AMD CRL directory, is
 * policy.c's, as for tdx). */
int tp_snp_reqs_has_key(const char *key);
/* Parses one member; TP_ERR_JSON. */
tp_err tp_snp_reqs_parse(tp_snp_reqs *q, const char *key, json_t *v, tp_error *err);
/* Checks verified sev-snp facts: TP_ERR_TCB_TOO_LOW or TP_ERR_GUEST_POLICY. */
tp_err tp_snp_reqs_check(const tp_snp_reqs *q, const tp_evidence_facts *f, tp_error *err);

#endif
