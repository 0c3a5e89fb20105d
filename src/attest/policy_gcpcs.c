/* Confidential Space policy requirements, checked on the claims the verifier (gcpcs.c)
 * copies into the facts' details: submods.confidential_space.support_attributes,
 * hwmodel, submods.container.restart_policy. swname ("CONFIDENTIAL_SPACE") is required by
 * the verifier itself and dbgstat by allow_debug (policy.c). */
#include "attest/policy_gcpcs.h"

#include <stdlib.h>
#include <string.h>

#define GCPCS_LIST_MAX 16
#define GCPCS_VALUE_MAX 64

enum { K_SUPPORT, K_HWMODEL, K_RESTART };
static const char *const k_keys[] = {"support_attributes", "hwmodel", "restart_policy"};

static const char *const k_default_support[] = {"STABLE", NULL};
/* Google's confidential hardware models (token-claims reference); GCP_SHIELDED_VM is not. */
static const char *const k_default_hwmodel[] = {"GCP_INTEL_TDX", "GCP_AMD_SEV", "GCP_AMD_SEV_ES",
                                                NULL};
static const char *const k_default_restart[] = {"Never", NULL};

static void list_free(tp_strlist *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->v[i]);
    free(l->v);
    l->v = NULL;
    l->n = 0;
}

void tp_gcpcs_reqs_free(tp_gcpcs_reqs *q)
{
    list_free(&q->support_attributes);
    list_free(&q->hwmodel);
    list_free(&q->restart_policy);
}

int tp_gcpcs_reqs_has_key(const char *key)
{
    for (size_t i = 0; i < sizeof(k_keys) / sizeof(k_keys[0]); i++)
        if (strcmp(key, k_keys[i]) == 0)
            return 1;
    return 0;
}

tp_err tp_gcpcs_reqs_parse(tp_gcpcs_reqs *q, const char *key, json_t *v, tp_error *err)
{
    int k = 0;
    while (strcmp(key, k_keys[k]) != 0)
        k++;
    tp_strlist *l = k == K_SUPPORT ? &q->support_attributes
                                   : k == K_HWMODEL ? &q->hwmodel : &q->restart_policy;
    size_t n = json_array_size(v);
    if (!json_is_array(v) || n > GCPCS_LIST_MAX || (n == 0 && k != K_SUPPORT))
        return tp_error_set(err, TP_ERR_JSON, "policy: platforms.gcp-cs.%s must be an array of "
                            "at most %d strings%s", key, GCPCS_LIST_MAX,
                            k == K_SUPPORT ? "" : " (non-empty)");
    if (n > 0 && (l->v = calloc(n, sizeof(char *))) == NULL)
        return tp_error_set(err, TP_ERR_NOMEM, "out of memory");
    size_t i;
    json_t *e;
    json_array_foreach(v, i, e) {
        if (!json_is_string(e) || json_string_length(e) == 0 ||
            json_string_length(e) > GCPCS_VALUE_MAX)
            return tp_error_set(err, TP_ERR_JSON, "policy: platforms.gcp-cs.%s[%zu] is not a "
                                "string of 1-%d characters", key, i, GCPCS_VALUE_MAX);
        if ((l->v[i] = strdup(json_string_value(e))) == NULL)
            return tp_error_set(err, TP_ERR_NOMEM, "out of memory");
        l->n++;
    }
    q->set[k] = 1;
    return TP_OK;
}

/* Is s in the policy's list (or, when the member was not given, in the default)? */
static int accepted(const tp_gcpcs_reqs *q, int k, const char *s)
{
    static const char *const *const k_defaults[] = {k_default_support, k_default_hwmodel,
                                                    k_default_restart};
    const tp_strlist *l = k == K_SUPPORT ? &q->support_attributes
                                         : k == K_HWMODEL ? &q->hwmodel : &q->restart_policy;
    if (s == NULL)
        return 0;
    if (q->set[k]) {
        for (size_t i = 0; i < l->n; i++)
            if (strcmp(l->v[i], s) == 0)
                return 1;
        return 0;
    }
    for (size_t i = 0; k_defaults[k][i] != NULL; i++)
        if (strcmp(k_defaults[k][i], s) == 0)
            return 1;
    return 0;
}

/* One of the token's support attributes is accepted. An empty policy list accepts any; the
 * default does not apply to debug images (they carry none, and allow_debug admitted them). */
static int support_ok(const tp_gcpcs_reqs *q, const json_t *attrs, int debug)
{
    if ((q->set[K_SUPPORT] && q->support_attributes.n == 0) || (!q->set[K_SUPPORT] && debug))
        return 1;
    size_t i;
    const json_t *a;
    json_array_foreach(attrs, i, a) if (accepted(q, K_SUPPORT, json_string_value(a))) return 1;
    return 0;
}

tp_err tp_gcpcs_reqs_check(const tp_gcpcs_reqs *q, const tp_evidence_facts *f, tp_error *err)
{
    const char *hw = json_string_value(json_object_get(f->details, "hwmodel"));
    const char *rp = json_string_value(json_object_get(f->details, "restart_policy"));
    if (!accepted(q, K_HWMODEL, hw))
        return tp_error_set(err, TP_ERR_POLICY, "gcp-cs hwmodel %.64s is not accepted by the policy",
                            hw ? hw : "(none)");
    if (!accepted(q, K_RESTART, rp))
        return tp_error_set(err, TP_ERR_POLICY,
                            "gcp-cs container restart_policy %.64s is not accepted by the policy",
                            rp ? rp : "(none)");
    if (!support_ok(q, json_object_get(f->details, "support_attributes"), f->debug))
        return tp_error_set(err, TP_ERR_TCB_TOO_LOW,
                            "gcp-cs image support_attributes hold none the policy accepts (an "
                            "unsupported, experimental or debug image)");
    return TP_OK;
}
