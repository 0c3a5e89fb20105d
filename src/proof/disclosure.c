/* Checking a disclosure against a verified proof's commitments; see teeproof/proof.h. */
#include <openssl/crypto.h>
#include <string.h>

#include "proof/verify_json.h"
#include "base/codec.h"
#include "base/json_bytes.h"
#include "proof/commit.h"
#include "proof/openings.h"
#include "teeproof/proof.h"

#define DISCLOSURE_MAX_ITEMS 1024

static tp_err bad(tp_error *err, const char *what)
{
    return tp_error_set(err, TP_ERR_DISCLOSURE, "%s", what);
}

static int is_var_label(const char *label)
{
    return strncmp(label, TP_COMMIT_LABEL_VAR_PREFIX, strlen(TP_COMMIT_LABEL_VAR_PREFIX)) == 0;
}

/* The commitment the claims hold for label, or NULL. */
static const char *claimed_commitment(const json_t *claims, const char *label)
{
    if (!is_var_label(label))
        return json_string_value(json_object_get(json_object_get(claims, label), "commitment"));
    const char *name = label + strlen(TP_COMMIT_LABEL_VAR_PREFIX);
    return json_string_value(json_object_get(json_object_get(claims, "vars"), name));
}

/* The item's bytes: a var's "value" string, or the request's/response's "base64". */
static tp_err item_bytes(const json_t *item, int is_var, tp_buf *out, tp_error *err)
{
    const char *key = is_var ? "value" : "base64";
    const json_t *v = json_object_get(item, key);
    if (json_object_size(item) != 3 || !json_is_string(v))
        return tp_error_set(err, TP_ERR_DISCLOSURE, "a disclosure item needs exactly label, salt and %s", key);
    if (is_var)
        return tp_buf_append(out, json_string_value(v), json_string_length(v))
                   ? TP_OK : tp_error_set(err, TP_ERR_NOMEM, NULL);
    return tp_json_get_base64(item, key, out) ? TP_OK : bad(err, "a disclosure item's base64 is not base64");
}

/* Adds the opened item to the verifier's view: vars as strings, messages as base64 (+ text). */
static int add_disclosed(json_t *view, const char *label, const json_t *item, const tp_buf *bytes)
{
    if (is_var_label(label))
        return json_object_set(json_object_get(view, "vars"), label + strlen(TP_COMMIT_LABEL_VAR_PREFIX),
                               json_object_get(item, "value")) == 0;
    json_t *m = json_pack("{s:O}", "base64", json_object_get(item, "base64"));
    json_t *text = json_stringn((const char *)bytes->data, bytes->len); /* NULL unless UTF-8 */
    if (m != NULL && text != NULL)
        json_object_set_new(m, "text", text);
    return m != NULL && json_object_set_new(view, label, m) == 0;
}

/* The entry of the verifier's view an item fills (NULL while not disclosed yet). */
static const json_t *view_entry(const json_t *view, const char *label)
{
    if (is_var_label(label))
        return json_object_get(json_object_get(view, "vars"), label + strlen(TP_COMMIT_LABEL_VAR_PREFIX));
    return json_object_get(view, label);
}

static tp_err check_item(const json_t *claims, const json_t *item, json_t *view, tp_error *err)
{
    const char *label = json_string_value(json_object_get(item, "label"));
    const char *salt_hex = json_string_value(json_object_get(item, "salt"));
    uint8_t salt[TP_COMMIT_SALT_LEN];
    if (label == NULL || !tp_commit_label_ok(label))
        return bad(err, "a disclosure item's label is not request, response or var:<name>");
    if (salt_hex == NULL || strlen(salt_hex) != 2 * TP_COMMIT_SALT_LEN ||
        !tp_hex_decode_fixed(salt_hex, salt, sizeof(salt)))
        return tp_error_set(err, TP_ERR_DISCLOSURE, "item %s: salt must be %d hex bytes", label, TP_COMMIT_SALT_LEN);
    const char *claimed = claimed_commitment(claims, label);
    if (claimed == NULL)
        return tp_error_set(err, TP_ERR_DISCLOSURE, "the proof commits to no item %s", label);
    if (view_entry(view, label) != NULL)
        return tp_error_set(err, TP_ERR_DISCLOSURE, "item %s is disclosed twice", label);
    tp_buf bytes = TP_BUF_INIT;
    char hex[2 * TP_COMMIT_LEN + 1];
    tp_err rc = item_bytes(item, is_var_label(label), &bytes, err);
    if (rc == TP_OK)
        rc = tp_commit_hex(label, salt, bytes.data, bytes.len, hex, err);
    if (rc == TP_OK && strcmp(hex, claimed) != 0) /* commitments are public: no timing concern */
        rc = tp_error_set(err, TP_ERR_DISCLOSURE, "item %s does not open the proof's commitment", label);
    if (rc == TP_OK && !add_disclosed(view, label, item, &bytes))
        rc = tp_error_set(err, TP_ERR_NOMEM, NULL);
    tp_buf_free(&bytes);
    return rc;
}

static tp_err check_items(const json_t *claims, const json_t *doc, json_t *view, tp_error *err)
{
    const json_t *items = json_object_get(doc, "items");
    if (json_integer_value(json_object_get(doc, "teeproof_disclosure")) != TP_DISCLOSURE_FORMAT ||
        !json_is_array(items))
        return tp_error_set(err, TP_ERR_DISCLOSURE, "not a teeproof disclosure (format %d)", TP_DISCLOSURE_FORMAT);
    if (json_array_size(items) == 0 || json_array_size(items) > DISCLOSURE_MAX_ITEMS)
        return tp_error_set(err, TP_ERR_DISCLOSURE, "a disclosure holds 1-%d items", DISCLOSURE_MAX_ITEMS);
    if (json_integer_value(json_object_get(claims, "version")) < TP_CLAIMS_VERSION)
        return bad(err, "the proof carries no salted commitments (claims version 1)");
    tp_err rc = TP_OK;
    for (size_t i = 0; rc == TP_OK && i < json_array_size(items); i++)
        rc = json_is_object(json_array_get(items, i))
                 ? check_item(claims, json_array_get(items, i), view, err)
                 : bad(err, "a disclosure item is not an object");
    return rc;
}

tp_err tp_disclosure_verify_json(const json_t *claims, const char *disclosure, size_t len,
                                 json_t **disclosed, tp_error *err)
{
    json_error_t jerr; /* its text may quote the values: only the line is reported */
    json_t *doc = json_loadb(disclosure, len, JSON_REJECT_DUPLICATES, &jerr);
    json_t *view = json_pack("{s:{}}", "vars");
    tp_err rc = doc == NULL ? tp_error_set(err, TP_ERR_DISCLOSURE, "disclosure is not JSON (line %d)", jerr.line)
                : view == NULL ? tp_error_set(err, TP_ERR_NOMEM, NULL)
                               : check_items(claims, doc, view, err);
    if (rc == TP_OK && disclosed != NULL) {
        *disclosed = view;
        view = NULL;
    }
    tp_json_wipe_decref(view);
    json_decref(doc); /* disclosed values are being shown to this verifier: no wipe needed */
    return rc;
}

/* One commitment of the claims against one computed before (from the same seed). */
static tp_err check_precomputed(const json_t *claims, const char *label, const char *hex,
                                tp_error *err)
{
    const char *claimed = claimed_commitment(claims, label);
    if (claimed == NULL)
        return tp_error_set(err, TP_ERR_DISCLOSURE, "the proof commits to no item %s", label);
    if (strcmp(hex, claimed) != 0)
        return tp_error_set(err, TP_ERR_DISCLOSURE, "item %s does not open the proof's commitment", label);
    return TP_OK;
}

/* One commitment of the claims against bytes held in memory (salt from the seed). */
static tp_err check_direct(const json_t *claims, const uint8_t *seed, size_t seed_len, const char *label,
                           const void *bytes, size_t len, tp_error *err)
{
    char hex[2 * TP_COMMIT_LEN + 1];
    if (claimed_commitment(claims, label) == NULL) /* before hashing the bytes */
        return check_precomputed(claims, label, "", err);
    tp_err rc = tp_commit_seeded_hex(seed, seed_len, label, bytes, len, hex, err);
    return rc == TP_OK ? check_precomputed(claims, label, hex, err) : rc;
}

tp_err tp_commitments_check(const json_t *claims, const tp_openings_input *in, tp_error *err)
{
    if (json_integer_value(json_object_get(claims, "version")) < TP_CLAIMS_VERSION)
        return bad(err, "the proof carries no salted commitments (claims version 1)");
    tp_err rc = check_direct(claims, in->seed, in->seed_len, TP_COMMIT_LABEL_REQUEST, in->request,
                             in->request_len, err);
    if (rc == TP_OK && in->response_commitment != NULL)
        rc = check_precomputed(claims, TP_COMMIT_LABEL_RESPONSE, in->response_commitment, err);
    else if (rc == TP_OK)
        rc = check_direct(claims, in->seed, in->seed_len, TP_COMMIT_LABEL_RESPONSE, in->response,
                          in->response_len, err);
    for (size_t i = 0; rc == TP_OK && in->vars && i < in->vars->n; i++) {
        char label[TP_COMMIT_LABEL_MAX + 1];
        const tp_var *v = &in->vars->items[i];
        rc = tp_commit_var_label(v->name, label)
                 ? check_direct(claims, in->seed, in->seed_len, label, v->value, strlen(v->value), err)
                 : bad(err, "a variable name cannot be a commitment label");
    }
    return rc;
}
