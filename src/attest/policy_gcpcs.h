/* Internal: the Confidential Space part of a policy (docs/policy.md, "gcp-cs"): which
 * image support attributes, hardware models and container restart policies a verifier
 * accepts. Defaults are Google's production recommendations: a "STABLE" image, a
 * confidential hardware model, restart policy "Never". */
#ifndef TP_ATTEST_POLICY_GCPCS_H
#define TP_ATTEST_POLICY_GCPCS_H

#include <jansson.h>

#include "teeproof/attest.h"

typedef struct tp_strlist {
    char **v;
    size_t n;
} tp_strlist;

typedef struct tp_gcpcs_reqs {
    tp_strlist support_attributes; /* one must be present; default {"STABLE"}; empty: any */
    tp_strlist hwmodel;            /* default GCP_INTEL_TDX, GCP_AMD_SEV, GCP_AMD_SEV_ES */
    tp_strlist restart_policy;     /* default {"Never"} */
    int set[3];                    /* the member was given (replaces the default) */
} tp_gcpcs_reqs;

void tp_gcpcs_reqs_free(tp_gcpcs_reqs *q);
int tp_gcpcs_reqs_has_key(const char *key);
/* Parses one member; TP_ERR_JSON. */
tp_err tp_gcpcs_reqs_parse(tp_gcpcs_reqs *q, const char *key, json_t *v, tp_error *err);
/* Checks verified gcp-cs facts: TP_ERR_POLICY (hardware model, restart policy) or
 * TP_ERR_TCB_TOO_LOW (the image lacks the required support attribute). */
tp_err tp_gcpcs_reqs_check(const tp_gcpcs_reqs *q, const tp_evidence_facts *f, tp_error *err);

#endif
