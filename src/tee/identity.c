/* Notary signing identity (key, window, evidence, references); see identity.h. */
#include "attest/attest_json.h"
#include "base/codec.h"
#include "base/json_bytes.h"
#include "proto/wire.h"
#include "tee/identity.h"

#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static tp_err make_key(tp_identity *id, tp_error *err)
{
    id->key = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
    if (id->key == NULL)
        return tp_error_set(err, TP_ERR_CRYPTO, "cannot generate the Ed25519 signing key");
    int n = i2d_PUBKEY(id->key, NULL);
    if (n <= 0)
        return tp_error_set(err, TP_ERR_CRYPTO, "cannot encode the signing key");
    id->spki = malloc((size_t)n);
    if (id->spki == NULL)
        return tp_error_set(err, TP_ERR_NOMEM, NULL);
    uint8_t *p = id->spki;
    i2d_PUBKEY(id->key, &p);
    id->spki_len = (size_t)n;
    return tp_eth_key_generate(&id->eth, err); /* rotates with the Ed25519 key */
}

/* The binding signature's place in the encoded response: a placeholder nothing before it
 * can contain (the fields before it are fixed names and strings, base64, hex and integers). */
#define ATTEST_SIG_SLOT "\"binding_signature\":\""

/* Encodes the attestation response of this evidence with an empty binding signature and
 * splits it there: *head ends with the slot's opening quote, *tail starts with its closing
 * quote. 0: out of memory. */
static int encode_attest(const tp_identity *id, const uint8_t *evidence, size_t len,
                         const json_t *collateral, char **head, char **tail)
{
    char eth_address[TP_ETH_ADDRESS_HEX_SIZE];
    tp_eth_hex(id->eth.address, TP_ETH_ADDRESS_LEN, eth_address);
    json_t *o = json_pack("{s:s, s:o, s:o, s:s, s:o, s:[s], s:s}", "platform", id->platform,
                          "evidence", tp_json_base64(evidence, len),
                          "public_key", tp_json_base64(id->spki, id->spki_len),
                          "eth_address", eth_address, "key_window", tp_key_window_json(&id->window),
                          "features", TP_FEATURE_TUNNEL_EARLY_DATA, "binding_signature", "");
    if (o != NULL && collateral != NULL && json_object_set(o, "collateral", (json_t *)collateral) != 0) {
        json_decref(o);
        o = NULL;
    }
    char *txt = o ? json_dumps(o, JSON_COMPACT) : NULL;
    json_decref(o);
    char *slot = txt ? strstr(txt, ATTEST_SIG_SLOT) : NULL;
    if (slot == NULL) {
        free(txt);
        return 0;
    }
    slot += strlen(ATTEST_SIG_SLOT);
    *tail = strdup(slot);
    *slot = '\0';
    *head = txt;
    if (*tail == NULL) {
        free(txt);
        return 0;
    }
    return 1;
}

/* Installs evidence, its collateral bundle (may be NULL) and their encoded attestation
 * response together. */
static tp_err swap_in(tp_identity *id, uint8_t *evidence, size_t len, json_t *collateral, tp_error *err)
{
    char *head = NULL, *tail = NULL;
    if (!encode_attest(id, evidence, len, collateral, &head, &tail)) {
        free(evidence);
        json_decref(collateral);
        return tp_error_set(err, TP_ERR_NOMEM, "cannot encode the attestation");
    }
    pthread_mutex_lock(&id->lock);
    uint8_t *old = id->evidence;
    json_t *old_coll = id->collateral;
    char *old_head = id->attest_head, *old_tail = id->attest_tail;
    id->evidence = evidence;
    id->evidence_len = len;
    id->evidence_time = time(NULL);
    id->collateral = collateral;
    id->attest_head = head;
    id->attest_tail = tail;
    pthread_mutex_unlock(&id->lock);
    free(old);
    json_decref(old_coll);
    free(old_head);
    free(old_tail);
    return TP_OK;
}

tp_err tp_identity_attest_response(tp_identity *id, const uint8_t binding_sig[64], tp_buf *out,
                                   tp_error *err)
{
    pthread_mutex_lock(&id->lock);
    int ok = id->attest_head != NULL && tp_buf_append_str(out, id->attest_head) &&
             tp_base64_encode(binding_sig, 64, 0, out) && tp_buf_append_str(out, id->attest_tail);
    pthread_mutex_unlock(&id->lock);
    return ok ? TP_OK : tp_error_set(err, TP_ERR_NOMEM, "cannot encode the attestation");
}

tp_err tp_identity_refresh(tp_identity *id, tp_attester *attester, tp_error *err)
{
    uint8_t report_data[64], *evidence = NULL;
    size_t len = 0;
    json_t *collateral = NULL;
    tp_attest_key_binding(id->spki, id->spki_len, id->eth.address, &id->window, report_data);
    tp_err rc = tp_attester_get_evidence(attester, report_data, &evidence, &len, err);
    if (rc == TP_OK && id->collateral_fetch != NULL)
        rc = id->collateral_fetch(id->collateral_ctx, id->platform, evidence, len, &collateral, err);
    if (rc != TP_OK) {
        free(evidence);
        return rc;
    }
    return swap_in(id, evidence, len, collateral, err);
}

tp_err tp_identity_set_collateral_fetch(tp_identity *id, tp_collateral_fetch_fn fetch, void *ctx,
                                        tp_error *err)
{
    uint8_t *evidence = NULL;
    size_t len = 0;
    json_t *collateral = NULL;
    tp_err rc = tp_identity_evidence(id, &evidence, &len, err);
    if (rc == TP_OK)
        rc = fetch(ctx, id->platform, evidence, len, &collateral, err);
    if (rc != TP_OK) {
        free(evidence);
        return rc;
    }
    id->collateral_fetch = fetch; /* set before the refresher starts: no reader yet */
    id->collateral_ctx = ctx;
    return swap_in(id, evidence, len, collateral, err);
}

static tp_err dir_fetch(void *ctx, const char *platform, const uint8_t *evidence, size_t len,
                        json_t **out, tp_error *err)
{
    return tp_collateral_bundle(platform, evidence, len, ctx, out, err);
}

tp_err tp_identity_set_collateral(tp_identity *id, const char *dir, tp_error *err)
{
    char *copy = strdup(dir);
    if (copy == NULL)
        return tp_error_set(err, TP_ERR_NOMEM, NULL);
    tp_err rc = tp_identity_set_collateral_fetch(id, dir_fetch, copy, err);
    if (rc != TP_OK) {
        free(copy);
        return rc;
    }
    free(id->collateral_dir);
    id->collateral_dir = copy;
    return TP_OK;
}

tp_err tp_identity_evidence_bundle(tp_identity *id, uint8_t **evidence, size_t *len,
                                   json_t **collateral, tp_error *err)
{
    int ok;
    pthread_mutex_lock(&id->lock);
    *evidence = malloc(id->evidence_len ? id->evidence_len : 1);
    if (*evidence != NULL) {
        memcpy(*evidence, id->evidence, id->evidence_len);
        *len = id->evidence_len;
    }
    if (collateral != NULL)
        *collateral = id->collateral ? json_deep_copy(id->collateral) : NULL;
    ok = *evidence != NULL && (collateral == NULL || id->collateral == NULL || *collateral != NULL);
    pthread_mutex_unlock(&id->lock);
    if (!ok) {
        free(*evidence);
        *evidence = NULL;
        if (collateral != NULL) {
            json_decref(*collateral);
            *collateral = NULL;
        }
        return tp_error_set(err, TP_ERR_NOMEM, NULL);
    }
    return TP_OK;
}

tp_err tp_identity_evidence(tp_identity *id, uint8_t **evidence, size_t *len, tp_error *err)
{
    return tp_identity_evidence_bundle(id, evidence, len, NULL, err);
}

tp_err tp_identity_create_window(tp_attester *attester, const tp_key_window *window,
                                 tp_identity **out, tp_error *err)
{
    tp_err rc = tp_key_window_check(window, window->not_before, 0, "the window start", err);
    if (rc != TP_OK)
        return rc;
    tp_identity *id = calloc(1, sizeof(*id));
    if (id == NULL)
        return tp_error_set(err, TP_ERR_NOMEM, NULL);
    pthread_mutex_init(&id->lock, NULL);
    atomic_init(&id->refs, 1);
    id->window = *window;
    snprintf(id->platform, sizeof(id->platform), "%s", tp_attester_platform(attester));
    rc = make_key(id, err);
    if (rc == TP_OK)
        rc = tp_identity_refresh(id, attester, err);
    if (rc != TP_OK) {
        tp_identity_free(id);
        return rc;
    }
    *out = id;
    return TP_OK;
}

tp_err tp_identity_create(tp_attester *attester, tp_identity **out, tp_error *err)
{
    time_t now = time(NULL);
    tp_key_window w = {(int64_t)now, (int64_t)now + TP_KEY_LIFETIME_DEFAULT_S};
    return tp_identity_create_window(attester, &w, out, err);
}

tp_identity *tp_identity_ref(tp_identity *id)
{
    atomic_fetch_add(&id->refs, 1);
    return id;
}

void tp_identity_free(tp_identity *id)
{
    if (id == NULL || atomic_fetch_sub(&id->refs, 1) != 1)
        return;
    EVP_PKEY_free(id->key); /* cleanses the private key */
    tp_eth_key_free(&id->eth); /* wipes the secp256k1 secret */
    free(id->spki);
    free(id->evidence);
    free(id->collateral_dir);
    json_decref(id->collateral);
    free(id->attest_head);
    free(id->attest_tail);
    pthread_mutex_destroy(&id->lock);
    free(id);
}

tp_err tp_identity_check_time(const tp_identity *id, time_t t, tp_error *err)
{
    return tp_key_window_check(&id->window, (int64_t)t, 0, "the signing time", err);
}

tp_err tp_identity_sign(const tp_identity *id, const uint8_t *msg, size_t len, uint8_t sig[64],
                        tp_error *err)
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    size_t sig_len = 64;
    int ok = ctx != NULL && EVP_DigestSignInit(ctx, NULL, NULL, NULL, id->key) == 1 &&
             EVP_DigestSign(ctx, sig, &sig_len, msg, len) == 1 && sig_len == 64;
    EVP_MD_CTX_free(ctx);
    return ok ? TP_OK : tp_error_set(err, TP_ERR_CRYPTO, "Ed25519 signing failed");
}

tp_err tp_identity_eth_sign(const tp_identity *id, const uint8_t hash[TP_ETH_HASH_LEN],
                            uint8_t sig[TP_ETH_SIG_LEN], tp_error *err)
{
    return tp_eth_sign_hash(&id->eth, hash, sig, err);
}
