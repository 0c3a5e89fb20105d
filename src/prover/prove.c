/* The prover's flow: attested channel -> tunnel -> own TLS session -> reveal -> proof; or,
 * in direct mode, attested channel -> DIRECT_REQ -> the response the notary got + proof. */
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <stdlib.h>
#include <string.h>

#include "proof/api_text.h"
#include "proof/verify_json.h"
#include "base/json_bytes.h"
#include "http/http.h"
#include "manifest/manifest_check.h"
#include "proof/commit.h"
#include "proof/openings.h"
#include "prover/prover_int.h"
#include "teeproof/proof.h"

static json_t *vars_json(const tp_vars *vars)
{
    json_t *o = json_object();
    for (size_t i = 0; o && vars && i < vars->n; i++)
        json_object_set_new(o, vars->items[i].name, json_string(vars->items[i].value));
    return o;
}

static char *prove_request(const char *manifest_json, size_t manifest_len, const tp_vars *vars,
                           const tp_keyshare *key, const uint8_t seed[TP_COMMIT_SEED_LEN])
{
    json_t *o = json_pack("{s:s%, s:i, s:o, s:o, s:o}", "manifest", manifest_json, manifest_len,
                          "group", (int)key->group, "private_key", tp_json_base64(key->priv, key->priv_len),
                          "commit_seed", tp_json_base64(seed, TP_COMMIT_SEED_LEN),
                          "vars", vars_json(vars));
    char *s = o ? json_dumps(o, JSON_COMPACT) : NULL;
    tp_json_wipe_decref(o);
    return s;
}

/* Waits for PROOF. Tunnel mode (response NULL): DATA or TUNNEL_CLOSE frames still in
 * flight from the tunnel are skipped. Direct mode: DATA frames carry the response the
 * notary received, collected into *response. */
static tp_err receive_proof(tp_channel *c, tp_buf *response, char **proof, size_t *len,
                            tp_error *err)
{
    tp_frame f;
    tp_err rc;
    while ((rc = tp_channel_recv(c, &f, err)) == TP_OK && f.type != TP_MSG_PROOF) {
        if (response != NULL && f.type == TP_MSG_DATA) {
            if (!tp_buf_append(response, f.payload, f.len))
                return tp_error_set(err, TP_ERR_NOMEM, NULL);
        } else if (response != NULL || (f.type != TP_MSG_DATA && f.type != TP_MSG_TUNNEL_CLOSE)) {
            return tp_error_set(err, TP_ERR_PROTOCOL, "unexpected message 0x%02x instead of a proof", f.type);
        }
    }
    if (rc != TP_OK)
        return rc;
    *proof = malloc(f.len + 1);
    if (*proof == NULL)
        return tp_error_set(err, TP_ERR_NOMEM, NULL);
    memcpy(*proof, f.payload, f.len);
    (*proof)[f.len] = '\0';
    if (len)
        *len = f.len;
    if ((rc = tp_channel_check_proof_key(c, *proof, f.len, err)) != TP_OK) {
        free(*proof);
        *proof = NULL;
    }
    return rc;
}

tp_err tp_channel_prove_send(tp_channel *c, const char *manifest_json, size_t manifest_len,
                             const tp_vars *vars, const tp_keyshare *key,
                             const uint8_t seed[TP_COMMIT_SEED_LEN], tp_error *err)
{
    tp_err rc = tp_channel_queue(c, TP_MSG_TUNNEL_CLOSE, "{}", 2, err); /* sent with PROVE_REQ */
    if (rc != TP_OK)
        return rc;
    char *req = prove_request(manifest_json, manifest_len, vars, key, seed);
    if (req == NULL)
        return tp_error_set(err, TP_ERR_NOMEM, "cannot encode the prove request");
    rc = tp_channel_send(c, TP_MSG_PROVE_REQ, req, strlen(req), err);
    OPENSSL_cleanse(req, strlen(req));
    free(req);
    return rc;
}

tp_err tp_channel_proof_recv(tp_channel *c, char **proof, size_t *len, tp_error *err)
{
    return receive_proof(c, NULL, proof, len, err);
}

tp_err tp_channel_prove(tp_channel *c, const char *manifest_json, size_t manifest_len,
                        const tp_vars *vars, const tp_keyshare *key,
                        const uint8_t seed[TP_COMMIT_SEED_LEN], char **proof, size_t *len,
                        tp_error *err)
{
    tp_err rc = tp_channel_prove_send(c, manifest_json, manifest_len, vars, key, seed, err);
    return rc == TP_OK ? receive_proof(c, NULL, proof, len, err) : rc;
}

tp_err tp_channel_direct(tp_channel *c, const char *manifest_json, size_t manifest_len,
                         const tp_vars *vars, const uint8_t seed[TP_COMMIT_SEED_LEN],
                         tp_buf *response, char **proof, size_t *len, tp_error *err)
{
    json_t *o = json_pack("{s:s%, s:o, s:o}", "manifest", manifest_json, manifest_len,
                          "commit_seed", tp_json_base64(seed, TP_COMMIT_SEED_LEN), "vars", vars_json(vars));
    char *req = o ? json_dumps(o, JSON_COMPACT) : NULL;
    tp_json_wipe_decref(o);
    if (req == NULL)
        return tp_error_set(err, TP_ERR_NOMEM, "cannot encode the direct request");
    tp_err rc = tp_channel_send(c, TP_MSG_DIRECT_REQ, req, strlen(req), err);
    OPENSSL_cleanse(req, strlen(req));
    free(req);
    return rc == TP_OK ? receive_proof(c, response, proof, len, err) : rc;
}

/* What one proving run needs besides the options, and what it keeps for the openings. */
typedef struct prove_run {
    const tp_manifest *m;
    int direct;                   /* direct mode (asked for, or the manifest's mode "Proxy") */
    int keep;                     /* the openings are wanted: keep the response bytes */
    uint8_t seed[TP_COMMIT_SEED_LEN];
    tp_buf request;               /* the exact request bytes sent */
    tp_buf response;              /* the exact response message bytes received (until their
                                   * commitment is computed, unless kept for the openings) */
    char response_commitment[2 * TP_COMMIT_LEN + 1]; /* "" until computed */
} prove_run;

/* The response message as the notary frames it (trailing bytes are not part of it, and
 * are wiped): resp's bytes are taken over, not copied. */
static void keep_response(prove_run *r, tp_buf *resp)
{
    tp_http_message msg;
    size_t n = resp->len;
    if (tp_http_parse_response_for(resp->data, resp->len, tp_manifest_method(r->m), 1, &msg, NULL) == TP_OK)
        n = msg.consumed;
    tp_http_message_free(&msg);
    if (n < resp->len)
        OPENSSL_cleanse(resp->data + n, resp->len - n);
    resp->len = n;
    tp_buf_free(&r->response);
    r->response = *resp;
    *resp = (tp_buf)TP_BUF_INIT;
}

/* While the notary replays: the response's commitment, as the proof must carry it; the
 * bytes themselves are wiped now unless the openings need them. */
static tp_err precommit_response(prove_run *r, tp_error *err)
{
    tp_err rc = tp_commit_seeded_hex(r->seed, sizeof(r->seed), TP_COMMIT_LABEL_RESPONSE,
                                     r->response.data, r->response.len, r->response_commitment,
                                     err);
    if (rc != TP_OK)
        r->response_commitment[0] = '\0';
    if (!r->keep)
        tp_buf_free(&r->response);
    return rc;
}

static tp_err run_once(tp_channel *c, const tp_prove_opts *o, prove_run *r, char **proof,
                       size_t *len, tp_error *err)
{
    const tp_manifest *m = r->m;
    tp_target_session ts = {0};
    tp_target_opts to = {.host = tp_manifest_host(m), .method = tp_manifest_method(m), .ca_file = o->target_ca_file,
                         .ciphersuites = o->tls_ciphersuites, .groups = o->tls_groups,
                         .no_verify = o->no_target_verify};
    tp_err rc = tp_channel_open(c, o->notary, o->timeout_ms, err);
    if (rc == TP_OK)
        rc = tp_channel_attest(c, o->policy, NULL, err);
    if (rc == TP_OK)
        rc = tp_channel_tunnel(c, tp_manifest_host(m), tp_manifest_port(m), err);
    if (rc == TP_OK)
        rc = tp_target_exchange(c, &to, r->request.data, r->request.len, &ts, err);
    if (rc == TP_OK)
        rc = tp_channel_prove_send(c, o->manifest_json, o->manifest_len, &o->vars, &ts.key,
                                   r->seed, err);
    /* The notary replays now; meanwhile this side does its own share of the work. */
    if (rc == TP_OK) {
        keep_response(r, &ts.response);
        tp_target_session_free(&ts);
        rc = precommit_response(r, err);
    }
    if (rc == TP_OK)
        rc = tp_channel_proof_recv(c, proof, len, err);
    tp_target_session_free(&ts);
    tp_channel_close(c);
    return rc;
}

/* Direct mode: the notary fetches; the response it received comes back for the openings. */
static tp_err run_direct(tp_channel *c, const tp_prove_opts *o, prove_run *r, char **proof,
                         size_t *len, tp_error *err)
{
    tp_buf resp = TP_BUF_INIT;
    tp_err rc = tp_channel_open(c, o->notary, o->timeout_ms, err);
    if (rc == TP_OK)
        rc = tp_channel_attest(c, o->policy, NULL, err);
    if (rc == TP_OK)
        rc = tp_channel_direct(c, o->manifest_json, o->manifest_len, &o->vars, r->seed, &resp,
                               proof, len, err);
    if (rc == TP_OK)
        keep_response(r, &resp);
    tp_buf_free(&resp);
    tp_channel_close(c);
    return rc;
}

static tp_err run(tp_channel *c, const tp_prove_opts *o, prove_run *r, char **proof, size_t *len,
                  tp_error *err)
{
    tp_err rc = tp_manifest_check_vars(r->m, &o->vars, err);
    if (rc == TP_OK)
        rc = tp_manifest_build_request(r->m, &o->vars, &r->request, err);
    if (rc == TP_OK && RAND_priv_bytes(r->seed, sizeof(r->seed)) != 1)
        rc = tp_error_set(err, TP_ERR_CRYPTO, "cannot draw the commitment seed");
    if (rc == TP_OK && r->direct)
        return run_direct(c, o, r, proof, len, err);
    if (rc == TP_OK)
        rc = run_once(c, o, r, proof, len, err); /* one session, HelloRetryRequest included */
    return rc;
}

/* The openings of this run, checked to open every commitment of the verified claims. */
static tp_err make_openings(const tp_prove_opts *o, const prove_run *r, const json_t *claims,
                            char **openings, size_t *openings_len, tp_error *err)
{
    tp_openings_input in = {.seed = r->seed, .seed_len = sizeof(r->seed),
                            .request = r->request.data, .request_len = r->request.len,
                            .response = r->response.data, .response_len = r->response.len,
                            .vars = &o->vars};
    char *all = NULL;
    size_t all_len = 0;
    tp_err rc = tp_openings_encode(&in, openings, openings_len, err);
    if (rc == TP_OK)
        rc = tp_disclosure_make_all(*openings, *openings_len, &all, &all_len, err);
    if (rc == TP_OK)
        rc = tp_disclosure_verify_json(claims, all, all_len, NULL, err);
    tp_openings_free(all);
    if (rc != TP_OK) {
        tp_openings_free(*openings);
        *openings = NULL;
        return tp_error_prefix(err, rc, "the proof's commitments are not to what this prover sent and received");
    }
    return TP_OK;
}

/* Never hand out a proof we could not verify ourselves, nor one whose commitments we
 * cannot open. */
static tp_err check_proof(const tp_prove_opts *o, const prove_run *r, const char *proof,
                          size_t len, char **openings, size_t *openings_len, tp_error *err)
{
    json_t *claims = NULL;
    char *op = NULL;
    size_t op_len = 0;
    tp_err rc = tp_proof_verify_json(proof, len, o->policy, r->m, &claims, NULL, err);
    if (rc != TP_OK)
        return tp_error_prefix(err, rc, "the notary's proof does not verify");
    const char *mode = json_string_value(json_object_get(claims, "mode"));
    if (mode == NULL || strcmp(mode, r->direct ? "direct" : "tunnel") != 0) {
        json_decref(claims);
        return tp_error_set(err, TP_ERR_PROOF, "the notary's proof is not of the mode asked for");
    }
    if (openings != NULL) {
        rc = make_openings(o, r, claims, &op, &op_len, err);
    } else { /* nothing to hand out: the same check on the bytes in memory */
        tp_openings_input in = {.seed = r->seed, .seed_len = sizeof(r->seed),
                                .request = r->request.data, .request_len = r->request.len,
                                .response = r->response.data, .response_len = r->response.len,
                                .response_commitment = r->response_commitment[0] ? r->response_commitment : NULL,
                                .vars = &o->vars};
        rc = tp_commitments_check(claims, &in, err);
        if (rc != TP_OK)
            rc = tp_error_prefix(err, rc, "the proof's commitments are not to what this prover sent and received");
    }
    json_decref(claims);
    if (rc == TP_OK && openings != NULL) {
        *openings = op;
        if (openings_len)
            *openings_len = op_len;
    } else {
        tp_openings_free(op);
    }
    return rc;
}

tp_err tp_prove_with_openings(const tp_prove_opts *o, char **proof, size_t *len, char **openings,
                              size_t *openings_len, tp_error *err)
{
    prove_run r = {.m = NULL, .request = TP_BUF_INIT, .response = TP_BUF_INIT};
    tp_manifest *m = NULL;
    tp_channel c = {.fd = -1};
    size_t proof_len = 0;
    tp_err rc = tp_manifest_parse(o->manifest_json, o->manifest_len, &m, err);
    r.m = m;
    r.direct = rc == TP_OK && (o->direct || tp_manifest_requires_direct(m));
    r.keep = openings != NULL;
    if (rc == TP_OK)
        rc = run(&c, o, &r, proof, &proof_len, err);
    if (rc == TP_OK && (rc = check_proof(o, &r, *proof, proof_len, openings, openings_len, err)) != TP_OK) {
        free(*proof);
        *proof = NULL;
    }
    if (rc == TP_OK && len)
        *len = proof_len;
    OPENSSL_cleanse(r.seed, sizeof(r.seed));
    tp_buf_free(&r.request);
    tp_buf_free(&r.response);
    tp_manifest_free(m);
    return rc;
}

tp_err tp_prove(const tp_prove_opts *o, char **proof, size_t *len, tp_error *err)
{
    return tp_prove_with_openings(o, proof, len, NULL, NULL, err);
}

tp_err tp_notary_attestation_json(const char *notary, const tp_policy *policy, unsigned timeout_ms,
                                  json_t **info, tp_error *err)
{
    tp_channel c = {.fd = -1};
    tp_err rc = tp_channel_open(&c, notary, timeout_ms, err);
    if (rc == TP_OK)
        rc = tp_channel_attest(&c, policy, info, err);
    tp_channel_close(&c);
    return rc;
}

tp_err tp_notary_attestation(const char *notary, const tp_policy *policy, unsigned timeout_ms,
                             char **info, size_t *info_len, tp_error *err)
{
    json_t *v = NULL;
    tp_err rc = tp_notary_attestation_json(notary, policy, timeout_ms, &v, err);
    if (rc == TP_OK)
        rc = tp_json_give_text(v, info, info_len, err);
    return rc;
}
