/* Intel TDX attester: configfs-tsm with provider tdx_guest; the evidence is the quote
 * (outblob), checked to carry the requested REPORTDATA. The verifier is src/attest/tdx.c. */
#include <stdlib.h>
#include <string.h>

#include "attest/platform.h"
#include "tee/attester.h"
#include "tee/tsm.h"

typedef struct tdx_attester {
    char *tsm_root;
} tdx_attester;

static int tdx_detect(const tp_attester_config *cfg)
{
    return tp_tsm_detect(cfg->tsm_root, "tdx_guest");
}

static tp_err tdx_new(const tp_attester_config *cfg, void **state, tp_error *err)
{
    tdx_attester *a = calloc(1, sizeof(*a));
    if (a == NULL || (a->tsm_root = strdup(cfg->tsm_root ? cfg->tsm_root : TP_TSM_DEFAULT_ROOT)) ==
                         NULL) {
        free(a);
        return tp_error_set(err, TP_ERR_NOMEM, "out of memory");
    }
    *state = a;
    return TP_OK;
}

static void tdx_free(void *state)
{
    tdx_attester *a = state;
    if (a != NULL)
        free(a->tsm_root);
    free(a);
}

static tp_err tdx_get_evidence(void *state, const uint8_t report_data[64], uint8_t **evidence,
                               size_t *len, tp_error *err)
{
    tdx_attester *a = state;
    tp_tsm_blobs blobs;
    tp_err rc = tp_tsm_report(a->tsm_root, "tdx_guest", report_data, 0, &blobs, err);
    if (rc != TP_OK)
        return rc;
    uint8_t got[64];
    rc = tp_tdx_quote_report_data(blobs.outblob, blobs.outblob_len, got, err);
    if (rc == TP_OK && memcmp(got, report_data, 64) != 0)
        rc = tp_error_set(err, TP_ERR_BINDING,
                          "the TDX quote's REPORTDATA is not the report data requested");
    if (rc != TP_OK) {
        tp_tsm_blobs_free(&blobs);
        return tp_error_prefix(err, rc, "configfs-tsm");
    }
    *evidence = blobs.outblob;
    *len = blobs.outblob_len;
    free(blobs.auxblob);
    return TP_OK;
}

const tp_attester_ops tp_attester_tdx = {
    .name = "tdx",
    .detect = tdx_detect,
    .attester_new = tdx_new,
    .get_evidence = tdx_get_evidence,
    .attester_free = tdx_free,
};
