/* The sim platform's attester (development only): an Ed25519 key made at creation signs
 * the evidence document of src/attest/sim.c, whose verifier accepts it only under a policy
 * that allows sim. */
#include <jansson.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

#include "attest/sim.h"
#include "base/codec.h"
#include "tee/attester.h"

static tp_err sim_new(const tp_attester_config *cfg, void **state, tp_error *err)
{
    EVP_PKEY *key = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
    ERR_clear_error();
    if (key == NULL)
        return tp_error_set(err, TP_ERR_CRYPTO, "cannot make the sim platform key");
    *state = key;
    return TP_OK;
}

static void sim_free(void *state)
{
    EVP_PKEY_free(state);
}

static int sim_sign(EVP_PKEY *key, tp_sim_doc *d)
{
    size_t pk_len = 32, sig_len = 64;
    tp_buf msg = TP_BUF_INIT;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    int ok = EVP_PKEY_get_raw_public_key(key, d->public_key, &pk_len) == 1 && pk_len == 32 &&
             ctx != NULL && tp_sim_signed_bytes(d, &msg) &&
             EVP_DigestSignInit(ctx, NULL, NULL, NULL, key) == 1 &&
             EVP_DigestSign(ctx, d->signature, &sig_len, msg.data, msg.len) == 1 && sig_len == 64;
    ERR_clear_error();
    EVP_MD_CTX_free(ctx);
    tp_buf_free(&msg);
    return ok;
}

static tp_err sim_get_evidence(void *state, const uint8_t report_data[64], uint8_t **evidence,
                               size_t *len, tp_error *err)
{
    tp_sim_doc d;
    memset(&d, 0, sizeof(d));
    tp_sim_measurement(d.measurement);
    memcpy(d.report_data, report_data, 64);
    d.debug = 1;
    if (!sim_sign(state, &d))
        return tp_error_set(err, TP_ERR_CRYPTO, "cannot sign sim evidence");
    char m[97], rd[129], pk[65], sig[129];
    tp_hex_encode(d.measurement, 48, m);
    tp_hex_encode(d.report_data, 64, rd);
    tp_hex_encode(d.public_key, 32, pk);
    tp_hex_encode(d.signature, 64, sig);
    json_t *doc = json_pack("{s:s, s:i, s:s, s:s, s:b, s:s, s:s}", "format", "teeproof-sim",
                            "version", SIM_VERSION, "measurement", m, "report_data", rd, "debug",
                            1, "public_key", pk, "signature", sig);
    char *text = doc ? json_dumps(doc, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    json_decref(doc);
    if (text == NULL)
        return tp_error_set(err, TP_ERR_NOMEM, "out of memory");
    *len = strlen(text);
    *evidence = (uint8_t *)text;
    return TP_OK;
}

const tp_attester_ops tp_attester_sim = {
    .name = "sim",
    .detect = NULL,
    .attester_new = sim_new,
    .get_evidence = sim_get_evidence,
    .attester_free = sim_free,
};
