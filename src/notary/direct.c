/* Direct mode: after attestation the prover sends DIRECT_REQ {manifest, vars, commit_seed};
 * the notary builds the one request the manifest allows, connects to the manifest's origin
 * under the tunnel's target policy (relay.c: port allow-list, address policy, resolver
 * threads, connect timeout, next address), runs the TLS client itself, non-blocking under
 * epoll (OpenSSL on the socket), checks the certificate against its trust store, sends the
 * request, reads the response within --max-transcript and the memory budget, and hands
 * both, with the request's secrets, to a replay worker (workers.c) that runs the post-TLS
 * stages shared with tunnel mode (tp_notarize_direct) and signs: the loop does only the
 * TLS client's I/O. Answers: the response bytes in DATA frames, then PROOF; or ERROR and
 * nothing signed. */
#include <jansson.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>

#include "base/json_bytes.h"
#include "http/http.h"
#include "manifest/manifest_check.h"
#include "notary/session.h"
#include "notary/workers.h"
#include "proof/commit.h"
#include "tee/notarize.h"
#include "tls/client.h"

/* Groups the direct client offers: the shared client's (TP_TLS_CLIENT_GROUPS, the ones
 * tunnel mode replays), all of which a proof's claims can name (tp_tls_group_name). */
#define TP_DIRECT_GROUPS NULL

enum direct_phase { DIRECT_HANDSHAKE, DIRECT_WRITE, DIRECT_READ };

struct tp_direct {
    json_t *req;               /* the DIRECT_REQ: the manifest and the variable values (wiped) */
    const char *manifest;      /* in req */
    size_t manifest_len;
    tp_manifest *m;
    tp_var *vars;              /* values point into req */
    size_t n_vars;
    tp_buf seed;               /* the prover's commitment seed */
    SSL_CTX *ctx;
    SSL *ssl;
    enum direct_phase phase;
    size_t sent;               /* request bytes written (the request is s->rec_client) */
    uint32_t want;             /* EPOLLIN or EPOLLOUT: what the TLS client waits for */
    tp_http_scan scan;         /* how far the response is known to be whole */
    int close_notify;          /* the target ended with close_notify */
};

static void fail(tp_session *s, tp_err code, const char *msg)
{
    tp_error e;
    tp_error_set(&e, code, "%s", msg);
    tp_session_fail(s, &e);
}

void tp_direct_free(tp_session *s)
{
    struct tp_direct *d = s->direct;
    if (d == NULL)
        return;
    SSL_free(d->ssl); /* the socket is the session's target fd, closed by relay.c */
    SSL_CTX_free(d->ctx);
    tp_manifest_free(d->m);
    tp_json_wipe_decref(d->req); /* variable values, the seed's base64 */
    tp_buf_free(&d->seed);
    free(d->vars);
    free(d);
    s->direct = NULL;
}

void tp_direct_refuse(tp_session *s, const tp_frame *f)
{
    (void)f;
    fail(s, TP_ERR_PROTOCOL, "no message is accepted after a direct request");
}

uint32_t tp_direct_interest(const tp_session *s)
{
    return s->direct ? s->direct->want : 0;
}

/* The request's variables, the seed and the manifest text, from the DIRECT_REQ object. */
static tp_err read_request(struct tp_direct *d, tp_error *e)
{
    const json_t *jm = json_object_get(d->req, "manifest"), *vars = json_object_get(d->req, "vars");
    d->manifest = json_string_value(jm);
    d->manifest_len = json_string_length(jm);
    if (d->manifest == NULL)
        return tp_error_set(e, TP_ERR_PROTOCOL, "direct request: manifest missing");
    if (!tp_json_get_base64(d->req, "commit_seed", &d->seed) || d->seed.len != TP_COMMIT_SEED_LEN)
        return tp_error_set(e, TP_ERR_PROTOCOL, "direct request: commit_seed missing or not %d bytes",
                            TP_COMMIT_SEED_LEN);
    if (vars != NULL && !json_is_object(vars))
        return tp_error_set(e, TP_ERR_PROTOCOL, "direct request: vars must be an object");
    d->vars = calloc(json_object_size(vars) + 1, sizeof(tp_var));
    if (d->vars == NULL)
        return tp_error_set(e, TP_ERR_NOMEM, NULL);
    const char *name;
    json_t *v;
    json_object_foreach((json_t *)vars, name, v) {
        if (!json_is_string(v))
            return tp_error_set(e, TP_ERR_VAR, "direct request: variable %s is not a string", name);
        d->vars[d->n_vars++] = (tp_var){.name = name, .value = json_string_value(v)};
    }
    return TP_OK;
}

/* Attestation first, one target per session; then the manifest, its variables, the one
 * request it allows (kept in rec_client, a wiped buffer) and the port allow-list. */
static tp_err check_start(tp_session *s, struct tp_direct *d, tp_error *e)
{
    const tp_notary_config *c = &s->notary->cfg;
    if (!s->attested)
        return tp_error_set(e, TP_ERR_PROTOCOL, "direct request before attestation");
    if (s->tunnel_used)
        return tp_error_set(e, TP_ERR_PROTOCOL, "direct request after a tunnel; one target per session");
    tp_err rc = read_request(d, e);
    if (rc == TP_OK)
        rc = tp_manifest_parse(d->manifest, d->manifest_len, &d->m, e);
    if (rc == TP_OK)
        rc = tp_manifest_check_vars(d->m, &(tp_vars){d->vars, d->n_vars}, e);
    if (rc == TP_OK)
        rc = tp_manifest_build_request(d->m, &(tp_vars){d->vars, d->n_vars}, &s->rec_client, e);
    if (rc != TP_OK)
        return rc;
    uint16_t port = tp_manifest_port(d->m);
    if (!tp_target_port_allowed(c->allow_ports, c->n_allow_ports, c->allow_any_port, port))
        return tp_error_set(e, TP_ERR_FORBIDDEN_PORT,
                            "port %u is not one the notary connects to (see --allow-port)", port);
    if (strlen(tp_manifest_host(d->m)) >= sizeof(s->target_host))
        return tp_error_set(e, TP_ERR_MANIFEST, "the manifest's host name is too long");
    return TP_OK;
}

void tp_direct_start(tp_session *s, const tp_frame *f)
{
    tp_error e;
    struct tp_direct *d = calloc(1, sizeof(*d));
    if (d == NULL) {
        fail(s, TP_ERR_NOMEM, "out of memory");
        return;
    }
    s->direct = d; /* from here on, no other message is accepted */
    tp_buf_free(&s->rec_server);
    s->rec_server = (tp_buf)TP_BUF_INIT; /* the response plaintext: wiped, not public */
    d->req = json_loadb((const char *)f->payload, f->len, JSON_REJECT_DUPLICATES, NULL);
    tp_err rc = json_is_object(d->req) ? check_start(s, d, &e)
                                       : tp_error_set(&e, TP_ERR_PROTOCOL, "message is not a JSON object");
    if (rc == TP_OK)
        rc = tp_relay_open(s, tp_manifest_host(d->m), tp_manifest_port(d->m), &e);
    if (rc != TP_OK) {
        fprintf(stderr, "teeproof-notary: refused a direct request: %s [%s]\n", tp_error_message(&e),
                tp_err_name(rc));
        tp_session_fail(s, &e);
    }
}

static tp_err setup_tls(tp_session *s, struct tp_direct *d, tp_error *e)
{
    d->ctx = SSL_CTX_new(TLS_client_method());
    if (d->ctx == NULL)
        return tp_error_set(e, TP_ERR_NOMEM, "cannot set up TLS to the target");
    tp_err rc = tp_tls_client_ctx_setup(d->ctx, NULL, TP_DIRECT_GROUPS, e);
    if (rc != TP_OK)
        return rc;
    SSL_CTX_set1_cert_store(d->ctx, s->notary->trust); /* the notary's trust store, as replays use */
    SSL_CTX_set_verify(d->ctx, SSL_VERIFY_PEER, NULL);
    SSL_CTX_set_options(d->ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_TICKET);
    SSL_CTX_set_session_cache_mode(d->ctx, SSL_SESS_CACHE_OFF);
    d->ssl = SSL_new(d->ctx);
    if (d->ssl == NULL || !SSL_set_fd(d->ssl, s->target.fd))
        return tp_error_set(e, TP_ERR_NOMEM, "cannot set up TLS to the target");
    SSL_set_connect_state(d->ssl);
    return tp_tls_client_set_host(d->ssl, s->target_host, e);
}

static void progress(tp_session *s)
{
    s->idle_deadline = tp_now_ms() + s->notary->cfg.idle_timeout_ms;
}

/* 1: would block (d->want set); 0: failed or closed (see SSL_get_error). */
static int would_block(struct tp_direct *d, int rc)
{
    int e = SSL_get_error(d->ssl, rc);
    if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
        d->want = e == SSL_ERROR_WANT_READ ? EPOLLIN : EPOLLOUT;
        ERR_clear_error();
        return 1;
    }
    return 0;
}


static void finish(tp_session *s);
static void log_outcome(const tp_session *s, tp_err rc, const tp_error *e);

/* Reads the response: done when it is whole, or when the target closed (what arrived is
 * then judged by the shared checks). */
static void read_response(tp_session *s, struct tp_direct *d)
{
    uint8_t buf[16384];
    for (;;) {
        int n = SSL_read(d->ssl, buf, sizeof(buf));
        if (n > 0) {
            progress(s);
            if (!tp_buf_append(&s->rec_server, buf, (size_t)n)) {
                fail(s, TP_ERR_NOMEM, "out of memory reading the response");
                return;
            }
            if (!tp_relay_within_cap(s)) /* --max-transcript and the memory budget */
                return;
            /* whole, or never: O(n) over all reads (the worker parses it in full) */
            if (tp_http_response_scan(&d->scan, s->rec_server.data, s->rec_server.len, tp_manifest_method(d->m)))
                break;
            continue;
        }
        if (would_block(d, n))
            return;
        int e = SSL_get_error(d->ssl, n);
        unsigned long why = ERR_peek_error();
        ERR_clear_error();
        /* A bad record or an alert is an error; a bare end of the stream is not: what
         * arrived is judged, as in tunnel mode (a cut-short response is incomplete). */
        if (e == SSL_ERROR_SSL && ERR_GET_REASON(why) != SSL_R_UNEXPECTED_EOF_WHILE_READING) {
            fail(s, TP_ERR_TLS_RECORD, "TLS error reading the target's response");
            return;
        }
        d->close_notify = e == SSL_ERROR_ZERO_RETURN;
        break; /* closed, with or without close_notify */
    }
    finish(s);
}

static void step(tp_session *s)
{
    struct tp_direct *d = s->direct;
    tp_error e;
    if (d->phase == DIRECT_HANDSHAKE) {
        int rc = SSL_do_handshake(d->ssl);
        if (rc != 1) {
            if (!would_block(d, rc)) {
                tp_err why = tp_tls_client_handshake_error(d->ssl, SSL_get_error(d->ssl, rc) == SSL_ERROR_SYSCALL,
                                                           TP_DIRECT_GROUPS, &e);
                log_outcome(s, why, &e);
                tp_session_fail(s, &e);
            }
            return;
        }
        progress(s);
        d->phase = DIRECT_WRITE;
    }
    while (d->phase == DIRECT_WRITE) {
        int rc = SSL_write(d->ssl, s->rec_client.data + d->sent, (int)(s->rec_client.len - d->sent));
        if (rc <= 0) {
            if (!would_block(d, rc))
                fail(s, TP_ERR_IO, "cannot send the request to the target");
            return;
        }
        progress(s);
        d->sent += (size_t)rc;
        if (d->sent == s->rec_client.len)
            d->phase = DIRECT_READ;
    }
    read_response(s, d);
}

static void on_target_event(tp_io *io, uint32_t events)
{
    (void)events; /* OpenSSL finds out itself what the socket has */
    tp_session *s = io->owner;
    if (s->dead)
        return;
    if (s->state == TP_SESS_DIRECT)
        step(s);
    s->prover.on_event(&s->prover, 0); /* the answer (or the error) goes now */
}

void tp_direct_connected(tp_session *s)
{
    tp_error e;
    s->state = TP_SESS_DIRECT;
    s->target.on_event = on_target_event;
    s->direct->want = EPOLLOUT;
    if (setup_tls(s, s->direct, &e) != TP_OK) {
        tp_session_fail(s, &e);
        return;
    }
    step(s);
}

/* The TLS codepoint of an OpenSSL group NID, for the groups the direct client offers. */
static uint16_t group_codepoint(int nid)
{
    switch (nid) {
    case NID_X25519: return TP_TLS_GROUP_X25519;
    case NID_X9_62_prime256v1: return TP_TLS_GROUP_SECP256R1;
    case NID_secp384r1: return TP_TLS_GROUP_SECP384R1;
    case NID_secp521r1: return TP_TLS_GROUP_SECP521R1;
    case NID_X448: return TP_TLS_GROUP_X448;
    case NID_ffdhe2048: return TP_TLS_GROUP_FFDHE2048;
    case NID_ffdhe3072: return TP_TLS_GROUP_FFDHE3072;
    case NID_ffdhe4096: return TP_TLS_GROUP_FFDHE4096;
    default: return 0;
    }
}

/* What the notary's own client saw, in the form the shared stages take: its session's
 * parameters (the request it sent and the response it received are added by the worker). */
static tp_err tls_result(tp_session *s, struct tp_direct *d, tp_tls_verify_result *r, tp_error *e)
{
    X509 *leaf = SSL_get0_peer_certificate(d->ssl);
    const SSL_CIPHER *cipher = SSL_get_current_cipher(d->ssl);
    unsigned int md_len = 0;
    if (leaf == NULL || cipher == NULL || SSL_get_verify_result(d->ssl) != X509_V_OK)
        return tp_error_set(e, TP_ERR_TLS_CERT_UNTRUSTED, "the target's certificate was not verified");
    r->version = SSL_version(d->ssl) == TLS1_3_VERSION ? 0x0304 : 0x0303;
    r->cipher_suite = SSL_CIPHER_get_protocol_id(cipher);
    r->group = group_codepoint(SSL_get_negotiated_group(d->ssl));
    if (tp_tls_group_name(r->group) == NULL || tp_tls_suite_name(r->cipher_suite) == NULL)
        return tp_error_set(e, TP_ERR_TLS_UNSUPPORTED, "the target's TLS session used a group or "
                            "suite a proof cannot name");
    if (X509_digest(leaf, EVP_sha256(), r->leaf_cert_sha256, &md_len) != 1 || md_len != 32)
        return tp_error_set(e, TP_ERR_CRYPTO, "cannot hash the target's certificate");
    snprintf(r->server_name, sizeof(r->server_name), "%s", s->target_host);
    r->server_close_notify = d->close_notify;
    return TP_OK;
}

/* The response (so the prover can open the commitments), then the proof. */
static tp_err answer(tp_session *s, const char *proof, size_t proof_len, tp_error *e)
{
    for (size_t off = 0; off < s->rec_server.len; off += TP_DATA_CHUNK) {
        size_t n = s->rec_server.len - off < TP_DATA_CHUNK ? s->rec_server.len - off : TP_DATA_CHUNK;
        if (!tp_session_send(s, TP_MSG_DATA, s->rec_server.data + off, n))
            return tp_error_set(e, TP_ERR_NOMEM, "cannot send the response");
    }
    if (!tp_session_send(s, TP_MSG_PROOF, proof, proof_len))
        return tp_error_set(e, TP_ERR_NOMEM, "cannot send the proof");
    return TP_OK;
}

static void log_outcome(const tp_session *s, tp_err rc, const tp_error *e)
{
    if (rc == TP_OK)
        fprintf(stderr, "teeproof-notary: signed direct proof for %s:%u (%zu+%zu bytes)\n",
                s->target_host, s->target_port, s->rec_client.len, s->rec_server.len);
    else
        fprintf(stderr, "teeproof-notary: refused direct %s:%u: %s [%s]\n", s->target_host,
                s->target_port, tp_error_message(e), tp_err_name(rc));
}

/* Moves into the job what the worker reads: the DIRECT_REQ (the manifest and the variable
 * values point into it), the seed, the variables, the request and the response (wiped
 * buffers), a reference to the identity this session attested. */
static void hand_over(tp_session *s, struct tp_direct *d, tp_prove_job *job)
{
    job->direct = 1;
    job->request = d->req;
    d->req = NULL;
    job->secrets.seed = d->seed;
    d->seed = (tp_buf)TP_BUF_INIT;
    job->secrets.vars = d->vars;
    job->secrets.n_vars = d->n_vars;
    d->vars = NULL;
    tp_prove_job_take_recordings(job, s);
    job->identity = tp_identity_ref(tp_session_identity(s));
    job->vars = (tp_vars){job->secrets.vars, job->secrets.n_vars};
    snprintf(job->tunnel_host, sizeof(job->tunnel_host), "%s", s->target_host);
    job->in = (tp_notarize_input){
        .tunnel_host = job->tunnel_host, .tunnel_port = s->target_port,
        .manifest_json = d->manifest, .manifest_len = d->manifest_len,
        .vars = &job->vars, .commit_seed = job->secrets.seed.data, .commit_seed_len = job->secrets.seed.len,
        .trust = s->notary->trust, .trust_store_id = s->notary->trust_id,
        .now = time(NULL),
    };
}

/* The exchange is over: end our side with close_notify; then the shared checks and the
 * signature on a replay worker, while the session waits in TP_SESS_PROVING (reading
 * nothing) for tp_direct_prove_done. */
static void finish(tp_session *s)
{
    struct tp_direct *d = s->direct;
    tp_error e;
    if (!d->close_notify)
        SSL_shutdown(d->ssl); /* one try: a target that does not read it loses nothing */
    ERR_clear_error();
    tp_prove_job *job = tp_prove_job_new(s->id);
    tp_err rc = job ? tls_result(s, d, &job->tls, &e) : tp_error_set(&e, TP_ERR_NOMEM, NULL);
    tp_relay_close(s); /* the target is done */
    if (rc == TP_OK) {
        hand_over(s, d, job);
        tp_workers_submit(s->notary, job);
        s->state = TP_SESS_PROVING;
        tp_session_charge(s); /* the recordings are the job's now */
    } else {
        log_outcome(s, rc, &e);
        tp_session_fail(s, &e);
        tp_prove_job_free(job);
    }
    tp_direct_free(s); /* the TLS client, the manifest; the rest is the job's */
}

void tp_direct_prove_done(tp_session *s, tp_prove_job *job)
{
    tp_error e = job->err;
    tp_err rc = job->rc;
    tp_prove_job_return_recordings(job, s); /* the response for the answer and the log line */
    if (rc == TP_OK)
        rc = answer(s, job->proof, job->proof_len, &e);
    log_outcome(s, rc, &e);
    if (rc == TP_OK)
        s->state = TP_SESS_CLOSING;
    else
        tp_session_fail(s, &e);
}
