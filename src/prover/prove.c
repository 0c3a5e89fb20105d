/* The prover's flow: attested channel -> tunnel -> own TLS session -> reveal -> proof. */
#include <openssl/crypto.h>
#include <stdlib.h>
#include <string.h>

#include "base/codec.h"
#include "manifest/manifest_check.h"
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
                           const tp_keyshare *key)
{
    tp_buf b64 = TP_BUF_INIT;
    char *s = NULL;
    if (tp_base64_encode(key->priv, key->priv_len, 0, &b64) && tp_buf_terminate(&b64)) {
        json_t *o = json_pack("{s:s%, s:i, s:s, s:o}", "manifest", manifest_json, manifest_len,
                              "group", (int)key->group, "private_key", (const char *)b64.data,
                              "vars", vars_json(vars));
        s = o ? json_dumps(o, JSON_COMPACT) : NULL;
        json_decref(o); /* the jansson copies of the secrets are freed unwiped; see note */
    }
    tp_buf_free(&b64);
    return s;
}

tp_err tp_channel_prove(tp_channel *c, const char *manifest_json, size_t manifest_len,
                        const tp_vars *vars, const tp_keyshare *key, char **proof, size_t *len,
                        tp_error *err)
{
    tp_err rc = tp_channel_send(c, TP_MSG_TUNNEL_CLOSE, "{}", 2, err);
    if (rc != TP_OK)
        return rc;
    char *req = prove_request(manifest_json, manifest_len, vars, key);
    if (req == NULL)
        return tp_error_set(err, TP_ERR_NOMEM, "cannot encode the prove request");
    rc = tp_channel_send(c, TP_MSG_PROVE_REQ, req, strlen(req), err);
    OPENSSL_cleanse(req, strlen(req));
    free(req);
    tp_frame f;
    /* DATA or TUNNEL_CLOSE frames still in flight from the tunnel are skipped. */
    while (rc == TP_OK && (rc = tp_channel_recv(c, &f, err)) == TP_OK && f.type != TP_MSG_PROOF) {
        if (f.type != TP_MSG_DATA && f.type != TP_MSG_TUNNEL_CLOSE)
            rc = tp_error_set(err, TP_ERR_PROTOCOL, "unexpected message 0x%02x instead of a proof", f.type);
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

static tp_err run_once(tp_channel *c, const tp_prove_opts *o, const tp_manifest *m,
                       const tp_buf *request, const char *groups, int *hrr, char **proof,
                       size_t *len, tp_error *err)
{
    tp_target_session ts = {0};
    tp_target_opts to = {.host = tp_manifest_host(m), .method = tp_manifest_method(m), .ca_file = o->target_ca_file,
                         .ciphersuites = o->tls_ciphersuites, .groups = groups,
                         .no_verify = o->no_target_verify};
    tp_err rc = tp_channel_open(c, o->notary, o->timeout_ms, err);
    if (rc == TP_OK)
        rc = tp_channel_attest(c, o->policy, NULL, err);
    if (rc == TP_OK)
        rc = tp_channel_tunnel(c, tp_manifest_host(m), tp_manifest_port(m), err);
    if (rc == TP_OK)
        rc = tp_target_exchange(c, &to, request->data, request->len, &ts, err);
    *hrr = ts.key.client_hellos > 1;
    if (rc == TP_OK)
        rc = tp_channel_prove(c, o->manifest_json, o->manifest_len, &o->vars, &ts.key, proof, len, err);
    tp_target_session_free(&ts);
    tp_channel_close(c);
    return rc;
}

static tp_err run(tp_channel *c, const tp_prove_opts *o, const tp_manifest *m, char **proof,
                  size_t *len, tp_error *err)
{
    tp_buf request = TP_BUF_INIT;
    int hrr = 0;
    tp_err rc = tp_manifest_check_vars(m, &o->vars, err);
    if (rc == TP_OK)
        rc = tp_manifest_build_request(m, &o->vars, &request, err);
    if (rc == TP_OK)
        rc = run_once(c, o, m, &request, o->tls_groups, &hrr, proof, len, err);
    /* The notary does not replay HelloRetryRequest sessions: when the target did not take
     * the default X25519 share, one new session offering P-256 (the other group we prove). */
    if (rc != TP_OK && hrr && o->tls_groups == NULL)
        rc = run_once(c, o, m, &request, "P-256", &hrr, proof, len, err);
    tp_buf_free(&request);
    return rc;
}

tp_err tp_prove(const tp_prove_opts *o, char **proof, size_t *len, tp_error *err)
{
    tp_manifest *m = NULL;
    tp_channel c = {.fd = -1};
    tp_err rc = tp_manifest_parse(o->manifest_json, o->manifest_len, &m, err);
    if (rc == TP_OK)
        rc = run(&c, o, m, proof, len, err);
    if (rc == TP_OK) { /* never hand out a proof we could not verify ourselves */
        rc = tp_proof_verify(*proof, *len, o->policy, m, NULL, NULL, err);
        if (rc != TP_OK) {
            tp_error_prefix(err, rc, "the notary's proof does not verify");
            free(*proof);
            *proof = NULL;
        }
    }
    tp_manifest_free(m);
    return rc;
}

tp_err tp_notary_attestation(const char *notary, const tp_policy *policy, unsigned timeout_ms,
                             json_t **info, tp_error *err)
{
    tp_channel c = {.fd = -1};
    tp_err rc = tp_channel_open(&c, notary, timeout_ms, err);
    if (rc == TP_OK)
        rc = tp_channel_attest(&c, policy, info, err);
    tp_channel_close(&c);
    return rc;
}
