/* See notarize_fixture.h. */
#include "notarize_fixture.h"

#include <stdio.h>
#include <string.h>

#include "manifest/manifest_check.h"

const char tpn_manifest[] =
    "{\"manifestVersion\":\"2\",\"id\":\"acct\",\"title\":\"t\",\"description\":\"d\","
    "\"request\":{\"method\":\"GET\",\"url\":\"https://api.test/api/account\","
    "\"headers\":{\"Authorization\":\"Bearer <% token %>\"},\"body\":\"\",\"vars\":{\"token\":{}}},"
    "\"response\":{\"status\":\"200\",\"headers\":{},\"body\":{\"format\":\"json\",\"extractors\":["
    "{\"id\":\"owner\",\"description\":\"o\",\"selector\":[\"account\",\"owner\"],\"type\":\"string\","
    "\"predicates\":[{\"type\":\"value\",\"comparison\":\"equal\",\"value\":\"Ada\",\"caseSensitive\":true}]},"
    "{\"id\":\"balance\",\"description\":\"b\",\"selector\":[\"account\",\"balance\"],\"type\":\"number\","
    "\"predicates\":[{\"type\":\"value\",\"comparison\":\"greaterThan\",\"value\":1000}]}]}}}";

void tpn_response(char *out, size_t cap, const char *balance)
{
    char body[256];
    int n = snprintf(body, sizeof(body), "{\"account\":{\"owner\":\"Ada\",\"balance\":%s}}", balance);
    snprintf(out, cap, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s",
             n, body);
}

static int build_request(const char *token, tp_buf *req)
{
    tp_manifest *m = NULL;
    tp_var v = {"token", token};
    tp_vars vars = {&v, 1};
    int ok = tp_manifest_parse(tpn_manifest, strlen(tpn_manifest), &m, NULL) == TP_OK &&
             tp_manifest_build_request(m, &vars, req, NULL) == TP_OK && tp_buf_terminate(req);
    tp_manifest_free(m);
    return ok;
}

int tpn_session(tpf_session *s, X509 *leaf, const char *response, const char *request, int close_notify)
{
    tpf_opts o;
    tpf_opts_default(&o);
    o.sni = "api.test";
    o.cert = leaf;
    o.key = tpf_key("EC");
    o.response = response;
    o.request = request;
    o.close_notify = close_notify;
    o.seed = TPF_SEED_WHOLE;
    return tpf_run(&o, s);
}

int tpn_make(tpn_case *c, const char *response, const char *token, int close_notify)
{
    memset(c, 0, sizeof(*c));
    EVP_PKEY *key = tpf_key("EC");
    c->ca = tpf_cert(key, "test CA", NULL, NULL, NULL, 1, 30);
    c->leaf = tpf_cert(key, "api.test", "DNS:api.test", c->ca, key, 0, 30);
    c->trust = tpf_store(c->ca);
    tp_buf req = TP_BUF_INIT;
    tp_attester *att = NULL;
    int ok = build_request(token, &req) &&
             tpn_session(&c->session, c->leaf, response, (const char *)req.data, close_notify) &&
             tp_attester_open("sim", NULL, &att, NULL) == TP_OK &&
         tp_identity_create(att, &c->identity, NULL) == TP_OK;
    tp_attester_free(att);
    c->var = (tp_var){"token", token};
    c->request = req; /* kept for benchmarks that rerun the session */
    c->vars = (tp_vars){&c->var, 1};
    for (size_t i = 0; i < sizeof(c->seed); i++)
        c->seed[i] = (uint8_t)i;
    c->in = (tp_notarize_input){
        .client_bytes = c->session.client_bytes.data, .client_len = c->session.client_bytes.len,
        .server_bytes = c->session.server_bytes.data, .server_len = c->session.server_bytes.len,
        .tunnel_host = "api.test", .tunnel_port = 443,
        .manifest_json = tpn_manifest, .manifest_len = strlen(tpn_manifest),
        .group = c->session.ks.group, .private_key = c->session.ks.priv,
        .private_key_len = c->session.ks.priv_len, .vars = &c->vars, .trust = c->trust,
        .commit_seed = c->seed, .commit_seed_len = sizeof(c->seed),
        .trust_store_id = "sha256:test", .now = time(NULL),
    };
    return ok;
}

void tpn_free(tpn_case *c)
{
    tp_buf_free(&c->request);
    tpf_session_free(&c->session);
    tp_identity_free(c->identity);
    X509_STORE_free(c->trust);
    X509_free(c->leaf);
    X509_free(c->ca);
}
