/* The sim platform (verifier; the attester is src/tee/sim_attester.c): software "evidence"
 * for development only. The attester makes an Ed25519
 * key when it is created and signs a small JSON document with it; the verifier checks the
 * signature with the key carried in the document itself, so anyone can make valid sim
 * evidence. Verifiers refuse it unless the policy allows sim (see docs/policy.md).
 *
 * Evidence (JSON object, exactly these members):
 *   {"format":"teeproof-sim","version":1,"measurement":<96 hex>,"report_data":<128 hex>,
 *    "debug":true,"public_key":<64 hex, raw Ed25519>,"signature":<128 hex>}
 * signature = Ed25519 over  "teeproof-sim-evidence-v1" || 0x00 || version (1 byte) ||
 *             measurement (48) || report_data (64) || debug (1 byte) || public_key (32).
 * measurement = SHA-384("teeproof-sim"). */
#include <jansson.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

#include "attest/platform.h"
#include "attest/sim.h"
#include "base/bytes.h"
#include "base/codec.h"

#define SIM_MAX_EVIDENCE 2048
static const char k_sim_label[] = "teeproof-sim-evidence-v1";

void tp_sim_measurement(uint8_t out[48])
{
    tp_sha384("teeproof-sim", 12, out);
}

int tp_sim_signed_bytes(const tp_sim_doc *d, tp_buf *out)
{
    return tp_buf_append(out, k_sim_label, sizeof(k_sim_label)) && /* includes the NUL */
           tp_buf_put_u8(out, SIM_VERSION) && tp_buf_append(out, d->measurement, 48) &&
           tp_buf_append(out, d->report_data, 64) && tp_buf_put_u8(out, d->debug) &&
           tp_buf_append(out, d->public_key, 32);
}

/* --- verifier --- */

static int hex_member(json_t *doc, const char *key, uint8_t *out, size_t n)
{
    json_t *v = json_object_get(doc, key);
    return json_is_string(v) && json_string_length(v) == 2 * n &&
           tp_hex_decode_fixed(json_string_value(v), out, n);
}

static tp_err sim_parse(const uint8_t *ev, size_t len, tp_sim_doc *d, tp_error *err)
{
    static const char *const k_keys[] = {"format", "version", "measurement", "report_data",
                                         "debug", "public_key", "signature"};
    if (len > SIM_MAX_EVIDENCE)
        return tp_error_set(err, TP_ERR_EVIDENCE, "sim evidence larger than %d bytes",
                            SIM_MAX_EVIDENCE);
    json_t *doc = json_loadb((const char *)ev, len, JSON_REJECT_DUPLICATES, NULL);
    tp_err rc = tp_error_set(err, TP_ERR_EVIDENCE, "sim evidence is not a JSON object");
    if (!json_is_object(doc))
        goto done;
    rc = tp_error_set(err, TP_ERR_EVIDENCE, "sim evidence has unexpected or missing members");
    if (json_object_size(doc) != sizeof(k_keys) / sizeof(k_keys[0]))
        goto done;
    for (size_t i = 0; i < sizeof(k_keys) / sizeof(k_keys[0]); i++)
        if (json_object_get(doc, k_keys[i]) == NULL)
            goto done;
    json_t *fmt = json_object_get(doc, "format");
    json_t *ver = json_object_get(doc, "version");
    json_t *dbg = json_object_get(doc, "debug");
    if (!json_is_string(fmt) || strcmp(json_string_value(fmt), "teeproof-sim") != 0 ||
        !json_is_integer(ver) || json_integer_value(ver) != SIM_VERSION || !json_is_boolean(dbg)) {
        rc = tp_error_set(err, TP_ERR_EVIDENCE, "sim evidence: bad format, version or debug");
        goto done;
    }
    d->debug = json_is_true(dbg);
    if (!hex_member(doc, "measurement", d->measurement, 48) ||
        !hex_member(doc, "report_data", d->report_data, 64) ||
        !hex_member(doc, "public_key", d->public_key, 32) ||
        !hex_member(doc, "signature", d->signature, 64)) {
        rc = tp_error_set(err, TP_ERR_EVIDENCE, "sim evidence: a hex member has the wrong size");
        goto done;
    }
    rc = TP_OK;
done:
    json_decref(doc);
    return rc;
}

static tp_err sim_check_sig(const tp_sim_doc *d, tp_error *err)
{
    tp_buf msg = TP_BUF_INIT;
    EVP_PKEY *key = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, d->public_key, 32);
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    tp_err rc = tp_error_set(err, TP_ERR_NOMEM, "out of memory");
    if (key == NULL || ctx == NULL || !tp_sim_signed_bytes(d, &msg))
        goto done;
    if (EVP_DigestVerifyInit(ctx, NULL, NULL, NULL, key) == 1 &&
        EVP_DigestVerify(ctx, d->signature, 64, msg.data, msg.len) == 1)
        rc = TP_OK;
    else
        rc = tp_error_set(err, TP_ERR_EVIDENCE_SIG, "sim evidence signature does not verify");
done:
    ERR_clear_error();
    EVP_MD_CTX_free(ctx);
    EVP_PKEY_free(key);
    tp_buf_free(&msg);
    return rc;
}

static tp_err sim_verify(const uint8_t *ev, size_t len, const tp_verify_opts *opts,
                         tp_evidence_facts *facts, tp_error *err)
{
    tp_sim_doc d;
    tp_err rc = sim_parse(ev, len, &d, err);
    if (rc == TP_OK)
        rc = sim_check_sig(&d, err);
    if (rc != TP_OK)
        return rc;
    uint8_t expect[48];
    tp_sim_measurement(expect);
    if (memcmp(expect, d.measurement, 48) != 0)
        return tp_error_set(err, TP_ERR_EVIDENCE, "sim evidence: not the sim measurement");
    memcpy(facts->measurement, d.measurement, 48);
    facts->measurement_len = 48;
    memcpy(facts->report_data, d.report_data, 64);
    facts->report_data_len = 64;
    facts->debug = d.debug;
    facts->details = json_pack("{s:i, s:b}", "version", SIM_VERSION, "insecure", 1);
    char pk[65];
    tp_hex_encode(d.public_key, 32, pk);
    if (facts->details == NULL ||
        json_object_set_new(facts->details, "sim_public_key", json_string(pk)) != 0)
        return tp_error_set(err, TP_ERR_NOMEM, "out of memory");
    return TP_OK;
}

const tp_platform tp_platform_sim = {
    .name = "sim",
    .verify = sim_verify,
};
