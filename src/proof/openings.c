/* The prover's openings document and disclosures made from it; see openings.h. */
#include "proof/openings.h"

#include <openssl/crypto.h>
#include <stdlib.h>
#include <string.h>

#include "base/codec.h"
#include "base/json_bytes.h"
#include "base/json_pretty.h"
#include "proof/commit.h"
#include "teeproof/prover.h"

void tp_openings_free(char *openings)
{
    if (openings != NULL) {
        OPENSSL_cleanse(openings, strlen(openings));
        free(openings);
    }
}

/* Pretty JSON text of doc, then doc's strings wiped and doc released. */
static tp_err finish_doc(json_t *doc, const char *what, char **out, size_t *len, tp_error *err)
{
    char *s = doc ? tp_json_pretty_string(doc) : NULL;
    tp_json_wipe_decref(doc);
    if (s == NULL)
        return tp_error_set(err, TP_ERR_NOMEM, "cannot encode the %s", what);
    *out = s;
    if (len)
        *len = strlen(s);
    return TP_OK;
}

tp_err tp_openings_encode(const tp_openings_input *in, char **out, size_t *len, tp_error *err)
{
    json_t *vars = json_object();
    for (size_t i = 0; vars && in->vars && i < in->vars->n; i++)
        if (json_object_set_new(vars, in->vars->items[i].name, json_string(in->vars->items[i].value)) != 0) {
            tp_json_wipe_decref(vars);
            return tp_error_set(err, TP_ERR_VAR, "variable values must be UTF-8 to be kept in the openings");
        }
    json_t *doc = json_pack("{s:i, s:o, s:o, s:o, s:o}", "teeproof_openings", TP_OPENINGS_FORMAT,
                            "commit_seed", tp_json_base64(in->seed, in->seed_len),
                            "request", tp_json_base64(in->request, in->request_len),
                            "response", tp_json_base64(in->response, in->response_len),
                            "vars", vars);
    return finish_doc(doc, "openings", out, len, err);
}

/* The parts of a parsed openings document (borrowed from it) and its seed. */
typedef struct openings {
    json_t *doc;
    json_t *vars;
    tp_buf seed;
} openings;

static void openings_free(openings *op)
{
    tp_json_wipe_decref(op->doc);
    tp_buf_free(&op->seed);
}

static tp_err openings_parse(const char *text, size_t len, openings *op, tp_error *err)
{
    op->doc = json_loadb(text, len, JSON_REJECT_DUPLICATES, NULL);
    op->vars = json_object_get(op->doc, "vars");
    if (json_integer_value(json_object_get(op->doc, "teeproof_openings")) != TP_OPENINGS_FORMAT ||
        !json_is_object(op->vars) || !json_is_string(json_object_get(op->doc, "request")) ||
        !json_is_string(json_object_get(op->doc, "response")))
        return tp_error_set(err, TP_ERR_ARG, "not a teeproof openings document (format %d)", TP_OPENINGS_FORMAT);
    if (!tp_json_get_base64(op->doc, "commit_seed", &op->seed) || op->seed.len != TP_COMMIT_SEED_LEN)
        return tp_error_set(err, TP_ERR_ARG, "openings: commit_seed missing or not %d bytes", TP_COMMIT_SEED_LEN);
    return TP_OK;
}

/* Appends {label, salt, <key>: value} to items; value is borrowed from the openings. */
static tp_err add_item(json_t *items, const openings *op, const char *label, const char *key,
                       json_t *value, tp_error *err)
{
    uint8_t salt[TP_COMMIT_SALT_LEN];
    char hex[2 * TP_COMMIT_SALT_LEN + 1];
    tp_err rc = tp_commit_salt(op->seed.data, op->seed.len, label, salt, err);
    if (rc != TP_OK)
        return rc;
    tp_hex_encode(salt, sizeof(salt), hex);
    OPENSSL_cleanse(salt, sizeof(salt));
    /* a copy: the openings' strings are wiped when they are released */
    json_t *item = json_pack("{s:s, s:s, s:s%}", "label", label, "salt", hex, key,
                             json_string_value(value), json_string_length(value));
    OPENSSL_cleanse(hex, sizeof(hex));
    if (item == NULL || json_array_append_new(items, item) != 0)
        return tp_error_set(err, TP_ERR_NOMEM, "cannot build the disclosure");
    return TP_OK;
}

static tp_err add_var(json_t *items, const openings *op, const char *name, tp_error *err)
{
    char label[TP_COMMIT_LABEL_MAX + 1];
    json_t *value = json_object_get(op->vars, name);
    if (!json_is_string(value))
        return tp_error_set(err, TP_ERR_VAR, "the openings hold no variable '%s'", name);
    if (!tp_commit_var_label(name, label))
        return tp_error_set(err, TP_ERR_ARG, "variable name too long");
    return add_item(items, op, label, "value", value, err);
}

static tp_err add_all_vars(json_t *items, const openings *op, tp_error *err)
{
    const char *name;
    json_t *v;
    json_object_foreach(op->vars, name, v) {
        tp_err rc = add_var(items, op, name, err);
        if (rc != TP_OK)
            return rc;
    }
    return TP_OK;
}

static tp_err add_chosen(json_t *items, const openings *op, const tp_disclose_opts *o, tp_error *err)
{
    tp_err rc = TP_OK;
    for (size_t i = 0; rc == TP_OK && i < o->n_vars; i++)
        rc = add_var(items, op, o->vars[i], err);
    if (rc == TP_OK && o->request)
        rc = add_item(items, op, TP_COMMIT_LABEL_REQUEST, "base64",
                      json_object_get(op->doc, "request"), err);
    if (rc == TP_OK && o->response)
        rc = add_item(items, op, TP_COMMIT_LABEL_RESPONSE, "base64",
                      json_object_get(op->doc, "response"), err);
    return rc;
}

static tp_err make(const char *text, size_t len, const tp_disclose_opts *o, int all, char **out,
                   size_t *out_len, tp_error *err)
{
    openings op = {.doc = NULL, .vars = NULL, .seed = TP_BUF_INIT};
    json_t *items = json_array();
    tp_err rc = items ? openings_parse(text, len, &op, err) : tp_error_set(err, TP_ERR_NOMEM, NULL);
    if (rc == TP_OK && all)
        rc = add_all_vars(items, &op, err);
    if (rc == TP_OK)
        rc = add_chosen(items, &op, o, err);
    if (rc == TP_OK && json_array_size(items) == 0)
        rc = tp_error_set(err, TP_ERR_ARG, "nothing to disclose: choose variables, the request or the response");
    openings_free(&op);
    if (rc != TP_OK) {
        tp_json_wipe_decref(items);
        return rc;
    }
    /* the document takes over items */
    json_t *doc = json_pack("{s:i, s:o}", "teeproof_disclosure", TP_DISCLOSURE_FORMAT, "items", items);
    return finish_doc(doc, "disclosure", out, out_len, err);
}

tp_err tp_disclosure_make(const char *openings_text, size_t len, const tp_disclose_opts *o,
                          char **out, size_t *out_len, tp_error *err)
{
    return make(openings_text, len, o, 0, out, out_len, err);
}

tp_err tp_disclosure_make_all(const char *openings_text, size_t len, char **out, size_t *out_len,
                              tp_error *err)
{
    tp_disclose_opts both = {.request = 1, .response = 1};
    return make(openings_text, len, &both, 1, out, out_len, err);
}
