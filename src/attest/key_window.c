/* The binding between a notary's signing keys (Ed25519 and secp256k1), their validity window
 * and the TEE evidence (the report data), and the window's checks; see tp_key_window in attest.h. */
#include <openssl/evp.h>
#include <string.h>

#include "attest/attest_json.h"
#include "teeproof/attest.h"

/* Ends beyond this (year ~146 billion) are malformed; keeps the arithmetic below in range. */
#define KEY_WINDOW_MAX_TIME ((int64_t)1 << 62)

static void put_u64be(uint8_t out[8], uint64_t v)
{
    for (int i = 7; i >= 0; i--, v >>= 8)
        out[i] = (uint8_t)v;
}

void tp_attest_key_binding(const uint8_t *spki_der, size_t len,
                           const uint8_t eth_address[TP_KEY_BINDING_ETH_LEN], const tp_key_window *w,
                           uint8_t out[64])
{
    static const char k_label[] = "teeproof-key-v3";
    uint8_t prefix[sizeof(k_label) + 18]; /* label, 0x00, not_before, not_after, SPKI length */
    memcpy(prefix, k_label, sizeof(k_label)); /* copies the terminating NUL: the 0x00 */
    put_u64be(prefix + sizeof(k_label), (uint64_t)w->not_before);
    put_u64be(prefix + sizeof(k_label) + 8, (uint64_t)w->not_after);
    prefix[sizeof(k_label) + 16] = (uint8_t)(len >> 8);
    prefix[sizeof(k_label) + 17] = (uint8_t)len;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    unsigned int n = 0;
    /* The length prefix keeps SPKI and address apart; an SPKI this long is malformed. */
    if (len > 0xffff || ctx == NULL || EVP_DigestInit_ex(ctx, EVP_sha512(), NULL) != 1 ||
        EVP_DigestUpdate(ctx, prefix, sizeof(prefix)) != 1 ||
        EVP_DigestUpdate(ctx, spki_der, len) != 1 ||
        EVP_DigestUpdate(ctx, eth_address, TP_KEY_BINDING_ETH_LEN) != 1 ||
        EVP_DigestFinal_ex(ctx, out, &n) != 1)
        memset(out, 0, 64); /* all-zero never matches a key */
    EVP_MD_CTX_free(ctx);
}

tp_err tp_key_window_check(const tp_key_window *w, int64_t t, int64_t skew, const char *what,
                           tp_error *err)
{
    if (w->not_before <= 0 || w->not_after < w->not_before || w->not_after > KEY_WINDOW_MAX_TIME)
        return tp_error_set(err, TP_ERR_KEY_WINDOW, "the signing key's window [%lld, %lld] is malformed",
                            (long long)w->not_before, (long long)w->not_after);
    if (w->not_after - w->not_before > TP_KEY_WINDOW_MAX_S)
        return tp_error_set(err, TP_ERR_KEY_WINDOW,
                            "the signing key's window is %lld s long; at most %d s is accepted",
                            (long long)(w->not_after - w->not_before), TP_KEY_WINDOW_MAX_S);
    if (t < w->not_before - skew || t > w->not_after + skew)
        return tp_error_set(err, TP_ERR_KEY_WINDOW,
                            "%s %lld is outside the signing key's window [%lld, %lld]", what,
                            (long long)t, (long long)w->not_before, (long long)w->not_after);
    return TP_OK;
}

int tp_key_window_from_json(const json_t *o, tp_key_window *w)
{
    json_t *nb = json_object_get(o, "not_before"), *na = json_object_get(o, "not_after");
    if (!json_is_object(o) || json_object_size(o) != 2 || !json_is_integer(nb) || !json_is_integer(na))
        return 0;
    w->not_before = (int64_t)json_integer_value(nb);
    w->not_after = (int64_t)json_integer_value(na);
    return 1;
}

json_t *tp_key_window_json(const tp_key_window *w)
{
    return json_pack("{s:I, s:I}", "not_before", (json_int_t)w->not_before, "not_after",
                     (json_int_t)w->not_after);
}
