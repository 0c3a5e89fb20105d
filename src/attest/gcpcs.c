/* Google Confidential Space: verify an attestation token (OIDC JWT, RS256) offline against a
 * JWKS file, and turn its claims into evidence facts. */
#include "attest/gcpcs.h"
#include "attest/platform.h"

#include <string.h>

#include "attest/jwt.h"
#include "base/codec.h"

#define MAX_NONCES 16

void tp_gcpcs_nonces(const uint8_t report_data[64], char out[2][TP_GCPCS_NONCE_LEN + 1])
{
    for (int i = 0; i < 2; i++) {
        memcpy(out[i], i == 0 ? "tp0:" : "tp1:", 4);
        tp_hex_encode(report_data + 32 * i, 32, out[i] + 4);
    }
}

/* Lowercase hex only, so each binding has one spelling. */
static int lower_hex32(const char *s, uint8_t out[32])
{
    for (size_t i = 0; i < 64; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return 0;
    return s[64] == '\0' && tp_hex_decode_fixed(s, out, 32);
}

/* Looks at one nonce; fills a half of rd when it is ours. Returns 0 when malformed. */
static int take_nonce(const json_t *n, uint8_t rd[64], int seen[2])
{
    const char *s = json_string_value(n);
    if (s == NULL)
        return 0;
    if (strncmp(s, "tp", 2) != 0 || (s[2] != '0' && s[2] != '1') || s[3] != ':')
        return 1; /* someone else's nonce */
    int half = s[2] - '0';
    if (seen[half] || strlen(s) != TP_GCPCS_NONCE_LEN || !lower_hex32(s + 4, rd + 32 * half))
        return 0;
    seen[half] = 1;
    return 1;
}

tp_err tp_gcpcs_report_data(const json_t *claims, uint8_t report_data[64], size_t *len, tp_error *err)
{
    const json_t *en = json_object_get(claims, "eat_nonce");
    int seen[2] = {0, 0}, ok = 1;
    *len = 0;
    if (en == NULL)
        return TP_OK;
    if (json_is_string(en)) {
        ok = take_nonce(en, report_data, seen);
    } else if (json_is_array(en) && json_array_size(en) <= MAX_NONCES) {
        size_t i;
        const json_t *n;
        json_array_foreach(en, i, n) ok = ok && take_nonce(n, report_data, seen);
    } else {
        ok = 0;
    }
    if (!ok || seen[0] != seen[1])
        return tp_error_set(err, TP_ERR_EVIDENCE, "gcp-cs: eat_nonce is malformed or holds half a binding");
    *len = seen[0] ? 64 : 0;
    return TP_OK;
}

int tp_gcpcs_aud_matches(const json_t *claims, const char *audience)
{
    const json_t *aud = json_object_get(claims, "aud"), *a;
    size_t i;
    if (json_is_string(aud))
        return strcmp(json_string_value(aud), audience) == 0;
    json_array_foreach(aud, i, a) if (json_is_string(a) && strcmp(json_string_value(a), audience) == 0) return 1;
    return 0;
}

static const char *str_claim(const json_t *obj, const char *key)
{
    return json_string_value(json_object_get(obj, key));
}

/* exp required and > at; nbf, when present, <= at; iat required and <= at. */
static tp_err check_times(const json_t *claims, time_t at, tp_error *err)
{
    const json_t *exp = json_object_get(claims, "exp"), *nbf = json_object_get(claims, "nbf"),
                 *iat = json_object_get(claims, "iat");
    if (!json_is_integer(exp) || !json_is_integer(iat) || (nbf != NULL && !json_is_integer(nbf)))
        return tp_error_set(err, TP_ERR_EVIDENCE, "gcp-cs: exp/iat/nbf missing or not integers");
    long long t = (long long)at;
    if (t >= json_integer_value(exp))
        return tp_error_set(err, TP_ERR_EVIDENCE_TIME, "gcp-cs: token expired at %lld (checked at %lld)",
                            (long long)json_integer_value(exp), t);
    if ((nbf != NULL && t < json_integer_value(nbf)) || t < json_integer_value(iat))
        return tp_error_set(err, TP_ERR_EVIDENCE_TIME, "gcp-cs: token not yet valid at %lld", t);
    return TP_OK;
}

static tp_err check_claims(const json_t *claims, const tp_verify_opts *opts, tp_error *err)
{
    const char *aud = opts->audience != NULL ? opts->audience : TP_GCPCS_DEFAULT_AUDIENCE;
    const char *iss = str_claim(claims, "iss"), *swname = str_claim(claims, "swname");
    if (iss == NULL || strcmp(iss, TP_GCPCS_ISSUER) != 0)
        return tp_error_set(err, TP_ERR_EVIDENCE_CHAIN, "gcp-cs: issuer %.80s is not %s",
                            iss != NULL ? iss : "(none)", TP_GCPCS_ISSUER);
    if (!tp_gcpcs_aud_matches(claims, aud))
        return tp_error_set(err, TP_ERR_BINDING, "gcp-cs: token audience is not %.80s", aud);
    if (swname == NULL || strcmp(swname, "CONFIDENTIAL_SPACE") != 0)
        return tp_error_set(err, TP_ERR_EVIDENCE, "gcp-cs: swname is not CONFIDENTIAL_SPACE");
    if (str_claim(claims, "dbgstat") == NULL)
        return tp_error_set(err, TP_ERR_EVIDENCE, "gcp-cs: dbgstat missing");
    return check_times(claims, opts->at != 0 ? opts->at : time(NULL), err);
}

/* submods.container.image_digest "sha256:<64 hex>" -> 32 bytes. */
static tp_err image_digest(const json_t *container, uint8_t out[32], tp_error *err)
{
    const char *d = str_claim(container, "image_digest");
    if (d == NULL || strncmp(d, "sha256:", 7) != 0 || !lower_hex32(d + 7, out))
        return tp_error_set(err, TP_ERR_EVIDENCE, "gcp-cs: submods.container.image_digest is not sha256:<hex>");
    return TP_OK;
}

static json_t *details_json(const json_t *claims, const json_t *container)
{
    json_t *d = json_object();
    if (d == NULL)
        return NULL;
    static const char *const copy[] = {"swname", "swversion", "hwmodel", "secboot", "iat", "exp",
                                       "dbgstat"};
    for (size_t i = 0; i < sizeof(copy) / sizeof(copy[0]); i++) {
        json_t *v = json_object_get(claims, copy[i]);
        if (v != NULL)
            json_object_set_new(d, copy[i], json_deep_copy(v));
    }
    /* Strings of the container, and the image's support attributes when they are strings. */
    static const char *const k_container[] = {"image_reference", "restart_policy"};
    for (size_t i = 0; i < sizeof(k_container) / sizeof(k_container[0]); i++) {
        json_t *v = json_object_get(container, k_container[i]);
        if (json_is_string(v))
            json_object_set_new(d, k_container[i], json_deep_copy(v));
    }
    json_t *attrs = json_object_get(json_object_get(json_object_get(claims, "submods"),
                                                    "confidential_space"), "support_attributes");
    size_t i;
    json_t *a;
    int strings = json_is_array(attrs);
    json_array_foreach(attrs, i, a) strings = strings && json_is_string(a);
    if (strings)
        json_object_set_new(d, "support_attributes", json_deep_copy(attrs));
    return d;
}

static tp_err fill_facts(const json_t *claims, tp_evidence_facts *facts, tp_error *err)
{
    const json_t *container = json_object_get(json_object_get(claims, "submods"), "container");
    uint8_t digest[32], rd[64];
    size_t rd_len = 0;
    tp_err rc = image_digest(container, digest, err);
    if (rc == TP_OK)
        rc = tp_gcpcs_report_data(claims, rd, &rd_len, err);
    if (rc != TP_OK)
        return rc;
    memset(facts, 0, sizeof(*facts));
    snprintf(facts->platform, sizeof(facts->platform), "gcp-cs");
    memcpy(facts->measurement, digest, 32);
    facts->measurement_len = 32;
    memcpy(facts->report_data, rd, rd_len);
    facts->report_data_len = rd_len;
    /* Only the production image reports "disabled-since-boot"; anything else may be debugged. */
    facts->debug = strcmp(str_claim(claims, "dbgstat"), "disabled-since-boot") != 0;
    facts->details = details_json(claims, container);
    return facts->details != NULL ? TP_OK : tp_error_set(err, TP_ERR_NOMEM, "gcp-cs: out of memory");
}

tp_err tp_gcpcs_verify(const uint8_t *evidence, size_t len, const tp_verify_opts *opts,
                       tp_evidence_facts *facts, tp_error *err)
{
    if (opts == NULL || opts->jwks_file == NULL)
        return tp_error_set(err, TP_ERR_ARG,
                            "gcp-cs: a JWKS file is required (policy jwks_file, or --jwks)");
    tp_jwt jwt;
    tp_err rc = tp_jwt_parse(evidence, len, &jwt, err);
    if (rc != TP_OK)
        return tp_error_prefix(err, rc, "gcp-cs");
    if ((rc = tp_jwt_verify_rs256(&jwt, opts->jwks_file, err)) != TP_OK)
        tp_error_prefix(err, rc, "gcp-cs");
    else if ((rc = check_claims(jwt.claims, opts, err)) == TP_OK)
        rc = fill_facts(jwt.claims, facts, err);
    tp_jwt_free(&jwt);
    return rc;
}

const tp_platform tp_platform_gcp_cs = {
    .name = "gcp-cs",
    .verify = tp_gcpcs_verify,
};
