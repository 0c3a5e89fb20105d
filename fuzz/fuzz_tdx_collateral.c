/* libFuzzer: TDX collateral JSON (attacker-controlled when a proof bundles it) through the
 * TCB Info and QE Identity judges directly, and as the bundled TCB Info of the real v4
 * quote through the whole collateral check (seed with the files of
 * tests/data/testvectors/tdx_collateral; run from the repository root). */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attest/tdx_tcb.h"
#include "base/json_bytes.h"
#include "teeproof/attest.h"

#define TV "tests/data/testvectors/"
#define AT 1688173200
#define MAX_FILE (1 << 20)

static const char *const k_files[] = {
    "intel_root_crl.der",           "pck_crl_issuer_chain.pem", "pck_platform_crl.der",
    "qe_identity_issuer_chain.pem", "qe_identity_td_qe.json",   "tcb_info_issuer_chain.pem",
};
#define TCBINFO "tcbinfo_fmspc_50806f000000.json"

static uint8_t *g_quote;
static size_t g_quote_len;
static json_t *g_bundle;

static uint8_t *load(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    uint8_t *buf = f ? malloc(MAX_FILE) : NULL;
    *len = buf ? fread(buf, 1, MAX_FILE, f) : 0;
    if (f)
        fclose(f);
    return buf;
}

static void init(void)
{
    char path[256];
    g_quote = load(TV "tdx_quote_v4.bin", &g_quote_len);
    g_bundle = json_object();
    for (size_t i = 0; i < sizeof(k_files) / sizeof(k_files[0]); i++) {
        size_t len;
        snprintf(path, sizeof(path), TV "tdx_collateral/%s", k_files[i]);
        uint8_t *data = load(path, &len);
        if (data != NULL)
            json_object_set_new(g_bundle, k_files[i], tp_json_base64(data, len));
        free(data);
    }
}

static void judge(const uint8_t *data, size_t size)
{
    static const uint8_t k_tee[16] = {3, 0, 4}, k_zero[48];
    static uint8_t qe[384];
    tp_pck_ext pck = {.fmspc = {0x50, 0x80, 0x6f}, .comp_svn = {3, 3, 2, 2, 2, 1, 0, 2}, .pcesvn = 11};
    tp_tdx_tcb_in in = {.tee_tcb_svn = k_tee, .mrsignerseam = k_zero, .seam_attributes = k_zero,
                        .qe_report = qe};
    char status[TP_TCB_STATUS_MAX];
    json_t *doc = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, NULL);
    if (doc == NULL)
        return;
    tp_tdx_tcb_judge(json_object_get(doc, "tcbInfo"), &pck, &in, status, NULL);
    tp_tdx_qe_judge(json_object_get(doc, "enclaveIdentity"), qe, status, NULL);
    json_decref(doc);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (g_bundle == NULL)
        init();
    judge(data, size);
    if (g_quote == NULL)
        return 0;
    json_t *bundle = json_deep_copy(g_bundle);
    json_object_set_new(bundle, TCBINFO, tp_json_base64(data, size));
    tp_verify_opts opts = {.at = AT, .collateral = bundle};
    tp_evidence_facts facts;
    tp_error err;
    if (tp_evidence_verify("tdx", g_quote, g_quote_len, &opts, &facts, &err) == TP_OK)
        tp_evidence_facts_free(&facts);
    json_decref(bundle);
    return 0;
}
