/* The platform table (verifier side), and the public evidence entry points that dispatch
 * through it. The attesters' table is src/tee/registry.c. */
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attest/attest_json.h"
#include "attest/collateral.h"
#include "attest/platform.h"
#include "attest/x509util.h"

static const tp_platform *const k_platforms[] = {
    &tp_platform_sim, &tp_platform_tdx, &tp_platform_sev_snp, &tp_platform_nitro,
    &tp_platform_gcp_cs,
};
#define N_PLATFORMS (sizeof(k_platforms) / sizeof(k_platforms[0]))

const tp_platform *tp_platform_find(const char *name)
{
    if (name == NULL)
        return NULL;
    for (size_t i = 0; i < N_PLATFORMS; i++)
        if (strcmp(k_platforms[i]->name, name) == 0)
            return k_platforms[i];
    return NULL;
}

tp_err tp_evidence_verify(const char *platform, const uint8_t *evidence, size_t len,
                          const tp_verify_opts *opts, tp_evidence_facts *facts, tp_error *err)
{
    static const tp_verify_opts k_default_opts;
    memset(facts, 0, sizeof(*facts));
    const tp_platform *p = tp_platform_find(platform);
    if (p == NULL || p->verify == NULL)
        return tp_error_set(err, TP_ERR_PLATFORM, "unknown attestation platform '%s'",
                            platform ? platform : "(null)");
    if (evidence == NULL || len == 0)
        return tp_error_set(err, TP_ERR_EVIDENCE, "%s evidence is empty", p->name);
    tp_err rc = p->verify(evidence, len, opts ? opts : &k_default_opts, facts, err);
    if (rc != TP_OK) {
        tp_evidence_facts_free(facts);
        return rc;
    }
    snprintf(facts->platform, sizeof(facts->platform), "%s", p->name);
    return TP_OK;
}

tp_err tp_collateral_names_of(const char *platform, const uint8_t *evidence, size_t len,
                              const char *dir, tp_collateral_names *out, tp_error *err)
{
    const tp_platform *p = tp_platform_find(platform);
    memset(out, 0, sizeof(*out));
    if (p == NULL || p->collateral_names == NULL)
        return tp_error_set(err, TP_ERR_ARG, "platform %s takes no collateral",
                            platform ? platform : "(null)");
    return p->collateral_names(evidence, len, dir, out, err);
}

tp_err tp_collateral_bundle(const char *platform, const uint8_t *evidence, size_t len,
                            const char *dir, json_t **out, tp_error *err)
{
    tp_collateral_names names;
    *out = NULL;
    tp_err rc = tp_collateral_names_of(platform, evidence, len, dir, &names, err);
    json_t *bundle = rc == TP_OK ? json_object() : NULL;
    if (rc == TP_OK && bundle == NULL)
        rc = tp_error_set(err, TP_ERR_NOMEM, "out of memory");
    for (size_t i = 0; rc == TP_OK && i < names.n; i++)
        rc = tp_coll_bundle_add(bundle, dir, names.name[i], err);
    if (rc != TP_OK) {
        json_decref(bundle);
        return rc == TP_ERR_ARG ? rc : tp_error_prefix(err, rc, "%s collateral bundle", platform);
    }
    *out = bundle;
    return TP_OK;
}

void tp_evidence_facts_free(tp_evidence_facts *facts)
{
    if (facts == NULL)
        return;
    json_decref(facts->details);
    memset(facts, 0, sizeof(*facts));
}

json_t *tp_evidence_facts_to_json(const tp_evidence_facts *facts)
{
    json_t *o = json_object();
    if (o == NULL)
        return NULL;
    int ok = json_object_set_new(o, "platform", json_string(facts->platform)) == 0 &&
             tp_att_set_hex(o, "measurement", facts->measurement, facts->measurement_len) &&
             tp_att_set_hex(o, "report_data", facts->report_data, facts->report_data_len) &&
             json_object_set_new(o, "debug", json_boolean(facts->debug)) == 0;
    if (ok && facts->tcb_status[0] != '\0')
        ok = json_object_set_new(o, "tcb_status", json_string(facts->tcb_status)) == 0 &&
             json_object_set_new(o, "qe_tcb_status", json_string(facts->qe_tcb_status)) == 0;
    if (ok && facts->details != NULL)
        ok = json_object_update_missing(o, facts->details) == 0;
    if (!ok) {
        json_decref(o);
        return NULL;
    }
    return o;
}
