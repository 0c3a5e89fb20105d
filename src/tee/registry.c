/* The attesters' table (one row per platform, src/tee/attester.h) and the public
 * tp_attester_* entry points that dispatch through it: the TEE side of src/attest/registry.c. */
#include <stdlib.h>
#include <string.h>

#include "tee/attester.h"

static const tp_attester_ops *const k_attesters[] = {
    &tp_attester_sim, &tp_attester_tdx, &tp_attester_sev_snp, &tp_attester_nitro,
    &tp_attester_gcp_cs,
};
#define N_ATTESTERS (sizeof(k_attesters) / sizeof(k_attesters[0]))

/* The order --tee auto probes hardware in; sim is never probed. */
static const char *const k_auto_order[] = {"tdx", "sev-snp", "nitro", "gcp-cs"};

struct tp_attester {
    const tp_attester_ops *platform;
    void *state;
};

/* NULL when unknown. */
static const tp_attester_ops *find_ops(const char *name)
{
    if (name == NULL)
        return NULL;
    for (size_t i = 0; i < N_ATTESTERS; i++)
        if (strcmp(k_attesters[i]->name, name) == 0)
            return k_attesters[i];
    return NULL;
}

static tp_err open_platform(const tp_attester_ops *p, const tp_attester_config *cfg,
                            tp_attester **out, tp_error *err)
{
    if (p->attester_new == NULL || p->get_evidence == NULL)
        return tp_error_set(err, TP_ERR_PLATFORM, "platform %s has no attester", p->name);
    tp_attester *a = calloc(1, sizeof(*a));
    if (a == NULL)
        return tp_error_set(err, TP_ERR_NOMEM, "out of memory");
    a->platform = p;
    tp_err rc = p->attester_new(cfg, &a->state, err);
    if (rc != TP_OK) {
        free(a);
        return rc;
    }
    *out = a;
    return TP_OK;
}

tp_err tp_attester_open(const char *platform, const tp_attester_config *cfg, tp_attester **out,
                        tp_error *err)
{
    static const tp_attester_config k_default_cfg;
    if (cfg == NULL)
        cfg = &k_default_cfg;
    *out = NULL;
    if (platform != NULL && strcmp(platform, "auto") == 0) {
        for (size_t i = 0; i < sizeof(k_auto_order) / sizeof(k_auto_order[0]); i++) {
            const tp_attester_ops *p = find_ops(k_auto_order[i]);
            if (p != NULL && p->detect != NULL && p->detect(cfg))
                return open_platform(p, cfg, out, err);
        }
        return tp_error_set(err, TP_ERR_PLATFORM,
                            "no TEE hardware found; use --tee sim for development");
    }
    const tp_attester_ops *p = find_ops(platform);
    if (p == NULL)
        return tp_error_set(err, TP_ERR_PLATFORM, "unknown TEE platform '%s'",
                            platform ? platform : "(null)");
    return open_platform(p, cfg, out, err);
}

const char *tp_attester_platform(const tp_attester *a)
{
    return a ? a->platform->name : NULL;
}

tp_err tp_attester_get_evidence(tp_attester *a, const uint8_t report_data[64], uint8_t **evidence,
                                size_t *len, tp_error *err)
{
    *evidence = NULL;
    *len = 0;
    return a->platform->get_evidence(a->state, report_data, evidence, len, err);
}

void tp_attester_free(tp_attester *a)
{
    if (a == NULL)
        return;
    if (a->platform->attester_free != NULL)
        a->platform->attester_free(a->state);
    free(a);
}
