/* The notary's pipeline from recorded bytes to a signed proof; see notarize.h. */
#include "proof/notarize.h"

#include <strings.h>

#include "base/codec.h"
#include "http/http.h"
#include "manifest/manifest_check.h"
#include "proof/claims.h"
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
    tp_manifest_free(s->manifest);
    tp_http_message_free(&s->request);
    tp_http_message_free(&s->response);
    tp_tls_verify_result_free(&s->tls);
    json_decref(s->values);
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

static json_t *sha256_hex(const uint8_t *p, size_t n)
{
    uint8_t h[32];
    tp_sha256(p, n, h);
    return hex_string(h, sizeof(h));
}

static json_t *build_claims(const tp_notarize_input *in, notarize_state *s)
{
    uint8_t manifest_hash[32];
    tp_manifest_hash(s->manifest, manifest_hash);
    /* Commit to exactly the bytes of the request and response messages. */
    size_t req_len = s->request.consumed, resp_len = s->response.consumed;
    return json_pack("{s:i, s:I, s:s, s:s, s:{s:s, s:s, s:s, s:o}, s:s, s:{s:s, s:s, s:o},"
                     " s:o, s:{s:i, s:o}, s:O}",
                     "version", 1,
                     "time", (json_int_t)in->now,
                     "mode", "tunnel",
                     "server_name", tp_manifest_host(s->manifest),
                     "tls", "version", "1.3",
                     "cipher_suite", tp_tls_suite_name(s->tls.cipher_suite),
                     "group", tp_tls_group_name(s->tls.group),
                     "leaf_cert_sha256", hex_string(s->tls.leaf_cert_sha256, 32),
                     "trust_store", in->trust_store_id,
                     "request", "method", tp_manifest_method(s->manifest),
                     "url", tp_manifest_url_template(s->manifest),
                     "sha256", sha256_hex(s->tls.client_app.data, req_len),
                     "manifest_sha256", hex_string(manifest_hash, 32),
                     "response", "status", s->response.status,
                     "sha256", sha256_hex(s->tls.server_app.data, resp_len),
                     "values", s->values);
}

tp_err tp_notarize(const tp_notarize_input *in, tp_identity *id, char **proof,
                   size_t *proof_len, tp_error *err)
{
    notarize_state s = {0};
    tp_err rc = tp_manifest_parse(in->manifest_json, in->manifest_len, &s.manifest, err);
    if (rc == TP_OK)
        rc = check_tunnel_target(in, s.manifest, err);
    if (rc == TP_OK)
        rc = tp_manifest_check_vars(s.manifest, in->vars, err);
    if (rc == TP_OK)
        rc = verify_transcript(in, &s, err);
    if (rc == TP_OK)
        rc = check_http(in, &s, err);
    if (rc == TP_OK) {
        json_t *claims = build_claims(in, &s);
        rc = claims ? tp_proof_seal(claims, id, proof, proof_len, err)
                    : tp_error_set(err, TP_ERR_NOMEM, "cannot build the claims");
        json_decref(claims);
    }
    state_free(&s);
    return rc;
}
