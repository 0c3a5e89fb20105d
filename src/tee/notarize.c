/* The notary's pipeline to a signed proof; see notarize.h. Stages: prepare (seed, manifest,
 * target, variables), TLS (tunnel: replay the recorded session; direct: what the notary's
 * own client saw), then the shared post-TLS stages (HTTP, manifest rules, claims, signature). */
#include "tee/seal.h"
#include "tee/notarize.h"

#include <string.h>
#include <strings.h>

#include "base/codec.h"
#include "http/http.h"
#include "manifest/manifest_check.h"
#include "proof/claims.h"
#include "proof/commit.h"
#include "tls/transcript.h"

/* Everything the stages produce, released in one place. */
typedef struct notarize_state {
    tp_manifest *manifest;
    tp_tls_verify_result tls;
    tp_http_message request;
    tp_http_message response;
    json_t *values;
} notarize_state;

static void state_free(notarize_state *s)
{
    tp_http_message_free(&s->request);
    tp_http_message_free(&s->response);
    tp_tls_verify_result_free(&s->tls);
    json_decref(s->values);
    tp_manifest_release(s->manifest); /* last: lent by the cache, nothing of ours may refer to it */
}

static tp_err check_tunnel_target(const tp_notarize_input *in, const tp_manifest *m, tp_error *err)
{
    /* The notary connected to tunnel_host:port; the manifest must be about that origin. */
    if (strcasecmp(in->tunnel_host, tp_manifest_host(m)) != 0 || in->tunnel_port != tp_manifest_port(m))
        return tp_error_set(err, TP_ERR_MANIFEST_REQUEST,
                            "tunnel went to %s:%u but the manifest URL is for %s:%u", in->tunnel_host,
                            in->tunnel_port, tp_manifest_host(m), tp_manifest_port(m));
    return TP_OK;
}

static tp_err verify_transcript(const tp_notarize_input *in, notarize_state *s, tp_error *err)
{
    tp_tls_verify_input tin = {
        .client_bytes = in->client_bytes, .client_len = in->client_len,
        .server_bytes = in->server_bytes, .server_len = in->server_len,
        .group = in->group, .private_key = in->private_key, .private_key_len = in->private_key_len,
        .trust = in->trust, .expected_host = tp_manifest_host(s->manifest), .verify_time = in->now,
    };
    tp_err rc = tp_tls_verify_transcript(&tin, &s->tls, err);
    return rc == TP_OK ? rc : tp_error_prefix(err, rc, "TLS transcript");
}

static tp_err check_http(const tp_notarize_input *in, notarize_state *s, tp_error *err)
{
    tp_err rc = tp_http_parse_request(s->tls.client_app.data, s->tls.client_app.len, &s->request, err);
    if (rc != TP_OK)
        return tp_error_prefix(err, rc, "request");
    /* Exactly one request: anything after it (a pipelined second request) was never checked
     * against the manifest and could have changed what the server answered. */
    if (s->request.consumed != s->tls.client_app.len)
        return tp_error_set(err, TP_ERR_MANIFEST_REQUEST,
                            "the client sent %zu bytes after the request; only one request is allowed",
                            s->tls.client_app.len - s->request.consumed);
    /* The notary builds the one request the manifest allows with these values and wants
     * exactly those bytes: no header, encoding or framing of the prover's choosing. */
    if ((rc = tp_manifest_check_request(s->manifest, in->vars, s->tls.client_app.data,
                                        s->tls.client_app.len, err)) != TP_OK)
        return rc;
    rc = tp_http_parse_response_for(s->tls.server_app.data, s->tls.server_app.len,
                                    tp_manifest_method(s->manifest), s->tls.server_close_notify,
                                    &s->response, err);
    if (rc != TP_OK)
        return tp_error_prefix(err, rc, "response");
    return tp_manifest_check_response(s->manifest, &s->response, &s->values, err);
}

static json_t *hex_string(const uint8_t *p, size_t n)
{
    char hex[129];
    if (n > 64)
        return NULL;
    tp_hex_encode(p, n, hex);
    return json_string(hex);
}

/* The salted commitments of the claims; salts come from the prover's seed and are wiped. */
typedef struct commitments {
    char request[2 * TP_COMMIT_LEN + 1];
    char response[2 * TP_COMMIT_LEN + 1];
    json_t *vars;                 /* {name: commitment hex} */
} commitments;

static tp_err commit_vars(const tp_notarize_input *in, json_t *out, tp_error *err)
{
    char label[TP_COMMIT_LABEL_MAX + 1], hex[2 * TP_COMMIT_LEN + 1];
    for (size_t i = 0; in->vars && i < in->vars->n; i++) {
        const tp_var *v = &in->vars->items[i];
        if (!tp_commit_var_label(v->name, label))
            return tp_error_set(err, TP_ERR_VAR, "variable name empty or too long to commit to");
        tp_err rc = tp_commit_seeded_hex(in->commit_seed, in->commit_seed_len, label, v->value,
                                         strlen(v->value), hex, err);
        if (rc != TP_OK)
            return rc;
        if (json_object_set_new(out, v->name, json_string(hex)) != 0)
            return tp_error_set(err, TP_ERR_NOMEM, "cannot build the commitments");
    }
    return TP_OK;
}

static tp_err make_commitments(const tp_notarize_input *in, const notarize_state *s,
                               commitments *c, tp_error *err)
{
    /* Commit to exactly the bytes of the request and response messages. */
    tp_err rc = tp_commit_seeded_hex(in->commit_seed, in->commit_seed_len, TP_COMMIT_LABEL_REQUEST,
                                     s->tls.client_app.data, s->request.consumed, c->request, err);
    if (rc == TP_OK)
        rc = tp_commit_seeded_hex(in->commit_seed, in->commit_seed_len, TP_COMMIT_LABEL_RESPONSE,
                                  s->tls.server_app.data, s->response.consumed, c->response, err);
    if (rc == TP_OK && (c->vars = json_object()) == NULL)
        rc = tp_error_set(err, TP_ERR_NOMEM, "cannot build the commitments");
    if (rc == TP_OK)
        rc = commit_vars(in, c->vars, err);
    return rc == TP_OK ? rc : tp_error_prefix(err, rc, "commitments");
}

static json_t *build_claims(const tp_notarize_input *in, notarize_state *s, commitments *c,
                            const char *mode)
{
    uint8_t manifest_hash[32];
    tp_manifest_hash(s->manifest, manifest_hash);
    return json_pack("{s:i, s:I, s:s, s:s, s:{s:s, s:s, s:s, s:o}, s:s, s:{s:s, s:s, s:s}, s:o,"
                     " s:{s:i, s:s}, s:O, s:O}",
                     "version", TP_CLAIMS_VERSION,
                     "time", (json_int_t)in->now,
                     "mode", mode,
                     "server_name", tp_manifest_host(s->manifest),
                     "tls", "version", s->tls.version == 0x0303 ? "1.2" : "1.3",
                     "cipher_suite", tp_tls_suite_name(s->tls.cipher_suite),
                     "group", tp_tls_group_name(s->tls.group),
                     "leaf_cert_sha256", hex_string(s->tls.leaf_cert_sha256, 32),
                     "trust_store", in->trust_store_id,
                     "request", "method", tp_manifest_method(s->manifest),
                     "url", tp_manifest_url_template(s->manifest),
                     "commitment", c->request,
                     "manifest_sha256", hex_string(manifest_hash, 32),
                     "response", "status", s->response.status,
                     "commitment", c->response,
                     "values", s->values,
                     "vars", c->vars);
}

static tp_err check_seed(const tp_notarize_input *in, tp_error *err)
{
    if (in->commit_seed == NULL || in->commit_seed_len != TP_COMMIT_SEED_LEN)
        return tp_error_set(err, TP_ERR_PROTOCOL, "the prover's commitment seed must be %d bytes",
                            TP_COMMIT_SEED_LEN);
    return TP_OK;
}

static tp_err seal(const tp_notarize_input *in, notarize_state *s, const char *mode, tp_identity *id,
                   char **proof, size_t *proof_len, tp_error *err)
{
    commitments c = {.vars = NULL};
    tp_err rc = make_commitments(in, s, &c, err);
    json_t *claims = rc == TP_OK ? build_claims(in, s, &c, mode) : NULL;
    if (rc == TP_OK)
        rc = claims ? tp_proof_seal(claims, id, proof, proof_len, err)
                    : tp_error_set(err, TP_ERR_NOMEM, "cannot build the claims");
    json_decref(claims);
    json_decref(c.vars);
    return rc;
}

/* Before any TLS: the seed, the manifest, the origin it is about, the variables. */
static tp_err prepare(const tp_notarize_input *in, notarize_state *s, tp_error *err)
{
    tp_err rc = check_seed(in, err);
    if (rc == TP_OK)
        rc = tp_manifest_acquire(in->manifest_json, in->manifest_len, &s->manifest, err);
    if (rc == TP_OK)
        rc = check_tunnel_target(in, s->manifest, err);
    if (rc == TP_OK)
        rc = tp_manifest_check_vars(s->manifest, in->vars, err);
    return rc;
}

/* After the TLS stage, the same for both modes: the one request, the response checks, the
 * claims and the signature. */
static tp_err finish(const tp_notarize_input *in, notarize_state *s, const char *mode,
                     tp_identity *id, char **proof, size_t *proof_len, tp_error *err)
{
    tp_err rc = check_http(in, s, err);
    if (rc == TP_OK)
        rc = seal(in, s, mode, id, proof, proof_len, err);
    return rc;
}

tp_err tp_notarize(const tp_notarize_input *in, tp_identity *id, char **proof,
                   size_t *proof_len, tp_error *err)
{
    notarize_state s = {0};
    tp_err rc = prepare(in, &s, err);
    if (rc == TP_OK && tp_manifest_requires_direct(s.manifest))
        rc = tp_error_set(err, TP_ERR_MANIFEST, "the manifest's mode \"Proxy\" is proven in direct "
                                                "mode only, not from a tunnel");
    if (rc == TP_OK)
        rc = verify_transcript(in, &s, err);
    if (rc == TP_OK)
        rc = finish(in, &s, TP_MODE_TUNNEL, id, proof, proof_len, err);
    state_free(&s);
    return rc;
}

tp_err tp_notarize_direct(const tp_notarize_input *in, tp_tls_verify_result *tls, tp_identity *id,
                          char **proof, size_t *proof_len, tp_error *err)
{
    notarize_state s = {0};
    s.tls = *tls; /* taken over: freed (wiped) with the state */
    memset(tls, 0, sizeof(*tls));
    tp_err rc = prepare(in, &s, err);
    if (rc == TP_OK)
        rc = finish(in, &s, TP_MODE_DIRECT, id, proof, proof_len, err);
    state_free(&s);
    return rc;
}
